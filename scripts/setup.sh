#!/usr/bin/env bash
# Makes sure this (Debian/Ubuntu, x86_64) machine has the system packages bitnet4j's build needs, at one
# of two levels:
#   run   what ./bitnet4j needs to build the jar and its host library: cmake and a C compiler. clang-19
#         is preferred (its kernels run ~15-20 % faster than gcc's) and installed when this script can
#         install; gcc / cc is accepted otherwise.
#   test  what scripts/test.sh needs besides: clang-19, the ASan/UBSan runtimes, lld-19 and the aarch64
#         cross libc/libgcc for the aarch64 build, qemu-user to run it (and the x86-64 CPU emulation
#         tests). Optional: Debian's python3-torch, python3-numpy and OpenBLAS for the training
#         script's smoke test (named, never required).
# Each requirement is checked by the file the build uses (a runtime archive, a crt file, a binary), not
# only by which commands exist, and mapped to the Debian package that ships it.
# Installs what is missing when it can (root, or passwordless sudo, and apt-get; without recommends);
# otherwise, and with --check-only, prints one line naming the missing packages and exits 1 (a missing
# optional package is only named). Fast and silent when all is present.
#   scripts/setup.sh [run|test] [--check-only]        (default: test)
set -euo pipefail

level=test check_only=0
for arg in "$@"; do
  case $arg in
    run|test) level=$arg ;;
    --check-only) check_only=1 ;;
    *) echo "usage: $0 [run|test] [--check-only]" >&2; exit 2 ;;
  esac
done

have() { command -v "$1" >/dev/null 2>&1; }
exists() { compgen -G "$1" >/dev/null; }  # a path or glob that matches at least one file

missing=()
need() {  # need PACKAGE TEST...: PACKAGE is missing unless the test command succeeds
  local pkg=$1; shift
  "$@" || missing+=("$pkg")
}

need cmake have cmake
optional=() optional_why=""
if [[ $level == run ]]; then
  # Any C compiler builds the host library (the test suite checks clang-19's and gcc's builds).
  have clang-19 || have gcc || have cc || missing+=(gcc)
  if ! have clang-19; then optional+=(clang-19); optional_why="faster kernels than gcc's"; fi
else
  need clang-19 have clang-19
  # ASan + UBSan (the sanitizer build of the C tests): clang's runtimes ship apart from the compiler.
  need libclang-rt-19-dev exists "/usr/lib/llvm-19/lib/clang/19/lib/linux/libclang_rt.asan_static-x86_64.a"
  need libclang-rt-19-dev exists "/usr/lib/llvm-19/lib/clang/19/lib/linux/libclang_rt.ubsan_standalone-x86_64.a"
  # aarch64 cross build: lld links it against Debian's cross sysroot and gcc's cross crt/libgcc.
  need lld-19 have ld.lld-19
  need libc6-dev-arm64-cross exists "/usr/aarch64-linux-gnu/lib/libc.so"
  need libc6-dev-arm64-cross exists "/usr/aarch64-linux-gnu/lib/crt1.o"
  need libgcc-12-dev-arm64-cross exists "/usr/lib/gcc-cross/aarch64-linux-gnu/*/libgcc.a"
  need libgcc-12-dev-arm64-cross exists "/usr/lib/gcc-cross/aarch64-linux-gnu/*/crtbeginS.o"
  # Running it: qemu-aarch64 with the cross dynamic loader; qemu-x86_64 for the baseline-CPU tests.
  need qemu-user have qemu-aarch64
  need qemu-user have qemu-x86_64
  need libc6-arm64-cross exists "/usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1"
  # The host library is also built and tested with gcc (the compiler ./bitnet4j falls back to).
  need gcc have gcc
fi
# A package can stand for several files: name it once.
if [[ ${#missing[@]} -gt 0 ]]; then mapfile -t missing < <(printf '%s\n' "${missing[@]}" | awk '!seen[$0]++'); fi

if [[ $level == test ]]; then
  optional_why="the training script's smoke test"
  /usr/bin/python3 -c 'import torch, numpy' >/dev/null 2>&1 || optional+=(python3-torch python3-numpy)
  { ldconfig -p 2>/dev/null | grep -q libopenblas; } || optional+=(libopenblas0-pthread)
fi

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
    echo "bitnet4j setup ($level): optional, for $optional_why: ${optional[*]} not installed" >&2
    exit 0
  fi
  echo "bitnet4j setup ($level): missing Debian/Ubuntu packages: ${missing[*]}" \
       "(as root: scripts/setup.sh $level, or apt-get install -y ${missing[*]})" >&2
  exit 1
fi

echo "bitnet4j setup ($level): installing ${missing[*]} ${optional[*]} (Debian packages, once) ..." >&2
start=$SECONDS
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq >/dev/null
if ! "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null; then
  echo "bitnet4j setup ($level): apt-get install ${missing[*]} failed" >&2
  exit 1
fi
if [[ ${#optional[@]} -gt 0 ]] && ! "${sudo_cmd[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends "${optional[@]}" >/dev/null; then
  echo "bitnet4j setup ($level): optional ${optional[*]} (for $optional_why) could not be installed; going on without" >&2
fi
echo "bitnet4j setup ($level): installed in $((SECONDS - start)) s" >&2
# Re-check by the same files: a package that installed but does not provide them is named.
exec "$0" "$level" --check-only
