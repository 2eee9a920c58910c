/*
 * bitnet4j native kernels: the whole C API in one header.
 *
 * Rules of this boundary (see docs/architecture.md):
 *  - Functions are pure: pointers + sizes + a row range in, results out. No allocation, no threads,
 *    no global state except the ISA dispatch table filled once at load (or by b4j_set_isa).
 *  - The Java side validates every size, offset and range before calling. The C side may assert in
 *    debug/sanitizer builds but never relies on anything it was not told.
 *  - All memory is caller-owned, little-endian, and may be unaligned (weights come from an mmap'd
 *    GGUF file at arbitrary 32-byte-aligned offsets; activation buffers are 64-byte aligned).
 *  - Threading stays in Java: each call computes rows [row0, row1) of the output; callers split
 *    rows across their own threads.
 *
 * Weight formats (exactly those of users' existing GGUF files):
 *  - I2_S (bitnet.cpp, x86 layout): 2 bits per weight, code 0/1/2 = -1/0/+1. Row r starts at byte
 *    r*k/4. Each 128 consecutive weights of a row pack into 32 bytes: byte j (0..31) holds weight j in
 *    bits 7-6, weight j+32 in bits 5-4, j+64 in bits 3-2, j+96 in bits 1-0. k % 128 == 0.
 *    One f32 per-tensor scale follows the packed data (the caller reads it and passes w_scale).
 *  - TQ2_0 (llama.cpp): blocks of 256 weights, { uint8 qs[64]; fp16 d; } = 66 bytes. Within each
 *    32-byte half j (0,1) of qs, byte m holds weights 128*j + m + 32*l in bits 2l..2l+1 (l = 0..3);
 *    value = (code - 1) * d. k % 256 == 0.
 *  - TQ1_0 (llama.cpp): blocks of 256, { uint8 qs[48]; uint8 qh[4]; fp16 d; } = 54 bytes, trits
 *    stored base 3, five per byte (qs) / four per byte (qh), each byte as ceil(v*256/243);
 *    value = (trit - 1) * d. k % 256 == 0.
 *
 * Activation formats:
 *  - I8 per token (bitnet.cpp's I2_S path): s = 127 / max(max|x|, 1e-5); q = round(x*s) clamped to
 *    [-128, 127]; per token the scale s and the sum of q (the {0,1,2} codes need it: Σ(c-1)q = Σcq - Σq).
 *    Exactly: max over (double)|x| with a double 1e-5 floor, s = (float)(127.0 / max), x*s a float
 *    product rounded half to even (ggml's nearest_int), as bitnet.cpp's quantize_row_i8_s.
 *  - Q8_K (llama.cpp, the TQ1_0/TQ2_0 path): blocks of 256, { float d; int8 qs[256]; int16 bsums[16]; }
 *    = 292 bytes, quantized exactly as llama.cpp's quantize_row_q8_K_ref.
 */
#ifndef BITNET4J_H
#define BITNET4J_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define B4J_API __attribute__((visibility("default")))

/* Bumped whenever a signature or a layout below changes; Java refuses a library with another value. */
#define B4J_ABI_VERSION 6

#define B4J_QK_I2S 128          /* weights per I2_S group */
#define B4J_I2S_GROUP_BYTES 32  /* bytes per I2_S group */
#define B4J_QK_K 256            /* weights per TQ1_0 / TQ2_0 / Q8_K block */
#define B4J_TQ2_0_BLOCK_BYTES 66
#define B4J_TQ1_0_BLOCK_BYTES 54
#define B4J_Q8_K_BLOCK_BYTES 292
#define B4J_QK8_0 32
#define B4J_Q8_0_BLOCK_BYTES 34  /* { fp16 d; int8 qs[32]; } */

/* ---- library and dispatch ---- */

B4J_API int32_t b4j_abi_version(void);
/* Comma-separated ISA variants this CPU can run, best first, e.g. "avx512vnni,avx2,scalar". */
B4J_API const char *b4j_supported_isas(void);
/* The variant in use (chosen at load time: the best supported). */
B4J_API const char *b4j_isa(void);
/* Select a variant by name (tests and benchmarks). Returns 0, or -1 if this CPU cannot run it. */
B4J_API int32_t b4j_set_isa(const char *name);

/* ---- activation quantization (ntok rows of k floats, row-major, contiguous) ---- */

/* I8 per token: q[t*k + i], scales[t], sums[t] for t in [0, ntok). */
B4J_API void b4j_quantize_i8(const float *x, int64_t ntok, int64_t k,
                             int8_t *q, float *scales, int32_t *sums);

/* Q8_K: writes ntok rows of k/256 blocks (row stride k/256*292 bytes). k % 256 == 0. */
B4J_API void b4j_quantize_q8_k(const float *x, int64_t ntok, int64_t k, void *y);

/* ---- ternary matrix x activations: out[t*out_stride + r] for r in [row0,row1), t in [0,ntok) ----
 * ntok == 1 is generation (GEMV); ntok > 1 is prompt processing (GEMM), which should reuse each
 * decoded weight block across tokens. */

/* I2_S x I8: out = (Σ code*q - sums[t]) * w_scale / scales[t]. act rows have stride k.
 * Evaluated exactly as bitnet.cpp does, in float:
 *     dot = Σ code*q (exact int32, codes 0..3 as stored);
 *     out = ((float)dot - (float)sums[t]) / scales[t] * w_scale
 * i.e. a division by the activation scale, then a multiply by the weight scale (not
 * "* (w_scale / scales[t])", which rounds differently). */
B4J_API void b4j_gemm_i2s_i8(const uint8_t *w, int64_t k, int64_t row0, int64_t row1, float w_scale,
                             const int8_t *act, const float *scales, const int32_t *sums, int64_t ntok,
                             float *out, int64_t out_stride);

/* TQ2_0 x Q8_K and TQ1_0 x Q8_K, per (row, token), bit for bit as llama.cpp's AVX2
 * ggml_vec_dot_tq{2,1}_0_q8_K sums the floats:
 *  - per 256-block, eight int32 lanes L = 0..7:
 *        lane[L] = Σ_{i : (i % 32) / 4 == L} code_i * y_i  -  (bsums[2L] + bsums[2L+1])
 *    with code_i in {0,1,2} the stored code/trit of weight i (TQ2_0: weight 128j + 32l + m is bits 2l
 *    of byte 32j + m; TQ1_0: i < 160 trit i/32 of qs[i % 32], i < 240 trit (i-160)/16 of
 *    qs[32 + (i-160) % 16], else trit (i-240)/4 of qh[(i-240) % 4]) and the block's stored bsums;
 *  - d = y.d * fp16_to_f32(x.d); acc[L] = fma((float)lane[L], d, acc[L]) when `fused` (llama.cpp as gcc
 *    builds it), else (float)lane[L] * d + acc[L] (bitnet.cpp, clang); blocks in order, acc starting at 0;
 *  - out = ((acc0 + acc4) + (acc2 + acc6)) + ((acc1 + acc5) + (acc3 + acc7)) (hsum_float_8).
 * The total equals Σ (code-1)*y*d up to float rounding; the order above fixes that rounding. */
B4J_API void b4j_gemm_tq2_0_q8_k(const uint8_t *w, int64_t k, int64_t row0, int64_t row1,
                                 const uint8_t *act, int64_t ntok, float *out, int64_t out_stride, int32_t fused);
B4J_API void b4j_gemm_tq1_0_q8_k(const uint8_t *w, int64_t k, int64_t row0, int64_t row1,
                                 const uint8_t *act, int64_t ntok, float *out, int64_t out_stride, int32_t fused);

/* ---- float weights x f32 activations (output head, float models) ----
 * out[t*out_stride + r] = Σ_i w[r*k + i] * x[t*k + i], in the order of one of ggml's dot kernels (`dot`):
 * slot s = i mod S (S = 8, 16, 32, 64 for TINYBLAS8, TINYBLAS16, VEC8, VEC16) is an fma chain over the terms
 * below the last multiple of S (all of them for tinyBLAS, which needs k % lanes == 0: otherwise the VEC kernel
 * of the same width runs, as in ggml); the slots are reduced as in b4j_attention (VEC: x_l = (s_l +
 * s_{2w+l}) + (s_{w+l} + s_{3w+l}); VEC8 then ((x0+x4)+(x1+x5))+((x2+x6)+(x3+x7)), the others by halving);
 * then VEC's remaining terms one by one: f32 weights as a float fma into the sum (ggml_vec_dot_f32), f16
 * weights as float products added in double (ggml_vec_dot_f16). */
#define B4J_DOT_TINYBLAS8 0
#define B4J_DOT_TINYBLAS16 1
#define B4J_DOT_VEC8 2
#define B4J_DOT_VEC16 3
B4J_API void b4j_gemm_f32(const float *w, int64_t k, int64_t row0, int64_t row1,
                          const float *x, int64_t ntok, float *out, int64_t out_stride, int32_t dot);
B4J_API void b4j_gemm_f16(const uint16_t *w, int64_t k, int64_t row0, int64_t row1,
                          const float *x, int64_t ntok, float *out, int64_t out_stride, int32_t dot);
/* bfloat16 weights: summed in order (not an engine's order) */
B4J_API void b4j_gemm_bf16(const uint16_t *w, int64_t k, int64_t row0, int64_t row1,
                           const float *x, int64_t ntok, float *out, int64_t out_stride);

/* ---- Q8_0 weights x Q8_0 activations (an int8 output head), as llama.cpp's x86 ggml_vec_dot_q8_0_q8_0 ----
 * b4j_quantize_q8_0 is ggml-cpu's x86 quantize_row_q8_0, llama.cpp's activation quantizer (d = amax/127 stored
 * as fp16, q = x*(127/amax) rounded half to even, |q| <= 127; not the _ref function llama-quantize uses for
 * weights, which divides by d and rounds half away from zero). The dot, per
 * (row, token): eight int32 lanes per 32-block, lane L = Σ_{j=4L..4L+3} x_j*y_j (exact); d = fp16(x.d) *
 * fp16(y.d) in float; acc[L] = fmaf(d, (float)lane, acc[L]) (fused), blocks in order from 0; result
 * ((a0+a4)+(a2+a6))+((a1+a5)+(a3+a7)). */
B4J_API void b4j_quantize_q8_0(const float *x, int64_t ntok, int64_t k, void *y);
B4J_API void b4j_gemm_q8_0_q8_0(const uint8_t *w, int64_t k, int64_t row0, int64_t row1,
                                const uint8_t *act, int64_t ntok, float *out, int64_t out_stride);

/* ---- Q1_0 / Q2_0 weights x Q8_0 activations (llama.cpp's formats of PrismML's Bonsai / Ternary-Bonsai) ----
 * Q1_0: blocks of 128, { fp16 d; uint8 qs[16]; } = 18 bytes; bit j (qs[j/8] bit j%8) set = +d, clear = -d.
 * Q2_0: blocks of 64, { fp16 d; uint8 qs[16]; } = 18 bytes; code c = (qs[j/4] >> 2*(j%4)) & 3, value (c-1)*d.
 * Activations: Q8_0 rows of k/32 blocks (one Q1_0 block reads four, one Q2_0 block two). k % 128 (% 64) == 0.
 * Per (row, token), bit for bit as ggml's x86 build (d99724f) computes them:
 *  - Q1_0 = the AVX2 ggml_vec_dot_q1_0_q8_0 (ggml has no AVX-512 branch): per block, per Q8_0 sub-block K
 *    (weights 32K..32K+31) eight int32 lanes, lane L = Σ_{j=4L..4L+3} s_j, s_j = y_j if the bit is set else
 *    the int8 negation of y_j (so -128 stays -128); accb = dy_0 * (float)lane (a multiply), then for K = 1..3
 *    accb = fmaf(dy_K, (float)lane, accb); then acc = fmaf(d, accb, acc) (fused), blocks in order from 0;
 *    result hsum_float_8(acc) = ((a0+a4)+(a2+a6))+((a1+a5)+(a3+a7)).
 *  - Q2_0 = the generic C ggml_vec_dot_q2_0_q8_0 (x86 has no SIMD one), which gcc compiles without FMA:
 *    per block s_h = Σ (c-1)*y over Q8_0 sub-block h (exact); sumi = 0.0f + dy_0*(float)s_0;
 *    sumi = sumi + dy_1*(float)s_1; sumf = sumf + d*sumi (each a float multiply, then an add), from 0. */
B4J_API void b4j_gemm_q1_0_q8_0(const uint8_t *w, int64_t k, int64_t row0, int64_t row1,
                                const uint8_t *act, int64_t ntok, float *out, int64_t out_stride);
B4J_API void b4j_gemm_q2_0_q8_0(const uint8_t *w, int64_t k, int64_t row0, int64_t row1,
                                const uint8_t *act, int64_t ntok, float *out, int64_t out_stride);

/* ---- causal attention over a KV cache ----
 * Rows r in [row0, row1) are (token t = r / kv_heads, KV head h = r % kv_heads): the `group` query heads
 * h*group .. h*group+group-1 of token t (q row t holds kv_heads*group*head_size floats) attend to cache
 * rows 0 .. pos0+t (k and v rows of kv_heads*head_size values, f16 when kv_f16 else f32); the result goes
 * to out row t at the same place as the queries. scratch: (group + 1)*head_size + group*(pos0 + t_max + 1)
 * + 64*group*head_size floats of the caller's, t_max the last token of the range. Evaluated exactly as
 * the reference engines' graphs in the given order (bitnet4j's AttentionOrder and ReferenceNumerics
 * document why); q is first rounded to f16 for an f16 cache. Each order combines ggml kernels:
 *   dots: TB8/TB16 = tinyBLAS at 8/16 lanes: lane l = fma chain over i ≡ l (mod w), reduced by halving
 *         (x_i + x_{i+w/2}, …); V8/V16 = ggml_vec_dot_f16 at 8/16 lanes: four accumulators, slot s = i mod 4w
 *         over the largest multiple of 4w, lanes x_l = (s_l + s_{2w+l}) + (s_{w+l} + s_{3w+l}), then for V8
 *         ((x0+x4)+(x1+x5))+((x2+x6)+(x3+x7)), for V16 halving; the rest added in double (float products).
 *   softmax at width w: e_j = ggml_v_expf(s_j - max) (the AVX2 polynomial at 8, the AVX-512 one — the
 *         constant folded into the last fma, then scalef — at 16); S = Σ over blocks of w positions
 *         (zero-padded) of (double)halving(block); p_j = e_j * (float)(1/S), rounded to f16 where marked.
 *   B4J_ATTN_BITNET_CPP_BATCH (bitnet.cpp, a batch; AVX-512 build): q·k V16, softmax 16, P·V TB16 over
 *         positions, weights in f32.
 *   B4J_ATTN_BITNET_CPP_SINGLE (bitnet.cpp, one token): q·k V16, softmax 16, P·V V16 over positions with
 *         weights rounded to f16; its tail starts at (len rounded up to 32, bitnet.cpp's KV padding) & ~63.
 *   B4J_ATTN_TINYBLAS (llama.cpp without flash attention, a batch; AVX2 build): q·k TB8 (V8 for a head size
 *         that is not a multiple of eight, llama.cpp's fallback), softmax 8, P·V TB8, weights rounded.
 *   B4J_ATTN_GGML_VEC_DOT (llama.cpp without flash attention, one token; AVX2 build): q·k V8, softmax 8,
 *         P·V V8 (no tail: llama.cpp pads its KV length to 256), weights rounded. */
#define B4J_ATTN_BITNET_CPP_BATCH 0
#define B4J_ATTN_BITNET_CPP_SINGLE 1
#define B4J_ATTN_TINYBLAS 2
#define B4J_ATTN_GGML_VEC_DOT 3
B4J_API void b4j_attention(const float *q, const void *k, const void *v, int32_t kv_f16, int64_t head_size,
                           int64_t kv_heads, int64_t group, float scale, int64_t pos0, int64_t row0, int64_t row1,
                           int32_t order, float *scratch, float *out);

#ifdef __cplusplus
}
#endif

#endif /* BITNET4J_H */
