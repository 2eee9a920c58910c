#!/usr/bin/env bash
# Makes sure this (Debian/Ubuntu, x86_64) machine has what the native build needs:
#   cmake, a host C compiler (clang-19, or gcc as fallback for the host build only),
#   clang-19 + lld-19 (aarch64 cross build), qemu-aarch64 (running the aarch64 tests),
#   the aarch64 libc and libgcc (libc6-dev-arm64-cross, libgcc-12-dev-arm64-cross).
# Optional, for the training script's smoke test (scripts/train): Debian's python3-torch and
# python3-numpy for /usr/bin/python3, and OpenBLAS (torch's matmuls ~9x faster than the reference BLAS).
# Installs the missing Debian packages when it can (root, or passwordless sudo, and apt-get);
# otherwise prints one message naming the required ones and exits 1 (a missing optional package is
# only named). Fast and silent when all is present.
#   scripts/setup.sh [--check-only]
set -euo pipefail

check_only=0
[[ ${1:-} == --check-only ]] && check_only=1

missing=()
have() { command -v "$1" >/dev/null 2>&1; }

have cmake || missing+=(cmake)
have clang-19 || missing+=(clang-19)
have ld.lld-19 || missing+=(lld-19)
have qemu-aarch64 || missing+=(qemu-user)
[[ -e /usr/aarch64-linux-gnu/lib/libc.so ]] || missing+=(libc6-dev-arm64-cross)
compgen -G "/usr/lib/gcc-cross/aarch64-linux-gnu/*/libgcc.a" >/dev/null || missing+=(libgcc-12-dev-arm64-cross)
# The host build only needs some C compiler; clang-19 (above) is preferred, gcc is the fallback.
have clang-19 || have gcc || have cc || missing+=(gcc)

optional=()
/usr/bin/python3 -c 'import torch, numpy' >/dev/null 2>&1 || optional+=(python3-torch python3-numpy)
{ ldconfig -p 2>/dev/null | grep -q libopenblas; } || optional+=(libopenblas0-pthread)

if [[ ${#missing[@]} -eq 0 && ( ${#optional[@]} -eq 0 || $check_only -eq 1 ) ]]; then
  exit 0
fi

sudo_cmd=()
can_install=0
if have apt-get; then
  if [[ $(id -u) -eq 0 ]]; then
    can_install=1
  elif have sudo && sudo -n true 2>/dev/null; then
    can_install=1; sudo_cmd=(sudo -n)
  fi
fi

if [[ $check_only -eq 1 || $can_install -eq 0 ]]; then
  if [[ ${#missing[@]} -eq 0 ]]; then
    echo "bitnet4j setup: optional (training smoke test): ${optional[*]} not installed" >&2
    exit 0
  fi
  echo "bitnet4j setup: missing build prerequisites; install these Debian/Ubuntu packages: ${missing[*]}" \
       "(e.g. sudo apt-get install -y ${missing[*]})" >&2
  exit 1
fi

echo "bitnet4j setup: installing ${missing[*]} ${optional[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq >/dev/null
"${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
  "${missing[@]}" "${optional[@]}" >/dev/null
# Re-check: a package can exist under another name on some releases.
exec "$0" --check-only
