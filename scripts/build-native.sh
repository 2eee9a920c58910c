#!/usr/bin/env bash
# Builds and tests the native kernels for every platform we ship.
#
#   scripts/build-native.sh build <outdir>   configure + build (incremental):
#       <outdir>/host      linux-x86_64 Release (clang-19 if present, else $CC / cc)
#       <outdir>/asan      the same with ASan + UBSan (tests only, never shipped)
#       <outdir>/aarch64   linux-aarch64 Release, cross-compiled with clang-19 + lld
#     and copies the libraries to <outdir>/jar/<platform>/io/bitnet4j/native/<platform>/libbitnet4j.so
#   scripts/build-native.sh test <outdir>    ctest in all three (aarch64 under qemu-aarch64)
#
# Environment: CC (host compiler), B4J_SKIP_AARCH64=1 / B4J_SKIP_ASAN=1 to leave a build out,
# B4J_JOBS (parallel build jobs, default 2).
set -euo pipefail

usage() { echo "usage: $0 build|test <outdir>" >&2; exit 2; }
[[ $# -eq 2 ]] || usage
cmd=$1
out=$(mkdir -p "$2" && cd "$2" && pwd)
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
jobs=${B4J_JOBS:-2}

host_arch=$(uname -m)
if [[ $host_arch != x86_64 ]]; then
  echo "build-native.sh: only x86_64 build hosts are supported (this is $host_arch)" >&2
  exit 1
fi

# The full set (cross compiler, qemu) is needed unless the aarch64 build is skipped; a host-only build
# just needs cmake and a C compiler.
if [[ ${B4J_SKIP_AARCH64:-0} != 1 ]]; then
  "$root/scripts/setup.sh" --check-only 2>/dev/null || {
    echo "build-native.sh: build prerequisites are missing; run scripts/setup.sh (as root it installs them)" >&2
    "$root/scripts/setup.sh" --check-only || true
    exit 1
  }
elif ! command -v cmake >/dev/null; then
  echo "build-native.sh: cmake is missing; run scripts/setup.sh" >&2
  exit 1
fi

host_cc=${CC:-}
if [[ -z $host_cc ]]; then
  if command -v clang-19 >/dev/null; then host_cc=clang-19; else host_cc=cc; fi
fi

generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi

# configure <dir> <extra cmake args...>: configures once; later runs only rebuild.
configure() {
  local dir=$1; shift
  if [[ ! -f $dir/CMakeCache.txt ]]; then
    cmake -S "$root" -B "$dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release "$@" >"$dir.configure.log" 2>&1 || {
      cat "$dir.configure.log" >&2; exit 1; }
  fi
}

build_all() {
  mkdir -p "$out"
  configure "$out/host" -DCMAKE_C_COMPILER="$host_cc"
  cmake --build "$out/host" -j "$jobs"
  if [[ ${B4J_SKIP_ASAN:-0} != 1 ]]; then
    configure "$out/asan" -DCMAKE_C_COMPILER="$host_cc" -DB4J_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
    cmake --build "$out/asan" -j "$jobs"
  fi
  if [[ ${B4J_SKIP_AARCH64:-0} != 1 ]]; then
    configure "$out/aarch64" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/aarch64-linux-gnu.cmake"
    cmake --build "$out/aarch64" -j "$jobs"
  fi
  local d=$out/jar/linux-x86_64/io/bitnet4j/native/linux-x86_64
  mkdir -p "$d" && cp -f "$out/host/libbitnet4j.so" "$d/libbitnet4j.so"
  if [[ ${B4J_SKIP_AARCH64:-0} != 1 ]]; then
    d=$out/jar/linux-aarch64/io/bitnet4j/native/linux-aarch64
    mkdir -p "$d" && cp -f "$out/aarch64/libbitnet4j.so" "$d/libbitnet4j.so"
  else
    mkdir -p "$out/jar/linux-aarch64"
  fi
}

run_ctest() {
  local name=$1 dir=$2
  echo "== ctest: $name"
  (cd "$dir" && ctest --output-on-failure -j "$jobs")
}

test_all() {
  build_all
  run_ctest "linux-x86_64" "$out/host"
  if [[ ${B4J_SKIP_ASAN:-0} != 1 ]]; then
    # detect_leaks=0: the tests exit right after a failure without freeing everything.
    ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
      run_ctest "linux-x86_64 asan+ubsan" "$out/asan"
  fi
  if [[ ${B4J_SKIP_AARCH64:-0} != 1 ]]; then
    run_ctest "linux-aarch64 (qemu)" "$out/aarch64"
  fi
}

case $cmd in
  build) build_all ;;
  test) test_all ;;
  *) usage ;;
esac
