package io.bitnet4j.kernels;

/**
 * The float evaluation order of attention, as each reference engine's matmuls and softmax compute it (the
 * engines disagree in the last bits, and ternary models amplify those bits). Every order is a recipe of three
 * parts: the q·k dot, the softmax, and the weighted sum P·V; each is one of ggml's kernels at one SIMD width.
 * With an f16 cache the queries are rounded to f16 first (ggml converts them to the cache's type).
 */
public enum AttentionOrder {
    /**
     * bitnet.cpp, a batch of two or more tokens (its llama.cpp fork, AVX-512 build): q·k by
     * {@code ggml_vec_dot_f16} at 16 lanes (four accumulators over chunks of 64, a tail past a multiple of 64 in
     * double); softmax in blocks of 16 with the AVX-512 vector exp; P·V by its tinyBLAS at 16 fma lanes, the
     * weights left in f32.
     */
    BITNET_CPP_BATCH(0, GgmlDot.VEC16, 16, GgmlDot.TINYBLAS16, false, 32),
    /** bitnet.cpp, one token: as {@link #BITNET_CPP_BATCH}, P·V by {@code ggml_vec_dot_f16} at 16 lanes, weights rounded to f16. */
    BITNET_CPP_SINGLE(1, GgmlDot.VEC16, 16, GgmlDot.VEC16, true, 32),
    /**
     * llama.cpp without flash attention, a batch of two or more tokens (x86 AVX2 build: its tinyBLAS
     * matmuls): q·k as eight float lanes i % 8, each a chain of fused multiply-adds, combined
     * ((l0+l4)+(l2+l6))+((l1+l5)+(l3+l7)); ggml's vector exp; the softmax sum over blocks of eight
     * positions (that tree in float, blocks added in double); weights rounded to f16 (f16 cache); P·V as
     * eight fma lanes over positions j % 8, same tree. A head size that is not a multiple of eight takes
     * {@code ggml_vec_dot_f16} for q·k, as llama.cpp does.
     */
    TINYBLAS(2, GgmlDot.TINYBLAS8, 8, GgmlDot.TINYBLAS8, true, 256),
    /**
     * llama.cpp without flash attention, one token (tinyBLAS is only used for two or more columns, so
     * {@code ggml_vec_dot_f16}, AVX2 build): q·k and P·V as four accumulators of eight fma lanes over
     * chunks of 32 (slot i % 32), reduced ((s0+s2)+(s1+s3)) lane-wise, then ((x0+x4)+(x1+x5))+((x2+x6)+(x3+x7));
     * a q·k tail past a multiple of 32 added in double; softmax and weights as {@link #TINYBLAS}.
     */
    GGML_VEC_DOT(3, GgmlDot.VEC8, 8, GgmlDot.VEC8, true, 256);

    private final int code;
    final GgmlDot qk, pv;
    final int softmaxBlock;
    final boolean roundsWeights;
    /** The engine pads its KV length to this many positions (the P·V tail past the last full chunk depends on it). */
    final int kvPad;

    AttentionOrder(int code, GgmlDot qk, int softmaxBlock, GgmlDot pv, boolean roundsWeights, int kvPad) {
        this.code = code;
        this.qk = qk;
        this.softmaxBlock = softmaxBlock;
        this.pv = pv;
        this.roundsWeights = roundsWeights;
        this.kvPad = kvPad;
    }

    /** The value of {@code b4j_attention}'s {@code order} argument. */
    public int code() {
        return code;
    }

    /** Whether the weights are rounded to f16 before the product with an f16 V cache. */
    public boolean roundsWeights() {
        return roundsWeights;
    }

    /** The q·k dot for a head size (tinyBLAS declines one that is not a multiple of its width: ggml falls back). */
    GgmlDot qkFor(int headSize) {
        return qk.forLength(headSize);
    }

    /** The most partial-sum slots any order uses. */
    static final int MAX_SLOTS = 64;
}
