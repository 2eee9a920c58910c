package io.bitnet4j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static io.bitnet4j.tensor.TensorCodecs.F32_LE;

/**
 * bitnet.cpp's I2_S (x86 layout): 2 bits per weight, code 0/1/2 = −1/0/+1. Each 128 consecutive
 * weights of a row pack into 32 bytes: byte j holds weight j in bits 7–6, j+32 in bits 5–4, j+64 in
 * bits 3–2 and j+96 in bits 1–0. A tensor of n weights is n/4 bytes of codes followed by a 32-byte tail
 * whose first 4 bytes are the per-tensor f32 scale; value = (code − 1)·scale.
 *
 * <p>The quantizer matches bitnet.cpp's {@code quantize_i2_s}: scale = max|x| over the whole tensor
 * (computed in double, stored as f32); a weight is 0 if |x| &lt; 1e-6, else its sign (so it is meant
 * for weights that are already ternary multiples of one scale). It writes zeros to the rest of the
 * tail, which the reference leaves uninitialised.
 */
public final class I2sCodec {
    private I2sCodec() {}

    public static final int GROUP = 128;
    public static final int GROUP_BYTES = 32;
    public static final int TAIL_BYTES = 32;

    /** Dequantizes one row of k weights (k % 128 == 0) whose codes start at {@code off}. */
    public static void dequantizeRow(MemorySegment src, long off, float scale, float[] dst, int dstOff, int k) {
        checkRow(k);
        for (int g = 0; g < k / GROUP; g++) {
            long p = off + (long) g * GROUP_BYTES;
            int y = dstOff + g * GROUP;
            for (int j = 0; j < GROUP_BYTES; j++) {
                int b = src.get(ValueLayout.JAVA_BYTE, p + j) & 0xFF;
                dst[y + j] = ((b >> 6) - 1) * scale;
                dst[y + j + 32] = (((b >> 4) & 3) - 1) * scale;
                dst[y + j + 64] = (((b >> 2) & 3) - 1) * scale;
                dst[y + j + 96] = ((b & 3) - 1) * scale;
            }
        }
    }

    /** The reference's tensor scale: max |x| over n floats (pass 1 of quantizing a tensor). */
    public static float scale(float[] x, int off, int n) {
        double max = 0;
        for (int i = 0; i < n; i++) max = fmax(max, Math.abs((double) x[off + i]));
        return (float) max;
    }

    /** Accumulates the scale over one more chunk of the tensor: returns max(current, max|x|). */
    public static float scale(float current, float[] x, int off, int n) {
        return Math.max(current, scale(x, off, n));
    }

    /** C's fmax: NaN arguments are ignored. */
    private static double fmax(double a, double b) {
        if (Double.isNaN(a)) return b;
        if (Double.isNaN(b)) return a;
        return Math.max(a, b);
    }

    /** The 2-bit code of one weight, as the reference computes it against the tensor scale. */
    static int code(float x, float scale) {
        double v = x;
        if (Math.abs(v) < 1e-6) return 1;
        return v * scale > 0 ? 2 : 0;
    }

    /** Packs one row of k weights (k % 128 == 0) into k/4 bytes at {@code dstOff}, using the tensor's scale. */
    public static void quantizeRow(float[] src, int srcOff, float scale, MemorySegment dst, long dstOff, int k) {
        checkRow(k);
        for (int g = 0; g < k / GROUP; g++) {
            int x = srcOff + g * GROUP;
            long p = dstOff + (long) g * GROUP_BYTES;
            for (int j = 0; j < GROUP_BYTES; j++) {
                int b = code(src[x + j], scale) << 6 | code(src[x + j + 32], scale) << 4
                        | code(src[x + j + 64], scale) << 2 | code(src[x + j + 96], scale);
                dst.set(ValueLayout.JAVA_BYTE, p + j, (byte) b);
            }
        }
    }

    /** Writes the 32-byte tail (scale, then zeros) after the codes of an n-weight tensor starting at {@code tensorOff}. */
    public static void writeTail(MemorySegment dst, long tensorOff, long n, float scale) {
        long t = tensorOff + n / 4;
        dst.asSlice(t, TAIL_BYTES).fill((byte) 0);
        dst.set(F32_LE, t, scale);
    }

    /** Quantizes a whole tensor of nrows × k floats into n/4 + 32 bytes at dst[0..). */
    public static void quantize(float[] src, int nrows, int k, MemorySegment dst) {
        int n = Math.multiplyExact(nrows, k);
        float scale = scale(src, 0, n);
        for (int r = 0; r < nrows; r++) quantizeRow(src, r * k, scale, dst, (long) r * (k / 4), k);
        writeTail(dst, 0, n, scale);
    }

    private static void checkRow(int k) {
        if (k <= 0 || k % GROUP != 0) throw new IllegalArgumentException("I2_S row length " + k + " is not a positive multiple of 128");
    }
}
