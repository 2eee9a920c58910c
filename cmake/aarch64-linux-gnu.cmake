# Cross build for linux-aarch64 with clang + lld against the Debian cross sysroot
# (libc6-dev-arm64-cross, libgcc-12-dev-arm64-cross). Tests run under qemu-aarch64.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

set(B4J_CLANG "clang-19" CACHE STRING "clang used for the cross build")
set(CMAKE_C_COMPILER ${B4J_CLANG})
set(CMAKE_C_COMPILER_TARGET aarch64-linux-gnu)
# No CMAKE_SYSROOT: Debian's libc.so linker script names /usr/aarch64-linux-gnu/lib/... absolutely, which
# a --sysroot=/usr/aarch64-linux-gnu would prefix a second time. clang's driver knows the Debian cross
# layout by itself (headers and libs in /usr/aarch64-linux-gnu, crt files and libgcc in
# /usr/lib/gcc-cross/aarch64-linux-gnu/<ver>, found through --gcc-toolchain=/usr). lld links any target.
set(CMAKE_C_FLAGS_INIT "--gcc-toolchain=/usr")
set(CMAKE_EXE_LINKER_FLAGS_INIT "-fuse-ld=lld")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "-fuse-ld=lld")
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)

# ctest runs the test binaries through qemu; -cpu max emulates dotprod (the tests also force the plain
# NEON variant), -L points the dynamic loader at the cross libc.
set(CMAKE_CROSSCOMPILING_EMULATOR "qemu-aarch64;-cpu;max;-L;/usr/aarch64-linux-gnu" CACHE STRING "")
