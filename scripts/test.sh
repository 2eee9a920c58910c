#!/usr/bin/env bash
# The whole test suite: system packages (installed when missing), the native build with its C tests
# (x86-64 natively, ASan/UBSan, aarch64 under qemu), then every Java test.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec mvn -B -ntp verify "$@"
