/* AArch64 dot-product variant (armv8.2-a+dotprod: sdot), used when HWCAP_ASIMDDP is set.
 * Compiled alone with -march=armv8.2-a+dotprod; kernels in kernels.inc. */
#if !defined(__ARM_FEATURE_DOTPROD)
#error "dotprod.c must be compiled with -march=armv8.2-a+dotprod"
#endif
#define B4J_ARM_TABLE b4j_kernels_dotprod
#define B4J_ARM_NAME "dotprod"
#include "kernels.inc"
