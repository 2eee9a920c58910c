package io.bitnet4j.kernels;

/**
 * The float evaluation order of {@link Kernels#attention}: whose arithmetic to reproduce, bit for bit
 * (the graph picks it, see {@code ReferenceNumerics}). Every tier computes the same numbers for each.
 * The code is what {@code b4j_attention} takes (bitnet4j.h).
 */
public enum AttentionOrder {
    /**
     * bitnet.cpp's prompt batch: q·k of an f16 cache as exact float products summed in double in eight
     * lanes i % 8; exp in double, the softmax sum in double; P·V in float, positions in order.
     */
    SEQUENTIAL(0),
    /** bitnet.cpp's single-token step: as {@link #SEQUENTIAL}, the weights rounded to f16 first (f16 cache). */
    SEQUENTIAL_F16_WEIGHTS(1),
    /**
     * llama.cpp without flash attention, a batch of two or more tokens (x86 AVX2 build: its tinyBLAS
     * matmuls): q·k as eight float lanes i % 8, each a chain of fused multiply-adds, combined
     * ((l0+l4)+(l2+l6))+((l1+l5)+(l3+l7)); ggml's vector exp; the softmax sum over blocks of eight
     * positions (that tree in float, blocks added in double); weights rounded to f16 (f16 cache); P·V as
     * eight fma lanes over positions j % 8, same tree.
     */
    TINYBLAS(2),
    /**
     * llama.cpp without flash attention, one token (tinyBLAS is only used for two or more columns, so
     * {@code ggml_vec_dot_f16}, AVX2 build): q·k and P·V as four accumulators of eight fma lanes over
     * chunks of 32 (slot i % 32), reduced ((s0+s2)+(s1+s3)) lane-wise, then ((x0+x4)+(x1+x5))+((x2+x6)+(x3+x7));
     * a q·k tail past a multiple of 32 added in double; softmax and weights as {@link #TINYBLAS}.
     */
    GGML_VEC_DOT(3);

    private final int code;

    AttentionOrder(int code) {
        this.code = code;
    }

    /** The value of {@code b4j_attention}'s {@code order} argument. */
    public int code() {
        return code;
    }

    /** Whether the weights are rounded to f16 before the product with an f16 V cache. */
    public boolean roundsWeights() {
        return this != SEQUENTIAL;
    }
}
