/*
 * Causal attention over a KV cache, scalar reference (the numerics every variant reproduces bit for
 * bit; see b4j_attention in bitnet4j.h). Compiled with -ffp-contract=off: every multiply and add below
 * rounds where it is written.
 *
 * Each order is a recipe of ggml kernels (bitnet4j's AttentionOrder holds the same table): the q·k dot, the
 * softmax register width, the P·V dot, whether the weights are rounded to f16, and the KV padding of the
 * engine (which decides where ggml_vec_dot_f16's tail begins in P·V).
 */
#include <math.h>

#include "internal.h"

struct b4j_attention_recipe b4j_attention_recipe_of(int32_t order, int64_t hs) {
    switch (order) {
    case B4J_ATTN_BITNET_CPP_BATCH: return (struct b4j_attention_recipe){B4J_DOT_VEC16, B4J_DOT_TINYBLAS16, 16, 0, 32};
    case B4J_ATTN_BITNET_CPP_SINGLE: return (struct b4j_attention_recipe){B4J_DOT_VEC16, B4J_DOT_VEC16, 16, 1, 32};
    case B4J_ATTN_TINYBLAS:
        /* tinyBLAS declines a head size that is not a multiple of eight: llama.cpp falls back to ggml_vec_dot_f16 */
        return (struct b4j_attention_recipe){b4j_dot_for_length(B4J_DOT_TINYBLAS8, hs), B4J_DOT_TINYBLAS8, 8, 1, 256};
    default: return (struct b4j_attention_recipe){B4J_DOT_VEC8, B4J_DOT_VEC8, 8, 1, 256};
    }
}

int64_t b4j_attention_pv_full(struct b4j_attention_recipe rc, int64_t len) {
    if (!b4j_dot_has_tail(rc.pv)) return len;
    const int64_t padded = (len + rc.kv_pad - 1) / rc.kv_pad * rc.kv_pad;
    const int64_t chunks = padded & ~(int64_t)(b4j_dot_slots(rc.pv) - 1);
    return chunks < len ? chunks : len;
}

/* one cache value as float: f16 or f32 */
static inline float b4j_cache_value(const void *row, int32_t f16, int64_t i) {
    return f16 ? b4j_fp16_to_fp32(b4j_load_u16((const uint16_t *)row + i)) : b4j_load_f32((const float *)row + i);
}

/* Σ q_i k_i in the dot's order: fma chains per slot i % slots over the largest multiple of the slots, the
 * lanes reduced, and for ggml_vec_dot_f16 the rest added in double (float products) */
static float dot(int32_t d, const float *q, const void *k, int32_t f16, int64_t n) {
    const int slots = b4j_dot_slots(d);
    const int64_t full = b4j_dot_has_tail(d) ? n & ~(int64_t)(slots - 1) : n;
    float x[64];
    for (int l = 0; l < slots; l++) {
        float a = 0;
        for (int64_t i = l; i < full; i += slots) a = fmaf(q[i], b4j_cache_value(k, f16, i), a);
        x[l] = a;
    }
    const float r = b4j_dot_reduce(d, x);
    if (full == n) return r;
    double sum = r;
    for (int64_t i = full; i < n; i++) sum += (double)(q[i] * b4j_cache_value(k, f16, i));
    return (float)sum;
}

/* ggml_v_expf, AVX-512 flavour: the constant folded into the last fma, the result scaled by 2^n in one
 * rounding (_mm512_scalef_ps); 0 or infinity past |n| > 192 */
static inline float expf512(float x) {
    const float r = 0x1.8p23f;
    const float z = fmaf(x, 0x1.715476p+0f, r);
    const float n = z - r;
    const float b = fmaf(-n, 0x1.7f7d1cp-20f, fmaf(-n, 0x1.62e4p-1f, x));
    const float u = b * b;
    const float j = fmaf(fmaf(fmaf(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, fmaf(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)), u,
                         fmaf(0x1.ffffecp-1f, b, 1.0f));
    if (fabsf(n) > 192) return n <= 0 ? 0.0f : INFINITY;
    return ldexpf(j, (int)n);
}

/* ggml_vec_soft_max_f32 with registers of `width` lanes: the AVX2 exp at 8, the AVX-512 one at 16; per
 * block the halving sum in float (zeros past the end: the engine's masked padding), blocks in double */
void b4j_attention_softmax(float *scores, int64_t len, int width, int32_t round_weights) {
    const float max = b4j_scores_max(scores, len);
    double sum = 0;
    for (int64_t j0 = 0; j0 < len; j0 += width) {
        float e[16];
        for (int l = 0; l < width; l++) {
            e[l] = 0.0f;
            if (j0 + l < len) {
                const float x = scores[j0 + l] - max;
                e[l] = width == 16 ? expf512(x) : b4j_ggml_expf(x);
                scores[j0 + l] = e[l];
            }
        }
        sum += b4j_dot_reduce(width == 16 ? B4J_DOT_TINYBLAS16 : B4J_DOT_TINYBLAS8, e);   /* a register halved */
    }
    b4j_softmax_normalize(scores, len, sum, round_weights);
}

void b4j_scalar_attention(const float *q, const void *kc, const void *vc, int32_t f16, int64_t hs,
                          int64_t kvh_n, int64_t group, float scale, int64_t pos0, int64_t row0, int64_t row1,
                          int32_t order, float *scratch, float *out) {
    const int64_t q_dim = kvh_n * group * hs, kv_dim = kvh_n * hs;
    const struct b4j_attention_recipe rc = b4j_attention_recipe_of(order, hs);
    const int32_t round_weights = f16 && rc.round_weights;
    const int slots = b4j_dot_slots(rc.pv);
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
            for (int64_t g = 0; g < group; g++) sc[g * len + j] = dot(rc.qk, qr + g * hs, kr, f16, hs) * scale;
        }
        for (int64_t g = 0; g < group; g++) b4j_attention_softmax(sc + g * len, len, rc.softmax_width, round_weights);
        /* P·V: position j < full into slot j % slots (fma); ggml_vec_dot_f16's tail after the reduction */
        const int64_t full = b4j_attention_pv_full(rc, len);
        for (int64_t i = 0; i < slots * block; i++) acc[i] = 0;
        for (int64_t j = 0; j < full; j++) {
            const int64_t vb = j * kv_dim + kvh * hs;
            const void *vr = f16 ? (const void *)((const uint16_t *)vc + vb) : (const void *)((const float *)vc + vb);
            float *a = acc + (j & (slots - 1)) * block;   /* slots: a power of two */
            for (int64_t g = 0; g < group; g++) {
                const float p = sc[g * len + j];
                for (int64_t i = 0; i < hs; i++) a[g * hs + i] = fmaf(p, b4j_cache_value(vr, f16, i), a[g * hs + i]);
            }
        }
        float *o = out + t * q_dim + kvh * group * hs;
        for (int64_t i = 0; i < block; i++) {
            float x[64];
            for (int l = 0; l < slots; l++) x[l] = acc[l * block + i];
            o[i] = b4j_dot_reduce(rc.pv, x);
            if (full < len) {
                double sum = o[i];
                const int64_t g = i / hs;
                for (int64_t j = full; j < len; j++) {
                    const int64_t vb = j * kv_dim + kvh * hs;
                    const void *vr = f16 ? (const void *)((const uint16_t *)vc + vb) : (const void *)((const float *)vc + vb);
                    sum += (double)(sc[g * len + j] * b4j_cache_value(vr, f16, i % hs));
                }
                o[i] = (float)sum;
            }
        }
    }
}
