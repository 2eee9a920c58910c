package io.bitnet4j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static io.bitnet4j.tensor.TensorCodecs.I16_LE;

/**
 * Q6_K: super-blocks of 256 weights, 210 bytes: ql[128] (low 4 bits), qh[64] (high 2 bits), int8
 * scales[16] (one per 16 weights), f16 d. Each half of 128 weights uses 64 ql bytes, 32 qh bytes and 8
 * scales: weight l (l &lt; 32) of quarter i takes the low or high nibble of ql[l] or ql[l+32] and bits
 * 2i..2i+1 of qh[l]; q is 6 bits minus 32; value = d · scale · q.
 *
 * <p>{@link #quantizeRow} reproduces ggml's {@code quantize_row_q6_K_ref} (what {@code llama-quantize}
 * runs for Q6_K without an importance matrix) bit for bit: every step is float arithmetic in the
 * reference's order, with no fused multiply-add (ggml's reference quantizers live in ggml-base, which
 * is built without {@code -march} flags, so x86 builds do not contract them either).
 */
public final class Q6_KCodec {
    private Q6_KCodec() {}

    public static final int BLOCK = 256;
    public static final int BLOCK_BYTES = 210;

    /** Weights per sub-block; each has its own int8 scale. */
    private static final int SUB = 16;
    /** ggml's threshold below which a group's maximum counts as zero. */
    static final float GROUP_MAX_EPS = 1e-15f;

    public static void dequantizeRow(MemorySegment src, long off, float[] dst, int dstOff, int k) {
        for (int b = 0; b < k / BLOCK; b++) {
            long base = off + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(src.get(I16_LE, base + 208));
            int y = dstOff + b * BLOCK;
            for (int half = 0; half < 2; half++) {
                long ql = base + half * 64L;
                long qh = base + 128 + half * 32L;
                long sc = base + 192 + half * 8L;
                for (int l = 0; l < 32; l++) {
                    int is = l / 16;
                    int lo0 = u8(src, ql + l);
                    int lo1 = u8(src, ql + l + 32);
                    int h = u8(src, qh + l);
                    int q1 = ((lo0 & 0xF) | ((h & 3) << 4)) - 32;
                    int q2 = ((lo1 & 0xF) | (((h >> 2) & 3) << 4)) - 32;
                    int q3 = ((lo0 >> 4) | (((h >> 4) & 3) << 4)) - 32;
                    int q4 = ((lo1 >> 4) | (((h >> 6) & 3) << 4)) - 32;
                    // same association as ggml: (d * scale) * q
                    dst[y + l] = d * s8(src, sc + is) * q1;
                    dst[y + l + 32] = d * s8(src, sc + is + 2) * q2;
                    dst[y + l + 64] = d * s8(src, sc + is + 4) * q3;
                    dst[y + l + 96] = d * s8(src, sc + is + 6) * q4;
                }
                y += 128;
            }
        }
    }

    /** Quantizes k floats (a multiple of 256) from {@code src[srcOff..)} into k/256 blocks at {@code dst[dstOff..)}. */
    public static void quantizeRow(float[] src, int srcOff, MemorySegment dst, long dstOff, int k) {
        byte[] codes = new byte[BLOCK];       // 6-bit codes, q + 32, in weight order
        float[] scales = new float[BLOCK / SUB];
        for (int b = 0; b < k / BLOCK; b++) {
            quantizeBlock(src, srcOff + b * BLOCK, codes, scales, dst, dstOff + (long) b * BLOCK_BYTES);
        }
    }

    private static void quantizeBlock(float[] x, int xo, byte[] codes, float[] scales, MemorySegment dst, long p) {
        // 1. A float scale per 16 weights, found by make_qx_quants' search, and the one of largest
        //    magnitude (kept with its sign: the int8 scales are relative to it).
        float maxScale = 0f;
        float maxAbsScale = 0f;
        for (int ib = 0; ib < BLOCK / SUB; ib++) {
            float scale = makeQxQuants(x, xo + SUB * ib, SUB, 32, codes, SUB * ib);
            scales[ib] = scale;
            if (Math.abs(scale) > maxAbsScale) {
                maxAbsScale = Math.abs(scale);
                maxScale = scale;
            }
        }
        if (maxAbsScale < GROUP_MAX_EPS) {
            dst.asSlice(p, BLOCK_BYTES).fill((byte) 0);   // all codes 0 and d = +0.0 (f16 0x0000)
            return;
        }

        // 2. Scales to int8 against the largest: -128/maxScale maps it to exactly -128; a scale of the
        //    opposite sign may reach +128 and is clamped to 127 (ggml clamps only from above).
        float iscale = -128f / maxScale;
        short d16 = Float.floatToFloat16(1 / iscale);
        for (int ib = 0; ib < BLOCK / SUB; ib++) {
            dst.set(ValueLayout.JAVA_BYTE, p + 192 + ib, (byte) Math.min(127, nearestInt(iscale * scales[ib])));
        }

        // 3. Re-quantize every weight against the scale the decoder will actually use (f16 d times the
        //    int8 scale). A sub-block whose effective scale is 0 keeps the codes make_qx_quants chose.
        float d = Float.float16ToFloat(d16);
        for (int j = 0; j < BLOCK / SUB; j++) {
            float dj = d * dst.get(ValueLayout.JAVA_BYTE, p + 192 + j);
            if (dj == 0f) continue;
            for (int i = 0; i < SUB; i++) {
                int l = clamp(nearestInt(x[xo + SUB * j + i] / dj), -32, 31);
                codes[SUB * j + i] = (byte) (l + 32);
            }
        }

        // 4. Pack: per half of 128 weights, quarters 0/2 share ql[l] (low/high nibble), quarters 1/3
        //    share ql[l+32], and qh[l] holds the four quarters' top two bits.
        for (int half = 0; half < 2; half++) {
            int c = half * 128;
            long ql = p + half * 64L;
            long qh = p + 128 + half * 32L;
            for (int l = 0; l < 32; l++) {
                int q1 = codes[c + l], q2 = codes[c + l + 32], q3 = codes[c + l + 64], q4 = codes[c + l + 96];
                dst.set(ValueLayout.JAVA_BYTE, ql + l, (byte) ((q1 & 0xF) | ((q3 & 0xF) << 4)));
                dst.set(ValueLayout.JAVA_BYTE, ql + l + 32, (byte) ((q2 & 0xF) | ((q4 & 0xF) << 4)));
                dst.set(ValueLayout.JAVA_BYTE, qh + l, (byte) ((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6)));
            }
        }
        dst.set(I16_LE, p + 208, d16);
    }

    /**
     * ggml's {@code make_qx_quants} as Q6_K calls it ({@code rmse_type} 1, no importance weights):
     * symmetric codes in [-nmax, nmax) for n weights, written to {@code L} as code + nmax, and the
     * returned float scale is the weighted least-squares fit (weights x²) of x ≈ scale·code. It tries
     * the plain max-based scale and 18 nudged ones (nmax ± 0.1..0.9) and keeps the best fit.
     */
    static float makeQxQuants(float[] x, int xo, int n, int nmax, byte[] L, int lo) {
        float max = 0f;
        float amax = 0f;
        for (int i = 0; i < n; i++) {
            float ax = Math.abs(x[xo + i]);
            if (ax > amax) {
                amax = ax;
                max = x[xo + i];
            }
        }
        if (amax < GROUP_MAX_EPS) {
            for (int i = 0; i < n; i++) L[lo + i] = 0;
            return 0f;
        }
        // The signed max maps to -nmax: the clamp below is asymmetric ([-nmax, nmax-1]), so the
        // extreme value always lands on the side that has room.
        float iscale = -nmax / max;
        float sumlx = 0f;
        float suml2 = 0f;
        for (int i = 0; i < n; i++) {
            float xi = x[xo + i];
            int l = clamp(nearestInt(iscale * xi), -nmax, nmax - 1);
            L[lo + i] = (byte) (l + nmax);
            float w = xi * xi;
            sumlx += w * xi * l;   // (w·x)·l, then added: float at every step, as in C
            suml2 += w * l * l;
        }
        float scale = suml2 != 0f ? sumlx / suml2 : 0f;
        float best = scale * sumlx;
        for (int is = -9; is <= 9; is++) {
            if (is == 0) continue;
            iscale = -(nmax + 0.1f * is) / max;
            sumlx = 0f;
            suml2 = 0f;
            for (int i = 0; i < n; i++) {
                float xi = x[xo + i];
                int l = clamp(nearestInt(iscale * xi), -nmax, nmax - 1);
                float w = xi * xi;
                sumlx += w * xi * l;
                suml2 += w * l * l;
            }
            // A better fit maximises sumlx²/suml2; compared cross-multiplied, as ggml does.
            if (suml2 > 0 && sumlx * sumlx > best * suml2) {
                for (int i = 0; i < n; i++) {
                    int l = clamp(nearestInt(iscale * x[xo + i]), -nmax, nmax - 1);
                    L[lo + i] = (byte) (l + nmax);
                }
                scale = sumlx / suml2;
                best = scale * sumlx;
            }
        }
        return scale;
    }

    /**
     * ggml's {@code nearest_int}: adding 1.5·2^23 pushes the fraction out of the float's mantissa, so
     * the addition itself rounds (half to even, unlike {@link Rounding#roundf}); the low mantissa bits
     * then hold the integer offset by 2^22. Valid for |v| &lt; 2^22; beyond that it returns the same
     * wrapped value as the C code.
     */
    static int nearestInt(float v) {
        int bits = Float.floatToRawIntBits(v + 12582912f);
        return (bits & 0x007FFFFF) - 0x00400000;
    }

    private static int clamp(int v, int lo, int hi) { return Math.max(lo, Math.min(hi, v)); }

    private static int u8(MemorySegment s, long at) { return s.get(ValueLayout.JAVA_BYTE, at) & 0xFF; }

    private static int s8(MemorySegment s, long at) { return s.get(ValueLayout.JAVA_BYTE, at); }
}
