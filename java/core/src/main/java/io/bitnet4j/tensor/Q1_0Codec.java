package io.bitnet4j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static io.bitnet4j.tensor.TensorCodecs.I16_LE;

/**
 * Q1_0 (llama.cpp, PrismML's Bonsai models): blocks of 128 weights, 18 bytes: f16 scale d, then 16
 * bytes of signs; bit j (byte j/8, bit j%8) set means +d, clear means −d. The quantizer follows ggml's
 * {@code quantize_row_q1_0_ref}: d = (Σ|x| in float, in order) / 128, the bit set where x ≥ 0 (so −0
 * and +0 are +d; NaN is −d).
 */
public final class Q1_0Codec {
    private Q1_0Codec() {}

    public static final int BLOCK = TensorType.Q1_0.blockSize();
    public static final int BLOCK_BYTES = TensorType.Q1_0.bytesPerBlock();

    public static void dequantizeRow(MemorySegment src, long off, float[] dst, int dstOff, int k) {
        for (int b = 0; b < k / BLOCK; b++) {
            long p = off + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(src.get(I16_LE, p));
            for (int j = 0; j < BLOCK; j++) {
                boolean set = (src.get(ValueLayout.JAVA_BYTE, p + 2 + j / 8) >> (j % 8) & 1) != 0;
                dst[dstOff + b * BLOCK + j] = set ? d : -d;
            }
        }
    }

    public static void quantizeRow(float[] src, int srcOff, MemorySegment dst, long dstOff, int k) {
        for (int b = 0; b < k / BLOCK; b++) {
            int x = srcOff + b * BLOCK;
            float sumAbs = 0f;
            for (int j = 0; j < BLOCK; j++) sumAbs += Math.abs(src[x + j]);
            long p = dstOff + (long) b * BLOCK_BYTES;
            dst.set(I16_LE, p, Float.floatToFloat16(sumAbs / BLOCK));
            for (int i = 0; i < BLOCK / 8; i++) {
                int bits = 0;
                for (int j = 0; j < 8; j++) {
                    if (src[x + 8 * i + j] >= 0f) bits |= 1 << j;
                }
                dst.set(ValueLayout.JAVA_BYTE, p + 2 + i, (byte) bits);
            }
        }
    }
}
