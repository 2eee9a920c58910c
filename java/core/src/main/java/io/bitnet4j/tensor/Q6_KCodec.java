package io.bitnet4j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static io.bitnet4j.tensor.TensorCodecs.I16_LE;

/**
 * Q6_K (dequantization only): super-blocks of 256 weights, 210 bytes: ql[128] (low 4 bits), qh[64]
 * (high 2 bits), int8 scales[16] (one per 16 weights), f16 d. Each half of 128 weights uses 64 ql
 * bytes, 32 qh bytes and 8 scales: weight l (l &lt; 32) of quarter i takes the low or high nibble of
 * ql[l] or ql[l+32] and bits 2i..2i+1 of qh[l]; q is 6 bits minus 32; value = d · scale · q.
 */
public final class Q6_KCodec {
    private Q6_KCodec() {}

    public static final int BLOCK = 256;
    public static final int BLOCK_BYTES = 210;

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

    private static int u8(MemorySegment s, long at) { return s.get(ValueLayout.JAVA_BYTE, at) & 0xFF; }

    private static int s8(MemorySegment s, long at) { return s.get(ValueLayout.JAVA_BYTE, at); }
}
