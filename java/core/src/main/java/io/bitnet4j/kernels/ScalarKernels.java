package io.bitnet4j.kernels;

import static io.bitnet4j.kernels.KernelFormats.*;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Plain-Java kernels: the oracle the Vector API and native tiers are tested against. Written to be
 * obviously right, one weight at a time, following the reference C code of bitnet.cpp
 * ({@code quantize_row_i8_s} and the I2_S matmul epilogue in its ggml.c) and llama.cpp
 * ({@code quantize_row_q8_K_ref}, {@code quantize_row_q8_0_ref}, the generic
 * {@code ggml_vec_dot_tq{1,2}_0_q8_K} and {@code ggml_vec_dot_q8_0_q8_0}).
 */
public final class ScalarKernels implements Kernels {
    static final ValueLayout.OfByte I8 = ValueLayout.JAVA_BYTE;
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final ScalarKernels INSTANCE = new ScalarKernels();

    public static ScalarKernels instance() {
        return INSTANCE;
    }

    private ScalarKernels() {}

    @Override
    public KernelTier tier() {
        return KernelTier.SCALAR;
    }

    @Override
    public String description() {
        return "scalar Java";
    }

    // ---- activation quantization ----

    @Override
    public void quantizeI8(MemorySegment x, int ntok, int k, MemorySegment q, MemorySegment scales, MemorySegment sums) {
        KernelChecks.checkQuantizeI8(x, ntok, k, q, scales, sums);
        for (int t = 0; t < ntok; t++) {
            long base = (long) t * k;
            // bitnet.cpp: max starts at 1e-5 (double), s = (float)(127 / max).
            double max = 0.00001;
            for (int i = 0; i < k; i++) {
                max = Math.max(max, Math.abs((double) x.getAtIndex(F32, base + i)));
            }
            float s = (float) (127 / max);
            int sum = 0;
            for (int i = 0; i < k; i++) {
                int v = nearestInt(x.getAtIndex(F32, base + i) * s);
                v = Math.clamp(v, -128, 127);
                sum += v;
                q.set(I8, base + i, (byte) v);
            }
            scales.setAtIndex(F32, t, s);
            sums.setAtIndex(I32, t, sum);
        }
    }

    @Override
    public void quantizeQ8K(MemorySegment x, int ntok, int k, MemorySegment y) {
        KernelChecks.checkQuantizeQ8K(x, ntok, k, y);
        int nb = k / QK_K;
        for (int t = 0; t < ntok; t++) {
            for (int b = 0; b < nb; b++) {
                long xi = (long) t * k + (long) b * QK_K;
                long yb = ((long) t * nb + b) * Q8_K_BLOCK_BYTES;
                // the value of largest magnitude, the first one on ties
                float amax = 0, max = 0;
                for (int j = 0; j < QK_K; j++) {
                    float v = x.getAtIndex(F32, xi + j);
                    if (Math.abs(v) > amax) {
                        amax = Math.abs(v);
                        max = v;
                    }
                }
                if (amax == 0) {
                    y.set(F32, yb, 0f);
                    for (int j = 0; j < QK_K; j++) {
                        y.set(I8, yb + Q8_K_QS_OFFSET + j, (byte) 0);
                    }
                    for (int j = 0; j < QK_K / 16; j++) {
                        y.set(I16, yb + Q8_K_BSUMS_OFFSET + 2L * j, (short) 0);
                    }
                    continue;
                }
                float iscale = -127f / max;
                for (int j = 0; j < QK_K; j++) {
                    int v = nearestInt(iscale * x.getAtIndex(F32, xi + j));
                    y.set(I8, yb + Q8_K_QS_OFFSET + j, (byte) Math.min(127, v));
                }
                for (int j = 0; j < QK_K / 16; j++) {
                    int sum = 0;
                    for (int i = 0; i < 16; i++) {
                        sum += y.get(I8, yb + Q8_K_QS_OFFSET + 16L * j + i);
                    }
                    y.set(I16, yb + Q8_K_BSUMS_OFFSET + 2L * j, (short) sum);
                }
                y.set(F32, yb, 1 / iscale);
            }
        }
    }

    @Override
    public void quantizeQ80(MemorySegment x, int ntok, int k, MemorySegment y) {
        KernelChecks.checkQuantizeQ80(x, ntok, k, y);
        int nb = k / QK8_0;
        for (int t = 0; t < ntok; t++) {
            for (int b = 0; b < nb; b++) {
                long xi = (long) t * k + (long) b * QK8_0;
                long yb = ((long) t * nb + b) * Q8_0_BLOCK_BYTES;
                float amax = 0;
                for (int j = 0; j < QK8_0; j++) {
                    amax = Math.max(amax, Math.abs(x.getAtIndex(F32, xi + j)));
                }
                float d = amax / 127;
                float id = d != 0 ? 1.0f / d : 0.0f;
                y.set(I16, yb, Float.floatToFloat16(d));
                for (int j = 0; j < QK8_0; j++) {
                    y.set(I8, yb + 2 + j, (byte) roundHalfAway(x.getAtIndex(F32, xi + j) * id));
                }
            }
        }
    }

    // ---- ternary and quantized matmuls ----

    @Override
    public void gemmI2S(MemorySegment w, int k, int row0, int row1, float wScale, MemorySegment act,
                        MemorySegment scales, MemorySegment sums, int ntok, MemorySegment out, int outStride) {
        KernelChecks.checkGemmI2S(w, k, row0, row1, wScale, act, scales, sums, ntok, out, outStride);
        long rowBytes = k / 4;
        for (int t = 0; t < ntok; t++) {
            long a = (long) t * k;
            for (int r = row0; r < row1; r++) {
                long wr = r * rowBytes;
                int dot = 0;
                for (int i = 0; i < k; i++) {
                    dot += i2sCode(w, wr, i) * act.get(I8, a + i);
                }
                out.setAtIndex(F32, (long) t * outStride + r,
                        i2sScale(dot, sums.getAtIndex(I32, t), scales.getAtIndex(F32, t), wScale));
            }
        }
    }

    /** The 2-bit code (0..3; 0/1/2 mean -1/0/+1) of weight i of the I2_S row starting at byte wr. */
    static int i2sCode(MemorySegment w, long wr, int i) {
        int group = i / QK_I2S, j = i % QK_I2S;
        int b = w.get(I8, wr + (long) group * I2S_GROUP_BYTES + (j % 32)) & 0xFF;
        return (b >> (6 - 2 * (j / 32))) & 3;
    }

    /** bitnet.cpp's epilogue: (float) dot - (float) sum, divided by the activation scale, times the weight scale. */
    static float i2sScale(int dot, int sum, float actScale, float wScale) {
        return ((float) dot - (float) sum) / actScale * wScale;
    }

    @Override
    public void gemmTQ20(MemorySegment w, int k, int row0, int row1, MemorySegment actQ8K, int ntok,
                         MemorySegment out, int outStride) {
        KernelChecks.checkGemmQ8K("gemmTQ20", KernelChecks.WeightFormat.TQ2_0, w, k, row0, row1, actQ8K, ntok,
                out, outStride);
        int nb = k / QK_K;
        for (int t = 0; t < ntok; t++) {
            for (int r = row0; r < row1; r++) {
                float sumf = 0;
                for (int b = 0; b < nb; b++) {
                    long x = ((long) r * nb + b) * TQ2_0_BLOCK_BYTES;
                    long y = ((long) t * nb + b) * Q8_K_BLOCK_BYTES;
                    int sumi = 0;
                    for (int i = 0; i < QK_K; i++) {
                        // weight i: half j = i/128, l = (i%128)/32, m = i%32 -> byte 32j+m, bits 2l..2l+1
                        int j = i / 128, l = (i % 128) / 32, m = i % 32;
                        int code = ((w.get(I8, x + 32L * j + m) & 0xFF) >> (2 * l)) & 3;
                        sumi += (code - 1) * y8(actQ8K, y, i);
                    }
                    float d = actQ8K.get(F32, y) * fp16(w, x + 64);
                    sumf += (float) sumi * d;
                }
                out.setAtIndex(F32, (long) t * outStride + r, sumf);
            }
        }
    }

    @Override
    public void gemmTQ10(MemorySegment w, int k, int row0, int row1, MemorySegment actQ8K, int ntok,
                         MemorySegment out, int outStride) {
        KernelChecks.checkGemmQ8K("gemmTQ10", KernelChecks.WeightFormat.TQ1_0, w, k, row0, row1, actQ8K, ntok,
                out, outStride);
        int nb = k / QK_K;
        for (int t = 0; t < ntok; t++) {
            for (int r = row0; r < row1; r++) {
                float sumf = 0;
                for (int b = 0; b < nb; b++) {
                    long x = ((long) r * nb + b) * TQ1_0_BLOCK_BYTES;
                    long y = ((long) t * nb + b) * Q8_K_BLOCK_BYTES;
                    int sum = 0;
                    // qs[0..32): 5 trits each, weight l*32 + m
                    for (int l = 0; l < 5; l++) {
                        for (int m = 0; m < 32; m++) {
                            sum += (trit(w.get(I8, x + m), l) - 1) * y8(actQ8K, y, l * 32 + m);
                        }
                    }
                    // qs[32..48): 5 trits each, weight 160 + l*16 + m
                    for (int l = 0; l < 5; l++) {
                        for (int m = 0; m < 16; m++) {
                            sum += (trit(w.get(I8, x + 32 + m), l) - 1) * y8(actQ8K, y, 160 + l * 16 + m);
                        }
                    }
                    // qh[0..4): 4 trits each, weight 240 + l*4 + j
                    for (int l = 0; l < 4; l++) {
                        for (int j = 0; j < 4; j++) {
                            sum += (trit(w.get(I8, x + 48 + j), l) - 1) * y8(actQ8K, y, 240 + l * 4 + j);
                        }
                    }
                    sumf += (float) sum * (fp16(w, x + 52) * actQ8K.get(F32, y));
                }
                out.setAtIndex(F32, (long) t * outStride + r, sumf);
            }
        }
    }

    /** Trit l of a byte storing ceil(v*256/243): the top two bits of (byte * 3^l mod 256) * 3. */
    static int trit(byte packed, int l) {
        int q = ((packed & 0xFF) * POW3[l]) & 0xFF;
        return (q * 3) >> 8;
    }

    private static final int[] POW3 = {1, 3, 9, 27, 81, 243};

    private static int y8(MemorySegment act, long block, int i) {
        return act.get(I8, block + Q8_K_QS_OFFSET + i);
    }

    @Override
    public void gemmQ80(MemorySegment w, int k, int row0, int row1, MemorySegment actQ80, int ntok,
                        MemorySegment out, int outStride) {
        KernelChecks.checkGemmQ80(w, k, row0, row1, actQ80, ntok, out, outStride);
        int nb = k / QK8_0;
        for (int t = 0; t < ntok; t++) {
            for (int r = row0; r < row1; r++) {
                float sumf = 0;
                for (int b = 0; b < nb; b++) {
                    long x = ((long) r * nb + b) * Q8_0_BLOCK_BYTES;
                    long y = ((long) t * nb + b) * Q8_0_BLOCK_BYTES;
                    int sumi = 0;
                    for (int j = 0; j < QK8_0; j++) {
                        sumi += w.get(I8, x + 2 + j) * actQ80.get(I8, y + 2 + j);
                    }
                    sumf += sumi * (fp16(w, x) * fp16(actQ80, y));
                }
                out.setAtIndex(F32, (long) t * outStride + r, sumf);
            }
        }
    }

    // ---- float weights ----

    @Override
    public void gemmF32(MemorySegment w, int k, int row0, int row1, MemorySegment x, int ntok,
                        MemorySegment out, int outStride) {
        KernelChecks.checkGemmFloat("gemmF32", KernelChecks.WeightFormat.F32, w, k, row0, row1, x, ntok, out, outStride);
        for (int t = 0; t < ntok; t++) {
            for (int r = row0; r < row1; r++) {
                float sum = 0;
                for (int i = 0; i < k; i++) {
                    sum += w.getAtIndex(F32, (long) r * k + i) * x.getAtIndex(F32, (long) t * k + i);
                }
                out.setAtIndex(F32, (long) t * outStride + r, sum);
            }
        }
    }

    @Override
    public void gemmF16(MemorySegment w, int k, int row0, int row1, MemorySegment x, int ntok,
                        MemorySegment out, int outStride) {
        KernelChecks.checkGemmFloat("gemmF16", KernelChecks.WeightFormat.F16, w, k, row0, row1, x, ntok, out, outStride);
        for (int t = 0; t < ntok; t++) {
            for (int r = row0; r < row1; r++) {
                float sum = 0;
                for (int i = 0; i < k; i++) {
                    sum += Float.float16ToFloat(w.getAtIndex(I16, (long) r * k + i)) * x.getAtIndex(F32, (long) t * k + i);
                }
                out.setAtIndex(F32, (long) t * outStride + r, sum);
            }
        }
    }

    @Override
    public void gemmBF16(MemorySegment w, int k, int row0, int row1, MemorySegment x, int ntok,
                         MemorySegment out, int outStride) {
        KernelChecks.checkGemmFloat("gemmBF16", KernelChecks.WeightFormat.BF16, w, k, row0, row1, x, ntok, out, outStride);
        for (int t = 0; t < ntok; t++) {
            for (int r = row0; r < row1; r++) {
                float sum = 0;
                for (int i = 0; i < k; i++) {
                    sum += bf16ToFloat(w.getAtIndex(I16, (long) r * k + i)) * x.getAtIndex(F32, (long) t * k + i);
                }
                out.setAtIndex(F32, (long) t * outStride + r, sum);
            }
        }
    }

    // ---- numeric helpers shared with the vector tier ----

    /** ggml's nearest_int: round half to even (valid for |v| < 2^22, always true after scaling to ±127). */
    static int nearestInt(float v) {
        return (int) Math.rint(v);
    }

    /** C roundf: half away from zero (in double, where |v| + 0.5 is exact). */
    static int roundHalfAway(float v) {
        double a = Math.floor(Math.abs((double) v) + 0.5);
        return (int) (v < 0 ? -a : a);
    }

    static float fp16(MemorySegment s, long offset) {
        return Float.float16ToFloat(s.get(I16, offset));
    }

    static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xFFFF) << 16);
    }
}
