/*
 * ISA detection and the exported API. The best variant the CPU (and OS) supports is chosen once, on
 * first use or at load time (constructor); b4j_set_isa switches it (tests and benchmarks only: callers
 * must not switch while other threads run kernels).
 */
#include <stdatomic.h>
#include <string.h>

#include "internal.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif
#if defined(__aarch64__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1 << 20)
#endif
#endif

#define MAX_VARIANTS 4

static const b4j_kernels *g_supported[MAX_VARIANTS];  /* best first, scalar last */
static int g_nsupported;
static char g_supported_names[128];
static _Atomic(const b4j_kernels *) g_active;

#if defined(__x86_64__)
static uint64_t xgetbv0(void) {
    uint32_t eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((uint64_t)edx << 32) | eax;
}

static void detect_x86(int *avx2, int *avx512vnni) {
    unsigned a, b, c, d;
    *avx2 = *avx512vnni = 0;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return;
    const int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1, f16c = (c >> 29) & 1;
    if (!osxsave || !avx) return;
    const uint64_t xcr0 = xgetbv0();
    const int ymm_os = (xcr0 & 0x6) == 0x6;     /* XMM and YMM state enabled by the OS */
    const int zmm_os = (xcr0 & 0xe6) == 0xe6;   /* plus opmask, ZMM_Hi256, Hi16_ZMM */
    if (__get_cpuid_max(0, 0) < 7) return;
    __cpuid_count(7, 0, a, b, c, d);
    const int has_avx2 = (b >> 5) & 1;
    const int has_avx512f = (b >> 16) & 1, has_avx512bw = (b >> 30) & 1, has_avx512vl = (b >> 31) & 1;
    const int has_vnni = (c >> 11) & 1;
    *avx2 = ymm_os && has_avx2 && fma && f16c;
    *avx512vnni = *avx2 && zmm_os && has_avx512f && has_avx512bw && has_avx512vl && has_vnni;
}
#endif

static void add_variant(const b4j_kernels *k) {
    g_supported[g_nsupported++] = k;
    if (g_supported_names[0]) strcat(g_supported_names, ",");
    strcat(g_supported_names, k->name);
}

static void detect(void) {
    /* Runs once; benign if two threads race here at first use (same result, written before publish). */
    g_nsupported = 0;
    g_supported_names[0] = 0;
#if defined(__x86_64__)
    int avx2, avx512vnni;
    detect_x86(&avx2, &avx512vnni);
#if defined(B4J_VARIANT_AVX512VNNI)
    if (avx512vnni) add_variant(&b4j_kernels_avx512vnni);
#endif
#if defined(B4J_VARIANT_AVX2)
    if (avx2) add_variant(&b4j_kernels_avx2);
#endif
    (void)avx2; (void)avx512vnni;
#endif
#if defined(__aarch64__)
    const unsigned long hw = getauxval(AT_HWCAP);
#if defined(B4J_VARIANT_DOTPROD)
    if (hw & HWCAP_ASIMDDP) add_variant(&b4j_kernels_dotprod);
#endif
#if defined(B4J_VARIANT_NEON)
    add_variant(&b4j_kernels_neon); /* Advanced SIMD is mandatory on AArch64 */
#endif
    (void)hw;
#endif
    add_variant(&b4j_kernels_scalar);
    atomic_store(&g_active, g_supported[0]);
}

__attribute__((constructor)) static void b4j_init(void) { detect(); }

static inline const b4j_kernels *K(void) {
    const b4j_kernels *k = atomic_load_explicit(&g_active, memory_order_acquire);
    if (__builtin_expect(k == NULL, 0)) {
        detect();
        k = atomic_load(&g_active);
    }
    return k;
}

/* ---------------------------------------------------------------- exported API */

B4J_API int32_t b4j_abi_version(void) { return B4J_ABI_VERSION; }

B4J_API const char *b4j_supported_isas(void) { K(); return g_supported_names; }

B4J_API const char *b4j_isa(void) { return K()->name; }

B4J_API int32_t b4j_set_isa(const char *name) {
    K();
    if (name == NULL) return -1;
    for (int i = 0; i < g_nsupported; i++) {
        if (strcmp(g_supported[i]->name, name) == 0) {
            atomic_store(&g_active, g_supported[i]);
            return 0;
        }
    }
    return -1;
}

B4J_API void b4j_quantize_i8(const float *x, int64_t ntok, int64_t k, int8_t *q, float *scales, int32_t *sums) {
    K()->quantize_i8(x, ntok, k, q, scales, sums);
}

B4J_API void b4j_quantize_q8_k(const float *x, int64_t ntok, int64_t k, void *y) {
    K()->quantize_q8_k(x, ntok, k, y);
}

B4J_API void b4j_quantize_q8_0(const float *x, int64_t ntok, int64_t k, void *y) {
    K()->quantize_q8_0(x, ntok, k, y);
}

B4J_API void b4j_gemm_i2s_i8(const uint8_t *w, int64_t k, int64_t row0, int64_t row1, float w_scale,
                             const int8_t *act, const float *scales, const int32_t *sums, int64_t ntok,
                             float *out, int64_t out_stride) {
    K()->gemm_i2s_i8(w, k, row0, row1, w_scale, act, scales, sums, ntok, out, out_stride);
}

B4J_API void b4j_gemm_tq2_0_q8_k(const uint8_t *w, int64_t k, int64_t row0, int64_t row1,
                                 const uint8_t *act, int64_t ntok, float *out, int64_t out_stride, int32_t fused) {
    K()->gemm_tq2_0_q8_k(w, k, row0, row1, act, ntok, out, out_stride, fused);
}

B4J_API void b4j_gemm_tq1_0_q8_k(const uint8_t *w, int64_t k, int64_t row0, int64_t row1,
                                 const uint8_t *act, int64_t ntok, float *out, int64_t out_stride, int32_t fused) {
    K()->gemm_tq1_0_q8_k(w, k, row0, row1, act, ntok, out, out_stride, fused);
}

B4J_API void b4j_gemm_f32(const float *w, int64_t k, int64_t row0, int64_t row1,
                          const float *x, int64_t ntok, float *out, int64_t out_stride, int32_t dot) {
    if (dot < B4J_DOT_TINYBLAS8 || dot > B4J_DOT_VEC16) dot = B4J_DOT_VEC8;   /* the header's values only */
    K()->gemm_f32(w, k, row0, row1, x, ntok, out, out_stride, b4j_dot_for_length(dot, k));
}

B4J_API void b4j_gemm_f16(const uint16_t *w, int64_t k, int64_t row0, int64_t row1,
                          const float *x, int64_t ntok, float *out, int64_t out_stride, int32_t dot) {
    if (dot < B4J_DOT_TINYBLAS8 || dot > B4J_DOT_VEC16) dot = B4J_DOT_VEC8;
    K()->gemm_f16(w, k, row0, row1, x, ntok, out, out_stride, b4j_dot_for_length(dot, k));
}

B4J_API void b4j_gemm_bf16(const uint16_t *w, int64_t k, int64_t row0, int64_t row1,
                           const float *x, int64_t ntok, float *out, int64_t out_stride) {
    K()->gemm_bf16(w, k, row0, row1, x, ntok, out, out_stride);
}

B4J_API void b4j_gemm_q8_0_q8_0(const uint8_t *w, int64_t k, int64_t row0, int64_t row1,
                                const uint8_t *act, int64_t ntok, float *out, int64_t out_stride) {
    K()->gemm_q8_0_q8_0(w, k, row0, row1, act, ntok, out, out_stride);
}

B4J_API void b4j_gemm_q1_0_q8_0(const uint8_t *w, int64_t k, int64_t row0, int64_t row1,
                                const uint8_t *act, int64_t ntok, float *out, int64_t out_stride) {
    K()->gemm_q1_0_q8_0(w, k, row0, row1, act, ntok, out, out_stride);
}

B4J_API void b4j_gemm_q2_0_q8_0(const uint8_t *w, int64_t k, int64_t row0, int64_t row1,
                                const uint8_t *act, int64_t ntok, float *out, int64_t out_stride) {
    K()->gemm_q2_0_q8_0(w, k, row0, row1, act, ntok, out, out_stride);
}

B4J_API void b4j_attention(const float *q, const void *k, const void *v, int32_t kv_f16, int64_t head_size,
                           int64_t kv_heads, int64_t group, float scale, int64_t pos0, int64_t row0, int64_t row1,
                           int32_t order, float *scratch, float *out) {
    K()->attention(q, k, v, kv_f16, head_size, kv_heads, group, scale, pos0, row0, row1, order, scratch, out);
}
