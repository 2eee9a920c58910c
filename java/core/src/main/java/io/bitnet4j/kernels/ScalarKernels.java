package io.bitnet4j.kernels;

import static io.bitnet4j.kernels.KernelFormats.*;

import io.bitnet4j.tensor.Q2_0Codec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Plain-Java kernels: the oracle the Vector API and native tiers are tested against. Written to be
 * obviously right, one weight at a time, following the reference C code of bitnet.cpp
 * ({@code quantize_row_i8_s} and the I2_S matmul epilogue in its ggml.c) and llama.cpp
 * ({@code quantize_row_q8_K_ref}, {@code quantize_row_q8_0_ref}, the generic
 * {@code ggml_vec_dot_tq{1,2}_0_q8_K} and {@code ggml_vec_dot_q8_0_q8_0}; ggml's x86 {@code ggml_vec_dot_q1_0_q8_0}
 * and {@code ggml_vec_dot_q2_0_q8_0}).
 *
 * <p>Also the base of the Vector API tier: {@link VectorKernels} inherits every kernel from here and
 * overrides only those it makes faster (Jlama's idea), so a kernel added here works in both Java tiers.
 */
public sealed class ScalarKernels implements Kernels permits VectorKernels {
    static final ValueLayout.OfByte I8 = ValueLayout.JAVA_BYTE;
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private static final ScalarKernels INSTANCE = new ScalarKernels();

    public static ScalarKernels instance() {
        return INSTANCE;
    }

    /** For {@link #instance()} and the Vector API tier. */
    ScalarKernels() {}

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
        KernelChecks.checkQuantize("quantizeQ8K", ActivationFormat.Q8_K, x, ntok, k, y);
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
        KernelChecks.checkQuantize("quantizeQ80", ActivationFormat.Q8_0, x, ntok, k, y);
        int nb = k / QK8_0;
        for (int t = 0; t < ntok; t++) {
            for (int b = 0; b < nb; b++) {
                long xi = (long) t * k + (long) b * QK8_0;
                long yb = ((long) t * nb + b) * Q8_0_BLOCK_BYTES;
                float amax = 0;
                for (int j = 0; j < QK8_0; j++) {
                    amax = Math.max(amax, Math.abs(x.getAtIndex(F32, xi + j)));
                }
                // ggml-cpu's x86 quantize_row_q8_0, llama.cpp's activation quantizer: id = 127/amax, half to
                // even (llama-quantize's _ref, for weights, divides by d and rounds half away: TensorCodecs)
                float d = amax / 127;
                float id = amax != 0 ? 127f / amax : 0.0f;
                y.set(I16, yb, Float.floatToFloat16(d));
                for (int j = 0; j < QK8_0; j++) {
                    float v = (float) Math.rint(x.getAtIndex(F32, xi + j) * id);
                    y.set(I8, yb + 2 + j, (byte) (v != v ? 0 : Math.max(-128, Math.min(127, (int) v))));
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

    /**
     * bitnet.cpp's epilogue: (float) dot - (float) sum, divided by the activation scale, times the weight
     * scale. The grouping matters: it is the one that reproduces bitnet.cpp's matmul outputs bit for bit.
     */
    static float i2sScale(int dot, int sum, float actScale, float wScale) {
        return ((float) dot - (float) sum) / actScale * wScale;
    }

    @Override
    public void gemmTQ20(MemorySegment w, int k, int row0, int row1, MemorySegment actQ8K, int ntok,
                         MemorySegment out, int outStride, MatmulOrder order) {
        KernelChecks.checkGemm("gemmTQ20", MatmulFormat.TQ2_0, w, k, row0, row1, actQ8K, ntok,
                out, outStride);
        gemmTernaryQ8K(w, k, row0, row1, actQ8K, ntok, out, outStride, TQ2_0_BLOCK_BYTES, 64, ScalarKernels::tq20Code,
                order.fusedBlocks());
    }

    @Override
    public void gemmTQ10(MemorySegment w, int k, int row0, int row1, MemorySegment actQ8K, int ntok,
                         MemorySegment out, int outStride, MatmulOrder order) {
        KernelChecks.checkGemm("gemmTQ10", MatmulFormat.TQ1_0, w, k, row0, row1, actQ8K, ntok,
                out, outStride);
        gemmTernaryQ8K(w, k, row0, row1, actQ8K, ntok, out, outStride, TQ1_0_BLOCK_BYTES, 52, ScalarKernels::tq10Trit,
                order.fusedBlocks());
    }

    /** The stored code (0..2 for -1/0/+1) of weight i of the block at x. */
    @FunctionalInterface
    interface BlockCode {
        int code(MemorySegment w, long x, int i);
    }

    /** A TQ x Q8_K product, any ternary block format: exact lane integers, then llama.cpp's float order. */
    private static void gemmTernaryQ8K(MemorySegment w, int k, int row0, int row1, MemorySegment act, int ntok,
                                       MemorySegment out, int outStride, int blockBytes, int scaleOffset, BlockCode codes,
                                       boolean fused) {
        int nb = k / QK_K;
        float[] acc = new float[LANES];
        int[] lane = new int[LANES];
        for (int t = 0; t < ntok; t++) {
            for (int r = row0; r < row1; r++) {
                java.util.Arrays.fill(acc, 0f);
                for (int b = 0; b < nb; b++) {
                    long x = ((long) r * nb + b) * blockBytes;
                    long y = ((long) t * nb + b) * Q8_K_BLOCK_BYTES;
                    java.util.Arrays.fill(lane, 0);
                    for (int i = 0; i < QK_K; i++) {
                        lane[laneOf(i)] += codes.code(w, x, i) * y8(act, y, i);
                    }
                    accumulateBlock(acc, lane, act, y, act.get(F32, y) * fp16(w, x + scaleOffset), fused);
                }
                out.setAtIndex(F32, (long) t * outStride + r, hsum(acc));
            }
        }
    }

    /** TQ2_0 weight i: half j = i/128, l = (i%128)/32, m = i%32 -> byte 32j+m, bits 2l..2l+1. */
    static int tq20Code(MemorySegment w, long x, int i) {
        int j = i / 128, l = (i % 128) / 32, m = i % 32;
        return ((w.get(I8, x + 32L * j + m) & 0xFF) >> (2 * l)) & 3;
    }

    /** Trit l of a byte storing ceil(v*256/243): the top two bits of (byte * 3^l mod 256) * 3. */
    static int trit(byte packed, int l) {
        int q = ((packed & 0xFF) * POW3[l]) & 0xFF;
        return (q * 3) >> 8;
    }

    private static final int[] POW3 = {1, 3, 9, 27, 81, 243};

    /** Trit (0..2) of weight i of a TQ1_0 block at x. */
    static int tq10Trit(MemorySegment w, long x, int i) {
        if (i < 160) return trit(w.get(I8, x + i % 32), i / 32);
        if (i < 240) return trit(w.get(I8, x + 32 + (i - 160) % 16), (i - 160) / 16);
        return trit(w.get(I8, x + 48 + (i - 240) % 4), (i - 240) / 4);
    }

    /*
     * The float side of a TQ1_0/TQ2_0 x Q8_K dot product is summed the way llama.cpp's x86 kernels sum
     * it (ggml_vec_dot_tq{1,2}_0_q8_K, AVX2): eight int32 lanes per block, lane L holding the products
     * of the positions i with (i % 32) / 4 == L minus the activation sum of positions [32L, 32L + 32)
     * (the code-1 offset taken out through bsums); each lane converted to float, multiplied by the
     * block scale and added to its own float accumulator; the eight accumulators reduced at the end
     * as hsum_float_8 does. Integer results are exact either way; this fixes the float rounding, which
     * the reference logits depend on (see io.bitnet4j.graph.ReferenceNumerics).
     */
    static final int LANES = 8;

    static int laneOf(int i) {
        return (i % 32) / 4;
    }

    /**
     * lane[L] -= the Q8_K activation sum of [32L, 32L+32); then acc[L] = fma((float) lane[L], d, acc[L]), the
     * form gcc makes of ggml's _mm256_add_ps(_mm256_mul_ps(sumi, d), sumf) (llama.cpp as built on Linux), or,
     * not fused, (float) lane[L] * d + acc[L] as clang leaves it (bitnet.cpp).
     */
    static void accumulateBlock(float[] acc, int[] lane, MemorySegment act, long block, float d, boolean fused) {
        for (int l = 0; l < LANES; l++) {
            int bsum = act.get(I16, block + Q8_K_BSUMS_OFFSET + 4L * l) + act.get(I16, block + Q8_K_BSUMS_OFFSET + 4L * l + 2);
            acc[l] = fused ? Math.fma((float) (lane[l] - bsum), d, acc[l]) : (float) (lane[l] - bsum) * d + acc[l];
        }
    }

    /** hsum_float_8: (a0+a4) + (a2+a6) + ((a1+a5) + (a3+a7)) in that order. */
    static float hsum(float[] a) {
        float r0 = a[4] + a[0], r1 = a[5] + a[1], r2 = a[6] + a[2], r3 = a[7] + a[3];
        return (r0 + r2) + (r1 + r3);
    }

    private static int y8(MemorySegment act, long block, int i) {
        return act.get(I8, block + Q8_K_QS_OFFSET + i);
    }

    @Override
    public void gemmQ80(MemorySegment w, int k, int row0, int row1, MemorySegment actQ80, int ntok,
                        MemorySegment out, int outStride) {
        KernelChecks.checkGemm("gemmQ80", MatmulFormat.Q8_0, w, k, row0, row1, actQ80, ntok, out, outStride);
        int nb = k / QK8_0;
        for (int t = 0; t < ntok; t++) {
            for (int r = row0; r < row1; r++) {
                out.setAtIndex(F32, (long) t * outStride + r,
                        q80Dot(w, (long) r * nb * Q8_0_BLOCK_BYTES, actQ80, (long) t * nb * Q8_0_BLOCK_BYTES, nb));
            }
        }
    }

    /**
     * One Q8_0 row · one Q8_0 activation row in llama.cpp's x86 order (bitnet4j.h): per block eight int
     * lanes of four products, acc[L] = fma(d, lane, acc[L]), then hsum_float_8.
     */
    static float q80Dot(MemorySegment w, long x, MemorySegment act, long y, int nb) {
        float a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
        for (int b = 0; b < nb; b++, x += Q8_0_BLOCK_BYTES, y += Q8_0_BLOCK_BYTES) {
            float d = fp16(w, x) * fp16(act, y);
            a0 = Math.fma(d, q80Lane(w, x, act, y, 0), a0);
            a1 = Math.fma(d, q80Lane(w, x, act, y, 1), a1);
            a2 = Math.fma(d, q80Lane(w, x, act, y, 2), a2);
            a3 = Math.fma(d, q80Lane(w, x, act, y, 3), a3);
            a4 = Math.fma(d, q80Lane(w, x, act, y, 4), a4);
            a5 = Math.fma(d, q80Lane(w, x, act, y, 5), a5);
            a6 = Math.fma(d, q80Lane(w, x, act, y, 6), a6);
            a7 = Math.fma(d, q80Lane(w, x, act, y, 7), a7);
        }
        return ((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7));
    }

    /** Σ of the products at positions 4·lane .. 4·lane+3 of a block (exact, as float). */
    private static float q80Lane(MemorySegment w, long x, MemorySegment act, long y, int lane) {
        int sum = 0;
        for (int j = 4 * lane; j < 4 * lane + 4; j++) sum += w.get(I8, x + 2 + j) * act.get(I8, y + 2 + j);
        return sum;
    }

    @Override
    public void gemmQ10(MemorySegment w, int k, int row0, int row1, MemorySegment actQ80, int ntok,
                        MemorySegment out, int outStride) {
        KernelChecks.checkGemm("gemmQ10", MatmulFormat.Q1_0, w, k, row0, row1, actQ80, ntok, out, outStride);
        gemmQ80Blocks(w, k, row0, row1, actQ80, ntok, out, outStride, Q1_0_BLOCK, Q1_0_BLOCK_BYTES, ScalarKernels::q10Dot);
    }

    @Override
    public void gemmQ20(MemorySegment w, int k, int row0, int row1, MemorySegment actQ80, int ntok,
                        MemorySegment out, int outStride) {
        KernelChecks.checkGemm("gemmQ20", MatmulFormat.Q2_0, w, k, row0, row1, actQ80, ntok, out, outStride);
        gemmQ80Blocks(w, k, row0, row1, actQ80, ntok, out, outStride, Q2_0_BLOCK, Q2_0_BLOCK_BYTES, ScalarKernels::q20Dot);
    }

    /** One weight row (at byte x, nb blocks) · one Q8_0 activation row (at byte y). */
    @FunctionalInterface
    interface RowDot {
        float dot(MemorySegment w, long x, MemorySegment act, long y, int nb);
    }

    /** A gemm of weight blocks of qk values against Q8_0 activation rows: every (row, token) by its own dot. */
    private static void gemmQ80Blocks(MemorySegment w, int k, int row0, int row1, MemorySegment act, int ntok,
                                      MemorySegment out, int outStride, int qk, int blockBytes, RowDot dot) {
        int nb = k / qk;
        long actRow = (long) (k / QK8_0) * Q8_0_BLOCK_BYTES;
        for (int t = 0; t < ntok; t++) {
            for (int r = row0; r < row1; r++) {
                out.setAtIndex(F32, (long) t * outStride + r, dot.dot(w, (long) r * nb * blockBytes, act, t * actRow, nb));
            }
        }
    }

    /**
     * One Q1_0 row · Q8_0 activations in ggml's AVX2 order (bitnet4j.h): per block and Q8_0 sub-block K, eight
     * int lanes of four signed activations; accb = dy·lane for K = 0, fma(dy, lane, accb) after; acc =
     * fma(d, accb, acc); hsum_float_8.
     */
    static float q10Dot(MemorySegment w, long x, MemorySegment act, long y, int nb) {
        float[] acc = new float[LANES], accb = new float[LANES];
        for (int b = 0; b < nb; b++, x += Q1_0_BLOCK_BYTES) {
            for (int kk = 0; kk < 4; kk++, y += Q8_0_BLOCK_BYTES) {
                float dy = fp16(act, y);
                for (int l = 0; l < LANES; l++) {
                    int lane = 0;
                    for (int j = 4 * l; j < 4 * l + 4; j++) {
                        byte v = act.get(I8, y + 2 + j);
                        boolean set = (w.get(I8, x + 2 + 4 * kk + j / 8) >> (j % 8) & 1) != 0;
                        lane += set ? v : (byte) -v; // the int8 negation: -(-128) stays -128
                    }
                    accb[l] = kk == 0 ? dy * lane : Math.fma(dy, (float) lane, accb[l]);
                }
            }
            float d = fp16(w, x);
            for (int l = 0; l < LANES; l++) acc[l] = Math.fma(d, accb[l], acc[l]);
        }
        return hsum(acc);
    }

    /** One Q2_0 row · Q8_0 activations as ggml's generic C on x86 (bitnet4j.h): float multiplies and adds, no fma. */
    static float q20Dot(MemorySegment w, long x, MemorySegment act, long y, int nb) {
        float sumf = 0f;
        for (int b = 0; b < nb; b++, x += Q2_0_BLOCK_BYTES) {
            float sumi = 0f;
            for (int h = 0; h < 2; h++, y += Q8_0_BLOCK_BYTES) {
                int s = 0;
                for (int j = 0; j < QK8_0; j++) s += (Q2_0Codec.code(w, x, 32 * h + j) - 1) * act.get(I8, y + 2 + j);
                sumi += fp16(act, y) * (float) s;
            }
            sumf += fp16(w, x) * sumi;
        }
        return sumf;
    }

    // ---- float weights ----

    @Override
    public void gemmF32(MemorySegment w, int k, int row0, int row1, MemorySegment x, int ntok,
                        MemorySegment out, int outStride, MatmulOrder order) {
        KernelChecks.checkGemm("gemmF32", MatmulFormat.F32, w, k, row0, row1, x, ntok, out, outStride);
        floatGemm(w, false, k, row0, row1, x, ntok, out, outStride, order.floatDot().forLength(k));
    }

    @Override
    public void gemmF16(MemorySegment w, int k, int row0, int row1, MemorySegment x, int ntok,
                        MemorySegment out, int outStride, MatmulOrder order) {
        KernelChecks.checkGemm("gemmF16", MatmulFormat.F16, w, k, row0, row1, x, ntok, out, outStride);
        floatGemm(w, true, k, row0, row1, x, ntok, out, outStride, order.floatDot().forLength(k));
    }

    /**
     * Each (row, token) sum in the order of {@code dot}: slot i % slots an fma chain over the full chunks, the
     * slots reduced as ggml's kernel reduces them, then a vec_dot tail term by term — f16 weights as
     * {@code ggml_vec_dot_f16} (float products added in double), f32 as {@code ggml_vec_dot_f32} (float fma).
     */
    private static void floatGemm(MemorySegment w, boolean f16, int k, int row0, int row1, MemorySegment x, int ntok,
                                  MemorySegment out, int outStride, GgmlDot dot) {
        float[] slots = GgmlDot.SLOTS.get();
        int n = dot.slots(), full = dot.hasTail() ? k & -n : k;
        for (int t = 0; t < ntok; t++) {
            long xt = (long) t * k;
            for (int r = row0; r < row1; r++) {
                long wr = (long) r * k;
                java.util.Arrays.fill(slots, 0, n, 0f);
                for (int i = 0; i < full; i++) {
                    slots[i % n] = Math.fma(weight(w, f16, wr + i), x.getAtIndex(F32, xt + i), slots[i % n]);
                }
                out.setAtIndex(F32, (long) t * outStride + r, orderedTail(dot.reduce(slots), w, f16, wr, x, xt, full, k));
            }
        }
    }

    /**
     * A vec_dot's terms past its last full chunk (full..k), added to the reduced sum one by one: f16 weights as
     * {@code ggml_vec_dot_f16} does (float products added in double), f32 as {@code ggml_vec_dot_f32} (a float fma
     * each). Nothing to add for tinyBLAS (full == k).
     */
    static float orderedTail(float sum, MemorySegment w, boolean f16, long wr, MemorySegment x, long xt, int full, int k) {
        if (f16) {
            double d = sum;
            for (int i = full; i < k; i++) d += weight(w, true, wr + i) * x.getAtIndex(F32, xt + i);
            return (float) d;
        }
        for (int i = full; i < k; i++) sum = Math.fma(weight(w, false, wr + i), x.getAtIndex(F32, xt + i), sum);
        return sum;
    }

    private static float weight(MemorySegment w, boolean f16, long i) {
        return f16 ? Float.float16ToFloat(w.getAtIndex(I16, i)) : w.getAtIndex(F32, i);
    }

    @Override
    public void gemmBF16(MemorySegment w, int k, int row0, int row1, MemorySegment x, int ntok,
                         MemorySegment out, int outStride) {
        KernelChecks.checkGemm("gemmBF16", MatmulFormat.BF16, w, k, row0, row1, x, ntok, out, outStride);
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

    @Override
    public void attention(AttentionShape shape, MemorySegment q, MemorySegment k, MemorySegment v, int pos0, int row0,
                          int row1, AttentionOrder order, MemorySegment scratch, MemorySegment out) {
        KernelChecks.checkAttention(shape, q, k, v, pos0, row0, row1, scratch, out);
        JavaAttention.run(shape, q, k, v, pos0, row0, row1, order, scratch, out);
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
