package io.bitnet4j.kernels;

/**
 * How a reference engine's build evaluates the float parts of a matmul where builds disagree: the dot product
 * of float weights ({@link GgmlDot}, by the number of tokens the engine multiplies at once) and whether the
 * TQ1_0/TQ2_0 kernels fuse each block's scaling into the running sum. Integer parts are the same everywhere.
 */
public enum MatmulOrder {
    /** llama.cpp (gcc, AVX2 build), two or more tokens: tinyBLAS at 8 lanes on f16-rounded input; TQ blocks fused (gcc contracts ggml's mul + add). */
    LLAMA_CPP_BATCH(0, GgmlDot.TINYBLAS8, true),
    /** llama.cpp, one token: ggml_vec_dot at 8 lanes; TQ blocks fused. */
    LLAMA_CPP_SINGLE(1, GgmlDot.VEC8, true),
    /** bitnet.cpp (clang, AVX-512 build), two or more tokens: tinyBLAS at 16 lanes on f32 input; TQ blocks multiplied, then added. */
    BITNET_CPP_BATCH(2, GgmlDot.TINYBLAS16, false),
    /** bitnet.cpp, one token: ggml_vec_dot at 16 lanes on f16-rounded input; TQ blocks multiplied, then added. */
    BITNET_CPP_SINGLE(3, GgmlDot.VEC16, false);

    private final int code;
    private final GgmlDot floatDot;
    private final boolean fusedBlocks;

    MatmulOrder(int code, GgmlDot floatDot, boolean fusedBlocks) {
        this.code = code;
        this.floatDot = floatDot;
        this.fusedBlocks = fusedBlocks;
    }

    /** The value of the native kernels' {@code order} argument (B4J_ORDER_*). */
    public int code() {
        return code;
    }

    /** The dot product of F32/F16 weights. */
    public GgmlDot floatDot() {
        return floatDot;
    }

    /** TQ1_0/TQ2_0: acc = fma(lane, d, acc) per block (true) or acc = lane·d + acc. */
    public boolean fusedBlocks() {
        return fusedBlocks;
    }
}
