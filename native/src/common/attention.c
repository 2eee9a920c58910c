/*
 * Causal attention over a KV cache, scalar reference (the numerics every variant reproduces bit for
 * bit; see b4j_attention in bitnet4j.h). Compiled with -ffp-contract=off: every multiply and add below
 * rounds where it is written.
 */
#include <math.h>

#include "internal.h"

/* one cache value as float: f16 or f32 */
static inline float b4j_cache_value(const void *row, int32_t f16, int64_t i) {
    return f16 ? b4j_fp16_to_fp32(b4j_load_u16((const uint16_t *)row + i)) : b4j_load_f32((const float *)row + i);
}

/* the q·k dot of an f16 cache: exact float products, summed in double in eight lanes i % 8 */
static float dot_exact8(const float *q, const uint16_t *k, int64_t n) {
    double a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; l++) a[l] += (double)(q[i + l] * b4j_fp16_to_fp32(b4j_load_u16(k + i + l)));
    double sum = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7]));
    for (; i < n; i++) sum += (double)(q[i] * b4j_fp16_to_fp32(b4j_load_u16(k + i)));
    return (float)sum;
}

/* one fma chain over i = first, first + step, ... below end */
static float chain(const float *q, const void *k, int32_t f16, int64_t first, int64_t end, int64_t step) {
    float a = 0;
    for (int64_t i = first; i < end; i += step) a = fmaf(q[i], b4j_cache_value(k, f16, i), a);
    return a;
}

/* B4J_ATTN_TINYBLAS (n a multiple of eight): eight fma lanes i % 8, tinyBLAS's AVX hsum */
static float dot_tinyblas(const float *q, const void *k, int32_t f16, int64_t n) {
    float x[8];
    for (int l = 0; l < 8; l++) x[l] = chain(q, k, f16, l, n, 8);
    return b4j_hsum_float_8(x);
}

/* B4J_ATTN_GGML_VEC_DOT: 32 fma slots, GGML_F32x8_REDUCE, a tail past a multiple of 32 in double */
static float dot_vec(const float *q, const void *k, int32_t f16, int64_t n) {
    const int64_t np = n & ~(int64_t)31;
    float x[8];
    for (int l = 0; l < 8; l++)
        x[l] = (chain(q, k, f16, l, np, 32) + chain(q, k, f16, 16 + l, np, 32)) +
               (chain(q, k, f16, 8 + l, np, 32) + chain(q, k, f16, 24 + l, np, 32));
    double sum = b4j_vec_dot_tree(x);
    for (int64_t i = np; i < n; i++) sum += (double)(q[i] * b4j_cache_value(k, f16, i));
    return (float)sum;
}

/* the weighted sums' slots at stride `stride`, reduced as the order's dot product does */
static float tree_slots(const float *a, int64_t stride, int slots) {
    float x[8];
    if (slots == 1) return a[0];
    for (int l = 0; l < 8; l++)
        x[l] = slots == 8 ? a[l * stride]
                          : (a[l * stride] + a[(16 + l) * stride]) + (a[(8 + l) * stride] + a[(24 + l) * stride]);
    return slots == 8 ? b4j_hsum_float_8(x) : b4j_vec_dot_tree(x);
}

static float dot_in_order(const float *q, const float *k, int64_t n) {
    float sum = 0;
    for (int64_t i = 0; i < n; i++) sum += q[i] * b4j_load_f32(k + i);
    return sum;
}

void b4j_softmax_weights(float *scores, int64_t len, int32_t round_weights) {
    const float max = b4j_scores_max(scores, len);
    double sum = 0;
    for (int64_t j = 0; j < len; j++) {
        const float e = (float)exp((double)(scores[j] - max));
        scores[j] = e;
        sum += e;
    }
    b4j_softmax_normalize(scores, len, sum, round_weights);
}

void b4j_scalar_attention(const float *q, const void *kc, const void *vc, int32_t f16, int64_t hs,
                          int64_t kvh_n, int64_t group, float scale, int64_t pos0, int64_t row0, int64_t row1,
                          int32_t order, float *scratch, float *out) {
    const int64_t q_dim = kvh_n * group * hs, kv_dim = kvh_n * hs;
    const int32_t round_weights = f16 && order != B4J_ATTN_SEQUENTIAL;
    /* tinyBLAS declines a head size that is not a multiple of eight: llama.cpp falls back to ggml_vec_dot_f16 */
    if (order == B4J_ATTN_TINYBLAS && hs % 8 != 0) order = B4J_ATTN_GGML_VEC_DOT;
    const int slots = order == B4J_ATTN_TINYBLAS ? 8 : order == B4J_ATTN_GGML_VEC_DOT ? 32 : 1;
    const int64_t block = group * hs;        /* floats per accumulator slot */
    for (int64_t row = row0; row < row1; row++) {
        const int64_t t = row / kvh_n, kvh = row % kvh_n, len = pos0 + t + 1;
        float *qr = scratch;                 /* [group][hs] queries as the cache type sees them */
        float *sc = scratch + (group + 1) * hs;  /* [group][len] scores, then weights */
        float *acc = sc + group * len;       /* [slots][group][hs] weighted sums */
        const float *qt = q + t * q_dim + kvh * group * hs;
        for (int64_t i = 0; i < group * hs; i++) qr[i] = f16 ? b4j_fp16_to_fp32(b4j_fp32_to_fp16(qt[i])) : qt[i];
        for (int64_t j = 0; j < len; j++) {
            const int64_t kb = j * kv_dim + kvh * hs;
            const void *kr = f16 ? (const void *)((const uint16_t *)kc + kb) : (const void *)((const float *)kc + kb);
            for (int64_t g = 0; g < group; g++) {
                float d;
                if (order == B4J_ATTN_TINYBLAS) d = dot_tinyblas(qr + g * hs, kr, f16, hs);
                else if (order == B4J_ATTN_GGML_VEC_DOT) d = dot_vec(qr + g * hs, kr, f16, hs);
                else d = f16 ? dot_exact8(qr + g * hs, (const uint16_t *)kr, hs) : dot_in_order(qr + g * hs, (const float *)kr, hs);
                sc[g * len + j] = d * scale;
            }
        }
        for (int64_t g = 0; g < group; g++) {
            if (slots > 1) b4j_softmax_blocks8(sc + g * len, len, round_weights);
            else b4j_softmax_weights(sc + g * len, len, round_weights);
        }
        for (int64_t i = 0; i < slots * block; i++) acc[i] = 0;
        for (int64_t j = 0; j < len; j++) {
            const int64_t vb = j * kv_dim + kvh * hs;
            const void *vr = f16 ? (const void *)((const uint16_t *)vc + vb) : (const void *)((const float *)vc + vb);
            float *a = acc + (j % slots) * block;
            for (int64_t g = 0; g < group; g++) {
                const float p = sc[g * len + j];
                for (int64_t i = 0; i < hs; i++) {
                    const float v = b4j_cache_value(vr, f16, i);
                    a[g * hs + i] = slots > 1 ? fmaf(p, v, a[g * hs + i]) : a[g * hs + i] + p * v;
                }
            }
        }
        float *o = out + t * q_dim + kvh * group * hs;
        for (int64_t i = 0; i < block; i++) o[i] = tree_slots(acc + i, block, slots);
    }
}
