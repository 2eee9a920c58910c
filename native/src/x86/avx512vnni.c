/*
 * AVX-512 (F, BW, VL, DQ) + VNNI variant; compiled alone with those flags and called only when
 * CPUID/XCR0 report them (and AVX2/FMA/F16C, whose kernels it reuses where 512 bits do not matter:
 * Q8_K / Q8_0 quantization and the Q8_0 GEMM).
 *
 * The ternary kernels feed vpdpbusd with the unsigned 2-bit codes as they sit in the byte, only masked,
 * never shifted: 32 weight bytes are broadcast to both 256-bit halves of a zmm and masked with
 * 0xC0 (low half) / 0x30 (high half), resp. 0x0C / 0x03, so the first product vector lines up with 64
 * consecutive activations and the second with the next 64. Each lane then holds 64x, 16x, 4x or 1x the
 * true dot; the exact quotient is taken once at the end (arithmetic shifts of exact multiples). The
 * activation sum (codes 0/1/2 = weights -1/0/+1) is subtracted once per row.
 */
#include <immintrin.h>
#include <math.h>

#include "internal.h"

extern const b4j_kernels b4j_kernels_avx2;

/* ---------------------------------------------------------------- helpers */

/* per-lane exact quotient of the 64x/16x (A) and 4x/1x (B) accumulators, summed */
static inline int32_t i2s_reduce(__m512i accA, __m512i accB) {
    const __m512i shA = _mm512_setr_epi32(6, 6, 6, 6, 6, 6, 6, 6, 4, 4, 4, 4, 4, 4, 4, 4);
    const __m512i shB = _mm512_setr_epi32(2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0);
    return _mm512_reduce_add_epi32(_mm512_add_epi32(_mm512_srav_epi32(accA, shA), _mm512_srav_epi32(accB, shB)));
}

static inline __m512i bcast256(const uint8_t *p) {
    return _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)p));
}

/* ---------------------------------------------------------------- quantize_i8 */

static void avx512_quantize_i8(const float *x, int64_t ntok, int64_t k, int8_t *q, float *scales, int32_t *sums) {
    for (int64_t t = 0; t < ntok; t++) {
        const float *xt = x + t * k;
        int8_t *qt = q + t * k;
        __m512 m0 = _mm512_setzero_ps(), m1 = _mm512_setzero_ps();
        int64_t i = 0;
        for (; i + 32 <= k; i += 32) {
            m0 = _mm512_max_ps(m0, _mm512_abs_ps(_mm512_loadu_ps(xt + i)));
            m1 = _mm512_max_ps(m1, _mm512_abs_ps(_mm512_loadu_ps(xt + i + 16)));
        }
        if (i < k) { /* masked tail: lanes past k read as 0, which cannot raise the max */
            const __mmask16 mk0 = (__mmask16)(k - i >= 16 ? 0xffff : (1u << (k - i)) - 1);
            m0 = _mm512_max_ps(m0, _mm512_abs_ps(_mm512_maskz_loadu_ps(mk0, xt + i)));
            if (k - i > 16) {
                const __mmask16 mk1 = (__mmask16)((1u << (k - i - 16)) - 1);
                m1 = _mm512_max_ps(m1, _mm512_abs_ps(_mm512_maskz_loadu_ps(mk1, xt + i + 16)));
            }
        }
        const float fmax = _mm512_reduce_max_ps(_mm512_max_ps(m0, m1));
        const double max = (double)fmax > 0.00001 ? (double)fmax : 0.00001;
        const float s = (float)(127.0 / max);
        const __m512 vs = _mm512_set1_ps(s);
        const __m512i lo = _mm512_set1_epi32(-128), hi = _mm512_set1_epi32(127);
        __m512i vsum = _mm512_setzero_si512();
        for (i = 0; i < k; i += 16) {
            const __mmask16 mk = (__mmask16)(k - i >= 16 ? 0xffff : (1u << (k - i)) - 1);
            __m512i v = _mm512_cvtps_epi32(_mm512_mul_ps(_mm512_maskz_loadu_ps(mk, xt + i), vs));
            v = _mm512_min_epi32(_mm512_max_epi32(v, lo), hi);
            vsum = _mm512_add_epi32(vsum, v); /* masked-off lanes are 0 */
            _mm_mask_storeu_epi8(qt + i, mk, _mm512_cvtepi32_epi8(v));
        }
        scales[t] = s;
        sums[t] = _mm512_reduce_add_epi32(vsum);
    }
}

/* ---------------------------------------------------------------- I2_S x I8 */

/* NR rows x NT tokens; accumulators A/B per (row, token). */
#define I2S_MK(NR, NT)                                                                                   \
    static inline void i2s_mk_##NR##_##NT(const uint8_t *w, int64_t rstride, const int8_t *act, int64_t k, \
                                          int32_t *dots /* [NR][NT] */) {                               \
        const __m512i mA = _mm512_inserti64x4(_mm512_set1_epi8((char)0xC0), _mm256_set1_epi8(0x30), 1); \
        const __m512i mB = _mm512_inserti64x4(_mm512_set1_epi8(0x0C), _mm256_set1_epi8(0x03), 1);      \
        __m512i accA[NR][NT], accB[NR][NT];                                                              \
        for (int r = 0; r < NR; r++)                                                                     \
            for (int t = 0; t < NT; t++) { accA[r][t] = _mm512_setzero_si512(); accB[r][t] = _mm512_setzero_si512(); } \
        for (int64_t g = 0; g < k / 128; g++) {                                                          \
            __m512i cA[NR], cB[NR];                                                                      \
            for (int r = 0; r < NR; r++) {                                                               \
                const __m512i wv = bcast256(w + r * rstride + g * 32);                                   \
                cA[r] = _mm512_and_si512(wv, mA);                                                        \
                cB[r] = _mm512_and_si512(wv, mB);                                                        \
            }                                                                                            \
            for (int t = 0; t < NT; t++) {                                                               \
                const int8_t *a = act + t * k + g * 128;                                                 \
                const __m512i a0 = _mm512_loadu_si512((const void *)a);                                 \
                const __m512i a1 = _mm512_loadu_si512((const void *)(a + 64));                          \
                for (int r = 0; r < NR; r++) {                                                           \
                    accA[r][t] = _mm512_dpbusd_epi32(accA[r][t], cA[r], a0);                             \
                    accB[r][t] = _mm512_dpbusd_epi32(accB[r][t], cB[r], a1);                             \
                }                                                                                        \
            }                                                                                            \
        }                                                                                                \
        for (int r = 0; r < NR; r++)                                                                     \
            for (int t = 0; t < NT; t++) dots[r * NT + t] = i2s_reduce(accA[r][t], accB[r][t]);          \
    }
I2S_MK(1, 1)
I2S_MK(2, 2)
I2S_MK(2, 3)
I2S_MK(2, 4)
I2S_MK(1, 2)
I2S_MK(1, 3)
I2S_MK(1, 4)

/* Prompt-processing micro-kernel: 4 rows x 4 tokens. Codes are shifted down to 0..3 here (variable
 * shift per 256-bit half) so that one accumulator per (row, token) suffices: 16 accumulators, each
 * activation load feeds 4 rows and each decoded weight vector 4 tokens. */
static inline void i2s_mk44(const uint8_t *w, int64_t rs, const int8_t *act, int64_t k, int32_t *dots /* [4][4] */) {
    const __m512i m3 = _mm512_set1_epi8(3);
    const __m512i sh01 = _mm512_inserti64x4(_mm512_set1_epi16(6), _mm256_set1_epi16(4), 1);
    const __m512i sh23 = _mm512_inserti64x4(_mm512_set1_epi16(2), _mm256_set1_epi16(0), 1);
    __m512i acc[4][4];
    for (int r = 0; r < 4; r++)
        for (int t = 0; t < 4; t++) acc[r][t] = _mm512_setzero_si512();
    for (int64_t g = 0; g < k / 128; g++) {
        __m512i c01[4], c23[4];
        for (int r = 0; r < 4; r++) {
            const __m512i wv = bcast256(w + r * rs + g * 32);
            c01[r] = _mm512_and_si512(_mm512_srlv_epi16(wv, sh01), m3);
            c23[r] = _mm512_and_si512(_mm512_srlv_epi16(wv, sh23), m3);
        }
        for (int t = 0; t < 4; t++) {
            const int8_t *a = act + t * k + g * 128;
            const __m512i a0 = _mm512_loadu_si512((const void *)a);
            const __m512i a1 = _mm512_loadu_si512((const void *)(a + 64));
            for (int r = 0; r < 4; r++)
                acc[r][t] = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(acc[r][t], c01[r], a0), c23[r], a1);
        }
    }
    for (int r = 0; r < 4; r++)
        for (int t = 0; t < 4; t++) dots[r * 4 + t] = _mm512_reduce_add_epi32(acc[r][t]);
}

/* GEMV row: one row streamed front to back (the pattern hardware prefetchers like best), four groups
 * in flight so that the dpbusd latency chains do not limit the throughput. */
static inline int32_t i2s_gemv_row(const uint8_t *wr, const int8_t *a, int64_t k) {
    const __m512i mA = _mm512_inserti64x4(_mm512_set1_epi8((char)0xC0), _mm256_set1_epi8(0x30), 1);
    const __m512i mB = _mm512_inserti64x4(_mm512_set1_epi8(0x0C), _mm256_set1_epi8(0x03), 1);
    __m512i A[4], B[4];
    for (int u = 0; u < 4; u++) { A[u] = _mm512_setzero_si512(); B[u] = _mm512_setzero_si512(); }
    const int64_t ng = k / 128;
    int64_t g = 0;
    for (; g + 4 <= ng; g += 4) {
        for (int u = 0; u < 4; u++) {
            const __m512i wv = bcast256(wr + (g + u) * 32);
            A[u] = _mm512_dpbusd_epi32(A[u], _mm512_and_si512(wv, mA), _mm512_loadu_si512((const void *)(a + (g + u) * 128)));
            B[u] = _mm512_dpbusd_epi32(B[u], _mm512_and_si512(wv, mB), _mm512_loadu_si512((const void *)(a + (g + u) * 128 + 64)));
        }
    }
    for (; g < ng; g++) {
        const __m512i wv = bcast256(wr + g * 32);
        A[0] = _mm512_dpbusd_epi32(A[0], _mm512_and_si512(wv, mA), _mm512_loadu_si512((const void *)(a + g * 128)));
        B[0] = _mm512_dpbusd_epi32(B[0], _mm512_and_si512(wv, mB), _mm512_loadu_si512((const void *)(a + g * 128 + 64)));
    }
    return i2s_reduce(_mm512_add_epi32(_mm512_add_epi32(A[0], A[1]), _mm512_add_epi32(A[2], A[3])),
                      _mm512_add_epi32(_mm512_add_epi32(B[0], B[1]), _mm512_add_epi32(B[2], B[3])));
}

static void avx512_gemm_i2s_i8(const uint8_t *w, int64_t k, int64_t row0, int64_t row1, float w_scale,
                               const int8_t *act, const float *scales, const int32_t *sums, int64_t ntok,
                               float *out, int64_t out_stride) {
    const int64_t rs = k / 4;
    int32_t dots[16];
    int64_t r = row0;
    if (ntok == 1) {
        /* generation: memory-bound; rows one after the other (a single sequential stream) */
        for (; r < row1; r++) out[r] = b4j_i2s_epilogue(i2s_gemv_row(w + r * rs, act, k), sums[0], scales[0], w_scale);
        return;
    }
    /* prompt: 4 rows x 4 tokens per pass where possible */
    const int64_t ntok4 = ntok & ~(int64_t)3;
    if (ntok4 > 0) {
        for (; r + 4 <= row1; r += 4) {
            for (int64_t t0 = 0; t0 < ntok4; t0 += 4) {
                i2s_mk44(w + r * rs, rs, act + t0 * k, k, dots);
                for (int i = 0; i < 4; i++)
                    for (int t = 0; t < 4; t++)
                        out[(t0 + t) * out_stride + r + i] =
                            b4j_i2s_epilogue(dots[i * 4 + t], sums[t0 + t], scales[t0 + t], w_scale);
            }
            if (ntok4 < ntok) { /* the last 1-3 tokens for these 4 rows */
                const int nt = (int)(ntok - ntok4);
                const int8_t *a = act + ntok4 * k;
                for (int i = 0; i < 4; i += 2) {
                    const uint8_t *wr = w + (r + i) * rs;
                    switch (nt) {
                    case 1: i2s_mk_1_1(wr, rs, a, k, dots); i2s_mk_1_1(wr + rs, rs, a, k, dots + 1); break;
                    case 2: i2s_mk_2_2(wr, rs, a, k, dots); break;
                    default: i2s_mk_2_3(wr, rs, a, k, dots); break;
                    }
                    for (int j = 0; j < 2; j++)
                        for (int t = 0; t < nt; t++)
                            out[(ntok4 + t) * out_stride + r + i + j] =
                                b4j_i2s_epilogue(dots[j * nt + t], sums[ntok4 + t], scales[ntok4 + t], w_scale);
                }
            }
        }
    }
    /* remaining rows: 2 rows x up to 4 tokens per pass; each decoded weight vector serves 4 tokens and
     * each activation load serves 2 rows */
    for (; r < row1; r += 2) {
        const int nr = row1 - r >= 2 ? 2 : 1;
        for (int64_t t0 = 0; t0 < ntok; t0 += 4) {
            const int nt = ntok - t0 >= 4 ? 4 : (int)(ntok - t0);
            const int8_t *a = act + t0 * k;
            const uint8_t *wr = w + r * rs;
            if (nr == 2) {
                switch (nt) {
                case 1: i2s_mk_1_1(wr, rs, a, k, dots); i2s_mk_1_1(wr + rs, rs, a, k, dots + 1); break;
                case 2: i2s_mk_2_2(wr, rs, a, k, dots); break;
                case 3: i2s_mk_2_3(wr, rs, a, k, dots); break;
                default: i2s_mk_2_4(wr, rs, a, k, dots); break;
                }
            } else {
                switch (nt) {
                case 1: i2s_mk_1_1(wr, rs, a, k, dots); break;
                case 2: i2s_mk_1_2(wr, rs, a, k, dots); break;
                case 3: i2s_mk_1_3(wr, rs, a, k, dots); break;
                default: i2s_mk_1_4(wr, rs, a, k, dots); break;
                }
            }
            for (int i = 0; i < nr; i++)
                for (int t = 0; t < nt; t++)
                    out[(t0 + t) * out_stride + r + i] =
                        b4j_i2s_epilogue(dots[i * nt + t], sums[t0 + t], scales[t0 + t], w_scale);
        }
    }
}

/* ---------------------------------------------------------------- TQ2_0 x Q8_K */

/* llama.cpp's lane order (internal.h): int32 lane L = bsums[2L] + bsums[2L+1] */
static inline __m256i q8k_lane_bsums(const uint8_t *yb) {
    return _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)(yb + 4 + B4J_QK_K)), _mm256_set1_epi16(1));
}

/* llama.cpp's hsum_float_8: ((v0+v4) + (v2+v6)) + ((v1+v5) + (v3+v7)) */
static inline float hsum_float_8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* TQ2_0 half j: bits 1-0 -> weight 128j+m, 3-2 -> +32, 5-4 -> +64, 7-6 -> +96; so mask [0x03 | 0x0C]
 * pairs with q[128j .. +63] (factors 1, 4) and [0x30 | 0xC0] with q[128j+64 .. +127] (16, 64). */
static inline float tq2_decode(const uint8_t *xb, __m512i *c) {
    const __m512i mA = _mm512_inserti64x4(_mm512_set1_epi8(0x03), _mm256_set1_epi8(0x0C), 1);
    const __m512i mB = _mm512_inserti64x4(_mm512_set1_epi8(0x30), _mm256_set1_epi8((char)0xC0), 1);
    const __m512i w0 = bcast256(xb), w1 = bcast256(xb + 32);
    c[0] = _mm512_and_si512(w0, mA); c[1] = _mm512_and_si512(w0, mB);
    c[2] = _mm512_and_si512(w1, mA); c[3] = _mm512_and_si512(w1, mB);
    return _cvtsh_ss(b4j_load_u16(xb + 64));
}
/* The block's dot with one token as llama.cpp's 8 lanes: four vpdpbusd (int32 lane j of a zmm sums the
 * byte positions 4j..4j+3 of 64 consecutive weights, i.e. lane j % 8 of the 32-chunk), the lane factors
 * divided out exactly, then the two 256-bit halves added. */
static inline __m256i tq2_dot(const __m512i *c, const int8_t *q) {
    const __m512i shA = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 2, 2, 2, 2, 2, 2, 2, 2);
    const __m512i shB = _mm512_setr_epi32(4, 4, 4, 4, 4, 4, 4, 4, 6, 6, 6, 6, 6, 6, 6, 6);
    const __m512i z = _mm512_setzero_si512();
    const __m512i a = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(z, c[0], _mm512_loadu_si512((const void *)q)),
                                          c[2], _mm512_loadu_si512((const void *)(q + 128)));
    const __m512i b = _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(z, c[1], _mm512_loadu_si512((const void *)(q + 64))),
                                          c[3], _mm512_loadu_si512((const void *)(q + 192)));
    const __m512i v = _mm512_add_epi32(_mm512_srav_epi32(a, shA), _mm512_srav_epi32(b, shB));
    return _mm256_add_epi32(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));
}

/* TQ1_0 trits (256-bit: on cores that split 512-bit ALU ops the wider decode does not pay): byte * 3^n
 * (mod 256) by adds and masked shifts, then (q*3) >> 8 = floor((q + floor(q/2)) / 128) with avg_epu8.
 * c[0..4] = trit n of qs[0..31] (q[32n ..]); c[5..7] = [t0 | t1], [t2 | t3], [t4 | qh trits] of
 * qs[32..47] / qh, lined up with q[160..255]. */
static inline __m256i mul3_epi8(__m256i v) { return _mm256_add_epi8(v, _mm256_add_epi8(v, v)); }
static inline __m256i mul9_epi8(__m256i v) {
    return _mm256_add_epi8(_mm256_and_si256(_mm256_slli_epi16(v, 3), _mm256_set1_epi8((char)0xF8)), v);
}
static inline __m256i top_trit(__m256i q) {
    const __m256i qm = _mm256_subs_epu8(q, _mm256_set1_epi8(1));
    const __m256i h = _mm256_avg_epu8(qm, _mm256_avg_epu8(qm, _mm256_setzero_si256()));
    return _mm256_and_si256(_mm256_srli_epi16(h, 6), _mm256_set1_epi8(3));
}
static inline float tq1_decode(const uint8_t *xb, __m256i *c) {
    const __m256i q0 = _mm256_loadu_si256((const __m256i *)xb);
    const __m256i q1 = mul3_epi8(q0), q2 = mul9_epi8(q0), q3 = mul9_epi8(q1), q4 = mul9_epi8(q2);
    c[0] = top_trit(q0); c[1] = top_trit(q1); c[2] = top_trit(q2); c[3] = top_trit(q3); c[4] = top_trit(q4);
    uint32_t qh;
    memcpy(&qh, xb + 48, 4);
    /* [r | qh in every dword] with r = qs[32..47] */
    const __m256i r = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(xb + 32))),
                                              _mm_set1_epi32((int)qh), 1);
    const __m256i r3 = mul3_epi8(r), r9 = mul9_epi8(r), r27 = mul9_epi8(r3), r81 = mul9_epi8(r9);
    /* lane 0 of each rN is qs[32..47] * 3^n; lane 1 is qh * 3^n (dword l of the qh lane needs 3^l) */
    c[5] = top_trit(_mm256_permute2x128_si256(r, r3, 0x20));
    c[6] = top_trit(_mm256_permute2x128_si256(r9, r27, 0x20));
    const __m256i hv = _mm256_blend_epi32(_mm256_blend_epi32(r, r3, 0x20), _mm256_blend_epi32(r9, r27, 0x80), 0xC0);
    c[7] = top_trit(_mm256_blend_epi32(r81, hv, 0xF0));
    return _cvtsh_ss(b4j_load_u16(xb + 52));
}
/* c[i] lines up with the 32-chunk q[32i ..], so int32 lane L of vpdpbusd is llama.cpp's lane L */
static inline __m256i tq1_dot(const __m256i *c, const int8_t *q) {
    __m256i s0 = _mm256_setzero_si256(), s1 = _mm256_setzero_si256();
    for (int i = 0; i < 8; i += 2) {
        s0 = _mm256_dpbusd_epi32(s0, c[i], _mm256_loadu_si256((const __m256i *)(q + 32 * i)));
        s1 = _mm256_dpbusd_epi32(s1, c[i + 1], _mm256_loadu_si256((const __m256i *)(q + 32 * i + 32)));
    }
    return _mm256_add_epi32(s0, s1);
}

/* One row against NT tokens, each block decoded once for all of them: per block and token the 8 lanes
 * minus the bsum pairs, to float, * (dy * dx), + acc (no FMA), blocks in order; then hsum_float_8.
 * Bit-identical to the scalar reference. */
#define TQ_ROW512(NAME, NT, CT, NC, DECODE, DOT, BLOCK_BYTES)                                            \
    static inline void NAME##_##NT(const uint8_t *wr, int64_t nb, const uint8_t *act, float *res,        \
                                   int32_t fused) {                                                      \
        __m256 acc[NT];                                                                                  \
        for (int t = 0; t < NT; t++) acc[t] = _mm256_setzero_ps();                                       \
        for (int64_t b = 0; b < nb; b++) {                                                               \
            CT c[NC];                                                                                    \
            const float dx = DECODE(wr + b * BLOCK_BYTES, c);                                            \
            for (int t = 0; t < NT; t++) {                                                               \
                const uint8_t *yb = act + (t * nb + b) * B4J_Q8_K_BLOCK_BYTES;                           \
                const __m256i lanes = _mm256_sub_epi32(DOT(c, (const int8_t *)(yb + 4)), q8k_lane_bsums(yb)); \
                const __m256 d = _mm256_set1_ps(b4j_load_f32(yb) * dx);                                  \
                acc[t] = fused ? _mm256_fmadd_ps(_mm256_cvtepi32_ps(lanes), d, acc[t])                    \
                               : _mm256_add_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(lanes), d), acc[t]);             \
            }                                                                                            \
        }                                                                                                \
        for (int t = 0; t < NT; t++) res[t] = hsum_float_8(acc[t]);                                      \
    }
#define TQ_ROWS512(NAME, CT, NC, DECODE, DOT, BLOCK_BYTES)                                               \
    TQ_ROW512(NAME, 1, CT, NC, DECODE, DOT, BLOCK_BYTES)                                                 \
    TQ_ROW512(NAME, 2, CT, NC, DECODE, DOT, BLOCK_BYTES)                                                 \
    TQ_ROW512(NAME, 3, CT, NC, DECODE, DOT, BLOCK_BYTES)                                                 \
    TQ_ROW512(NAME, 4, CT, NC, DECODE, DOT, BLOCK_BYTES)
TQ_ROWS512(tq2_row, __m512i, 4, tq2_decode, tq2_dot, B4J_TQ2_0_BLOCK_BYTES)
TQ_ROWS512(tq1_row, __m256i, 8, tq1_decode, tq1_dot, B4J_TQ1_0_BLOCK_BYTES)

B4J_TQ_GEMM(avx512_gemm_tq2_0_q8_k, tq2_row, B4J_TQ2_0_BLOCK_BYTES)
B4J_TQ_GEMM(avx512_gemm_tq1_0_q8_k, tq1_row, B4J_TQ1_0_BLOCK_BYTES)

/* ---------------------------------------------------------------- float weights */

static inline __m512 load16_bf16(const uint16_t *p) {
    return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)p)), 16));
}
static inline float cvt1_bf16(const uint16_t *p) { return b4j_bf16_to_fp32(b4j_load_u16(p)); }

/* Float weights: each (row, token) dot is summed the same way whatever ntok is (so a batched row
 * equals the same row alone): four 16-lane accumulators over 64 columns at a time, leftover full
 * 16-column blocks into accumulator (block % 4), then ((a0+a1)+(a2+a3)) reduced, then the last k % 16
 * columns in order. GEMV streams one row front to back (a single sequential stream, what the hardware
 * prefetchers follow best; measured faster than interleaving four rows, whose 5 KB rows hop pages);
 * GEMM reuses each loaded weight vector for up to four tokens. */
#define FLOAT_GEMM(NAME, WT, LOAD16, CVT1)                                                               \
    static void NAME(const WT *w, int64_t k, int64_t row0, int64_t row1, const float *x, int64_t ntok,   \
                     float *out, int64_t out_stride) {                                                   \
        const int64_t k64 = k & ~(int64_t)63, k16 = k & ~(int64_t)15;                                    \
        for (int64_t r = row0; r < row1; r++) {                                                          \
            const WT *wr = w + r * k;                                                                    \
            for (int64_t t0 = 0; t0 < ntok; t0 += 4) {                                                   \
                const int nt = ntok - t0 < 4 ? (int)(ntok - t0) : 4;                                     \
                __m512 a[4][4];                                                                          \
                for (int t = 0; t < 4; t++)                                                              \
                    for (int u = 0; u < 4; u++) a[t][u] = _mm512_setzero_ps();                           \
                int64_t i = 0;                                                                           \
                for (; i < k64; i += 64) {                                                               \
                    const __m512 w0 = LOAD16(wr + i), w1 = LOAD16(wr + i + 16);                          \
                    const __m512 w2 = LOAD16(wr + i + 32), w3 = LOAD16(wr + i + 48);                     \
                    for (int t = 0; t < nt; t++) {                                                       \
                        const float *xt = x + (t0 + t) * k + i;                                          \
                        a[t][0] = _mm512_fmadd_ps(w0, _mm512_loadu_ps(xt), a[t][0]);                     \
                        a[t][1] = _mm512_fmadd_ps(w1, _mm512_loadu_ps(xt + 16), a[t][1]);                \
                        a[t][2] = _mm512_fmadd_ps(w2, _mm512_loadu_ps(xt + 32), a[t][2]);                \
                        a[t][3] = _mm512_fmadd_ps(w3, _mm512_loadu_ps(xt + 48), a[t][3]);                \
                    }                                                                                    \
                }                                                                                        \
                for (int u = 0; i < k16; i += 16, u++) {                                                 \
                    const __m512 wv = LOAD16(wr + i);                                                    \
                    for (int t = 0; t < nt; t++)                                                         \
                        a[t][u] = _mm512_fmadd_ps(wv, _mm512_loadu_ps(x + (t0 + t) * k + i), a[t][u]);   \
                }                                                                                        \
                for (int t = 0; t < nt; t++) {                                                           \
                    float s = _mm512_reduce_add_ps(_mm512_add_ps(_mm512_add_ps(a[t][0], a[t][1]),        \
                                                                 _mm512_add_ps(a[t][2], a[t][3])));      \
                    const float *xt = x + (t0 + t) * k;                                                  \
                    for (int64_t j = k16; j < k; j++) s += CVT1(wr + j) * xt[j];                         \
                    out[(t0 + t) * out_stride + r] = s;                                                  \
                }                                                                                        \
            }                                                                                            \
        }                                                                                                \
    }
FLOAT_GEMM(avx512_gemm_bf16, uint16_t, load16_bf16, cvt1_bf16)

/* ---------------------------------------------------------------- attention */

/* every order as the AVX2 variant vectorises it (8-lane registers give the 16-lane orders exactly too) */
static void avx512_attention(const float *q, const void *kc, const void *vc, int32_t f16, int64_t hs,
                             int64_t kvh_n, int64_t group, float scale, int64_t pos0, int64_t row0, int64_t row1,
                             int32_t order, float *scratch, float *out) {
    b4j_avx2_attention(q, kc, vc, f16, hs, kvh_n, group, scale, pos0, row0, row1, order, scratch, out);
}

/* The AVX2 kernels are reused where 512 bits buy nothing (this variant implies AVX2). */
static void avx512_quantize_q8_k(const float *x, int64_t ntok, int64_t k, void *y) {
    b4j_kernels_avx2.quantize_q8_k(x, ntok, k, y);
}
/* Q8_0 GEMV in llama.cpp's x86 order (bitnet4j.h): one zmm holds the eight lanes of two rows (rows r and
 * r+1 in the low and high 256 bits), so each dpbusd and fused multiply-add serves two rows; four rows
 * per pass keep two independent chains in flight. The sign trick of mul_sum_i8_pairs_float without
 * AVX-512's missing vpsignb: |x| as the unsigned operand, y negated where x < 0. GEMM (ntok > 1) takes
 * the AVX2 kernel, whose per-(row, token) sums are the same. */
static inline __m512 q8_0_lanes2(const uint8_t *xa, const uint8_t *xb, __m512i y) {
    const __m512i x = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)xa)),
                                         _mm256_loadu_si256((const __m256i *)xb), 1);
    const __m512i sy = _mm512_mask_sub_epi8(y, _mm512_movepi8_mask(x), _mm512_setzero_si512(), y);
    return _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_abs_epi8(x), sy));
}

static inline float q8_0_h(const uint8_t *p) { return _cvtsh_ss(b4j_load_u16(p)); }

static void avx512_gemm_q8_0_q8_0(const uint8_t *w, int64_t k, int64_t row0, int64_t row1,
                                  const uint8_t *act, int64_t ntok, float *out, int64_t out_stride) {
    if (ntok != 1) {
        b4j_kernels_avx2.gemm_q8_0_q8_0(w, k, row0, row1, act, ntok, out, out_stride);
        return;
    }
    const int64_t nb = k / B4J_QK8_0, rb = nb * B4J_Q8_0_BLOCK_BYTES, bb = B4J_Q8_0_BLOCK_BYTES;
    int64_t r = row0;
    for (; r + 4 <= row1; r += 4) {
        const uint8_t *w0 = w + r * rb, *w1 = w0 + rb, *w2 = w1 + rb, *w3 = w2 + rb;
        __m512 acc01 = _mm512_setzero_ps(), acc23 = _mm512_setzero_ps();
        for (int64_t b = 0; b < nb; b++) {
            const uint8_t *yb = act + b * bb;
            const __m512i y = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(yb + 2)));
            const float dy = q8_0_h(yb);
            const int64_t o = b * bb;
            const __m512 d01 = _mm512_insertf32x8(_mm512_set1_ps(q8_0_h(w0 + o) * dy), _mm256_set1_ps(q8_0_h(w1 + o) * dy), 1);
            const __m512 d23 = _mm512_insertf32x8(_mm512_set1_ps(q8_0_h(w2 + o) * dy), _mm256_set1_ps(q8_0_h(w3 + o) * dy), 1);
            acc01 = _mm512_fmadd_ps(d01, q8_0_lanes2(w0 + o + 2, w1 + o + 2, y), acc01);
            acc23 = _mm512_fmadd_ps(d23, q8_0_lanes2(w2 + o + 2, w3 + o + 2, y), acc23);
        }
        out[r] = hsum_float_8(_mm512_castps512_ps256(acc01));
        out[r + 1] = hsum_float_8(_mm512_extractf32x8_ps(acc01, 1));
        out[r + 2] = hsum_float_8(_mm512_castps512_ps256(acc23));
        out[r + 3] = hsum_float_8(_mm512_extractf32x8_ps(acc23, 1));
    }
    if (r < row1) b4j_kernels_avx2.gemm_q8_0_q8_0(w, k, r, row1, act, 1, out, out_stride);
}

/* ---------------------------------------------------------------- Q1_0 / Q2_0 x Q8_0 */

/* Q1_0 in ggml's AVX2 order (bitnet4j.h), two dot products per zmm: pair 2u in the low 256 bits, pair 2u+1
 * in the high (an odd last pair is computed twice and dropped). The 32 sign bits of each pair are the
 * halves of one 64-bit k-mask: y is negated (int8) where a bit is clear, and dpbusd with ones gives the
 * eight lanes of four bytes of each half. */
/* The 64-bit k-mask of the clear bits of sub-block kk of two Q1_0 blocks: x0's in the low half, x1's in the high. */
static inline __mmask64 q1_0_clear2(const uint8_t *x0, const uint8_t *x1, int kk) {
    uint32_t m0, m1;
    memcpy(&m0, x0 + 2 + 4 * kk, 4);
    memcpy(&m1, x1 + 2 + 4 * kk, 4);
    return _cvtu64_mask64(~((uint64_t)m0 | ((uint64_t)m1 << 32)));
}

static void q1_0_dots(const uint8_t *const *wp, const uint8_t *const *ap, int n, int64_t nb, float *res) {
    const __m512i ones = _mm512_set1_epi8(1);
    for (int u = 0; u < n; u += 2) {
        const uint8_t *w0 = wp[u], *w1 = wp[u + 1 < n ? u + 1 : u], *a0 = ap[u], *a1 = ap[u + 1 < n ? u + 1 : u];
        __m512 acc = _mm512_setzero_ps();
        for (int64_t b = 0; b < nb; b++) {
            const uint8_t *x0 = w0 + b * B4J_Q1_0_BLOCK_BYTES, *x1 = w1 + b * B4J_Q1_0_BLOCK_BYTES;
            const uint8_t *y0 = a0 + 4 * b * B4J_Q8_0_BLOCK_BYTES, *y1 = a1 + 4 * b * B4J_Q8_0_BLOCK_BYTES;
            __m512 accb = _mm512_setzero_ps();
            for (int kk = 0; kk < 4; kk++) {
                const int64_t o = kk * B4J_Q8_0_BLOCK_BYTES;
                const __mmask64 clear = q1_0_clear2(x0, x1, kk);
                const __m512i y = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(y0 + o + 2))),
                                                     _mm256_loadu_si256((const __m256i *)(y1 + o + 2)), 1);
                const __m512i sy = _mm512_mask_sub_epi8(y, clear, _mm512_setzero_si512(), y);
                const __m512 lanes = _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(_mm512_setzero_si512(), ones, sy));
                const __m512 dy = _mm512_insertf32x8(_mm512_set1_ps(_cvtsh_ss(b4j_load_u16(y0 + o))),
                                                     _mm256_set1_ps(_cvtsh_ss(b4j_load_u16(y1 + o))), 1);
                accb = kk == 0 ? _mm512_mul_ps(dy, lanes) : _mm512_fmadd_ps(dy, lanes, accb);
            }
            const __m512 d = _mm512_insertf32x8(_mm512_set1_ps(_cvtsh_ss(b4j_load_u16(x0))),
                                                _mm256_set1_ps(_cvtsh_ss(b4j_load_u16(x1))), 1);
            acc = _mm512_fmadd_ps(d, accb, acc);
        }
        res[u] = hsum_float_8(_mm512_castps512_ps256(acc));
        if (u + 1 < n) res[u + 1] = hsum_float_8(_mm512_extractf32x8_ps(acc, 1));
    }
}

B4J_PAIR_GEMM(avx512_gemm_q1_0_q8_0_pairs, q1_0_dots, B4J_QK1_0, B4J_Q1_0_BLOCK_BYTES)

#ifndef B4J_Q1_0_PREFETCH
#define B4J_Q1_0_PREFETCH 512
#endif

/* GEMV, eight rows at a time: the same per-row numbers as q1_0_dots (ggml's AVX2 order), but four
 * independent pairs share each activation load and scale conversion, and keep the FMA units busy. */
/* GEMM tile of two rows x four tokens, same numbers as q1_0_dots: zmm (row, token pair) holds token t in the
 * low half and t + 1 in the high one, so a row's sign mask is its 32 bits twice and each activation
 * sub-block is loaded once for both rows. */
static void q1_0_tile_2x4(const uint8_t *x0, const uint8_t *x1, const uint8_t *a, int64_t arb, int64_t nb,
                          float res[2][4]) {
    const __m512i ones = _mm512_set1_epi8(1);
    __m512 acc[2][2] = {{_mm512_setzero_ps(), _mm512_setzero_ps()}, {_mm512_setzero_ps(), _mm512_setzero_ps()}};
    const uint8_t *xr[2] = {x0, x1};
    for (int64_t b = 0; b < nb; b++) {
        const int64_t xo = b * B4J_Q1_0_BLOCK_BYTES, yo = 4 * b * B4J_Q8_0_BLOCK_BYTES;
        __m512 accb[2][2];
        for (int kk = 0; kk < 4; kk++) {
            const int64_t o = yo + kk * B4J_Q8_0_BLOCK_BYTES;
            __m512i y[2];
            __m512 dy[2];
            for (int tp = 0; tp < 2; tp++) {
                const uint8_t *ya = a + (2 * tp) * arb + o, *yb = a + (2 * tp + 1) * arb + o;
                y[tp] = _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)(ya + 2))),
                                           _mm256_loadu_si256((const __m256i *)(yb + 2)), 1);
                dy[tp] = _mm512_insertf32x8(_mm512_set1_ps(_cvtsh_ss(b4j_load_u16(ya))),
                                            _mm256_set1_ps(_cvtsh_ss(b4j_load_u16(yb))), 1);
            }
            for (int rr = 0; rr < 2; rr++) {
                uint32_t m;
                memcpy(&m, xr[rr] + xo + 2 + 4 * kk, 4);
                const __mmask64 clear = _cvtu64_mask64(~((uint64_t)m | ((uint64_t)m << 32)));
                for (int tp = 0; tp < 2; tp++) {
                    const __m512i sy = _mm512_mask_sub_epi8(y[tp], clear, _mm512_setzero_si512(), y[tp]);
                    const __m512 lanes = _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(_mm512_setzero_si512(), ones, sy));
                    accb[rr][tp] = kk == 0 ? _mm512_mul_ps(dy[tp], lanes) : _mm512_fmadd_ps(dy[tp], lanes, accb[rr][tp]);
                }
            }
        }
        for (int rr = 0; rr < 2; rr++) {
            const __m512 d = _mm512_set1_ps(_cvtsh_ss(b4j_load_u16(xr[rr] + xo)));
            for (int tp = 0; tp < 2; tp++) acc[rr][tp] = _mm512_fmadd_ps(d, accb[rr][tp], acc[rr][tp]);
        }
    }
    for (int rr = 0; rr < 2; rr++)
        for (int tp = 0; tp < 2; tp++) {
            res[rr][2 * tp] = hsum_float_8(_mm512_castps512_ps256(acc[rr][tp]));
            res[rr][2 * tp + 1] = hsum_float_8(_mm512_extractf32x8_ps(acc[rr][tp], 1));
        }
}

static void avx512_gemm_q1_0_q8_0(const uint8_t *w, int64_t k, int64_t row0, int64_t row1, const uint8_t *act,
                                  int64_t ntok, float *out, int64_t out_stride) {
    if (ntok != 1) {
        const int64_t nb = k / B4J_QK1_0, wrb = nb * B4J_Q1_0_BLOCK_BYTES, arb = k / B4J_QK8_0 * B4J_Q8_0_BLOCK_BYTES;
        const int64_t full = ntok - ntok % 4;
        int64_t r = row0;
        for (; r + 2 <= row1; r += 2) {
            for (int64_t t = 0; t < full; t += 4) {
                float res[2][4];
                q1_0_tile_2x4(w + r * wrb, w + (r + 1) * wrb, act + t * arb, arb, nb, res);
                for (int rr = 0; rr < 2; rr++)
                    for (int j = 0; j < 4; j++) out[(t + j) * out_stride + r + rr] = res[rr][j];
            }
            if (full < ntok)
                avx512_gemm_q1_0_q8_0_pairs(w, k, r, r + 2, act + full * arb, ntok - full, out + full * out_stride, out_stride);
        }
        if (r < row1) avx512_gemm_q1_0_q8_0_pairs(w, k, r, row1, act, ntok, out, out_stride);
        return;
    }
    const int64_t nb = k / B4J_QK1_0, wrb = nb * B4J_Q1_0_BLOCK_BYTES;
    const __m512i ones = _mm512_set1_epi8(1);
    int64_t r = row0;
    for (; r + 8 <= row1; r += 8) {
        const uint8_t *x[8];
        for (int i = 0; i < 8; i++) x[i] = w + (r + i) * wrb;
        __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
        for (int64_t b = 0; b < nb; b++) {
            const int64_t xo = b * B4J_Q1_0_BLOCK_BYTES;
            const uint8_t *yb = act + 4 * b * B4J_Q8_0_BLOCK_BYTES;
            /* eight interleaved streams defeat the hardware prefetcher: ask for each row's data ahead */
            if (b % 2 == 0)
                for (int i = 0; i < 8; i++) _mm_prefetch((const char *)(x[i] + xo + B4J_Q1_0_PREFETCH), _MM_HINT_T0);
            __m512 accb[4];
            for (int kk = 0; kk < 4; kk++) {
                const uint8_t *y = yb + kk * B4J_Q8_0_BLOCK_BYTES;
                const __m512i yv = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(y + 2)));
                const __m512 dy = _mm512_set1_ps(_cvtsh_ss(b4j_load_u16(y)));
                for (int p = 0; p < 4; p++) {
                    const __mmask64 clear = q1_0_clear2(x[2 * p] + xo, x[2 * p + 1] + xo, kk);
                    const __m512i sy = _mm512_mask_sub_epi8(yv, clear, _mm512_setzero_si512(), yv);
                    const __m512 lanes = _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(_mm512_setzero_si512(), ones, sy));
                    accb[p] = kk == 0 ? _mm512_mul_ps(dy, lanes) : _mm512_fmadd_ps(dy, lanes, accb[p]);
                }
            }
            for (int p = 0; p < 4; p++) {
                const __m512 d = _mm512_insertf32x8(_mm512_set1_ps(_cvtsh_ss(b4j_load_u16(x[2 * p] + xo))),
                                                    _mm256_set1_ps(_cvtsh_ss(b4j_load_u16(x[2 * p + 1] + xo))), 1);
                acc[p] = _mm512_fmadd_ps(d, accb[p], acc[p]);
            }
        }
        for (int p = 0; p < 4; p++) {
            out[r + 2 * p] = hsum_float_8(_mm512_castps512_ps256(acc[p]));
            out[r + 2 * p + 1] = hsum_float_8(_mm512_extractf32x8_ps(acc[p], 1));
        }
    }
    if (r < row1) avx512_gemm_q1_0_q8_0_pairs(w, k, r, row1, act, 1, out, out_stride);
}

/* ---- Q2_0 GEMV, sixteen rows per pass, one row per float lane ----
 * ggml's Q2_0 float work is a scalar chain per row and block (b4j_q2_0_block); done for sixteen rows at
 * once, lane r of each vector is row r's chain, so every operation is that row's, in the same order.
 * The integer sums: a block's 16 code bytes broadcast to the four 128-bit lanes and shifted by 0/2/4/6
 * give its 64 codes in "plane" order (byte 16p + q = code 4q + p); the activations are permuted once per
 * call to match, so one dpbusd per row and block gives sixteen partial sums, lanes l % 4 < 2 of
 * sub-block 0, the others of sub-block 1; a transpose-and-add network then gives s0 and s1 per row. */
#define B4J_Q2_0_GEMV_MAX_K 65536

/* [a0+a1, a2+a3, b0+b1, b2+b3] in each 128-bit lane */
static inline __m512i q2_0_pair_sums(__m512i a, __m512i b) {
    const __m512 fa = _mm512_castsi512_ps(a), fb = _mm512_castsi512_ps(b);
    return _mm512_add_epi32(_mm512_castps_si512(_mm512_shuffle_ps(fa, fb, _MM_SHUFFLE(2, 0, 2, 0))),
                            _mm512_castps_si512(_mm512_shuffle_ps(fa, fb, _MM_SHUFFLE(3, 1, 3, 1))));
}

/* lane c of the result = the sum of v[c]'s four 128-bit lanes */
static inline __m512i q2_0_lane_totals(__m512i v0, __m512i v1, __m512i v2, __m512i v3) {
    const __m512i a = _mm512_add_epi32(_mm512_shuffle_i32x4(v0, v1, _MM_SHUFFLE(1, 0, 1, 0)),
                                       _mm512_shuffle_i32x4(v0, v1, _MM_SHUFFLE(3, 2, 3, 2)));
    const __m512i b = _mm512_add_epi32(_mm512_shuffle_i32x4(v2, v3, _MM_SHUFFLE(1, 0, 1, 0)),
                                       _mm512_shuffle_i32x4(v2, v3, _MM_SHUFFLE(3, 2, 3, 2)));
    return _mm512_add_epi32(_mm512_shuffle_i32x4(a, b, _MM_SHUFFLE(2, 0, 2, 0)),
                            _mm512_shuffle_i32x4(a, b, _MM_SHUFFLE(3, 1, 3, 1)));
}

static void q2_0_gemv16(const uint8_t *x0, int64_t wrb, int64_t nb, const uint8_t *yperm, const int32_t *ysum,
                        const float *dy, float *res) {
    const __m512i shifts = _mm512_set_epi16(6, 6, 6, 6, 6, 6, 6, 6, 4, 4, 4, 4, 4, 4, 4, 4,
                                            2, 2, 2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0);
    const __m512i three = _mm512_set1_epi8(3);
    const __m512i rows = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                            _mm512_set1_epi32((int)wrb));
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
    __m512 sumf = _mm512_setzero_ps();
    for (int64_t b = 0; b < nb; b++) {
        const int64_t xo = b * B4J_Q2_0_BLOCK_BYTES;
        if (b % 2 == 0)
            for (int r = 0; r < 16; r++) _mm_prefetch((const char *)(x0 + r * wrb + xo + 512), _MM_HINT_T0);
        const __m512i y = _mm512_loadu_si512((const void *)(yperm + 64 * b));
        __m512i dot[16];
        for (int r = 0; r < 16; r++) {
            const __m512i qs = _mm512_broadcast_i32x4(_mm_loadu_si128((const __m128i *)(x0 + r * wrb + xo + 2)));
            const __m512i codes = _mm512_and_si512(_mm512_srlv_epi16(qs, shifts), three);
            dot[r] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), codes, y);
        }
        __m512i pr[8];
        for (int i = 0; i < 8; i++) pr[i] = q2_0_pair_sums(dot[2 * i], dot[2 * i + 1]);
        const __m512i lo = q2_0_lane_totals(pr[0], pr[1], pr[2], pr[3]);   /* rows 0..7: (s0, s1) pairs */
        const __m512i hi = q2_0_lane_totals(pr[4], pr[5], pr[6], pr[7]);   /* rows 8..15 */
        const __m512i s0 = _mm512_sub_epi32(_mm512_permutex2var_epi32(lo, even, hi), _mm512_set1_epi32(ysum[2 * b]));
        const __m512i s1 = _mm512_sub_epi32(_mm512_permutex2var_epi32(lo, odd, hi), _mm512_set1_epi32(ysum[2 * b + 1]));
        __m512 sumi = _mm512_add_ps(_mm512_setzero_ps(), _mm512_mul_ps(_mm512_set1_ps(dy[2 * b]), _mm512_cvtepi32_ps(s0)));
        sumi = _mm512_add_ps(sumi, _mm512_mul_ps(_mm512_set1_ps(dy[2 * b + 1]), _mm512_cvtepi32_ps(s1)));
        const __m512i dh = _mm512_i32gather_epi32(rows, (const void *)(x0 + xo), 1);
        const __m512 d = _mm512_cvtph_ps(_mm512_cvtepi32_epi16(dh));
        sumf = _mm512_add_ps(sumf, _mm512_mul_ps(d, sumi));
    }
    _mm512_storeu_ps(res, sumf);
}

static void avx512_gemm_q2_0_q8_0(const uint8_t *w, int64_t k, int64_t row0, int64_t row1,
                                  const uint8_t *act, int64_t ntok, float *out, int64_t out_stride) {
    if (ntok != 1 || k > B4J_Q2_0_GEMV_MAX_K || row1 - row0 < 16) {
        b4j_kernels_avx2.gemm_q2_0_q8_0(w, k, row0, row1, act, ntok, out, out_stride);
        return;
    }
    const int64_t nb = k / B4J_QK2_0, wrb = nb * B4J_Q2_0_BLOCK_BYTES, nsub = k / B4J_QK8_0;
    /* the activations in plane order, with each Q8_0 block's sum and scale */
    uint8_t yperm[B4J_Q2_0_GEMV_MAX_K] __attribute__((aligned(64)));
    int32_t ysum[B4J_Q2_0_GEMV_MAX_K / B4J_QK8_0];
    float dy[B4J_Q2_0_GEMV_MAX_K / B4J_QK8_0];
    for (int64_t h = 0; h < nsub; h++) {
        const uint8_t *blk = act + h * B4J_Q8_0_BLOCK_BYTES;
        int32_t sum = 0;
        for (int j = 0; j < 32; j++) sum += (int8_t)blk[2 + j];
        ysum[h] = sum;
        dy[h] = _cvtsh_ss(b4j_load_u16(blk));
    }
    for (int64_t b = 0; b < nb; b++)
        for (int j = 0; j < 64; j++) {
            const uint8_t *blk = act + (2 * b + j / 32) * B4J_Q8_0_BLOCK_BYTES;
            yperm[64 * b + 16 * (j % 4) + j / 4] = blk[2 + j % 32];
        }
    int64_t r = row0;
    float res[16];
    for (; r + 16 <= row1; r += 16) {
        q2_0_gemv16(w + r * wrb, wrb, nb, yperm, ysum, dy, res);
        memcpy(out + r, res, sizeof res);
    }
    if (r < row1) b4j_kernels_avx2.gemm_q2_0_q8_0(w, k, r, row1, act, 1, out, out_stride);
}

const b4j_kernels b4j_kernels_avx512vnni = {
    .name = "avx512vnni",
    .quantize_i8 = avx512_quantize_i8,
    .quantize_q8_k = avx512_quantize_q8_k,
    .quantize_q8_0 = b4j_scalar_quantize_q8_0,
    .gemm_i2s_i8 = avx512_gemm_i2s_i8,
    .gemm_tq2_0_q8_k = avx512_gemm_tq2_0_q8_k,
    .gemm_tq1_0_q8_k = avx512_gemm_tq1_0_q8_k,
    .gemm_f32 = b4j_avx2_gemm_f32,   /* ggml's orders in 8-lane registers (exact at any width) */
    .gemm_f16 = b4j_avx2_gemm_f16,
    .gemm_bf16 = avx512_gemm_bf16,
    .gemm_q8_0_q8_0 = avx512_gemm_q8_0_q8_0,
    .gemm_q1_0_q8_0 = avx512_gemm_q1_0_q8_0,
    .gemm_q2_0_q8_0 = avx512_gemm_q2_0_q8_0,
    .attention = avx512_attention,
};
