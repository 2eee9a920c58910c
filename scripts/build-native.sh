#!/usr/bin/env bash
# Builds and tests the native kernels for every platform we ship.
#
#   scripts/build-native.sh build <outdir>   configure + build (incremental):
#       <outdir>/host      linux-x86_64 Release (clang-19 if present, else $CC / cc)
#       <outdir>/asan      the same with ASan + UBSan (tests only, never shipped)
#       <outdir>/aarch64   linux-aarch64 Release, cross-compiled with clang-19 + lld
#       <outdir>/gcc       linux-x86_64 Release built with gcc (tests only: the compiler ./bitnet4j
#                          falls back to when clang-19 is absent must give the same results)
#     and copies the libraries to <outdir>/jar/<platform>/io/bitnet4j/native/<platform>/libbitnet4j.so
#   scripts/build-native.sh test <outdir>    ctest in all four (aarch64 under qemu-aarch64)
#
# Environment: CC (host compiler), B4J_HOST_ONLY=1 (./bitnet4j's first build: the host library alone,
# no sanitizer, cross or gcc build, no C tests; needs only cmake and a C compiler),
# B4J_SKIP_AARCH64=1 / B4J_SKIP_ASAN=1 / B4J_SKIP_GCC=1 to leave a build out,
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

host_only=${B4J_HOST_ONLY:-0}
if [[ $host_only == 1 ]]; then
  B4J_SKIP_ASAN=1 B4J_SKIP_AARCH64=1 B4J_SKIP_GCC=1
  if [[ $cmd == test ]]; then echo "build-native.sh: B4J_HOST_ONLY=1 builds no C tests" >&2; exit 2; fi
fi
skip_asan=${B4J_SKIP_ASAN:-0} skip_aarch64=${B4J_SKIP_AARCH64:-0} skip_gcc=${B4J_SKIP_GCC:-0}

# The host library needs cmake and a C compiler ("run" level); the other builds need the test level
# (clang-19 and its sanitizer runtimes, lld, the aarch64 cross libraries, qemu, gcc).
level=run
[[ $skip_asan == 1 && $skip_aarch64 == 1 && $skip_gcc == 1 ]] || level=test
"$root/scripts/setup.sh" "$level" --check-only 2>/dev/null || {
  echo "build-native.sh: build prerequisites are missing; run scripts/setup.sh $level (as root it installs them)" >&2
  "$root/scripts/setup.sh" "$level" --check-only || true
  exit 1
}

host_cc=${CC:-}
if [[ -z $host_cc ]]; then
  if command -v clang-19 >/dev/null; then host_cc=clang-19; elif command -v gcc >/dev/null; then host_cc=gcc; else host_cc=cc; fi
fi

generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi

# configure <dir> <extra cmake args...>: (re)configures; a build directory made with other arguments (say
# gcc before clang-19 was installed) or another generator is made anew. Configuring again on every
# build is cheap and finds tools installed since (qemu-x86_64 adds the emulated-CPU tests, and the
# host directory is often first made by ./bitnet4j before scripts/test.sh installs qemu).
configure() {
  local dir=$1; shift
  local want="$*|${generator[*]}"
  if [[ -f $dir/CMakeCache.txt && $(cat "$dir.args" 2>/dev/null) != "$want" ]]; then rm -rf "$dir"; fi
  cmake -S "$root" -B "$dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release "$@" >"$dir.configure.log" 2>&1 || {
    cat "$dir.configure.log" >&2; exit 1; }
  printf '%s' "$want" >"$dir.args"
}

build_all() {
  mkdir -p "$out"
  configure "$out/host" -DCMAKE_C_COMPILER="$host_cc"
  if [[ $host_only == 1 ]]; then
    # ./bitnet4j's first build: quiet unless it fails
    cmake --build "$out/host" -j "$jobs" --target bitnet4j >"$out/host.build.log" 2>&1 || {
      cat "$out/host.build.log" >&2; exit 1; }
  else
    cmake --build "$out/host" -j "$jobs"
  fi
  if [[ $skip_asan != 1 ]]; then
    configure "$out/asan" -DCMAKE_C_COMPILER="$host_cc" -DB4J_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
    cmake --build "$out/asan" -j "$jobs"
  fi
  if [[ $skip_gcc != 1 ]]; then
    configure "$out/gcc" -DCMAKE_C_COMPILER=gcc
    cmake --build "$out/gcc" -j "$jobs"
  fi
  if [[ $skip_aarch64 != 1 ]]; then
    configure "$out/aarch64" -DCMAKE_TOOLCHAIN_FILE="$root/cmake/aarch64-linux-gnu.cmake"
    cmake --build "$out/aarch64" -j "$jobs"
  fi
  local d=$out/jar/linux-x86_64/io/bitnet4j/native/linux-x86_64
  mkdir -p "$d" && cp -f "$out/host/libbitnet4j.so" "$d/libbitnet4j.so"
  if [[ $skip_aarch64 != 1 ]]; then
    d=$out/jar/linux-aarch64/io/bitnet4j/native/linux-aarch64
    mkdir -p "$d" && cp -f "$out/aarch64/libbitnet4j.so" "$d/libbitnet4j.so"
  else
    mkdir -p "$out/jar/linux-aarch64"
  fi
}

run_ctest() {
  local name=$1 dir=$2; shift 2
  echo "== ctest: $name"
  (cd "$dir" && ctest --output-on-failure -j "$jobs" "$@")
}

test_all() {
  build_all
  run_ctest "linux-x86_64" "$out/host"
  if [[ $skip_asan != 1 ]]; then
    # detect_leaks=0: the tests exit right after a failure without freeing everything.
    ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
      run_ctest "linux-x86_64 asan+ubsan" "$out/asan"
  fi
  if [[ $skip_gcc != 1 ]]; then
    # The kernels as gcc compiles them; the emulated-CPU runs are the clang build's job.
    run_ctest "linux-x86_64 gcc" "$out/gcc" -E '_on_|dispatch_'
  fi
  if [[ $skip_aarch64 != 1 ]]; then
    run_ctest "linux-aarch64 (qemu)" "$out/aarch64"
  fi
}

case $cmd in
  build) build_all ;;
  test) test_all ;;
  *) usage ;;
esac
