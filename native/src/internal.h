/*
 * Internal declarations shared by the dispatcher and the ISA variants. Nothing here is exported:
 * the library is built with -fvisibility=hidden and only B4J_API functions are visible.
 */
#ifndef BITNET4J_INTERNAL_H
#define BITNET4J_INTERNAL_H

#include <stdint.h>
#include <math.h>
#include <string.h>

#include "bitnet4j.h"

/* One ISA variant: every dispatched kernel. */
typedef struct b4j_kernels {
    const char *name;
    void (*quantize_i8)(const float *x, int64_t ntok, int64_t k, int8_t *q, float *scales, int32_t *sums);
    void (*quantize_q8_k)(const float *x, int64_t ntok, int64_t k, void *y);
    void (*quantize_q8_0)(const float *x, int64_t ntok, int64_t k, void *y);
    void (*gemm_i2s_i8)(const uint8_t *w, int64_t k, int64_t row0, int64_t row1, float w_scale,
                        const int8_t *act, const float *scales, const int32_t *sums, int64_t ntok,
                        float *out, int64_t out_stride);
    void (*gemm_tq2_0_q8_k)(const uint8_t *w, int64_t k, int64_t row0, int64_t row1,
                            const uint8_t *act, int64_t ntok, float *out, int64_t out_stride, int32_t fused);
    void (*gemm_tq1_0_q8_k)(const uint8_t *w, int64_t k, int64_t row0, int64_t row1,
                            const uint8_t *act, int64_t ntok, float *out, int64_t out_stride, int32_t fused);
    void (*gemm_f32)(const float *w, int64_t k, int64_t row0, int64_t row1,
                     const float *x, int64_t ntok, float *out, int64_t out_stride, int32_t dot);
    void (*gemm_f16)(const uint16_t *w, int64_t k, int64_t row0, int64_t row1,
                     const float *x, int64_t ntok, float *out, int64_t out_stride, int32_t dot);
    void (*gemm_bf16)(const uint16_t *w, int64_t k, int64_t row0, int64_t row1,
                      const float *x, int64_t ntok, float *out, int64_t out_stride);
    void (*gemm_q8_0_q8_0)(const uint8_t *w, int64_t k, int64_t row0, int64_t row1,
                           const uint8_t *act, int64_t ntok, float *out, int64_t out_stride);
    void (*gemm_q1_0_q8_0)(const uint8_t *w, int64_t k, int64_t row0, int64_t row1,
                           const uint8_t *act, int64_t ntok, float *out, int64_t out_stride);
    void (*gemm_q2_0_q8_0)(const uint8_t *w, int64_t k, int64_t row0, int64_t row1,
                           const uint8_t *act, int64_t ntok, float *out, int64_t out_stride);
    void (*attention)(const float *q, const void *k, const void *v, int32_t kv_f16, int64_t head_size,
                      int64_t kv_heads, int64_t group, float scale, int64_t pos0, int64_t row0, int64_t row1,
                      int32_t order, float *scratch, float *out);
} b4j_kernels;

/* Variants (each defined in its own file; only those compiled for the target exist). */
extern const b4j_kernels b4j_kernels_scalar;
#if defined(__x86_64__)
extern const b4j_kernels b4j_kernels_avx2;
extern const b4j_kernels b4j_kernels_avx512vnni;
#endif
#if defined(__aarch64__)
extern const b4j_kernels b4j_kernels_neon;
extern const b4j_kernels b4j_kernels_dotprod;
#endif

/* ---- scalar building blocks, reused by SIMD variants for what SIMD does not change ---- */
void b4j_scalar_quantize_i8(const float *x, int64_t ntok, int64_t k, int8_t *q, float *scales, int32_t *sums);
void b4j_scalar_quantize_q8_k(const float *x, int64_t ntok, int64_t k, void *y);
void b4j_scalar_quantize_q8_0(const float *x, int64_t ntok, int64_t k, void *y);
void b4j_scalar_gemm_i2s_i8(const uint8_t *w, int64_t k, int64_t row0, int64_t row1, float w_scale,
                            const int8_t *act, const float *scales, const int32_t *sums, int64_t ntok,
                            float *out, int64_t out_stride);
void b4j_scalar_gemm_tq2_0_q8_k(const uint8_t *w, int64_t k, int64_t row0, int64_t row1,
                                const uint8_t *act, int64_t ntok, float *out, int64_t out_stride, int32_t fused);
void b4j_scalar_gemm_tq1_0_q8_k(const uint8_t *w, int64_t k, int64_t row0, int64_t row1,
                                const uint8_t *act, int64_t ntok, float *out, int64_t out_stride, int32_t fused);
void b4j_scalar_gemm_f32(const float *w, int64_t k, int64_t row0, int64_t row1,
                         const float *x, int64_t ntok, float *out, int64_t out_stride, int32_t dot);
void b4j_scalar_gemm_f16(const uint16_t *w, int64_t k, int64_t row0, int64_t row1,
                         const float *x, int64_t ntok, float *out, int64_t out_stride, int32_t dot);
/* the AVX2 variant's ordered float gemms (also used by AVX-512) */
void b4j_avx2_gemm_f32(const float *w, int64_t k, int64_t row0, int64_t row1,
                       const float *x, int64_t ntok, float *out, int64_t out_stride, int32_t dot);
void b4j_avx2_gemm_f16(const uint16_t *w, int64_t k, int64_t row0, int64_t row1,
                       const float *x, int64_t ntok, float *out, int64_t out_stride, int32_t dot);
void b4j_scalar_gemm_bf16(const uint16_t *w, int64_t k, int64_t row0, int64_t row1,
                          const float *x, int64_t ntok, float *out, int64_t out_stride);
void b4j_scalar_attention(const float *q, const void *k, const void *v, int32_t kv_f16, int64_t head_size,
                          int64_t kv_heads, int64_t group, float scale, int64_t pos0, int64_t row0, int64_t row1,
                          int32_t order, float *scratch, float *out);
/* the AVX2 variant's attention: B4J_ATTN_TINYBLAS vectorised, other orders scalar (also used by AVX-512) */
void b4j_avx2_attention(const float *q, const void *k, const void *v, int32_t kv_f16, int64_t head_size,
                               int64_t kv_heads, int64_t group, float scale, int64_t pos0, int64_t row0,
                               int64_t row1, int32_t order, float *scratch, float *out);
void b4j_scalar_gemm_q8_0_q8_0(const uint8_t *w, int64_t k, int64_t row0, int64_t row1,
                               const uint8_t *act, int64_t ntok, float *out, int64_t out_stride);
void b4j_scalar_gemm_q1_0_q8_0(const uint8_t *w, int64_t k, int64_t row0, int64_t row1,
                               const uint8_t *act, int64_t ntok, float *out, int64_t out_stride);
void b4j_scalar_gemm_q2_0_q8_0(const uint8_t *w, int64_t k, int64_t row0, int64_t row1,
                               const uint8_t *act, int64_t ntok, float *out, int64_t out_stride);

/* ---- numeric helpers with exactly ggml's semantics ---- */

/* ggml's nearest_int: round half to even through the 1.5*2^23 trick (valid for |f| <= 4194303). */
static inline int b4j_nearest_int(float f) {
    float v = f + 12582912.f;
    int32_t i;
    memcpy(&i, &v, sizeof i);
    return (i & 0x007fffff) - 0x00400000;
}

float b4j_fp16_to_fp32(uint16_t h);
uint16_t b4j_fp32_to_fp16(float f); /* round to nearest even, like F16C / ggml */

static inline float b4j_bf16_to_fp32(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static inline float b4j_load_f32(const void *p) { float f; memcpy(&f, p, sizeof f); return f; }
static inline uint16_t b4j_load_u16(const void *p) { uint16_t v; memcpy(&v, p, sizeof v); return v; }

/* The I2_S epilogue, in bitnet.cpp's evaluation order (ggml.c's mul_mat, every I2_S path):
 * ((float)dot - (float)sum) / act_scale * w_scale, two roundings. dot and sum are converted separately
 * (both are exact in float, hence so is their difference, while |dot|, |sum| < 2^24, i.e. for every
 * k < 43690). Checked against bitnet.cpp's matmul outputs (cb_eval dumps) on the shared model and on grid
 * shapes of head size 32 to 128, prompt and decode: bit-identical, where the single-rounding
 * "* (w_scale / act_scale)" differs by one ulp in about one output in four — which the next activation
 * quantization can turn into a 1e-2 logit difference. Every variant uses this so that all of them give
 * bit-identical floats. */
static inline float b4j_i2s_epilogue(int32_t dot, int32_t sum, float act_scale, float w_scale) {
    return ((float)dot - (float)sum) / act_scale * w_scale;
}

/* ---- TQ1_0 / TQ2_0 x Q8_K float accumulation: llama.cpp's AVX2 ggml_vec_dot_tq{1,2}_0_q8_K order ----
 * Per 256-block, eight int32 lanes: lane L = Σ code_i * y_i over the positions i with (i % 32) / 4 == L
 * (code_i = the stored code / trit, 0..3), minus (bsums[2L] + bsums[2L+1]) (= Σ y over [32L, 32L+32):
 * a different set of positions, only the total is the -1 offset; llama.cpp does exactly this). Then
 * d = y.d * x.d, then acc[L] = fma((float)lane[L], d, acc[L]) when `fused` — what gcc makes of ggml's
 * _mm256_add_ps(_mm256_mul_ps(sumi, d), sumf) (it contracts vector intrinsics; llama.cpp's Linux builds
 * use gcc), checked bit for bit against such a build's matmul outputs — else (float)lane[L] * d + acc[L]
 * (clang does not contract there: bitnet.cpp); blocks in order from acc = 0, and the result is
 * hsum_float_8(acc) = ((a0+a4) + (a2+a6)) + ((a1+a5) + (a3+a7)).
 * In SIMD the lanes come for free: maddubs + madd (or dpbusd / sdot) put the products of byte
 * positions 4L..4L+3 of a 32-byte chunk into int32 lane L. */
#define B4J_TQ_LANES 8

/* A TQ1_0/TQ2_0 GEMM over a variant's row kernels ROWFN_1..ROWFN_4 (one weight row against 1-4 tokens,
 * results in res[]): each row against the tokens four at a time. Shared by the x86 variants. */
#define B4J_TQ_GEMM(NAME, ROWFN, BLOCK_BYTES)                                                            \
    static void NAME(const uint8_t *w, int64_t k, int64_t row0, int64_t row1, const uint8_t *act,        \
                     int64_t ntok, float *out, int64_t out_stride, int32_t fused) {                      \
        const int64_t nb = k / B4J_QK_K;                                                                 \
        float res[4];                                                                                    \
        for (int64_t r = row0; r < row1; r++) {                                                          \
            const uint8_t *wr = w + r * nb * BLOCK_BYTES;                                                \
            for (int64_t t0 = 0; t0 < ntok; t0 += 4) {                                                   \
                const int64_t nt = ntok - t0 < 4 ? ntok - t0 : 4;                                        \
                const uint8_t *a = act + t0 * nb * B4J_Q8_K_BLOCK_BYTES;                                 \
                switch (nt) {                                                                            \
                case 1: ROWFN##_1(wr, nb, a, res, fused); break;                                         \
                case 2: ROWFN##_2(wr, nb, a, res, fused); break;                                         \
                case 3: ROWFN##_3(wr, nb, a, res, fused); break;                                         \
                default: ROWFN##_4(wr, nb, a, res, fused); break;                                        \
                }                                                                                        \
                for (int64_t t = 0; t < nt; t++) out[(t0 + t) * out_stride + r] = res[t];                \
            }                                                                                            \
        }                                                                                                \
    }

/* ---- ggml's float dot kernels (B4J_DOT_*): slots, the fallback of tinyBLAS, the reduction ---- */
static inline int b4j_dot_lanes(int32_t dot) { return dot == B4J_DOT_TINYBLAS16 || dot == B4J_DOT_VEC16 ? 16 : 8; }
static inline int b4j_dot_has_tail(int32_t dot) { return dot == B4J_DOT_VEC8 || dot == B4J_DOT_VEC16; }
static inline int b4j_dot_slots(int32_t dot) { return b4j_dot_lanes(dot) * (b4j_dot_has_tail(dot) ? 4 : 1); }
/* tinyBLAS needs whole registers: ggml falls back to the vec_dot kernel of the same width */
static inline int32_t b4j_dot_for_length(int32_t dot, int64_t n) {
    if (dot == B4J_DOT_TINYBLAS8 && n % 8 != 0) return B4J_DOT_VEC8;
    if (dot == B4J_DOT_TINYBLAS16 && n % 16 != 0) return B4J_DOT_VEC16;
    return dot;
}

/* the last steps of GGML_F32x8_REDUCE (an AVX add of the halves, then two hadds) */
static inline float b4j_vec_dot_tree(const float *x) {
    return ((x[0] + x[4]) + (x[1] + x[5])) + ((x[2] + x[6]) + (x[3] + x[7]));
}

/* the slots x[0, b4j_dot_slots(dot)) → one float, as the kernel reduces its registers (overwrites x):
 * vec_dot adds its four registers (s0+s2)+(s1+s3); GGML_F32x8_REDUCE then ends as b4j_vec_dot_tree, the
 * others (tinyBLAS's hsum, _mm512_reduce_add_ps) halve the register */
static inline float b4j_dot_reduce(int32_t dot, float *x) {
    const int w = b4j_dot_lanes(dot);
    if (b4j_dot_has_tail(dot))
        for (int l = 0; l < w; l++) x[l] = (x[l] + x[2 * w + l]) + (x[w + l] + x[3 * w + l]);
    if (dot == B4J_DOT_VEC8) return b4j_vec_dot_tree(x);
    for (int h = w / 2; h >= 1; h /= 2)
        for (int i = 0; i < h; i++) x[i] = x[i] + x[i + h];
    return x[0];
}

/* An attention order as a recipe of ggml kernels (bitnet4j.h, b4j_attention): the q·k and P·V dots, the
 * softmax register width, whether the weights are rounded to f16, and the engine's KV padding (where
 * vec_dot's P·V tail begins). Shared by the scalar kernel and the vectorised ones. */
struct b4j_attention_recipe {
    int32_t qk, pv;
    int softmax_width;
    int32_t round_weights;
    int64_t kv_pad;
};
struct b4j_attention_recipe b4j_attention_recipe_of(int32_t order, int64_t hs);
/* positions below this go into P·V's slots; the rest (vec_dot's tail) are added after the reduction */
int64_t b4j_attention_pv_full(struct b4j_attention_recipe rc, int64_t len);
/* ggml_vec_soft_max_f32 at `width` lanes (8: the AVX2 exp; 16: the AVX-512 one), optionally rounded to f16 */
void b4j_attention_softmax(float *scores, int64_t len, int width, int32_t round_weights);

/* a vec_dot's terms full..k-1 of one weight row, added to the reduced sum one by one: f16 weights as
 * ggml_vec_dot_f16 (float products added in double), f32 as ggml_vec_dot_f32 (a float fma each) */
static inline float b4j_ordered_tail(float sum, const void *w_row, int32_t f16, const float *x, int64_t full, int64_t k) {
    if (f16) {
        double d = sum;
        for (int64_t i = full; i < k; i++) d += (double)(b4j_fp16_to_fp32(b4j_load_u16((const uint16_t *)w_row + i)) * x[i]);
        return (float)d;
    }
    for (int64_t i = full; i < k; i++) sum = fmaf(b4j_load_f32((const float *)w_row + i), x[i], sum);
    return sum;
}

/* bsums[2L] + bsums[2L+1] of a Q8_K block */
static inline int32_t b4j_q8k_lane_bsum(const uint8_t *yb, int lane) {
    int16_t a, b;
    memcpy(&a, yb + 4 + 256 + 4 * lane, 2);
    memcpy(&b, yb + 4 + 256 + 4 * lane + 2, 2);
    return (int32_t)a + (int32_t)b;
}

static inline float b4j_hsum_float_8(const float *a) {
    return ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]));
}

/* ggml_v_expf (AVX2 flavour), one lane (inline, so each variant's fmaf is its own hardware or libm FMA): range reduction x = n*ln2 + b, degree-5 polynomial (GgmlMath.expf) */
static inline float b4j_ggml_expf(float x) {
    const float r = 0x1.8p23f;
    const float z = fmaf(x, 0x1.715476p+0f, r);
    const float n = z - r;
    const float b = fmaf(-n, 0x1.7f7d1cp-20f, fmaf(-n, 0x1.62e4p-1f, x));
    uint32_t zi, one = 0x3f800000u;
    memcpy(&zi, &z, 4);
    const uint32_t e = zi << 23;
    const uint32_t ki = e + one;
    float k;
    memcpy(&k, &ki, 4);
    const float u = b * b;
    const float j = fmaf(fmaf(fmaf(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, fmaf(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)), u,
                         0x1.ffffecp-1f * b);
    if (!(fabsf(n) > 126)) return fmaf(j, k, k);
    const uint32_t dm = n <= 0 ? 0x82000000u : 0;
    const uint32_t s1i = dm + 0x7f000000u, s2i = e - dm;
    float s1, s2;
    memcpy(&s1, &s1i, 4);
    memcpy(&s2, &s2i, 4);
    if (fabsf(n) > 192) return s1 * s1;
    return fmaf(s2, j, s2) * s1;
}

/* the largest score (softmax's shift), and the last softmax step: p = e * (float)(1/sum), optionally rounded
 * to f16 — shared by both softmax orders */
static inline float b4j_scores_max(const float *scores, int64_t len) {
    float max = -INFINITY;
    for (int64_t j = 0; j < len; j++) max = scores[j] > max ? scores[j] : max;
    return max;
}

static inline void b4j_softmax_normalize(float *scores, int64_t len, double sum, int32_t round_weights) {
    const float inv = (float)(1.0 / sum);
    for (int64_t j = 0; j < len; j++) {
        const float p = scores[j] * inv;
        scores[j] = round_weights ? b4j_fp16_to_fp32(b4j_fp32_to_fp16(p)) : p;
    }
}



/* ---- Q1_0 / Q2_0 x Q8_0 (bitnet4j.h gives the float order) ----
 * A GEMM over a variant's DOTS(wp, ap, n, nb, res): n <= 4 independent (weight row, activation row) dot
 * products of nb weight blocks each, results in res[] — four rows of the one token of a GEMV, or one row
 * of four tokens of a GEMM. Each dot is computed alone in a fixed order, so the grouping changes nothing. */
#define B4J_PAIR_GEMM(NAME, DOTS, QK, BLOCK_BYTES)                                                        \
    static void NAME(const uint8_t *w, int64_t k, int64_t row0, int64_t row1, const uint8_t *act,        \
                     int64_t ntok, float *out, int64_t out_stride) {                                     \
        const int64_t nb = k / (QK), wrb = nb * (BLOCK_BYTES), arb = k / B4J_QK8_0 * B4J_Q8_0_BLOCK_BYTES; \
        const uint8_t *wp[4], *ap[4];                                                                    \
        float res[4];                                                                                    \
        if (ntok == 1) {                                                                                 \
            for (int64_t r = row0; r < row1; r += 4) {                                                   \
                const int n = row1 - r < 4 ? (int)(row1 - r) : 4;                                        \
                for (int i = 0; i < n; i++) { wp[i] = w + (r + i) * wrb; ap[i] = act; }                 \
                DOTS(wp, ap, n, nb, res);                                                                \
                for (int i = 0; i < n; i++) out[r + i] = res[i];                                         \
            }                                                                                            \
            return;                                                                                      \
        }                                                                                                \
        for (int64_t r = row0; r < row1; r++)                                                            \
            for (int64_t t0 = 0; t0 < ntok; t0 += 4) {                                                   \
                const int n = ntok - t0 < 4 ? (int)(ntok - t0) : 4;                                      \
                for (int i = 0; i < n; i++) { wp[i] = w + r * wrb; ap[i] = act + (t0 + i) * arb; }       \
                DOTS(wp, ap, n, nb, res);                                                                \
                for (int i = 0; i < n; i++) out[(t0 + i) * out_stride + r] = res[i];                     \
            }                                                                                            \
    }

#define B4J_QK1_0 128
#define B4J_QK2_0 64
#define B4J_Q1_0_BLOCK_BYTES 18 /* { fp16 d; uint8 qs[16]; } */
#define B4J_Q2_0_BLOCK_BYTES 18 /* { fp16 d; uint8 qs[16]; } */

/* One Q2_0 block (two Q8_0 blocks with scales dy0, dy1 and exact sums s0, s1 of (code-1)*y) added to sumf,
 * as ggml's generic ggml_vec_dot_q2_0_q8_0 (the x86 build's) evaluates it: no FMA anywhere. */
static inline float b4j_q2_0_block(float sumf, float d0, float dy0, int32_t s0, float dy1, int32_t s1) {
    float sumi = 0.0f;
    sumi += dy0 * (float)s0;
    sumi += dy1 * (float)s1;
    return sumf + d0 * sumi;
}

#endif /* BITNET4J_INTERNAL_H */
