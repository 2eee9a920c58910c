package io.bitnet4j.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;

/**
 * Test inputs, and encoders written from the format descriptions in bitnet4j.h (independently of the
 * kernels' decoders), so that a decoder bug cannot be mirrored by the test.
 */
final class TestData {
    private TestData() {}

    static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort S = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** 64-byte aligned native memory filled with random bytes. */
    static MemorySegment randomBytes(Arena arena, long n, Random rnd) {
        MemorySegment s = arena.allocate(Math.max(1, n), 64);
        for (long i = 0; i < n; i++) {
            s.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt(256));
        }
        return s;
    }

    static MemorySegment floats(Arena arena, float[] v) {
        MemorySegment s = arena.allocate(Math.max(4, 4L * v.length), 64);
        for (int i = 0; i < v.length; i++) {
            s.setAtIndex(F, i, v[i]);
        }
        return s;
    }

    static float[] gaussian(int n, float scale, Random rnd) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rnd.nextGaussian() * scale);
        }
        return v;
    }

    static int[] trits(int n, Random rnd) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = rnd.nextInt(3) - 1;
        }
        return t;
    }

    /** I2_S: code = t+1; within each 128-weight group, weight j goes to byte j%32 at bits 7-6, 5-4, 3-2, 1-0 for j/32 = 0..3. */
    static MemorySegment encodeI2S(Arena arena, int[][] rows) {
        int k = rows[0].length;
        MemorySegment s = arena.allocate((long) rows.length * k / 4, 64);
        for (int r = 0; r < rows.length; r++) {
            for (int i = 0; i < k; i++) {
                long at = (long) r * k / 4 + (i / 128) * 32 + (i % 32);
                int shift = 6 - 2 * ((i % 128) / 32);
                byte old = s.get(ValueLayout.JAVA_BYTE, at);
                s.set(ValueLayout.JAVA_BYTE, at, (byte) (old | ((rows[r][i] + 1) << shift)));
            }
        }
        return s;
    }

    /** TQ2_0 blocks { qs[64]; fp16 d }: in half h, byte m has weight 128h + m + 32l at bits 2l..2l+1. */
    static MemorySegment encodeTQ20(Arena arena, int[][] rows, float[][] blockScales) {
        int k = rows[0].length, nb = k / 256;
        MemorySegment s = arena.allocate((long) rows.length * nb * 66, 64);
        for (int r = 0; r < rows.length; r++) {
            for (int b = 0; b < nb; b++) {
                long base = ((long) r * nb + b) * 66;
                for (int i = 0; i < 256; i++) {
                    int h = i / 128, l = (i % 128) / 32, m = i % 32;
                    long at = base + 32L * h + m;
                    byte old = s.get(ValueLayout.JAVA_BYTE, at);
                    s.set(ValueLayout.JAVA_BYTE, at, (byte) (old | ((rows[r][b * 256 + i] + 1) << (2 * l))));
                }
                s.set(S, base + 64, Float.floatToFloat16(blockScales[r][b]));
            }
        }
        return s;
    }

    /**
     * TQ1_0 blocks { qs[48]; qh[4]; fp16 d }, as llama.cpp's quantize_row_tq1_0_ref lays them out:
     * qs[m] (m < 32) packs weights m, 32+m, ..., 128+m base 3 (first = most significant); qs[32+m]
     * (m < 16) packs 160+m, 176+m, ..., 224+m; qh[j] packs 240+j, 244+j, 248+j, 252+j and is scaled by 3;
     * each byte stores ceil(v * 256 / 243).
     */
    static MemorySegment encodeTQ10(Arena arena, int[][] rows, float[][] blockScales) {
        int k = rows[0].length, nb = k / 256;
        MemorySegment s = arena.allocate((long) rows.length * nb * 54, 64);
        for (int r = 0; r < rows.length; r++) {
            for (int b = 0; b < nb; b++) {
                long base = ((long) r * nb + b) * 54;
                int[] t = java.util.Arrays.copyOfRange(rows[r], b * 256, b * 256 + 256);
                for (int m = 0; m < 32; m++) {
                    int v = 0;
                    for (int l = 0; l < 5; l++) v = v * 3 + t[l * 32 + m] + 1;
                    s.set(ValueLayout.JAVA_BYTE, base + m, (byte) ((v * 256 + 242) / 243));
                }
                for (int m = 0; m < 16; m++) {
                    int v = 0;
                    for (int l = 0; l < 5; l++) v = v * 3 + t[160 + l * 16 + m] + 1;
                    s.set(ValueLayout.JAVA_BYTE, base + 32 + m, (byte) ((v * 256 + 242) / 243));
                }
                for (int j = 0; j < 4; j++) {
                    int v = 0;
                    for (int l = 0; l < 4; l++) v = v * 3 + t[240 + l * 4 + j] + 1;
                    v *= 3;
                    s.set(ValueLayout.JAVA_BYTE, base + 48 + j, (byte) ((v * 256 + 242) / 243));
                }
                s.set(S, base + 52, Float.floatToFloat16(blockScales[r][b]));
            }
        }
        return s;
    }

    static int[][] ternaryRows(int rows, int k, Random rnd) {
        int[][] t = new int[rows][];
        for (int r = 0; r < rows; r++) {
            t[r] = trits(k, rnd);
        }
        return t;
    }

    static float[][] blockScales(int rows, int nb, Random rnd) {
        float[][] d = new float[rows][nb];
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < nb; b++) {
                d[r][b] = Float.float16ToFloat(Float.floatToFloat16(0.01f + rnd.nextFloat() * 0.05f));
            }
        }
        return d;
    }

    /** An output buffer of ntok*stride floats filled with a NaN sentinel, to catch writes outside the range. */
    static MemorySegment sentinelOut(Arena arena, int ntok, int stride) {
        MemorySegment s = arena.allocate(4L * ntok * stride, 64);
        for (long i = 0; i < (long) ntok * stride; i++) {
            s.setAtIndex(I, i, 0x7fc0dead);
        }
        return s;
    }
}
