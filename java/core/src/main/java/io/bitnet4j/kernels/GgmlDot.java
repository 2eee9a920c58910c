package io.bitnet4j.kernels;

/**
 * The float dot products of ggml's CPU backend, by SIMD width: where a reference engine's result depends on
 * the order of its float additions, bitnet4j reproduces the kernel that engine's build runs. Each splits a
 * dot product of n terms into {@link #slots()} partial sums — term i goes to slot i % slots, a chain of fused
 * multiply-adds — and reduces the slots as that kernel reduces its registers.
 */
public enum GgmlDot {
    /** tinyBLAS at 8 lanes (an AVX2 build): one register, reduced by halving. Needs n % 8 == 0. */
    TINYBLAS8(0, 8, 1, true),
    /** tinyBLAS at 16 lanes (an AVX-512 build), which bitnet.cpp's fork also runs on f32 input. Needs n % 16 == 0. */
    TINYBLAS16(1, 16, 1, false),
    /**
     * {@code ggml_vec_dot_f16} / {@code _f32} at 8 lanes (AVX2): four registers over chunks of 32, added
     * (s0+s2)+(s1+s3), then GGML_F32x8_REDUCE's ((x0+x4)+(x1+x5))+((x2+x6)+(x3+x7)); terms past the last full
     * chunk added one by one after that (in double for f16, a float fma for f32).
     */
    VEC8(2, 8, 4, true),
    /** {@code ggml_vec_dot_f16} / {@code _f32} at 16 lanes (AVX-512): as {@link #VEC8} over chunks of 64, reduced by halving. */
    VEC16(3, 16, 4, true);

    private final int code, lanes, registers;
    private final boolean roundsF16Input;

    GgmlDot(int code, int lanes, int registers, boolean roundsF16Input) {
        this.code = code;
        this.lanes = lanes;
        this.registers = registers;
        this.roundsF16Input = roundsF16Input;
    }

    /** The value of the native kernels' {@code dot} argument (B4J_DOT_*). */
    public int code() {
        return code;
    }

    public int lanes() {
        return lanes;
    }

    /** Partial sums per dot product: term i goes to slot i % slots. */
    public int slots() {
        return lanes * registers;
    }

    /** Whether it has a tail: terms past the last full chunk of {@link #slots()} (the vec_dot kernels). */
    public boolean hasTail() {
        return registers > 1;
    }

    /**
     * Whether an F16 matmul of this kernel first rounds its f32 input to f16 (ggml converts src1 to the
     * weights' vec_dot_type — except in the tinyBLAS path of bitnet.cpp's AVX-512 build, which takes f32).
     */
    public boolean roundsF16Input() {
        return roundsF16Input;
    }

    /** The kernel that actually runs for rows of n terms: tinyBLAS declines a length it cannot tile (ggml falls back to vec_dot). */
    public GgmlDot forLength(long n) {
        if (this == TINYBLAS8 && n % 8 != 0) return VEC8;
        if (this == TINYBLAS16 && n % 16 != 0) return VEC16;
        return this;
    }

    /** The slots x[0, slots()) reduced to one float as the kernel reduces its registers. Overwrites x. */
    public float reduce(float[] x) {
        int w = lanes;
        if (registers == 4) {
            for (int l = 0; l < w; l++) x[l] = (x[l] + x[2 * w + l]) + (x[w + l] + x[3 * w + l]);
        }
        if (this == VEC8) {
            float y0 = x[0] + x[4], y1 = x[1] + x[5], y2 = x[2] + x[6], y3 = x[3] + x[7];
            return (y0 + y1) + (y2 + y3);
        }
        for (int h = w / 2; h >= 1; h /= 2) {
            for (int i = 0; i < h; i++) x[i] = x[i] + x[i + h];
        }
        return x[0];
    }

    /** Per-thread slot buffers for the Java tiers (no allocation in the token loop). */
    static final ThreadLocal<float[]> SLOTS = ThreadLocal.withInitial(() -> new float[64]);
}
