package io.bitnet4j.kernels;

import java.lang.foreign.MemorySegment;

/**
 * The compute kernels of one tier (native, Vector API or scalar): the same operations as the C API in
 * {@code native/include/bitnet4j.h}, with the same layouts and results.
 *
 * <p>All segments are native (off-heap or mapped) memory. Every method computes output rows
 * {@code [row0, row1)} for {@code ntok} tokens so that callers can split rows across threads; nothing
 * here starts threads or allocates. Implementations validate shapes, lengths and offsets (see
 * {@link KernelChecks}) before touching memory; the native tier does so before every downcall.
 */
public sealed interface Kernels permits ScalarKernels, NativeKernels {

    /** Which tier this is. */
    KernelTier tier();

    /** A short description of the variant in use, e.g. "native avx512vnni" or "vector 512-bit". */
    String description();

    // ---- activation quantization ----

    /** Per-token absmax int8 (bitnet.cpp I2_S path): ntok rows of k floats → q, scales[t], sums[t]. */
    void quantizeI8(MemorySegment x, int ntok, int k, MemorySegment q, MemorySegment scales, MemorySegment sums);

    /** llama.cpp Q8_K blocks (TQ1_0/TQ2_0 path): ntok rows of k floats → ntok × k/256 blocks of 292 bytes. */
    void quantizeQ8K(MemorySegment x, int ntok, int k, MemorySegment y);

    /** llama.cpp Q8_0 blocks: ntok rows of k floats → ntok × k/32 blocks of 34 bytes. */
    void quantizeQ80(MemorySegment x, int ntok, int k, MemorySegment y);

    // ---- matrix × activations: out[t*outStride + r], r in [row0,row1), t in [0,ntok) ----
    // Rows outside [row0,row1) and the gaps of outStride are never written; outStride >= row1 when ntok > 1.
    // Segments may be heap or off-heap for the Java tiers; the native tier needs off-heap (native) segments.

    /**
     * I2_S weights (row r at byte r*k/4, k % 128 == 0) times per-token I8 activations (q rows of k bytes,
     * scales[t], sums[t] from {@link #quantizeI8}): out = (float)(Σ code*q - sums[t]) / scales[t] * wScale.
     */
    void gemmI2S(MemorySegment w, int k, int row0, int row1, float wScale,
                 MemorySegment act, MemorySegment scales, MemorySegment sums, int ntok,
                 MemorySegment out, int outStride);

    /** TQ2_0 weights (66-byte blocks of 256) times Q8_K activations, as llama.cpp's ggml_vec_dot_tq2_0_q8_K. */
    void gemmTQ20(MemorySegment w, int k, int row0, int row1, MemorySegment actQ8K, int ntok,
                  MemorySegment out, int outStride, MatmulOrder order);

    /** TQ1_0 weights (54-byte blocks of 256) times Q8_K activations, as llama.cpp's ggml_vec_dot_tq1_0_q8_K. */
    void gemmTQ10(MemorySegment w, int k, int row0, int row1, MemorySegment actQ8K, int ntok,
                  MemorySegment out, int outStride, MatmulOrder order);

    /** Q8_0 weights times Q8_0 activations (34-byte blocks of 32), as llama.cpp's ggml_vec_dot_q8_0_q8_0. */
    void gemmQ80(MemorySegment w, int k, int row0, int row1, MemorySegment actQ80, int ntok,
                 MemorySegment out, int outStride);

    /** Q1_0 weights (18-byte blocks of 128 signs) times Q8_0 activations, as ggml's x86 ggml_vec_dot_q1_0_q8_0. */
    void gemmQ10(MemorySegment w, int k, int row0, int row1, MemorySegment actQ80, int ntok,
                 MemorySegment out, int outStride);

    /** Q2_0 weights (18-byte blocks of 64 2-bit codes) times Q8_0 activations, as ggml's x86 ggml_vec_dot_q2_0_q8_0. */
    void gemmQ20(MemorySegment w, int k, int row0, int row1, MemorySegment actQ80, int ntok,
                 MemorySegment out, int outStride);

    /**
     * Float weights (row-major, k per row, any k >= 1, unaligned allowed) times f32 activations x (ntok rows
     * of k): out = Σ_i w[r*k+i] * x[t*k+i], each sum in the order of {@code order.floatDot().forLength(k)}
     * ({@link GgmlDot}; every tier gives the same floats), a vec_dot tail as {@code ggml_vec_dot_f32} adds it: a
     * float fma per term.
     */
    void gemmF32(MemorySegment w, int k, int row0, int row1, MemorySegment x, int ntok,
                 MemorySegment out, int outStride, MatmulOrder order);

    /** As {@link #gemmF32} with IEEE half weights; a vec_dot tail as {@code ggml_vec_dot_f16}: float products added in double. */
    void gemmF16(MemorySegment w, int k, int row0, int row1, MemorySegment x, int ntok,
                 MemorySegment out, int outStride, MatmulOrder order);

    /** Float weights of bfloat16 times f32 activations, summed in order (not checked against an engine's order). */
    void gemmBF16(MemorySegment w, int k, int row0, int row1, MemorySegment x, int ntok,
                  MemorySegment out, int outStride);

    // ---- attention ----

    /**
     * Causal attention over a KV cache, rows {@code [row0, row1)} = (token t = r / kvHeads, KV head
     * r % kvHeads): the query heads of that KV head in q row t attend to cache rows 0..pos0+t and the
     * result goes to the same place in out row t. q and out hold token rows of {@link AttentionShape#qDim()}
     * floats, k and v cache rows of {@link AttentionShape#kvDim()} f16/f32 values; scratch holds
     * {@link AttentionShape#scratchFloats} floats for the longest row. Every tier computes exactly the
     * numbers of {@code b4j_attention} (bitnet4j.h) in the given {@link AttentionOrder}: q rounded to the
     * cache type, then the reference engine's order of the score, softmax and weighted-sum arithmetic.
     */
    void attention(AttentionShape shape, MemorySegment q, MemorySegment k, MemorySegment v, int pos0, int row0, int row1,
                   AttentionOrder order, MemorySegment scratch, MemorySegment out);
}
