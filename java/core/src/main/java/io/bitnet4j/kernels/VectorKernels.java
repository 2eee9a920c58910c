package io.bitnet4j.kernels;

import static io.bitnet4j.kernels.KernelFormats.*;
import static io.bitnet4j.kernels.ScalarKernels.F32;
import static io.bitnet4j.kernels.ScalarKernels.I16;
import static io.bitnet4j.kernels.ScalarKernels.I32;
import static io.bitnet4j.kernels.ScalarKernels.I8;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The kernels with the incubating Vector API: the fallback wherever no native library fits.
 *
 * <p>Integer paths (I2_S, TQ2_0, TQ1_0, Q8_0, the quantizers) give exactly the scalar results: the
 * ternary products are summed in 16-bit lanes (flushed to 32-bit before they could overflow) and each
 * block's float epilogue runs in the scalar order. Float gemms (F32/F16/BF16) use lane-parallel FMA
 * sums, so they match the scalar tier only to rounding.
 *
 * <p>Speed: ternary codes are widened to 16-bit lanes and multiplied with the widened activations;
 * four rows share each activation load (GEMV), and for several tokens (GEMM) rows are walked in blocks
 * small enough to stay in L1 while every token passes over them.
 */
public final class VectorKernels implements Kernels {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

    /** 16-bit lanes for the integer kernels, at most 512 bits (32 lanes, so they divide a 32-byte run). */
    /**
     * Widest vectors to use: the platform's preferred size, at most 512 bits, lowered with
     * {@code -Dbitnet4j.vector.bits=128|256} (tests use it to cover the narrower lane counts of NEON/AVX2).
     */
    private static final int MAX_BITS = Math.min(512, Math.min(ShortVector.SPECIES_PREFERRED.vectorBitSize(),
            Integer.getInteger("bitnet4j.vector.bits", 512)));

    private static final VectorSpecies<Short> SS = VectorSpecies.of(short.class, VectorShape.forBitSize(MAX_BITS));
    private static final int L = SS.length();
    /** Bytes with as many lanes as SS (half its width). */
    private static final VectorSpecies<Byte> BS = speciesOrNull(byte.class, SS.vectorBitSize() / 2);
    /** Ints of SS's width (L/2 lanes), for flushing the 16-bit sums. */
    private static final VectorSpecies<Integer> IS = IntVector.SPECIES_PREFERRED.vectorBitSize() >= SS.vectorBitSize()
            ? VectorSpecies.of(int.class, VectorShape.forBitSize(SS.vectorBitSize())) : null;
    /** TQ1_0's second part is 16 bytes wide: at most 16 lanes there. */
    private static final VectorSpecies<Short> SS16 = L > 16 ? ShortVector.SPECIES_256 : SS;
    private static final VectorSpecies<Byte> BS16 = L > 16 ? ByteVector.SPECIES_128 : BS;
    private static final int L16 = SS16.length();
    private static final VectorSpecies<Integer> IS16 = L > 16 ? IntVector.SPECIES_256 : IS;

    /** Floats for the float kernels and the I8 quantizer. */
    private static final VectorSpecies<Float> FS = VectorSpecies.of(float.class, VectorShape.forBitSize(MAX_BITS));
    private static final int FL = FS.length();
    private static final VectorSpecies<Integer> FIS = VectorSpecies.of(int.class, VectorShape.forBitSize(FS.vectorBitSize()));
    /** Shorts (f16/bf16 weights) with FL lanes. */
    private static final VectorSpecies<Short> HS = speciesOrNull(short.class, FS.vectorBitSize() / 2);
    /** Bytes with FL lanes (the I8 quantizer's stores). */
    private static final VectorSpecies<Byte> QBS = speciesOrNull(byte.class, Math.max(64, FS.vectorBitSize() / 4));
    /** With 128-bit floats the 4 quantized bytes fill half of the narrowest (64-bit) byte vector: store masked. */
    private static final boolean QMASKED = QBS != null && QBS.length() > FL;

    /** Groups of 128 I2_S weights summed in 16-bit lanes before a flush: at most 64 products of |code*q| <= 384. */
    private static final int I2S_FLUSH = 16 * L / 32;

    private static final VectorKernels INSTANCE = supported() ? new VectorKernels() : null;

    private static <E> VectorSpecies<E> speciesOrNull(Class<E> type, int bits) {
        if (bits < 64) {
            return null;
        }
        return VectorSpecies.of(type, VectorShape.forBitSize(bits));
    }

    /** Whether the Vector API has wide enough vectors here (128 bits or more) for these kernels. */
    public static boolean supported() {
        return SS.vectorBitSize() >= 128 && FS.vectorBitSize() >= 128 && BS != null && IS != null
                && HS != null && QBS != null && 32 % L == 0;
    }

    /** The shared instance; throws IllegalStateException if {@link #supported()} is false. */
    public static VectorKernels instance() {
        if (INSTANCE == null) {
            throw new IllegalStateException("Vector API vectors too narrow here (" + SS.vectorBitSize() + " bits)");
        }
        return INSTANCE;
    }

    private VectorKernels() {}

    /** Bits of the vectors in use, e.g. 512. */
    public static int vectorBits() {
        return Math.max(SS.vectorBitSize(), FS.vectorBitSize());
    }

    @Override
    public KernelTier tier() {
        return KernelTier.VECTOR;
    }

    @Override
    public String description() {
        return "vector API " + vectorBits() + "-bit";
    }

    // ---------------------------------------------------------------- quantization

    @Override
    public void quantizeI8(MemorySegment x, int ntok, int k, MemorySegment q, MemorySegment scales, MemorySegment sums) {
        KernelChecks.checkQuantizeI8(x, ntok, k, q, scales, sums);
        int kv = k - k % FL;
        for (int t = 0; t < ntok; t++) {
            long base = (long) t * k;
            FloatVector m = FloatVector.zero(FS);
            for (int i = 0; i < kv; i += FL) {
                m = m.max(FloatVector.fromMemorySegment(FS, x, (base + i) * 4, LE).abs());
            }
            float amax = m.reduceLanes(VectorOperators.MAX);
            for (int i = kv; i < k; i++) {
                amax = Math.max(amax, Math.abs(x.getAtIndex(F32, base + i)));
            }
            float s = (float) (127 / Math.max(0.00001, (double) amax));
            IntVector sumv = IntVector.zero(FIS);
            for (int i = 0; i < kv; i += FL) {
                FloatVector v = FloatVector.fromMemorySegment(FS, x, (base + i) * 4, LE).mul(s);
                // (v + 1.5*2^23) - 1.5*2^23 rounds half to even exactly like ggml's nearest_int (|v| < 2^22)
                v = v.add(12582912f).sub(12582912f);
                IntVector iv = ((IntVector) v.convertShape(VectorOperators.F2I, FIS, 0)).max(-128).min(127);
                sumv = sumv.add(iv);
                ByteVector qb = iv.convertShape(VectorOperators.I2B, QBS, 0).reinterpretAsBytes();
                if (QMASKED) {
                    qb.intoMemorySegment(q, base + i, LE, QBS.indexInRange(0, FL));
                } else {
                    qb.intoMemorySegment(q, base + i, LE);
                }
            }
            int sum = sumv.reduceLanes(VectorOperators.ADD);
            for (int i = kv; i < k; i++) {
                int v = Math.clamp(ScalarKernels.nearestInt(x.getAtIndex(F32, base + i) * s), -128, 127);
                sum += v;
                q.set(I8, base + i, (byte) v);
            }
            scales.setAtIndex(F32, t, s);
            sums.setAtIndex(I32, t, sum);
        }
    }

    /** O(k) per token and run once per matmul input, so the scalar reference code is used as is. */
    @Override
    public void quantizeQ8K(MemorySegment x, int ntok, int k, MemorySegment y) {
        ScalarKernels.instance().quantizeQ8K(x, ntok, k, y);
    }

    /** O(k) per token, as {@link #quantizeQ8K}. */
    @Override
    public void quantizeQ80(MemorySegment x, int ntok, int k, MemorySegment y) {
        ScalarKernels.instance().quantizeQ80(x, ntok, k, y);
    }

    // ---------------------------------------------------------------- helpers

    /** L bytes at off, sign-extended to 16-bit lanes. */
    private static ShortVector b2s(MemorySegment s, long off) {
        return (ShortVector) ByteVector.fromMemorySegment(BS, s, off, LE).convertShape(VectorOperators.B2S, SS, 0);
    }

    /** L bytes at off, zero-extended to 16-bit lanes (packed weights: the top field needs no mask). */
    private static ShortVector u2s(MemorySegment s, long off) {
        return (ShortVector) ByteVector.fromMemorySegment(BS, s, off, LE).convertShape(VectorOperators.ZERO_EXTEND_B2S, SS, 0);
    }

    private static ShortVector b2s16(MemorySegment s, long off) {
        return (ShortVector) ByteVector.fromMemorySegment(BS16, s, off, LE).convertShape(VectorOperators.B2S, SS16, 0);
    }

    private static IntVector widen(ShortVector v) {
        IntVector a = (IntVector) v.convertShape(VectorOperators.S2I, IS, 0);
        IntVector b = (IntVector) v.convertShape(VectorOperators.S2I, IS, 1);
        return a.add(b);
    }

    /** Rows per block for multi-token gemms: about 16 KiB of weights, a multiple of 4. */
    private static int rowBlock(long rowBytes) {
        long rows = (16384 / Math.max(1, rowBytes)) & ~3L;
        return (int) Math.max(4, Math.min(256, rows));
    }

    // ---------------------------------------------------------------- I2_S

    @Override
    public void gemmI2S(MemorySegment w, int k, int row0, int row1, float wScale, MemorySegment act,
                        MemorySegment scales, MemorySegment sums, int ntok, MemorySegment out, int outStride) {
        KernelChecks.checkGemmI2S(w, k, row0, row1, wScale, act, scales, sums, ntok, out, outStride);
        long rowBytes = k / 4;
        int block = ntok == 1 ? Math.max(1, row1 - row0) : rowBlock(rowBytes);
        for (int b0 = row0; b0 < row1; b0 += block) {
            int b1 = Math.min(row1, b0 + block);
            for (int t = 0; t < ntok; t++) {
                long a = (long) t * k;
                float scale = scales.getAtIndex(F32, t);
                int sum = sums.getAtIndex(I32, t);
                long o = (long) t * outStride;
                int r = b0;
                for (; r + 2 <= b1; r += 2) {
                    i2sRows2(w, r * rowBytes, rowBytes, k, act, a, scale, sum, wScale, out, o + r);
                }
                for (; r < b1; r++) {
                    int dot = i2sDot(w, r * rowBytes, k, act, a);
                    out.setAtIndex(F32, o + r, ScalarKernels.i2sScale(dot, sum, scale, wScale));
                }
            }
        }
    }

    private static int i2sDot(MemorySegment w, long wr, int k, MemorySegment act, long a) {
        int groups = k / QK_I2S;
        IntVector total = IntVector.zero(IS);
        for (int g0 = 0; g0 < groups; g0 += I2S_FLUSH) {
            int g1 = Math.min(groups, g0 + I2S_FLUSH);
            ShortVector acc = ShortVector.zero(SS);
            for (int g = g0; g < g1; g++) {
                long wo = wr + (long) g * I2S_GROUP_BYTES, ao = a + (long) g * QK_I2S;
                for (int c = 0; c < 32; c += L) {
                    ShortVector v = u2s(w, wo + c);
                    acc = acc.add(v.lanewise(VectorOperators.LSHR, 6).mul(b2s(act, ao + c)))
                            .add(v.lanewise(VectorOperators.ASHR, 4).and((short) 3).mul(b2s(act, ao + 32 + c)))
                            .add(v.lanewise(VectorOperators.ASHR, 2).and((short) 3).mul(b2s(act, ao + 64 + c)))
                            .add(v.and((short) 3).mul(b2s(act, ao + 96 + c)));
                }
            }
            total = total.add(widen(acc));
        }
        return total.reduceLanes(VectorOperators.ADD);
    }

    /**
     * Two consecutive rows sharing each activation load. (Two, not four: a bigger body exceeds C2's
     * inlining node budget, and any Vector API call left out-of-line boxes its vectors.)
     */
    private static void i2sRows2(MemorySegment w, long wr, long rowBytes, int k, MemorySegment act, long a,
                                 float scale, int sum, float wScale, MemorySegment out, long oi) {
        int groups = k / QK_I2S;
        IntVector t0 = IntVector.zero(IS), t1 = t0;
        long w1 = wr + rowBytes;
        for (int g0 = 0; g0 < groups; g0 += I2S_FLUSH) {
            int g1 = Math.min(groups, g0 + I2S_FLUSH);
            ShortVector s0 = ShortVector.zero(SS), s1 = s0;
            for (int g = g0; g < g1; g++) {
                long wo = (long) g * I2S_GROUP_BYTES, ao = a + (long) g * QK_I2S;
                for (int c = 0; c < 32; c += L) {
                    ShortVector x0 = b2s(act, ao + c), x1 = b2s(act, ao + 32 + c);
                    ShortVector x2 = b2s(act, ao + 64 + c), x3 = b2s(act, ao + 96 + c);
                    ShortVector v = u2s(w, wr + wo + c);
                    s0 = s0.add(v.lanewise(VectorOperators.LSHR, 6).mul(x0))
                            .add(v.lanewise(VectorOperators.ASHR, 4).and((short) 3).mul(x1))
                            .add(v.lanewise(VectorOperators.ASHR, 2).and((short) 3).mul(x2))
                            .add(v.and((short) 3).mul(x3));
                    v = u2s(w, w1 + wo + c);
                    s1 = s1.add(v.lanewise(VectorOperators.LSHR, 6).mul(x0))
                            .add(v.lanewise(VectorOperators.ASHR, 4).and((short) 3).mul(x1))
                            .add(v.lanewise(VectorOperators.ASHR, 2).and((short) 3).mul(x2))
                            .add(v.and((short) 3).mul(x3));
                }
            }
            t0 = t0.add(widen(s0));
            t1 = t1.add(widen(s1));
        }
        out.setAtIndex(F32, oi, ScalarKernels.i2sScale(t0.reduceLanes(VectorOperators.ADD), sum, scale, wScale));
        out.setAtIndex(F32, oi + 1, ScalarKernels.i2sScale(t1.reduceLanes(VectorOperators.ADD), sum, scale, wScale));
    }

    // ---------------------------------------------------------------- TQ2_0

    @Override
    public void gemmTQ20(MemorySegment w, int k, int row0, int row1, MemorySegment actQ8K, int ntok,
                         MemorySegment out, int outStride) {
        KernelChecks.checkGemmQ8K("gemmTQ20", KernelChecks.WeightFormat.TQ2_0, w, k, row0, row1, actQ8K, ntok,
                out, outStride);
        int nb = k / QK_K;
        long rowBytes = (long) nb * TQ2_0_BLOCK_BYTES, actRow = (long) nb * Q8_K_BLOCK_BYTES;
        int block = ntok == 1 ? Math.max(1, row1 - row0) : rowBlock(rowBytes);
        int[] lanes = new int[ScalarKernels.LANES];      // once per call, reused by every row
        float[] acc = new float[ScalarKernels.LANES];
        for (int b0 = row0; b0 < row1; b0 += block) {
            int b1 = Math.min(row1, b0 + block);
            for (int t = 0; t < ntok; t++) {
                long y = t * actRow, o = (long) t * outStride;
                for (int r = b0; r < b1; r++) {
                    out.setAtIndex(F32, o + r, tq2Row(w, r * rowBytes, nb, actQ8K, y, lanes, acc));
                }
            }
        }
    }

    /** Masks of the four consecutive 16-bit lanes that form one of llama.cpp's int32 sum lanes. */
    private static final VectorMask<Short>[] GROUP = groupMasks(SS);
    private static final VectorMask<Short>[] GROUP16 = groupMasks(SS16);

    @SuppressWarnings("unchecked")
    private static VectorMask<Short>[] groupMasks(VectorSpecies<Short> sp) {
        VectorMask<Short>[] m = new VectorMask[sp.length() / 4];
        for (int g = 0; g < m.length; g++) {
            boolean[] bits = new boolean[sp.length()];
            for (int i = 4 * g; i < 4 * g + 4; i++) bits[i] = true;
            m[g] = VectorMask.fromArray(sp, bits, 0);
        }
        return m;
    }

    /**
     * One row: the 8-lane integer sums and float accumulation of llama.cpp's AVX2 kernel, exactly as
     * {@link ScalarKernels#accumulateBlock} defines them (position m of each 32-byte chunk feeds lane m/4).
     */
    private static float tq2Row(MemorySegment w, long x, int nb, MemorySegment act, long y, int[] lanes, float[] acc) {
        java.util.Arrays.fill(acc, 0f);
        for (int b = 0; b < nb; b++, x += TQ2_0_BLOCK_BYTES, y += Q8_K_BLOCK_BYTES) {
            for (int c = 0; c < 32; c += L) {
                ShortVector s = ShortVector.zero(SS);
                for (int j = 0; j < 2; j++) {
                    long ao = y + Q8_K_QS_OFFSET + 128L * j + c;
                    ShortVector x0 = b2s(act, ao), x1 = b2s(act, ao + 32), x2 = b2s(act, ao + 64), x3 = b2s(act, ao + 96);
                    ShortVector v = u2s(w, x + 32L * j + c);
                    s = s.add(v.and((short) 3).mul(x0))
                            .add(v.lanewise(VectorOperators.LSHR, 2).and((short) 3).mul(x1))
                            .add(v.lanewise(VectorOperators.LSHR, 4).and((short) 3).mul(x2))
                            .add(v.lanewise(VectorOperators.LSHR, 6).mul(x3));
                }
                for (int g = 0; g < GROUP.length; g++) {
                    lanes[c / 4 + g] = s.reduceLanes(VectorOperators.ADD, GROUP[g]);
                }
            }
            ScalarKernels.accumulateBlock(acc, lanes, act, y, act.get(F32, y) * ScalarKernels.fp16(w, x + 64));
        }
        return ScalarKernels.hsum(acc);
    }

    // ---------------------------------------------------------------- TQ1_0

    @Override
    public void gemmTQ10(MemorySegment w, int k, int row0, int row1, MemorySegment actQ8K, int ntok,
                         MemorySegment out, int outStride) {
        KernelChecks.checkGemmQ8K("gemmTQ10", KernelChecks.WeightFormat.TQ1_0, w, k, row0, row1, actQ8K, ntok,
                out, outStride);
        int nb = k / QK_K;
        long rowBytes = (long) nb * TQ1_0_BLOCK_BYTES, actRow = (long) nb * Q8_K_BLOCK_BYTES;
        int block = ntok == 1 ? Math.max(1, row1 - row0) : rowBlock(rowBytes);
        int[] lanes = new int[ScalarKernels.LANES];
        float[] acc = new float[ScalarKernels.LANES];
        for (int b0 = row0; b0 < row1; b0 += block) {
            int b1 = Math.min(row1, b0 + block);
            for (int t = 0; t < ntok; t++) {
                for (int r = b0; r < b1; r++) {
                    out.setAtIndex(F32, (long) t * outStride + r, tq1Row(w, r * rowBytes, nb, actQ8K, t * actRow, lanes, acc));
                }
            }
        }
    }

    /** Trit l of each lane (bytes widened to 16 bits): ((byte * 3^l) mod 256) * 3 >> 8. */
    private static ShortVector trits(ShortVector bytes, int pow3) {
        return bytes.mul((short) pow3).and((short) 0xFF).mul((short) 3).lanewise(VectorOperators.LSHR, 8);
    }

    /**
     * One TQ1_0 row. Positions p feed lane (p % 32) / 4: the first 160 weights (32l + m) by m, the next 80
     * (160 + 16l + m) by 16·(l % 2) + m, the last 16 (240 + 4l + j) lane 4 + l. Two 16-lane accumulators
     * hold chunk positions 0..15 and 16..31 (for 16-lane vectors; one 32-lane pass otherwise).
     */
    private static float tq1Row(MemorySegment w, long x, int nb, MemorySegment act, long y, int[] lanes, float[] acc) {
        java.util.Arrays.fill(acc, 0f);
        for (int b = 0; b < nb; b++, x += TQ1_0_BLOCK_BYTES, y += Q8_K_BLOCK_BYTES) {
            long qs = y + Q8_K_QS_OFFSET;
            java.util.Arrays.fill(lanes, 0);
            for (int c = 0; c < 32; c += L16) {          // qs[0..32): weight l*32 + m, m = c + lane
                ShortVector v = b2s16(w, x + c).and((short) 0xFF);
                ShortVector s = ShortVector.zero(SS16);
                for (int l = 0, p = 1; l < 5; l++, p *= 3) {
                    s = s.add(trits(v, p).mul(b2s16(act, qs + 32L * l + c)));
                }
                addGroups(s, c, lanes);
            }
            for (int c = 0; c < 16; c += L16) {          // qs[32..48): weight 160 + l*16 + m
                ShortVector v = b2s16(w, x + 32 + c).and((short) 0xFF);
                ShortVector even = ShortVector.zero(SS16), odd = even;
                for (int l = 0, p = 1; l < 5; l++, p *= 3) {
                    ShortVector prod = trits(v, p).mul(b2s16(act, qs + 160 + 16L * l + c));
                    if ((l & 1) == 0) even = even.add(prod); else odd = odd.add(prod);
                }
                addGroups(even, c, lanes);
                addGroups(odd, 16 + c, lanes);
            }
            for (int l = 0; l < 4; l++) {                // qh[0..4): weight 240 + l*4 + j -> lane 4 + l
                for (int j = 0; j < 4; j++) {
                    lanes[4 + l] += ScalarKernels.trit(w.get(I8, x + 48 + j), l) * act.get(I8, qs + 240 + l * 4 + j);
                }
            }
            ScalarKernels.accumulateBlock(acc, lanes, act, y, act.get(F32, y) * ScalarKernels.fp16(w, x + 52));
        }
        return ScalarKernels.hsum(acc);
    }

    /** lanes[(base + i) / 4] += s[i] for the vector's lanes (base = the chunk position of lane 0). */
    private static void addGroups(ShortVector s, int base, int[] lanes) {
        int used = Math.min(L16, 32 - base);
        for (int g = 0; g < used / 4; g++) {
            lanes[base / 4 + g] += s.reduceLanes(VectorOperators.ADD, GROUP16[g]);
        }
    }

    // ---------------------------------------------------------------- Q8_0

    @Override
    public void gemmQ80(MemorySegment w, int k, int row0, int row1, MemorySegment actQ80, int ntok,
                        MemorySegment out, int outStride) {
        KernelChecks.checkGemmQ80(w, k, row0, row1, actQ80, ntok, out, outStride);
        int nb = k / QK8_0;
        long rowBytes = (long) nb * Q8_0_BLOCK_BYTES;
        int block = ntok == 1 ? Math.max(1, row1 - row0) : rowBlock(rowBytes);
        for (int b0 = row0; b0 < row1; b0 += block) {
            int b1 = Math.min(row1, b0 + block);
            for (int t = 0; t < ntok; t++) {
                for (int r = b0; r < b1; r++) {
                    out.setAtIndex(F32, (long) t * outStride + r, q80Row(w, r * rowBytes, nb, actQ80, t * rowBytes));
                }
            }
        }
    }

    /** llama.cpp's x86 Q8_0 order is a chain of eight scalar lanes per block: the scalar code is the fastest exact form. */
    private static float q80Row(MemorySegment w, long x, int nb, MemorySegment act, long y) {
        return ScalarKernels.q80Dot(w, x, act, y, nb);
    }

    // ---------------------------------------------------------------- float weights

    @Override
    public void gemmF32(MemorySegment w, int k, int row0, int row1, MemorySegment x, int ntok,
                        MemorySegment out, int outStride) {
        KernelChecks.checkGemmFloat("gemmF32", KernelChecks.WeightFormat.F32, w, k, row0, row1, x, ntok, out, outStride);
        floatGemm(FloatFormat.F32, w, k, row0, row1, x, ntok, out, outStride);
    }

    @Override
    public void gemmF16(MemorySegment w, int k, int row0, int row1, MemorySegment x, int ntok,
                        MemorySegment out, int outStride) {
        KernelChecks.checkGemmFloat("gemmF16", KernelChecks.WeightFormat.F16, w, k, row0, row1, x, ntok, out, outStride);
        floatGemm(FloatFormat.F16, w, k, row0, row1, x, ntok, out, outStride);
    }

    @Override
    public void gemmBF16(MemorySegment w, int k, int row0, int row1, MemorySegment x, int ntok,
                         MemorySegment out, int outStride) {
        KernelChecks.checkGemmFloat("gemmBF16", KernelChecks.WeightFormat.BF16, w, k, row0, row1, x, ntok, out, outStride);
        floatGemm(FloatFormat.BF16, w, k, row0, row1, x, ntok, out, outStride);
    }

    /** The shared Java attention: its exact double-lane sums leave little for 512-bit float lanes to win. */
    @Override
    public void attention(AttentionShape shape, MemorySegment q, MemorySegment k, MemorySegment v, int pos0, int row0,
                          int row1, boolean roundWeights, MemorySegment scratch, MemorySegment out) {
        KernelChecks.checkAttention(shape, q, k, v, pos0, row0, row1, scratch, out);
        JavaAttention.run(shape, q, k, v, pos0, row0, row1, roundWeights, scratch, out);
    }

    private enum FloatFormat { F32, F16, BF16 }

    private static void floatGemm(FloatFormat f, MemorySegment w, int k, int row0, int row1, MemorySegment x, int ntok,
                                  MemorySegment out, int outStride) {
        long rowBytes = (long) k * (f == FloatFormat.F32 ? 4 : 2);
        int block = ntok == 1 ? Math.max(1, row1 - row0) : rowBlock(rowBytes);
        for (int b0 = row0; b0 < row1; b0 += block) {
            int b1 = Math.min(row1, b0 + block);
            for (int t = 0; t < ntok; t++) {
                long xo = (long) t * k, o = (long) t * outStride;
                int r = b0;
                for (; r + 2 <= b1; r += 2) {
                    floatRows2(f, w, r, k, x, xo, out, o + r);
                }
                for (; r < b1; r++) {
                    out.setAtIndex(F32, o + r, floatRow(f, w, r, k, x, xo));
                }
            }
        }
    }

    /** FL weights of row r starting at column i, as floats. */
    private static FloatVector loadW(FloatFormat f, MemorySegment w, long index) {
        return switch (f) {
            case F32 -> FloatVector.fromMemorySegment(FS, w, index * 4, LE);
            case F16 -> f16ToF32(ShortVector.fromMemorySegment(HS, w, index * 2, LE));
            case BF16 -> ((IntVector) ShortVector.fromMemorySegment(HS, w, index * 2, LE)
                    .convertShape(VectorOperators.S2I, FIS, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
        };
    }

    private static float loadW1(FloatFormat f, MemorySegment w, long index) {
        return switch (f) {
            case F32 -> w.getAtIndex(F32, index);
            case F16 -> Float.float16ToFloat(w.getAtIndex(I16, index));
            case BF16 -> ScalarKernels.bf16ToFloat(w.getAtIndex(I16, index));
        };
    }

    /**
     * IEEE half to float without float arithmetic on subnormal inputs: normals by rebiasing the exponent
     * in integer lanes, subnormals as (int mantissa) * 2^-24, infinities and NaNs by a second rebias.
     */
    private static FloatVector f16ToF32(ShortVector h16) {
        IntVector h = (IntVector) h16.convertShape(VectorOperators.S2I, FIS, 0);
        IntVector em = h.and(0x7FFF);
        IntVector normal = em.lanewise(VectorOperators.LSHL, 13).add(112 << 23);
        IntVector bits = normal.blend(normal.add(112 << 23), em.compare(VectorOperators.GE, 0x7C00));
        VectorMask<Integer> sub = em.compare(VectorOperators.LT, 0x400);
        IntVector subBits = ((FloatVector) em.convertShape(VectorOperators.I2F, FS, 0)).mul(0x1p-24f).reinterpretAsInts();
        bits = bits.blend(subBits, sub);
        return bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats();
    }

    private static float floatRow(FloatFormat f, MemorySegment w, int r, int k, MemorySegment x, long xo) {
        int kv = k - k % FL;
        long wi = (long) r * k;
        FloatVector acc = FloatVector.zero(FS);
        for (int i = 0; i < kv; i += FL) {
            acc = loadW(f, w, wi + i).fma(FloatVector.fromMemorySegment(FS, x, (xo + i) * 4, LE), acc);
        }
        float sum = sumLanes(acc);
        for (int i = kv; i < k; i++) {
            sum += loadW1(f, w, wi + i) * x.getAtIndex(F32, xo + i);
        }
        return sum;
    }

    /** Two rows sharing each activation load (four exceed C2's inlining budget with the f16 conversion). */
    private static void floatRows2(FloatFormat f, MemorySegment w, int r, int k, MemorySegment x, long xo,
                                   MemorySegment out, long oi) {
        int kv = k - k % FL;
        long w0 = (long) r * k, w1 = w0 + k;
        FloatVector a0 = FloatVector.zero(FS), a1 = a0;
        for (int i = 0; i < kv; i += FL) {
            FloatVector xv = FloatVector.fromMemorySegment(FS, x, (xo + i) * 4, LE);
            a0 = loadW(f, w, w0 + i).fma(xv, a0);
            a1 = loadW(f, w, w1 + i).fma(xv, a1);
        }
        float s0 = sumLanes(a0), s1 = sumLanes(a1);
        for (int i = kv; i < k; i++) {
            float xi = x.getAtIndex(F32, xo + i);
            s0 += loadW1(f, w, w0 + i) * xi;
            s1 += loadW1(f, w, w1 + i) * xi;
        }
        out.setAtIndex(F32, oi, s0);
        out.setAtIndex(F32, oi + 1, s1);
    }

    /**
     * The lanes summed in lane order. Not {@code reduceLanes(ADD)}: its float order is unspecified and
     * differs between the interpreter and C2's intrinsic, so the same row could come out one ulp apart
     * before and after JIT compilation — and continuous batching needs a row's result to be the same
     * in every call.
     */
    private static float sumLanes(FloatVector v) {
        float s = 0f;
        for (int i = 0; i < FL; i++) s += v.lane(i);
        return s;
    }
}
