package io.bitnet4j.kernels;

/**
 * ggml's vectorised float functions, emulated operation for operation (each {@code Math.fma} is one
 * fused multiply-add of the SIMD original), so that bitnet4j's results round exactly like the
 * reference engines' (see {@link ReferenceNumerics} for why that matters).
 */
public final class GgmlMath {
    private GgmlMath() {}

    /**
     * ggml_v_expf (AVX2/NEON flavour): exp(x) by range reduction x = n·ln2 + b and a degree-5
     * polynomial, within about 1.5 ulp of the true value.
     */
    public static float expf(float x) {
        float r = 0x1.8p23f;
        float z = Math.fma(x, 0x1.715476p+0f, r);
        float n = z - r;
        float b = Math.fma(-n, 0x1.7f7d1cp-20f, Math.fma(-n, 0x1.62e4p-1f, x));
        int e = Float.floatToRawIntBits(z) << 23;
        float k = Float.intBitsToFloat(e + Float.floatToRawIntBits(1f));
        float u = b * b;
        float j = Math.fma(
                Math.fma(Math.fma(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, Math.fma(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)),
                u,
                0x1.ffffecp-1f * b);
        if (!(Math.abs(n) > 126)) return Math.fma(j, k, k);
        // outside the normal range: scale in two steps (over/underflow to inf/0 past |n| > 192)
        int dm = n <= 0 ? 0x82000000 : 0;
        float s1 = Float.intBitsToFloat(dm + 0x7f000000);
        float s2 = Float.intBitsToFloat(e - dm);
        if (Math.abs(n) > 192) return s1 * s1;
        return Math.fma(s2, j, s2) * s1;
    }

    /**
     * ggml_v_expf (AVX-512 flavour): the same reduction and polynomial, but the constant term folded into the
     * last fma and the result scaled by 2^n ({@code _mm512_scalef_ps}: one rounding) — it differs from
     * {@link #expf} in the last bit; past |n| > 192, 0 (n ≤ 0) or infinity.
     */
    public static float expf512(float x) {
        float r = 0x1.8p23f;
        float z = Math.fma(x, 0x1.715476p+0f, r);
        float n = z - r;
        float b = Math.fma(-n, 0x1.7f7d1cp-20f, Math.fma(-n, 0x1.62e4p-1f, x));
        float u = b * b;
        float j = Math.fma(
                Math.fma(Math.fma(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, Math.fma(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)),
                u,
                Math.fma(0x1.ffffecp-1f, b, 1f));
        if (Math.abs(n) > 192) return n <= 0 ? 0f : Float.POSITIVE_INFINITY;
        return Math.scalb(j, (int) n);
    }

    /** ggml_v_silu: x / (1 + exp(-x)) with {@link #expf}. */
    public static float silu(float x) {
        return x / (1f + expf(0f - x));
    }
}
