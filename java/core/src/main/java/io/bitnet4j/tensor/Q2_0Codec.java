package io.bitnet4j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static io.bitnet4j.tensor.TensorCodecs.I16_LE;

/**
 * Q2_0 (llama.cpp, PrismML's Ternary-Bonsai models): blocks of 64 weights, 18 bytes: f16 scale d, then
 * 16 bytes of 2-bit codes; weight j is {@code (qs[j/4] >> 2·(j%4)) & 3} = c and means (c − 1)·d (codes
 * 0/1/2/3 = −1/0/+1/+2). The quantizer follows ggml's {@code quantize_row_q2_0_ref}: d = max|x| (f32,
 * stored as f16), c = roundf(x · (1/d)) + 1 clamped to [0, 3] with the f32 reciprocal (0 when d = 0),
 * rounding half away from zero; NaN gets code 0, as x86's conversion of NaN does.
 */
public final class Q2_0Codec {
    private Q2_0Codec() {}

    public static final int BLOCK = TensorType.Q2_0.blockSize();
    public static final int BLOCK_BYTES = TensorType.Q2_0.bytesPerBlock();

    /** The stored code (0..3) of weight j of the block at byte p. */
    public static int code(MemorySegment src, long p, int j) {
        return (src.get(ValueLayout.JAVA_BYTE, p + 2 + j / 4) >> (2 * (j % 4))) & 3;
    }

    public static void dequantizeRow(MemorySegment src, long off, float[] dst, int dstOff, int k) {
        for (int b = 0; b < k / BLOCK; b++) {
            long p = off + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(src.get(I16_LE, p));
            for (int j = 0; j < BLOCK; j++) dst[dstOff + b * BLOCK + j] = (code(src, p, j) - 1) * d;
        }
    }

    public static void quantizeRow(float[] src, int srcOff, MemorySegment dst, long dstOff, int k) {
        for (int b = 0; b < k / BLOCK; b++) {
            int x = srcOff + b * BLOCK;
            float amax = 0f;
            for (int j = 0; j < BLOCK; j++) {
                float a = Math.abs(src[x + j]);
                if (a > amax) amax = a;
            }
            float id = amax > 0f ? 1.0f / amax : 0.0f;
            long p = dstOff + (long) b * BLOCK_BYTES;
            dst.set(I16_LE, p, Float.floatToFloat16(amax));
            for (int i = 0; i < BLOCK / 4; i++) {
                int bits = 0;
                for (int j = 0; j < 4; j++) {
                    float v = src[x + 4 * i + j] * id;
                    int q = Float.isNaN(v) ? 0 : Math.clamp(Rounding.roundf(v) + 1, 0, 3);
                    bits |= q << (2 * j);
                }
                dst.set(ValueLayout.JAVA_BYTE, p + 2 + i, (byte) bits);
            }
        }
    }
}
