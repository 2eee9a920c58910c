package io.bitnet4j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static io.bitnet4j.tensor.TensorCodecs.I16_LE;

/**
 * llama.cpp's ternary block types, 256 weights per block, value = (t − 1)·d with trit t ∈ {0,1,2}
 * and f16 block scale d = max|x|. Quantizers match {@code quantize_row_tq1_0_ref} /
 * {@code quantize_row_tq2_0_ref}: t = lroundf(x · (1/d)) + 1 with the f32 reciprocal.
 *
 * <p>TQ2_0 (66 bytes): qs[64], d. Weights are taken 128 at a time; byte m of each 32-byte group holds
 * weights m, m+32, m+64, m+96 of that 128 in bits 0–1, 2–3, 4–5, 6–7.
 *
 * <p>TQ1_0 (54 bytes): qs[48], qh[4], d. qs[0..32) hold weights 0..160 five per byte (byte m: weights
 * m + 32n, n = 0..4, most significant trit first), qs[32..48) weights 160..240 (byte m: 160 + m + 16n),
 * qh[0..4) weights 240..256 four per byte (byte j: 240 + j + 4n). A byte stores its base-3 number q
 * (the first trit most significant; qh values are multiplied by 3 first) as ceil(q·256/243), so that
 * trit n can be read back as ((uint8)(byte·3^n)·3) &gt;&gt; 8.
 */
public final class TernaryCodecs {
    private TernaryCodecs() {}

    public static final int BLOCK = 256;
    public static final int TQ2_0_BYTES = 66;
    public static final int TQ1_0_BYTES = 54;
    private static final int[] POW3 = {1, 3, 9, 27, 81, 243};

    // ---------------- TQ2_0

    public static void dequantizeRowTQ2_0(MemorySegment src, long off, float[] dst, int dstOff, int k) {
        for (int b = 0; b < k / BLOCK; b++) {
            long base = off + (long) b * TQ2_0_BYTES;
            float d = Float.float16ToFloat(src.get(I16_LE, base + 64));
            int y = dstOff + b * BLOCK;
            for (int j = 0; j < 64; j += 32) {
                for (int l = 0; l < 4; l++) {
                    for (int m = 0; m < 32; m++) {
                        int q = (u8(src, base + j + m) >> (2 * l)) & 3;
                        dst[y++] = (float) (q - 1) * d;
                    }
                }
            }
        }
    }

    public static void quantizeRowTQ2_0(float[] src, int srcOff, MemorySegment dst, long dstOff, int k) {
        for (int b = 0; b < k / BLOCK; b++) {
            int x = srcOff + b * BLOCK;
            float d = absMax(src, x, BLOCK);
            float id = d != 0f ? 1.0f / d : 0.0f;
            long base = dstOff + (long) b * TQ2_0_BYTES;
            dst.set(I16_LE, base + 64, Float.floatToFloat16(d));
            for (int j = 0; j < 64; j += 32) {
                for (int m = 0; m < 32; m++) {
                    int q = 0;
                    for (int n = 0; n < 4; n++) {
                        int xi = Rounding.roundf(src[x + m + n * 32] * id) + 1;
                        q += (xi & 3) << (2 * n);
                    }
                    dst.set(ValueLayout.JAVA_BYTE, base + j + m, (byte) q);
                }
                x += 128;
            }
        }
    }

    // ---------------- TQ1_0

    public static void dequantizeRowTQ1_0(MemorySegment src, long off, float[] dst, int dstOff, int k) {
        for (int b = 0; b < k / BLOCK; b++) {
            long base = off + (long) b * TQ1_0_BYTES;
            float d = Float.float16ToFloat(src.get(I16_LE, base + 52));
            int y = dstOff + b * BLOCK;
            for (int n = 0; n < 5; n++) {
                for (int m = 0; m < 32; m++) dst[y++] = (trit(u8(src, base + m), n) - 1) * d;
            }
            for (int n = 0; n < 5; n++) {
                for (int m = 0; m < 16; m++) dst[y++] = (trit(u8(src, base + 32 + m), n) - 1) * d;
            }
            for (int n = 0; n < 4; n++) {
                for (int j = 0; j < 4; j++) dst[y++] = (trit(u8(src, base + 48 + j), n) - 1) * d;
            }
        }
    }

    /** Trit n (0 = most significant) of a byte holding ceil(q·256/243). */
    private static float trit(int v, int n) {
        int q = (v * POW3[n]) & 0xFF;
        return (q * 3) >> 8;
    }

    public static void quantizeRowTQ1_0(float[] src, int srcOff, MemorySegment dst, long dstOff, int k) {
        for (int b = 0; b < k / BLOCK; b++) {
            int x = srcOff + b * BLOCK;
            float d = absMax(src, x, BLOCK);
            float id = d != 0f ? 1.0f / d : 0.0f;
            long base = dstOff + (long) b * TQ1_0_BYTES;
            dst.set(I16_LE, base + 52, Float.floatToFloat16(d));
            for (int m = 0; m < 32; m++) {
                int q = 0;
                for (int n = 0; n < 5; n++) q = (q * 3 + Rounding.roundf(src[x + m + n * 32] * id) + 1) & 0xFF;
                dst.set(ValueLayout.JAVA_BYTE, base + m, packTrits(q));
            }
            x += 160;
            for (int m = 0; m < 16; m++) {
                int q = 0;
                for (int n = 0; n < 5; n++) q = (q * 3 + Rounding.roundf(src[x + m + n * 16] * id) + 1) & 0xFF;
                dst.set(ValueLayout.JAVA_BYTE, base + 32 + m, packTrits(q));
            }
            x += 80;
            for (int j = 0; j < 4; j++) {
                int q = 0;
                for (int m = 0; m < 4; m++) q = (q * 3 + Rounding.roundf(src[x + j + m * 4] * id) + 1) & 0xFF;
                q = (q * 3) & 0xFF; // the first value becomes the most significant of 5 trits
                dst.set(ValueLayout.JAVA_BYTE, base + 48 + j, packTrits(q));
            }
        }
    }

    /** ceil(q·256/243) with q a uint8, stored as a uint8 (as the reference does, wrapping included). */
    private static byte packTrits(int q) {
        return (byte) ((q * 256 + 242) / 243);
    }

    static float absMax(float[] x, int off, int n) {
        float amax = 0f;
        for (int j = 0; j < n; j++) amax = Math.max(amax, Math.abs(x[off + j]));
        return amax;
    }

    private static int u8(MemorySegment s, long at) { return s.get(ValueLayout.JAVA_BYTE, at) & 0xFF; }
}
