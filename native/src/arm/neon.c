/* AArch64 Advanced SIMD variant (armv8-a baseline, every AArch64 CPU). Kernels in kernels.inc. */
#define B4J_ARM_TABLE b4j_kernels_neon
#define B4J_ARM_NAME "neon"
#include "kernels.inc"
