#!/usr/bin/env bash
# The whole test suite: system packages of the test level (installed when missing), the native build with
# its C tests (x86-64 with clang and with gcc, ASan/UBSan, aarch64 under qemu), then every Java test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test
# The training script of the shipped model, smoke-tested for a few seconds (2 steps of a tiny model on
# the committed held-out text) when PyTorch is installed; skipped otherwise.
if /usr/bin/python3 -c 'import torch' 2>/dev/null; then
  smoke="$(mktemp -d)"
  /usr/bin/python3 scripts/train/train_bitnet.py --smoke --out "$smoke" >/dev/null
  rm -rf "$smoke"
  echo "train_bitnet.py smoke test: ok"
else
  echo "train_bitnet.py smoke test: skipped (no torch for /usr/bin/python3)"
fi
exec mvn -B -ntp verify "$@"
