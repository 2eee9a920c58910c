package io.bitnet4j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static io.bitnet4j.tensor.TensorCodecs.I16_LE;

/**
 * Q8_0: blocks of 32 weights, 34 bytes: f16 scale d, then 32 int8 q; value = q·d.
 * The quantizer follows ggml's {@code quantize_row_q8_0_ref}: d = amax/127 (as f32, stored as f16),
 * q = roundf(x · (1/d)) with the f32 reciprocal, rounding half away from zero.
 */
public final class Q8_0Codec {
    private Q8_0Codec() {}

    public static final int BLOCK = 32;
    public static final int BLOCK_BYTES = 34;

    public static void dequantizeRow(MemorySegment src, long off, float[] dst, int dstOff, int k) {
        for (int b = 0; b < k / BLOCK; b++) {
            long p = off + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(src.get(I16_LE, p));
            for (int j = 0; j < BLOCK; j++) dst[dstOff + b * BLOCK + j] = src.get(ValueLayout.JAVA_BYTE, p + 2 + j) * d;
        }
    }

    public static void quantizeRow(float[] src, int srcOff, MemorySegment dst, long dstOff, int k) {
        for (int b = 0; b < k / BLOCK; b++) {
            int x = srcOff + b * BLOCK;
            float amax = 0f;
            for (int j = 0; j < BLOCK; j++) amax = Math.max(amax, Math.abs(src[x + j]));
            float d = amax / 127;
            float id = d != 0f ? 1.0f / d : 0.0f;
            long p = dstOff + (long) b * BLOCK_BYTES;
            dst.set(I16_LE, p, Float.floatToFloat16(d));
            for (int j = 0; j < BLOCK; j++) dst.set(ValueLayout.JAVA_BYTE, p + 2 + j, (byte) Rounding.roundf(src[x + j] * id));
        }
    }
}
