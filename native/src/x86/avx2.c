/*
 * AVX2 (+FMA, F16C) variant. This file alone is compiled with -mavx2 -mfma -mf16c; the dispatcher only
 * calls it when CPUID/XCR0 report those features.
 *
 * Exactness: every integer-derived result equals the scalar reference bit for bit. Integer dots are
 * exact (u8 codes x s8 activations never saturate maddubs: |3*128*2| < 2^15, and int16 partial sums
 * are flushed to int32 before they can overflow); the float accumulation (TQ: llama.cpp's eight lanes,
 * Q8_0: block by block) runs in the scalar order. Only the float-weight GEMMs reorder float sums.
 */
#include <immintrin.h>
#include <math.h>

#include "internal.h"

/* ---------------------------------------------------------------- helpers */

static inline int32_t hsum_epi32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_unpackhi_epi64(s, s));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(s);
}

/* llama.cpp's hsum_float_8: ((v0+v4) + (v2+v6)) + ((v1+v5) + (v3+v7)); the TQ kernels depend on this order */
static inline float hsum_ps(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

static inline float hmax_ps(__m256 v) {
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* 32 int32 (4 vectors, in order) -> 32 int8 in order, saturating to [-128, 127]. */
static inline __m256i pack_i32x32_i8(__m256i a, __m256i b, __m256i c, __m256i d) {
    const __m256i ab = _mm256_packs_epi32(a, b);
    const __m256i cd = _mm256_packs_epi32(c, d);
    const __m256i abcd = _mm256_packs_epi16(ab, cd);
    return _mm256_permutevar8x32_epi32(abcd, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

/* ---------------------------------------------------------------- quantize_i8 */

static void avx2_quantize_i8(const float *x, int64_t ntok, int64_t k, int8_t *q, float *scales, int32_t *sums) {
    const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    for (int64_t t = 0; t < ntok; t++) {
        const float *xt = x + t * k;
        int8_t *qt = q + t * k;
        __m256 m0 = _mm256_setzero_ps(), m1 = _mm256_setzero_ps();
        int64_t i = 0;
        for (; i + 16 <= k; i += 16) {
            m0 = _mm256_max_ps(m0, _mm256_and_ps(_mm256_loadu_ps(xt + i), absmask));
            m1 = _mm256_max_ps(m1, _mm256_and_ps(_mm256_loadu_ps(xt + i + 8), absmask));
        }
        float fmax = hmax_ps(_mm256_max_ps(m0, m1));
        for (; i < k; i++) fmax = fmaxf(fmax, fabsf(xt[i]));
        double max = (double)fmax > 0.00001 ? (double)fmax : 0.00001;
        const float s = (float)(127.0 / max);
        const __m256 vs = _mm256_set1_ps(s);
        __m256i vsum = _mm256_setzero_si256();
        const __m256i lo = _mm256_set1_epi32(-128), hi = _mm256_set1_epi32(127);
        i = 0;
        for (; i + 32 <= k; i += 32) {
            __m256i a = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(xt + i), vs));
            __m256i b = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(xt + i + 8), vs));
            __m256i c = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(xt + i + 16), vs));
            __m256i d = _mm256_cvtps_epi32(_mm256_mul_ps(_mm256_loadu_ps(xt + i + 24), vs));
            a = _mm256_min_epi32(_mm256_max_epi32(a, lo), hi);
            b = _mm256_min_epi32(_mm256_max_epi32(b, lo), hi);
            c = _mm256_min_epi32(_mm256_max_epi32(c, lo), hi);
            d = _mm256_min_epi32(_mm256_max_epi32(d, lo), hi);
            vsum = _mm256_add_epi32(vsum, _mm256_add_epi32(_mm256_add_epi32(a, b), _mm256_add_epi32(c, d)));
            _mm256_storeu_si256((__m256i *)(qt + i), pack_i32x32_i8(a, b, c, d));
        }
        int32_t sum = hsum_epi32(vsum);
        for (; i < k; i++) {
            int v = b4j_nearest_int(xt[i] * s);
            if (v > 127) v = 127;
            if (v < -128) v = -128;
            sum += v;
            qt[i] = (int8_t)v;
        }
        scales[t] = s;
        sums[t] = sum;
    }
}

/* ---------------------------------------------------------------- quantize_q8_k */

static void avx2_quantize_q8_k(const float *x, int64_t ntok, int64_t k, void *y) {
    const int64_t nb = k / B4J_QK_K;
    const __m256 absmask = _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff));
    const __m256i bias = _mm256_set1_epi8((char)0x80);
    for (int64_t b = 0; b < ntok * nb; b++) {
        const float *xb = x + b * B4J_QK_K;
        uint8_t *blk = (uint8_t *)y + b * B4J_Q8_K_BLOCK_BYTES;
        __m256 m = _mm256_setzero_ps();
        for (int j = 0; j < B4J_QK_K; j += 8) m = _mm256_max_ps(m, _mm256_and_ps(_mm256_loadu_ps(xb + j), absmask));
        const float amax = hmax_ps(m);
        if (amax == 0.0f) {
            memset(blk, 0, B4J_Q8_K_BLOCK_BYTES); /* d = 0, qs = 0, bsums = 0 */
            continue;
        }
        /* the signed value of the first element with |x| == amax (llama.cpp keeps the first) */
        const __m256 va = _mm256_set1_ps(amax);
        int j = 0; /* stays 0 if nothing matches, which only a NaN in the block can cause */
        for (int i = 0; i < B4J_QK_K; i += 8) {
            int mask = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_and_ps(_mm256_loadu_ps(xb + i), absmask), va, _CMP_EQ_OQ));
            if (mask) { j = i + __builtin_ctz((unsigned)mask); break; }
        }
        const float iscale = -127.f / xb[j];
        const __m256 vi = _mm256_set1_ps(iscale);
        int8_t *qs = (int8_t *)(blk + 4);
        int16_t bsums[16];
        for (int i = 0; i < B4J_QK_K; i += 32) {
            __m256i a = _mm256_cvtps_epi32(_mm256_mul_ps(vi, _mm256_loadu_ps(xb + i)));
            __m256i bb = _mm256_cvtps_epi32(_mm256_mul_ps(vi, _mm256_loadu_ps(xb + i + 8)));
            __m256i c = _mm256_cvtps_epi32(_mm256_mul_ps(vi, _mm256_loadu_ps(xb + i + 16)));
            __m256i d = _mm256_cvtps_epi32(_mm256_mul_ps(vi, _mm256_loadu_ps(xb + i + 24)));
            /* values are >= -127 by construction; packs saturates the top at 127 like MIN(127, v) */
            __m256i q8 = pack_i32x32_i8(a, bb, c, d);
            _mm256_storeu_si256((__m256i *)(qs + i), q8);
            /* bsums: sad of (q + 128) over 8 bytes, minus 8*128 per group of 8 */
            __m256i sad = _mm256_sad_epu8(_mm256_xor_si256(q8, bias), _mm256_setzero_si256());
            int64_t s0 = _mm256_extract_epi64(sad, 0) + _mm256_extract_epi64(sad, 1) - 16 * 128;
            int64_t s1 = _mm256_extract_epi64(sad, 2) + _mm256_extract_epi64(sad, 3) - 16 * 128;
            bsums[i / 16] = (int16_t)s0;
            bsums[i / 16 + 1] = (int16_t)s1;
        }
        const float d = 1 / iscale;
        memcpy(blk, &d, 4);
        memcpy(blk + 4 + B4J_QK_K, bsums, sizeof bsums);
    }
}

/* ---------------------------------------------------------------- I2_S x I8 */

/* Dot products of one I2_S row with NT token rows (stride k). Codes are unpacked once per 128-weight
 * group and multiplied with every token; int16 partial sums (<= 3072 per group) are flushed to int32
 * every 8 groups. */
#define I2S_ROW_FN(NT)                                                                                   \
    static inline void i2s_row_##NT(const uint8_t *wr, const int8_t *act, int64_t k, int32_t *dots) {    \
        const __m256i m3 = _mm256_set1_epi8(3), ones = _mm256_set1_epi16(1);                             \
        __m256i acc[NT], acc16[NT];                                                                      \
        for (int t = 0; t < NT; t++) { acc[t] = _mm256_setzero_si256(); acc16[t] = _mm256_setzero_si256(); } \
        const int64_t ng = k / 128;                                                                      \
        for (int64_t g = 0; g < ng; g++) {                                                               \
            const __m256i w = _mm256_loadu_si256((const __m256i *)(wr + g * 32));                       \
            const __m256i c0 = _mm256_and_si256(_mm256_srli_epi16(w, 6), m3);                           \
            const __m256i c1 = _mm256_and_si256(_mm256_srli_epi16(w, 4), m3);                           \
            const __m256i c2 = _mm256_and_si256(_mm256_srli_epi16(w, 2), m3);                           \
            const __m256i c3 = _mm256_and_si256(w, m3);                                                  \
            for (int t = 0; t < NT; t++) {                                                               \
                const int8_t *a = act + t * k + g * 128;                                                 \
                __m256i p0 = _mm256_maddubs_epi16(c0, _mm256_loadu_si256((const __m256i *)a));          \
                __m256i p1 = _mm256_maddubs_epi16(c1, _mm256_loadu_si256((const __m256i *)(a + 32)));   \
                __m256i p2 = _mm256_maddubs_epi16(c2, _mm256_loadu_si256((const __m256i *)(a + 64)));   \
                __m256i p3 = _mm256_maddubs_epi16(c3, _mm256_loadu_si256((const __m256i *)(a + 96)));   \
                acc16[t] = _mm256_add_epi16(acc16[t], _mm256_add_epi16(_mm256_add_epi16(p0, p1), _mm256_add_epi16(p2, p3))); \
            }                                                                                            \
            if ((g & 7) == 7 || g == ng - 1) {                                                           \
                for (int t = 0; t < NT; t++) {                                                           \
                    acc[t] = _mm256_add_epi32(acc[t], _mm256_madd_epi16(acc16[t], ones));                \
                    acc16[t] = _mm256_setzero_si256();                                                   \
                }                                                                                        \
            }                                                                                            \
        }                                                                                                \
        for (int t = 0; t < NT; t++) dots[t] = hsum_epi32(acc[t]);                                       \
    }
I2S_ROW_FN(1)
I2S_ROW_FN(2)
I2S_ROW_FN(3)
I2S_ROW_FN(4)

static void avx2_gemm_i2s_i8(const uint8_t *w, int64_t k, int64_t row0, int64_t row1, float w_scale,
                             const int8_t *act, const float *scales, const int32_t *sums, int64_t ntok,
                             float *out, int64_t out_stride) {
    int32_t dots[4];
    for (int64_t r = row0; r < row1; r++) {
        const uint8_t *wr = w + r * (k / 4);
        for (int64_t t0 = 0; t0 < ntok; t0 += 4) {
            const int64_t nt = ntok - t0 < 4 ? ntok - t0 : 4;
            const int8_t *a = act + t0 * k;
            switch (nt) {
            case 1: i2s_row_1(wr, a, k, dots); break;
            case 2: i2s_row_2(wr, a, k, dots); break;
            case 3: i2s_row_3(wr, a, k, dots); break;
            default: i2s_row_4(wr, a, k, dots); break;
            }
            for (int64_t t = 0; t < nt; t++)
                out[(t0 + t) * out_stride + r] = b4j_i2s_epilogue(dots[t], sums[t0 + t], scales[t0 + t], w_scale);
        }
    }
}

/* ---------------------------------------------------------------- TQ2_0 x Q8_K */

/* llama.cpp's lane order (internal.h): int32 lane L = bsums[2L] + bsums[2L+1] */
static inline __m256i q8k_lane_bsums(const uint8_t *yb) {
    return _mm256_madd_epi16(_mm256_loadu_si256((const __m256i *)(yb + 4 + B4J_QK_K)), _mm256_set1_epi16(1));
}

/* One row against NT tokens. c[i] holds the codes of 32 consecutive weights (a 32-aligned chunk), so
 * maddubs + madd leave the products of byte positions 4L..4L+3 in int32 lane L: exactly llama.cpp's
 * lanes. Per block and token: lanes - bsum pairs, to float, * (dy * dx), + acc (no FMA); then
 * hsum_float_8. int16 sums: 8 x |<= 2*3*128| per lane, no saturation. */
#define TQ_ROW_FN(NAME, NT, DECODE)                                                                      \
    static inline void NAME##_##NT(const uint8_t *wr, int64_t nb, const uint8_t *act, float *res,        \
                                   int32_t fused) {                                                      \
        const __m256i ones = _mm256_set1_epi16(1);                                                       \
        __m256 acc[NT];                                                                                  \
        for (int t = 0; t < NT; t++) acc[t] = _mm256_setzero_ps();                                       \
        for (int64_t b = 0; b < nb; b++) {                                                               \
            __m256i c[8];                                                                                \
            float dx;                                                                                    \
            DECODE                                                                                       \
            for (int t = 0; t < NT; t++) {                                                               \
                const uint8_t *yb = act + (t * nb + b) * B4J_Q8_K_BLOCK_BYTES;                           \
                const __m256i *q = (const __m256i *)(yb + 4);                                            \
                __m256i s16 = _mm256_maddubs_epi16(c[0], _mm256_loadu_si256(q));                         \
                for (int i = 1; i < 8; i++)                                                              \
                    s16 = _mm256_add_epi16(s16, _mm256_maddubs_epi16(c[i], _mm256_loadu_si256(q + i))); \
                const __m256i lanes = _mm256_sub_epi32(_mm256_madd_epi16(s16, ones), q8k_lane_bsums(yb)); \
                const __m256 d = _mm256_set1_ps(b4j_load_f32(yb) * dx);                                  \
                acc[t] = fused ? _mm256_fmadd_ps(_mm256_cvtepi32_ps(lanes), d, acc[t])                    \
                               : _mm256_add_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(lanes), d), acc[t]);             \
            }                                                                                            \
        }                                                                                                \
        for (int t = 0; t < NT; t++) res[t] = hsum_ps(acc[t]);                                           \
    }

/* TQ2_0: half j of qs, 2-bit field l -> weights 128j + 32l + m */
#define TQ2_DECODE                                                                                       \
    {                                                                                                    \
        const uint8_t *xb = wr + b * B4J_TQ2_0_BLOCK_BYTES;                                              \
        const __m256i m3 = _mm256_set1_epi8(3);                                                          \
        for (int j = 0; j < 2; j++) {                                                                    \
            const __m256i w = _mm256_loadu_si256((const __m256i *)(xb + 32 * j));                       \
            c[4 * j + 0] = _mm256_and_si256(w, m3);                                                      \
            c[4 * j + 1] = _mm256_and_si256(_mm256_srli_epi16(w, 2), m3);                               \
            c[4 * j + 2] = _mm256_and_si256(_mm256_srli_epi16(w, 4), m3);                               \
            c[4 * j + 3] = _mm256_and_si256(_mm256_srli_epi16(w, 6), m3);                               \
        }                                                                                                \
        dx = b4j_fp16_to_fp32(b4j_load_u16(xb + 64));                                                    \
    }

TQ_ROW_FN(tq2_row, 1, TQ2_DECODE)
TQ_ROW_FN(tq2_row, 2, TQ2_DECODE)
TQ_ROW_FN(tq2_row, 3, TQ2_DECODE)
TQ_ROW_FN(tq2_row, 4, TQ2_DECODE)

/* TQ1_0 trits: byte * 3^n (mod 256), then (q*3) >> 8 as floor((q + floor(q/2)) / 128) via avg_epu8. */
static inline __m256i mul3_epi8(__m256i v) { return _mm256_add_epi8(v, _mm256_add_epi8(v, v)); }
static inline __m256i mul9_epi8(__m256i v) {
    return _mm256_add_epi8(_mm256_and_si256(_mm256_slli_epi16(v, 3), _mm256_set1_epi8((char)0xF8)), v);
}
static inline __m256i top_trit(__m256i q) {
    /* avg(q-1, avg(q-1, 0)) = floor((q + floor(q/2)) / 2) for q >= 1, and 0 for q = 0 */
    const __m256i qm = _mm256_subs_epu8(q, _mm256_set1_epi8(1));
    const __m256i h = _mm256_avg_epu8(qm, _mm256_avg_epu8(qm, _mm256_setzero_si256()));
    return _mm256_and_si256(_mm256_srli_epi16(h, 6), _mm256_set1_epi8(3));
}

/* Element order of a TQ1_0 block: c[0..4] = trit l of qs[0..31] (weights 32l + m); c[5..7] and the
 * 128-bit halves below cover weights 160..255: we build three more 32-byte vectors whose bytes line
 * up with q[160..255]: [trit0(qs32..47) | trit1(qs32..47)], [trit2 | trit3], [trit4 | qh trits]. */
#define TQ1_DECODE                                                                                       \
    {                                                                                                    \
        const uint8_t *xb = wr + b * B4J_TQ1_0_BLOCK_BYTES;                                              \
        const __m256i q0 = _mm256_loadu_si256((const __m256i *)xb);                                     \
        const __m256i q1 = mul3_epi8(q0), q2 = mul9_epi8(q0), q3 = mul9_epi8(q1), q4 = mul9_epi8(q2);   \
        c[0] = top_trit(q0); c[1] = top_trit(q1); c[2] = top_trit(q2); c[3] = top_trit(q3); c[4] = top_trit(q4); \
        const __m128i r0 = _mm_loadu_si128((const __m128i *)(xb + 32));                                 \
        uint32_t qh;                                                                                     \
        memcpy(&qh, xb + 48, 4);                                                                         \
        const __m128i h0 = _mm_set1_epi32((int)qh);                                                      \
        const __m256i r = _mm256_set_m128i(r0, r0);                                                      \
        const __m256i r3 = mul3_epi8(r), r9 = mul9_epi8(r), r27 = mul9_epi8(r3), r81 = mul9_epi8(r9);   \
        /* qh bytes j, trit l at byte 4l + j: multiply lane l by 3^l */                                   \
        const __m256i hh = _mm256_set_m128i(h0, h0);                                                     \
        const __m256i h3 = mul3_epi8(hh), h9 = mul9_epi8(hh), h27 = mul9_epi8(h3);                       \
        const __m256i hv = _mm256_blend_epi32(_mm256_blend_epi32(hh, h3, 0x22), _mm256_blend_epi32(h9, h27, 0x88), 0xCC); \
        c[5] = top_trit(_mm256_blend_epi32(r, r3, 0xF0));                                                \
        c[6] = top_trit(_mm256_blend_epi32(r9, r27, 0xF0));                                              \
        c[7] = top_trit(_mm256_blend_epi32(r81, hv, 0xF0));                                              \
        dx = b4j_fp16_to_fp32(b4j_load_u16(xb + 52));                                                    \
    }
TQ_ROW_FN(tq1_row, 1, TQ1_DECODE)
TQ_ROW_FN(tq1_row, 2, TQ1_DECODE)
TQ_ROW_FN(tq1_row, 3, TQ1_DECODE)
TQ_ROW_FN(tq1_row, 4, TQ1_DECODE)

B4J_TQ_GEMM(avx2_gemm_tq2_0_q8_k, tq2_row, B4J_TQ2_0_BLOCK_BYTES)
B4J_TQ_GEMM(avx2_gemm_tq1_0_q8_k, tq1_row, B4J_TQ1_0_BLOCK_BYTES)

/* ---------------------------------------------------------------- Q8_0 x Q8_0 */

/* llama.cpp's mul_sum_i8_pairs_float: int32 lane L = products of byte positions 4L..4L+3 (|y| <= 127) */
static inline __m256 q8_0_lanes(const uint8_t *xq, const uint8_t *yq) {
    const __m256i x = _mm256_loadu_si256((const __m256i *)xq), y = _mm256_loadu_si256((const __m256i *)yq);
    const __m256i dot = _mm256_maddubs_epi16(_mm256_sign_epi8(x, x), _mm256_sign_epi8(y, x));
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(dot, _mm256_set1_epi16(1)));
}

static inline float q8_0_d(const uint8_t *xb, const uint8_t *yb) {
    return _cvtsh_ss(b4j_load_u16(xb)) * _cvtsh_ss(b4j_load_u16(yb));
}

/* Q8_0 dots in llama.cpp's x86 order (bitnet4j.h). The fused multiply-add chain per (row, token) is
 * latency-bound, so four of them run interleaved: four rows of one token, or one row of four tokens. */
static void avx2_gemm_q8_0_q8_0(const uint8_t *w, int64_t k, int64_t row0, int64_t row1,
                                const uint8_t *act, int64_t ntok, float *out, int64_t out_stride) {
    const int64_t nb = k / B4J_QK8_0, rb = nb * B4J_Q8_0_BLOCK_BYTES;
    int64_t r = row0;
    if (ntok == 1) {
        for (; r + 4 <= row1; r += 4) {
            __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
            for (int64_t b = 0; b < nb; b++) {
                const uint8_t *yb = act + b * B4J_Q8_0_BLOCK_BYTES;
                for (int u = 0; u < 4; u++) {
                    const uint8_t *xb = w + (r + u) * rb + b * B4J_Q8_0_BLOCK_BYTES;
                    acc[u] = _mm256_fmadd_ps(_mm256_set1_ps(q8_0_d(xb, yb)), q8_0_lanes(xb + 2, yb + 2), acc[u]);
                }
            }
            for (int u = 0; u < 4; u++) out[r + u] = hsum_ps(acc[u]);
        }
    }
    for (; r < row1; r++) {
        const uint8_t *wr = w + r * rb;
        for (int64_t t0 = 0; t0 < ntok; t0 += 4) {
            const int nt = ntok - t0 < 4 ? (int)(ntok - t0) : 4;
            __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
            for (int64_t b = 0; b < nb; b++) {
                const uint8_t *xb = wr + b * B4J_Q8_0_BLOCK_BYTES;
                for (int t = 0; t < nt; t++) {
                    const uint8_t *yb = act + (t0 + t) * rb + b * B4J_Q8_0_BLOCK_BYTES;
                    acc[t] = _mm256_fmadd_ps(_mm256_set1_ps(q8_0_d(xb, yb)), q8_0_lanes(xb + 2, yb + 2), acc[t]);
                }
            }
            for (int t = 0; t < nt; t++) out[(t0 + t) * out_stride + r] = hsum_ps(acc[t]);
        }
    }
}

/* ---------------------------------------------------------------- float weights */

static inline __m256 load8_f32(const float *p) { return _mm256_loadu_ps(p); }
static inline __m256 load8_f16(const uint16_t *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)); }
static inline __m256 load8_bf16(const uint16_t *p) {
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p)), 16));
}
static inline float cvt1_bf16(const uint16_t *p) { return b4j_bf16_to_fp32(b4j_load_u16(p)); }

/* One weight row against up to 4 tokens: each 8-wide weight vector is converted once and used by every
 * token; two accumulators per token hide the FMA latency. */
#define FLOAT_GEMM(NAME, WT, LOAD8, CVT1)                                                                \
    static void NAME(const WT *w, int64_t k, int64_t row0, int64_t row1, const float *x, int64_t ntok,   \
                     float *out, int64_t out_stride) {                                                   \
        int64_t r = row0;                                                                                \
        if (ntok == 1) {                                                                                 \
            /* GEMV (the output head): four rows at once = four memory streams, eight FMA chains */     \
            for (; r + 4 <= row1 && k >= 16; r += 4) {                                                   \
                __m256 a0[4], a1[4];                                                                     \
                for (int u = 0; u < 4; u++) { a0[u] = _mm256_setzero_ps(); a1[u] = _mm256_setzero_ps(); } \
                int64_t i = 0;                                                                           \
                for (; i + 16 <= k; i += 16) {                                                           \
                    const __m256 x0 = _mm256_loadu_ps(x + i), x1 = _mm256_loadu_ps(x + i + 8);           \
                    for (int u = 0; u < 4; u++) {                                                        \
                        const WT *wr = w + (r + u) * k + i;                                              \
                        a0[u] = _mm256_fmadd_ps(LOAD8(wr), x0, a0[u]);                                   \
                        a1[u] = _mm256_fmadd_ps(LOAD8(wr + 8), x1, a1[u]);                               \
                    }                                                                                    \
                }                                                                                        \
                for (int u = 0; u < 4; u++) {                                                            \
                    const WT *wr = w + (r + u) * k;                                                      \
                    float s = hsum_ps(_mm256_add_ps(a0[u], a1[u]));                                      \
                    for (int64_t j = i; j < k; j++) s += CVT1(wr + j) * x[j];                            \
                    out[r + u] = s;                                                                      \
                }                                                                                        \
            }                                                                                            \
        }                                                                                                \
        for (; r < row1; r++) {                                                                          \
            const WT *wr = w + r * k;                                                                    \
            for (int64_t t0 = 0; t0 < ntok; t0 += 4) {                                                   \
                const int nt = ntok - t0 < 4 ? (int)(ntok - t0) : 4;                                     \
                __m256 a0[4], a1[4];                                                                     \
                for (int t = 0; t < 4; t++) { a0[t] = _mm256_setzero_ps(); a1[t] = _mm256_setzero_ps(); } \
                int64_t i = 0;                                                                           \
                for (; i + 16 <= k; i += 16) {                                                           \
                    const __m256 w0 = LOAD8(wr + i), w1 = LOAD8(wr + i + 8);                             \
                    for (int t = 0; t < nt; t++) {                                                       \
                        const float *xt = x + (t0 + t) * k + i;                                          \
                        a0[t] = _mm256_fmadd_ps(w0, _mm256_loadu_ps(xt), a0[t]);                         \
                        a1[t] = _mm256_fmadd_ps(w1, _mm256_loadu_ps(xt + 8), a1[t]);                     \
                    }                                                                                    \
                }                                                                                        \
                for (int t = 0; t < nt; t++) {                                                           \
                    float s = hsum_ps(_mm256_add_ps(a0[t], a1[t]));                                      \
                    const float *xt = x + (t0 + t) * k;                                                  \
                    for (int64_t j = i; j < k; j++) s += CVT1(wr + j) * xt[j];                           \
                    out[(t0 + t) * out_stride + r] = s;                                                  \
                }                                                                                        \
            }                                                                                            \
        }                                                                                                \
    }
FLOAT_GEMM(avx2_gemm_bf16, uint16_t, load8_bf16, cvt1_bf16)

/* F32/F16 in the order of one of ggml's dot kernels (bitnet4j.h, B4J_DOT_*): slot i % S is lane i % 8 of
 * register (i % S) / 8, so REGS = S / 8 registers hold exactly the scalar reference's fma chains; then the
 * same reduction and tail. */
#define ORDERED_ROWS(NAME, WT, LOAD8, REGS)                                                         \
    static void NAME##_##REGS(const WT *w, int64_t k, int64_t row0, int64_t row1, const float *x,        \
                              int64_t ntok, float *out, int64_t out_stride, int32_t dot, int f16) {      \
        const int64_t full = b4j_dot_has_tail(dot) ? k - k % (8 * REGS) : k;                             \
        float s[64];                                                                                     \
        for (int64_t r = row0; r < row1; r++) {                                                          \
            const WT *wr = w + r * k;                                                                    \
            for (int64_t t = 0; t < ntok; t++) {                                                         \
                const float *xt = x + t * k;                                                             \
                __m256 a[REGS];                                                                          \
                for (int g = 0; g < REGS; g++) a[g] = _mm256_setzero_ps();                               \
                for (int64_t i = 0; i < full; i += 8 * REGS)                                             \
                    for (int g = 0; g < REGS; g++)                                                       \
                        a[g] = _mm256_fmadd_ps(LOAD8(wr + i + 8 * g), _mm256_loadu_ps(xt + i + 8 * g), a[g]); \
                for (int g = 0; g < REGS; g++) _mm256_storeu_ps(s + 8 * g, a[g]);                        \
                out[t * out_stride + r] = b4j_ordered_tail(b4j_dot_reduce(dot, s), wr, f16, xt, full, k);  \
            }                                                                                            \
        }                                                                                                \
    }

/* the dispatcher over the register counts */
#define ORDERED_GEMM(NAME, WT, F16)                                                                      \
    void b4j_avx2_##NAME(const WT *w, int64_t k, int64_t row0, int64_t row1, const float *x,             \
                          int64_t ntok, float *out, int64_t out_stride, int32_t dot) {                   \
        switch (b4j_dot_slots(dot)) {                                                                    \
        case 8: NAME##_1(w, k, row0, row1, x, ntok, out, out_stride, dot, F16); break;                   \
        case 16: NAME##_2(w, k, row0, row1, x, ntok, out, out_stride, dot, F16); break;                  \
        case 32: NAME##_4(w, k, row0, row1, x, ntok, out, out_stride, dot, F16); break;                  \
        default: NAME##_8(w, k, row0, row1, x, ntok, out, out_stride, dot, F16); break;                  \
        }                                                                                                \
    }
ORDERED_ROWS(gemm_f32, float, load8_f32, 1)
ORDERED_ROWS(gemm_f32, float, load8_f32, 2)
ORDERED_ROWS(gemm_f32, float, load8_f32, 4)
ORDERED_ROWS(gemm_f32, float, load8_f32, 8)
ORDERED_GEMM(gemm_f32, float, 0)
ORDERED_ROWS(gemm_f16, uint16_t, load8_f16, 1)
ORDERED_ROWS(gemm_f16, uint16_t, load8_f16, 2)
ORDERED_ROWS(gemm_f16, uint16_t, load8_f16, 4)
ORDERED_ROWS(gemm_f16, uint16_t, load8_f16, 8)
ORDERED_GEMM(gemm_f16, uint16_t, 1)

/* ---------------------------------------------------------------- Q1_0 / Q2_0 x Q8_0 */

/* Eight int32 lanes of a Q8_0 block's activations signed by 32 bits of a Q1_0 block (ggml's AVX2
 * ggml_vec_dot_q1_0_q8_0): byte j takes bit j of the four bytes at bits; y negated (int8) where clear. */
static inline __m256 q1_0_lanes(const uint8_t *bits, const uint8_t *yq) {
    const __m256i byte_shuf = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                               2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i bit_masks = _mm256_set1_epi64x((long long)0x8040201008040201ull);
    uint32_t b32;
    memcpy(&b32, bits, 4);
    const __m256i clear = _mm256_cmpeq_epi8(
        _mm256_and_si256(_mm256_shuffle_epi8(_mm256_set1_epi32((int)b32), byte_shuf), bit_masks), _mm256_setzero_si256());
    const __m256i y = _mm256_loadu_si256((const __m256i *)yq);
    const __m256i sy = _mm256_sub_epi8(_mm256_xor_si256(y, clear), clear);
    return _mm256_cvtepi32_ps(_mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_set1_epi8(1), sy), _mm256_set1_epi16(1)));
}

static void q1_0_dots(const uint8_t *const *wp, const uint8_t *const *ap, int n, int64_t nb, float *res) {
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int64_t b = 0; b < nb; b++) {
        for (int i = 0; i < n; i++) {
            const uint8_t *xb = wp[i] + b * B4J_Q1_0_BLOCK_BYTES, *yb = ap[i] + 4 * b * B4J_Q8_0_BLOCK_BYTES;
            __m256 accb = _mm256_mul_ps(_mm256_set1_ps(_cvtsh_ss(b4j_load_u16(yb))), q1_0_lanes(xb + 2, yb + 2));
            for (int kk = 1; kk < 4; kk++) {
                const uint8_t *y = yb + kk * B4J_Q8_0_BLOCK_BYTES;
                accb = _mm256_fmadd_ps(_mm256_set1_ps(_cvtsh_ss(b4j_load_u16(y))), q1_0_lanes(xb + 2 + 4 * kk, y + 2), accb);
            }
            acc[i] = _mm256_fmadd_ps(_mm256_set1_ps(_cvtsh_ss(b4j_load_u16(xb))), accb, acc[i]);
        }
    }
    for (int i = 0; i < n; i++) res[i] = hsum_ps(acc[i]);
}

/* The codes (0..3) of a Q2_0 block's weights 32h..32h+31 as bytes in weight order: byte j of qs[8h + j/4],
 * shifted right by 2*(j%4) (four shifted copies merged by position masks). */
static inline __m256i q2_0_codes(__m256i qs2, int h) {
    const __m256i idx = h == 0 ? _mm256_setr_epi8(0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3,
                                                  4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7)
                               : _mm256_setr_epi8(8, 8, 8, 8, 9, 9, 9, 9, 10, 10, 10, 10, 11, 11, 11, 11,
                                                  12, 12, 12, 12, 13, 13, 13, 13, 14, 14, 14, 14, 15, 15, 15, 15);
    const __m256i v = _mm256_shuffle_epi8(qs2, idx);
    const __m256i m0 = _mm256_set1_epi32(0x00000003), m1 = _mm256_set1_epi32(0x00000300);
    const __m256i m2 = _mm256_set1_epi32(0x00030000), m3 = _mm256_set1_epi32(0x03000000);
    return _mm256_or_si256(_mm256_or_si256(_mm256_and_si256(v, m0), _mm256_and_si256(_mm256_srli_epi16(v, 2), m1)),
                           _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(v, 4), m2), _mm256_and_si256(_mm256_srli_epi16(v, 6), m3)));
}

/* Σ (code-1)*y over one Q8_0 block as eight int32 partial sums: Σ code*y - Σ y (|pairs| <= 768: no saturation) */
static inline __m256i q2_0_partial(__m256i codes, const uint8_t *yq) {
    const __m256i y = _mm256_loadu_si256((const __m256i *)yq);
    const __m256i d = _mm256_sub_epi16(_mm256_maddubs_epi16(codes, y), _mm256_maddubs_epi16(_mm256_set1_epi8(1), y));
    return _mm256_madd_epi16(d, _mm256_set1_epi16(1));
}

static void q2_0_dots(const uint8_t *const *wp, const uint8_t *const *ap, int n, int64_t nb, float *res) {
    for (int i = 0; i < n; i++) {
        float sumf = 0.0f;
        for (int64_t b = 0; b < nb; b++) {
            const uint8_t *xb = wp[i] + b * B4J_Q2_0_BLOCK_BYTES, *y0 = ap[i] + 2 * b * B4J_Q8_0_BLOCK_BYTES;
            const uint8_t *y1 = y0 + B4J_Q8_0_BLOCK_BYTES;
            const __m256i qs2 = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(xb + 2)));
            /* lanes 0..3: s0's partial sums, 4..7: s1's, after two horizontal adds of the two halves */
            __m256i h = _mm256_hadd_epi32(q2_0_partial(q2_0_codes(qs2, 0), y0 + 2), q2_0_partial(q2_0_codes(qs2, 1), y1 + 2));
            h = _mm256_hadd_epi32(h, h);
            const __m128i s = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
            sumf = b4j_q2_0_block(sumf, _cvtsh_ss(b4j_load_u16(xb)), _cvtsh_ss(b4j_load_u16(y0)), _mm_cvtsi128_si32(s),
                                  _cvtsh_ss(b4j_load_u16(y1)), _mm_extract_epi32(s, 1));
        }
        res[i] = sumf;
    }
}

B4J_PAIR_GEMM(avx2_gemm_q1_0_q8_0, q1_0_dots, B4J_QK1_0, B4J_Q1_0_BLOCK_BYTES)
B4J_PAIR_GEMM(avx2_gemm_q2_0_q8_0, q2_0_dots, B4J_QK2_0, B4J_Q2_0_BLOCK_BYTES)

/* ---------------------------------------------------------------- attention */

/* The slot registers of one of ggml's dots (slot s in lane s % 8 of register s / 8) reduced as the dot
 * reduces: vec_dot adds its accumulators (s0+s2)+(s1+s3) lane-wise, then GGML_F32x8_REDUCE (an add of
 * the halves and two hadds) at 8 lanes or a halving at 16; tinyBLAS halves. Element-wise on ymm lanes, so
 * it serves one dot (lanes = slots) as well as eight outputs at once (lanes = outputs). */
static inline __m256 reduce_slot_regs(int32_t dot, const __m256 *a) {
    switch (dot) {
    case B4J_DOT_TINYBLAS8: return a[0];
    case B4J_DOT_TINYBLAS16: return _mm256_add_ps(a[0], a[1]);
    case B4J_DOT_VEC8: return _mm256_add_ps(_mm256_add_ps(a[0], a[2]), _mm256_add_ps(a[1], a[3]));
    default: return _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a[0], a[4]), _mm256_add_ps(a[2], a[6])),
                                  _mm256_add_ps(_mm256_add_ps(a[1], a[5]), _mm256_add_ps(a[3], a[7])));
    }
}

/* the eight lanes left by reduce_slot_regs → one float: GGML_F32x8_REDUCE's hadds for VEC8, halving otherwise */
static inline float reduce_lanes8(int32_t dot, __m256 x) {
    if (dot != B4J_DOT_VEC8) return hsum_ps(x);
    const __m128 t0 = _mm_add_ps(_mm256_castps256_ps128(x), _mm256_extractf128_ps(x, 1));
    const __m128 t1 = _mm_hadd_ps(t0, t0);
    return _mm_cvtss_f32(_mm_hadd_ps(t1, t1));
}

/* eight lanes holding eight outputs' reduced values: VEC8's tree or halving, element-wise across `x[0..7]` */
static inline __m256 reduce_across8(int32_t dot, const __m256 *x) {
    if (dot == B4J_DOT_VEC8)
        return _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(x[0], x[4]), _mm256_add_ps(x[1], x[5])),
                             _mm256_add_ps(_mm256_add_ps(x[2], x[6]), _mm256_add_ps(x[3], x[7])));
    return _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(x[0], x[4]), _mm256_add_ps(x[2], x[6])),
                         _mm256_add_ps(_mm256_add_ps(x[1], x[5]), _mm256_add_ps(x[3], x[7])));
}

/* q·k of one head against one f16 K row in the dot's order (bitnet4j.h): slot registers, their reduction,
 * then vec_dot's tail in double */
static inline float qk_dot(int32_t dot, const float *q, const uint16_t *k, int64_t hs) {
    const int S = b4j_dot_slots(dot), R = S / 8;
    const int64_t full = b4j_dot_has_tail(dot) ? hs - hs % S : hs;
    __m256 a[8];
    for (int r = 0; r < R; r++) a[r] = _mm256_setzero_ps();
    for (int64_t i = 0; i < full; i += S)
        for (int r = 0; r < R; r++) a[r] = _mm256_fmadd_ps(_mm256_loadu_ps(q + i + 8 * r), load8_f16(k + i + 8 * r), a[r]);
    const float sum = reduce_lanes8(dot, reduce_slot_regs(dot, a));
    if (full == hs) return sum;
    double d = sum;
    for (int64_t i = full; i < hs; i++) d += (double)(q[i] * b4j_fp16_to_fp32(b4j_load_u16(k + i)));
    return (float)d;
}

/* The reference orders of b4j_scalar_attention for an f16 cache and a head size that is a multiple of eight:
 * q·k as slot registers per dot; P·V eight outputs at a time, each slot (position j % S) a register of eight
 * outputs kept in `slots`, reduced element-wise by the same tree; vec_dot's P·V tail per output in double.
 * Bit for bit the scalar kernel's numbers; other cases go to it. */
void b4j_avx2_attention(const float *q, const void *kc, const void *vc, int32_t f16, int64_t hs,
                               int64_t kvh_n, int64_t group, float scale, int64_t pos0, int64_t row0, int64_t row1,
                               int32_t order, float *scratch, float *out) {
    if (!f16 || hs % 8 != 0) {
        b4j_scalar_attention(q, kc, vc, f16, hs, kvh_n, group, scale, pos0, row0, row1, order, scratch, out);
        return;
    }
    const struct b4j_attention_recipe rc = b4j_attention_recipe_of(order, hs);
    const int S = b4j_dot_slots(rc.pv);
    const int64_t q_dim = kvh_n * group * hs, kv_dim = kvh_n * hs;
    const uint16_t *K = (const uint16_t *)kc, *V = (const uint16_t *)vc;
    __m256 slots[64];
    for (int64_t row = row0; row < row1; row++) {
        const int64_t t = row / kvh_n, kvh = row % kvh_n, len = pos0 + t + 1;
        float *qr = scratch, *sc = scratch + (group + 1) * hs;
        const float *qt = q + t * q_dim + kvh * group * hs;
        for (int64_t i = 0; i < group * hs; i += 8)
            _mm256_storeu_ps(qr + i, _mm256_cvtph_ps(_mm256_cvtps_ph(_mm256_loadu_ps(qt + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)));
        for (int64_t j = 0; j < len; j++) {
            const uint16_t *kr = K + j * kv_dim + kvh * hs;
            for (int64_t g = 0; g < group; g++) sc[g * len + j] = qk_dot(rc.qk, qr + g * hs, kr, hs) * scale;
        }
        for (int64_t g = 0; g < group; g++) b4j_attention_softmax(sc + g * len, len, rc.softmax_width, rc.round_weights);
        const int64_t full = b4j_attention_pv_full(rc, len);
        float *o = out + t * q_dim + kvh * group * hs;
        for (int64_t g = 0; g < group; g++) {
            const float *p = sc + g * len;
            for (int64_t i = 0; i < hs; i += 8) {
                for (int s = 0; s < S; s++) slots[s] = _mm256_setzero_ps();
                const uint16_t *vr = V + kvh * hs + i;
                for (int64_t j = 0; j < full; j++)
                    slots[j & (S - 1)] = _mm256_fmadd_ps(_mm256_set1_ps(p[j]), load8_f16(vr + j * kv_dim), slots[j & (S - 1)]);   /* S: a power of two */
                /* per output: slots → the dot's lanes (element-wise), then the lanes' tree (element-wise) */
                const int w = b4j_dot_lanes(rc.pv);
                __m256 x[16];
                if (b4j_dot_has_tail(rc.pv)) {
                    for (int l = 0; l < w; l++)
                        x[l] = _mm256_add_ps(_mm256_add_ps(slots[l], slots[2 * w + l]), _mm256_add_ps(slots[w + l], slots[3 * w + l]));
                } else {
                    for (int l = 0; l < w; l++) x[l] = slots[l];
                }
                if (w == 16)
                    for (int l = 0; l < 8; l++) x[l] = _mm256_add_ps(x[l], x[l + 8]);   /* halving's first step */
                __m256 r = reduce_across8(w == 16 ? B4J_DOT_TINYBLAS8 : rc.pv, x);
                _mm256_storeu_ps(o + g * hs + i, r);
                if (full < len) {
                    for (int e = 0; e < 8; e++) {
                        double d = o[g * hs + i + e];
                        for (int64_t j = full; j < len; j++) d += (double)(p[j] * b4j_fp16_to_fp32(b4j_load_u16(vr + j * kv_dim + e)));
                        o[g * hs + i + e] = (float)d;
                    }
                }
            }
        }
    }
}

const b4j_kernels b4j_kernels_avx2 = {
    .name = "avx2",
    .quantize_i8 = avx2_quantize_i8,
    .quantize_q8_k = avx2_quantize_q8_k,
    .quantize_q8_0 = b4j_scalar_quantize_q8_0,
    .gemm_i2s_i8 = avx2_gemm_i2s_i8,
    .gemm_tq2_0_q8_k = avx2_gemm_tq2_0_q8_k,
    .gemm_tq1_0_q8_k = avx2_gemm_tq1_0_q8_k,
    .gemm_f32 = b4j_avx2_gemm_f32,
    .gemm_f16 = b4j_avx2_gemm_f16,
    .gemm_bf16 = avx2_gemm_bf16,
    .gemm_q8_0_q8_0 = avx2_gemm_q8_0_q8_0,
    .gemm_q1_0_q8_0 = avx2_gemm_q1_0_q8_0,
    .gemm_q2_0_q8_0 = avx2_gemm_q2_0_q8_0,
    .attention = b4j_avx2_attention,
};
