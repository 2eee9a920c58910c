/*
 * Scalar reference kernels: the oracle of the C tests and the fallback on any CPU.
 *
 * Numerics follow bitnet.cpp / llama.cpp exactly where they define them:
 *  - quantize_i8: bitnet.cpp quantize_row_i8_s (max |x| in double with a 1e-5 floor, s = (float)(127/max),
 *    q = nearest_int(x*s) (round half to even on the float product), clamp [-128,127], integer sum).
 *  - quantize_q8_k: llama.cpp quantize_row_q8_K_ref (signed max of the first largest |x|,
 *    iscale = -127/max, q = min(127, nearest_int(iscale*x)), d = 1/iscale, 16 bsums). For an all-zero
 *    block, d = 0 and qs = 0 as in llama.cpp, and bsums = 0 (llama.cpp leaves them unwritten).
 *  - quantize_q8_0: llama.cpp quantize_row_q8_0_ref (d = amax/127, id = 1/d, q = roundf(x*id), fp16 d).
 *  - TQ1_0/TQ2_0 dots: llama.cpp's AVX2 ggml_vec_dot_tq{1,2}_0_q8_K order (internal.h): eight exact
 *    int32 lanes per block, eight float accumulators, hsum_float_8 at the end. SIMD variants compute
 *    the same lanes and run the same float operations, so every variant is bit-identical.
 *  - Q8_0 dots: llama.cpp's x86 ggml_vec_dot_q8_0_q8_0: eight int32 lanes per block (lane L = the
 *    products of positions 4L..4L+3), acc[L] = fmaf(d_x * d_y, (float)lane, acc[L]) block by block,
 *    then hsum_float_8.
 *  - Q1_0 dots: ggml's AVX2 ggml_vec_dot_q1_0_q8_0 (bitnet4j.h); Q2_0 dots: ggml's generic
 *    ggml_vec_dot_q2_0_q8_0 as its x86 build runs it (no FMA), b4j_q2_0_block in internal.h.
 *  - I2_S: exact int dot of codes (0..3 as stored) and q, then b4j_i2s_epilogue
 *    (((float)dot - (float)sum) / act_scale * w_scale).
 *  - f32/f16: the order of one of ggml's dot kernels (bitnet4j.h, B4J_DOT_*); bf16: a plain sequential
 *    float sum (SIMD variants reorder: tolerance, not exactness).
 */
#include <math.h>

#include "internal.h"

/* ---------------------------------------------------------------- activation quantization */

void b4j_scalar_quantize_i8(const float *x, int64_t ntok, int64_t k, int8_t *q, float *scales, int32_t *sums) {
    for (int64_t t = 0; t < ntok; t++) {
        const float *xt = x + t * k;
        int8_t *qt = q + t * k;
        double max = 0.00001;
        for (int64_t i = 0; i < k; i++) {
            double a = fabs((double)xt[i]);
            if (a > max) max = a;
        }
        const float s = (float)(127.0 / max);
        int32_t sum = 0;
        for (int64_t i = 0; i < k; i++) {
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

void b4j_scalar_quantize_q8_k(const float *x, int64_t ntok, int64_t k, void *y) {
    const int64_t nb = k / B4J_QK_K;
    uint8_t *out = (uint8_t *)y;
    for (int64_t t = 0; t < ntok; t++) {
        for (int64_t b = 0; b < nb; b++) {
            const float *xb = x + t * k + b * B4J_QK_K;
            uint8_t *blk = out + (t * nb + b) * B4J_Q8_K_BLOCK_BYTES;
            int8_t *qs = (int8_t *)(blk + 4);
            float max = 0.0f, amax = 0.0f;
            for (int j = 0; j < B4J_QK_K; j++) {
                float ax = fabsf(xb[j]);
                if (ax > amax) { amax = ax; max = xb[j]; }
            }
            int16_t bsums[16] = {0};
            float d = 0.0f;
            if (amax == 0.0f) {
                memset(qs, 0, B4J_QK_K);
            } else {
                const float iscale = -127.f / max;
                for (int j = 0; j < B4J_QK_K; j++) {
                    int v = b4j_nearest_int(iscale * xb[j]);
                    qs[j] = (int8_t)(v < 127 ? v : 127);
                }
                for (int j = 0; j < 16; j++) {
                    int s = 0;
                    for (int i = 0; i < 16; i++) s += qs[j * 16 + i];
                    bsums[j] = (int16_t)s;
                }
                d = 1 / iscale;
            }
            memcpy(blk, &d, 4);
            memcpy(blk + 4 + B4J_QK_K, bsums, sizeof bsums);
        }
    }
}

void b4j_scalar_quantize_q8_0(const float *x, int64_t ntok, int64_t k, void *y) {
    const int64_t nb = k / B4J_QK8_0;
    uint8_t *out = (uint8_t *)y;
    for (int64_t t = 0; t < ntok; t++) {
        for (int64_t b = 0; b < nb; b++) {
            const float *xb = x + t * k + b * B4J_QK8_0;
            uint8_t *blk = out + (t * nb + b) * B4J_Q8_0_BLOCK_BYTES;
            float amax = 0.0f;
            for (int j = 0; j < B4J_QK8_0; j++) {
                float a = fabsf(xb[j]);
                if (a > amax) amax = a;
            }
            /* ggml-cpu's x86 quantize_row_q8_0 (what llama.cpp quantizes activations with; the _ref
             * function, 1/d and roundf, is llama-quantize's for weights): id = 127/amax, x*id rounded
             * half to even (_mm256_round_ps) */
            const float d = amax / 127.f;
            const float id = amax != 0.0f ? 127.f / amax : 0.0f;
            uint16_t dh = b4j_fp32_to_fp16(d);
            memcpy(blk, &dh, 2);
            for (int j = 0; j < B4J_QK8_0; j++) {
                /* x*id is within [-127, 127] for finite input; the guards only keep NaN / Inf
                 * (which llama.cpp converts with undefined behaviour) defined */
                const float r = nearbyintf(xb[j] * id);
                const int v = r != r ? 0 : r > 127.0f ? 127 : r < -128.0f ? -128 : (int)r;
                blk[2 + j] = (uint8_t)(int8_t)v;
            }
        }
    }
}

/* ---------------------------------------------------------------- I2_S */

static int32_t i2s_dot_row(const uint8_t *wr, const int8_t *a, int64_t k) {
    int32_t acc = 0;
    for (int64_t g = 0; g < k / B4J_QK_I2S; g++) {
        const uint8_t *wb = wr + g * B4J_I2S_GROUP_BYTES;
        const int8_t *ab = a + g * B4J_QK_I2S;
        for (int j = 0; j < 32; j++) {
            const uint8_t b = wb[j];
            acc += (int32_t)((b >> 6) & 3) * ab[j];
            acc += (int32_t)((b >> 4) & 3) * ab[j + 32];
            acc += (int32_t)((b >> 2) & 3) * ab[j + 64];
            acc += (int32_t)(b & 3) * ab[j + 96];
        }
    }
    return acc;
}

void b4j_scalar_gemm_i2s_i8(const uint8_t *w, int64_t k, int64_t row0, int64_t row1, float w_scale,
                            const int8_t *act, const float *scales, const int32_t *sums, int64_t ntok,
                            float *out, int64_t out_stride) {
    for (int64_t r = row0; r < row1; r++) {
        const uint8_t *wr = w + r * (k / 4);
        for (int64_t t = 0; t < ntok; t++) {
            int32_t dot = i2s_dot_row(wr, act + t * k, k);
            out[t * out_stride + r] = b4j_i2s_epilogue(dot, sums[t], scales[t], w_scale);
        }
    }
}

/* ---------------------------------------------------------------- TQ2_0 / TQ1_0 */

/* The per-block lanes and the float accumulation of b4j's TQ order (see internal.h: llama.cpp's AVX2
 * kernels): lane[(i % 32) / 4] += code_i * y_i, then per lane (lane - bsum pair) * d + acc, fused or not. */
static void tq_accumulate(float *acc, const int32_t *lane, const uint8_t *yb, float d, int32_t fused) {
    for (int l = 0; l < B4J_TQ_LANES; l++) {
        const float v = (float)(lane[l] - b4j_q8k_lane_bsum(yb, l));
        acc[l] = fused ? fmaf(v, d, acc[l]) : v * d + acc[l];
    }
}

/* lane[L] = Σ code_i * q_i over the positions i with (i % 32) / 4 == L: per position p of the 32-chunks
 * first (loops the compiler vectorizes), then the four positions of each lane */
static void tq_block_lanes(const uint8_t *code, const int8_t *q, int32_t *lane) {
    int32_t pos[32];
    for (int p = 0; p < 32; p++) {
        int32_t s = 0;
        for (int c = 0; c < 8; c++) s += code[32 * c + p] * q[32 * c + p];
        pos[p] = s;
    }
    for (int l = 0; l < B4J_TQ_LANES; l++) lane[l] = (pos[4 * l] + pos[4 * l + 1]) + (pos[4 * l + 2] + pos[4 * l + 3]);
}

/* TQ2_0: half j, 2-bit field l of byte m -> weight 128j + 32l + m */
static void tq2_block_lanes(const uint8_t *xb, const int8_t *q, int32_t *lane) {
    uint8_t code[B4J_QK_K];
    for (int j = 0; j < 2; j++)
        for (int l = 0; l < 4; l++)
            for (int m = 0; m < 32; m++) code[j * 128 + l * 32 + m] = (xb[j * 32 + m] >> (l * 2)) & 3;
    tq_block_lanes(code, q, lane);
}

void b4j_scalar_gemm_tq2_0_q8_k(const uint8_t *w, int64_t k, int64_t row0, int64_t row1,
                                const uint8_t *act, int64_t ntok, float *out, int64_t out_stride, int32_t fused) {
    const int64_t nb = k / B4J_QK_K;
    for (int64_t r = row0; r < row1; r++) {
        const uint8_t *wr = w + r * nb * B4J_TQ2_0_BLOCK_BYTES;
        for (int64_t t = 0; t < ntok; t++) {
            const uint8_t *yt = act + t * nb * B4J_Q8_K_BLOCK_BYTES;
            float acc[B4J_TQ_LANES] = {0};
            for (int64_t b = 0; b < nb; b++) {
                const uint8_t *xb = wr + b * B4J_TQ2_0_BLOCK_BYTES;
                const uint8_t *yb = yt + b * B4J_Q8_K_BLOCK_BYTES;
                int32_t lane[B4J_TQ_LANES] = {0};
                tq2_block_lanes(xb, (const int8_t *)(yb + 4), lane);
                tq_accumulate(acc, lane, yb, b4j_load_f32(yb) * b4j_fp16_to_fp32(b4j_load_u16(xb + 64)), fused);
            }
            out[t * out_stride + r] = b4j_hsum_float_8(acc);
        }
    }
}

static const uint8_t k_pow3[6] = {1, 3, 9, 27, 81, 243};

static inline int tq1_trit(uint8_t byte, int n) {
    uint8_t q = (uint8_t)(byte * k_pow3[n]);
    return ((uint16_t)q * 3) >> 8;
}

/* TQ1_0: weight i < 160 is trit i/32 of qs[i%32], 160 <= i < 240 trit (i-160)/16 of qs[32 + (i-160)%16],
 * i >= 240 trit (i-240)/4 of qh[(i-240)%4] */
static void tq1_block_lanes(const uint8_t *xb, const int8_t *q, int32_t *lane) {
    const uint8_t *qs = xb;
    const uint8_t *qh = xb + 48;
    uint8_t code[B4J_QK_K];
    for (int l = 0; l < 5; l++)
        for (int m = 0; m < 32; m++) code[l * 32 + m] = (uint8_t)tq1_trit(qs[m], l);
    for (int l = 0; l < 5; l++)
        for (int m = 0; m < 16; m++) code[160 + l * 16 + m] = (uint8_t)tq1_trit(qs[32 + m], l);
    for (int l = 0; l < 4; l++)
        for (int j = 0; j < 4; j++) code[240 + l * 4 + j] = (uint8_t)tq1_trit(qh[j], l);
    tq_block_lanes(code, q, lane);
}

void b4j_scalar_gemm_tq1_0_q8_k(const uint8_t *w, int64_t k, int64_t row0, int64_t row1,
                                const uint8_t *act, int64_t ntok, float *out, int64_t out_stride, int32_t fused) {
    const int64_t nb = k / B4J_QK_K;
    for (int64_t r = row0; r < row1; r++) {
        const uint8_t *wr = w + r * nb * B4J_TQ1_0_BLOCK_BYTES;
        for (int64_t t = 0; t < ntok; t++) {
            const uint8_t *yt = act + t * nb * B4J_Q8_K_BLOCK_BYTES;
            float acc[B4J_TQ_LANES] = {0};
            for (int64_t b = 0; b < nb; b++) {
                const uint8_t *xb = wr + b * B4J_TQ1_0_BLOCK_BYTES;
                const uint8_t *yb = yt + b * B4J_Q8_K_BLOCK_BYTES;
                int32_t lane[B4J_TQ_LANES] = {0};
                tq1_block_lanes(xb, (const int8_t *)(yb + 4), lane);
                tq_accumulate(acc, lane, yb, b4j_load_f32(yb) * b4j_fp16_to_fp32(b4j_load_u16(xb + 52)), fused);
            }
            out[t * out_stride + r] = b4j_hsum_float_8(acc);
        }
    }
}

/* ---------------------------------------------------------------- Q8_0 */

void b4j_scalar_gemm_q8_0_q8_0(const uint8_t *w, int64_t k, int64_t row0, int64_t row1,
                               const uint8_t *act, int64_t ntok, float *out, int64_t out_stride) {
    const int64_t nb = k / B4J_QK8_0;
    for (int64_t r = row0; r < row1; r++) {
        const uint8_t *wr = w + r * nb * B4J_Q8_0_BLOCK_BYTES;
        for (int64_t t = 0; t < ntok; t++) {
            const uint8_t *yt = act + t * nb * B4J_Q8_0_BLOCK_BYTES;
            float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
            for (int64_t b = 0; b < nb; b++) {
                const uint8_t *xb = wr + b * B4J_Q8_0_BLOCK_BYTES;
                const uint8_t *yb = yt + b * B4J_Q8_0_BLOCK_BYTES;
                const float d = b4j_fp16_to_fp32(b4j_load_u16(xb)) * b4j_fp16_to_fp32(b4j_load_u16(yb));
                for (int l = 0; l < 8; l++) {
                    int lane = 0;
                    for (int j = 4 * l; j < 4 * l + 4; j++) lane += (int8_t)xb[2 + j] * (int8_t)yb[2 + j];
                    acc[l] = fmaf(d, (float)lane, acc[l]);
                }
            }
            out[t * out_stride + r] = b4j_hsum_float_8(acc);
        }
    }
}

/* ---------------------------------------------------------------- Q1_0 / Q2_0 x Q8_0 */

/* Q1_0 in ggml's AVX2 order (bitnet4j.h): per 128-block and per Q8_0 sub-block K, eight int32 lanes of the
 * signed activations (+y where the bit is set, the int8 negation of y where clear); accb = dy0*lane, then
 * fma(dy, lane, accb) for K = 1..3; acc = fma(d0, accb, acc); hsum_float_8 at the end. */
static void q1_0_dots(const uint8_t *const *wp, const uint8_t *const *ap, int n, int64_t nb, float *res) {
    for (int i = 0; i < n; i++) {
        float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        for (int64_t b = 0; b < nb; b++) {
            const uint8_t *xb = wp[i] + b * B4J_Q1_0_BLOCK_BYTES;
            float accb[8];
            for (int kk = 0; kk < 4; kk++) {
                const uint8_t *yb = ap[i] + (4 * b + kk) * B4J_Q8_0_BLOCK_BYTES;
                const float dy = b4j_fp16_to_fp32(b4j_load_u16(yb));
                for (int l = 0; l < 8; l++) {
                    int32_t lane = 0;
                    for (int j = 4 * l; j < 4 * l + 4; j++) {
                        const int bit = (xb[2 + 4 * kk + j / 8] >> (j % 8)) & 1;
                        const int8_t y = (int8_t)yb[2 + j];
                        lane += bit ? y : (int8_t)(uint8_t)(0u - (uint8_t)y);
                    }
                    accb[l] = kk == 0 ? dy * (float)lane : fmaf(dy, (float)lane, accb[l]);
                }
            }
            const float d0 = b4j_fp16_to_fp32(b4j_load_u16(xb));
            for (int l = 0; l < 8; l++) acc[l] = fmaf(d0, accb[l], acc[l]);
        }
        res[i] = b4j_hsum_float_8(acc);
    }
}

/* Q2_0 as ggml's generic C: per 64-block two exact sums of (code-1)*y, then b4j_q2_0_block. */
static void q2_0_dots(const uint8_t *const *wp, const uint8_t *const *ap, int n, int64_t nb, float *res) {
    for (int i = 0; i < n; i++) {
        float sumf = 0.0f;
        for (int64_t b = 0; b < nb; b++) {
            const uint8_t *xb = wp[i] + b * B4J_Q2_0_BLOCK_BYTES;
            const uint8_t *y0 = ap[i] + 2 * b * B4J_Q8_0_BLOCK_BYTES, *y1 = y0 + B4J_Q8_0_BLOCK_BYTES;
            int32_t s[2] = {0, 0};
            for (int j = 0; j < 64; j++) {
                const int code = (xb[2 + j / 4] >> (2 * (j % 4))) & 3;
                s[j / 32] += (code - 1) * (int8_t)(j < 32 ? y0 : y1)[2 + j % 32];
            }
            sumf = b4j_q2_0_block(sumf, b4j_fp16_to_fp32(b4j_load_u16(xb)), b4j_fp16_to_fp32(b4j_load_u16(y0)), s[0],
                                  b4j_fp16_to_fp32(b4j_load_u16(y1)), s[1]);
        }
        res[i] = sumf;
    }
}

B4J_PAIR_GEMM(scalar_gemm_q1_0, q1_0_dots, B4J_QK1_0, B4J_Q1_0_BLOCK_BYTES)
B4J_PAIR_GEMM(scalar_gemm_q2_0, q2_0_dots, B4J_QK2_0, B4J_Q2_0_BLOCK_BYTES)

void b4j_scalar_gemm_q1_0_q8_0(const uint8_t *w, int64_t k, int64_t row0, int64_t row1,
                               const uint8_t *act, int64_t ntok, float *out, int64_t out_stride) {
    scalar_gemm_q1_0(w, k, row0, row1, act, ntok, out, out_stride);
}

void b4j_scalar_gemm_q2_0_q8_0(const uint8_t *w, int64_t k, int64_t row0, int64_t row1,
                               const uint8_t *act, int64_t ntok, float *out, int64_t out_stride) {
    scalar_gemm_q2_0(w, k, row0, row1, act, ntok, out, out_stride);
}

/* ---------------------------------------------------------------- float weights */

/* one weight as float: f32 or f16 */
static inline float weight(const void *w, int32_t f16, int64_t i) {
    return f16 ? b4j_fp16_to_fp32(b4j_load_u16((const uint16_t *)w + i)) : b4j_load_f32((const float *)w + i);
}

/* each (row, token) sum in the order of `dot` (bitnet4j.h): the slots' fma chains, their reduction, then
 * a vec_dot tail term by term — f32 a float fma (ggml_vec_dot_f32), f16 float products added in double */
static void ordered_gemm(const void *w, int32_t f16, int64_t k, int64_t row0, int64_t row1, const float *x,
                         int64_t ntok, float *out, int64_t out_stride, int32_t dot) {
    const int n = b4j_dot_slots(dot);
    const int64_t full = b4j_dot_has_tail(dot) ? k - k % n : k;
    float s[64];
    for (int64_t r = row0; r < row1; r++)
        for (int64_t t = 0; t < ntok; t++) {
            const float *xt = x + t * k;
            for (int l = 0; l < n; l++) s[l] = 0.0f;
            for (int64_t i = 0; i < full; i++) s[i % n] = fmaf(weight(w, f16, r * k + i), xt[i], s[i % n]);
            const void *wr = f16 ? (const void *)((const uint16_t *)w + r * k) : (const void *)((const float *)w + r * k);
            out[t * out_stride + r] = b4j_ordered_tail(b4j_dot_reduce(dot, s), wr, f16, xt, full, k);
        }
}

void b4j_scalar_gemm_f32(const float *w, int64_t k, int64_t row0, int64_t row1,
                         const float *x, int64_t ntok, float *out, int64_t out_stride, int32_t dot) {
    ordered_gemm(w, 0, k, row0, row1, x, ntok, out, out_stride, dot);
}

void b4j_scalar_gemm_f16(const uint16_t *w, int64_t k, int64_t row0, int64_t row1,
                         const float *x, int64_t ntok, float *out, int64_t out_stride, int32_t dot) {
    ordered_gemm(w, 1, k, row0, row1, x, ntok, out, out_stride, dot);
}

void b4j_scalar_gemm_bf16(const uint16_t *w, int64_t k, int64_t row0, int64_t row1,
                          const float *x, int64_t ntok, float *out, int64_t out_stride) {
    for (int64_t r = row0; r < row1; r++) {
        for (int64_t t = 0; t < ntok; t++) {
            float s = 0.0f;
            for (int64_t i = 0; i < k; i++) s += b4j_bf16_to_fp32(w[r * k + i]) * x[t * k + i];
            out[t * out_stride + r] = s;
        }
    }
}

const b4j_kernels b4j_kernels_scalar = {
    .name = "scalar",
    .quantize_i8 = b4j_scalar_quantize_i8,
    .quantize_q8_k = b4j_scalar_quantize_q8_k,
    .quantize_q8_0 = b4j_scalar_quantize_q8_0,
    .gemm_i2s_i8 = b4j_scalar_gemm_i2s_i8,
    .gemm_tq2_0_q8_k = b4j_scalar_gemm_tq2_0_q8_k,
    .gemm_tq1_0_q8_k = b4j_scalar_gemm_tq1_0_q8_k,
    .gemm_f32 = b4j_scalar_gemm_f32,
    .gemm_f16 = b4j_scalar_gemm_f16,
    .gemm_bf16 = b4j_scalar_gemm_bf16,
    .gemm_q8_0_q8_0 = b4j_scalar_gemm_q8_0_q8_0,
    .gemm_q1_0_q8_0 = b4j_scalar_gemm_q1_0_q8_0,
    .gemm_q2_0_q8_0 = b4j_scalar_gemm_q2_0_q8_0,
    .attention = b4j_scalar_attention,
};
