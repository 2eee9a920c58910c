/*
 * Causal attention over a KV cache, scalar reference (the numerics every variant reproduces bit for
 * bit; see b4j_attention in bitnet4j.h). Compiled with -ffp-contract=off: every multiply and add below
 * rounds where it is written.
 */
#include <math.h>

#include "internal.h"

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

static float dot_in_order(const float *q, const float *k, int64_t n) {
    float sum = 0;
    for (int64_t i = 0; i < n; i++) sum += q[i] * b4j_load_f32(k + i);
    return sum;
}

void b4j_softmax_weights(float *scores, int64_t len, int32_t round_weights) {
    float max = -INFINITY;
    for (int64_t j = 0; j < len; j++) max = scores[j] > max ? scores[j] : max;
    double sum = 0;
    for (int64_t j = 0; j < len; j++) {
        const float e = (float)exp((double)(scores[j] - max));
        scores[j] = e;
        sum += e;
    }
    const float inv = (float)(1.0 / sum);
    for (int64_t j = 0; j < len; j++) {
        const float p = scores[j] * inv;
        scores[j] = round_weights ? b4j_fp16_to_fp32(b4j_fp32_to_fp16(p)) : p;
    }
}

void b4j_scalar_attention(const float *q, const void *kc, const void *vc, int32_t f16, int64_t hs,
                          int64_t kvh_n, int64_t group, float scale, int64_t pos0, int64_t row0, int64_t row1,
                          int32_t round_weights, float *scratch, float *out) {
    const int64_t q_dim = kvh_n * group * hs, kv_dim = kvh_n * hs;
    for (int64_t row = row0; row < row1; row++) {
        const int64_t t = row / kvh_n, kvh = row % kvh_n, len = pos0 + t + 1;
        float *qr = scratch;                 /* [group][hs] queries as the cache type sees them */
        float *sc = scratch + group * hs;    /* [group][len] scores, then weights */
        const float *qt = q + t * q_dim + kvh * group * hs;
        for (int64_t i = 0; i < group * hs; i++) qr[i] = f16 ? b4j_fp16_to_fp32(b4j_fp32_to_fp16(qt[i])) : qt[i];
        for (int64_t j = 0; j < len; j++) {
            const int64_t kb = j * kv_dim + kvh * hs;
            for (int64_t g = 0; g < group; g++) {
                const float d = f16 ? dot_exact8(qr + g * hs, (const uint16_t *)kc + kb, hs)
                                    : dot_in_order(qr + g * hs, (const float *)kc + kb, hs);
                sc[g * len + j] = d * scale;
            }
        }
        for (int64_t g = 0; g < group; g++) b4j_softmax_weights(sc + g * len, len, round_weights);
        float *o = out + t * q_dim + kvh * group * hs;
        for (int64_t i = 0; i < group * hs; i++) o[i] = 0;
        for (int64_t j = 0; j < len; j++) {
            const int64_t vb = j * kv_dim + kvh * hs;
            for (int64_t g = 0; g < group; g++) {
                const float p = sc[g * len + j];
                for (int64_t i = 0; i < hs; i++) {
                    const float v = f16 ? b4j_fp16_to_fp32(b4j_load_u16((const uint16_t *)vc + vb + i))
                                        : b4j_load_f32((const float *)vc + vb + i);
                    o[g * hs + i] += p * v;
                }
            }
        }
    }
}
