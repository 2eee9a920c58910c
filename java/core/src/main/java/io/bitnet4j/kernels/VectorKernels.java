package io.bitnet4j.kernels;

import static io.bitnet4j.kernels.KernelFormats.*;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.LongVector;
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
 * <p>Speed (there is no widening int8 dot product in the Vector API): I2_S and TQ2_0 weights are
 * zero-extended to 16-bit lanes and multiplied, unmasked, with "telescoped" activations prepared once
 * per call in a per-thread array ({@link VectorScratch}), so each 32 weights of a row cost one shift,
 * one multiply and one add (see the I2_S section); two rows share each activation load. F16 weights are
 * converted with a shift, a mask and two multiplies, four rows per pass. For several tokens (GEMM) rows
 * are walked in blocks small enough to stay in L1 while every token passes over them.
 *
 * <p>What is not faster here is inherited from {@link ScalarKernels}: the Q8_K and Q8_0 quantizers (O(k) per
 * token, run once per matmul input) and attention (its exact double-lane sums leave little for 512-bit
 * float lanes to win).
 *
 * <p>No call allocates once C2 has compiled it. That needs every Vector API call of a hot loop inlined
 * (an out-of-line call boxes its vectors): loop bodies are kept small, fields are walked in loops that
 * C2 unrolls after parsing, and methods called once per kernel use only force-inlined JDK calls.
 */
public final class VectorKernels extends ScalarKernels {
    private static final ByteOrder LE = ByteOrder.LITTLE_ENDIAN;

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
                int v = Math.clamp(nearestInt(x.getAtIndex(F32, base + i) * s), -128, 127);
                sum += v;
                q.set(I8, base + i, (byte) v);
            }
            scales.setAtIndex(F32, t, s);
            sums.setAtIndex(I32, t, sum);
        }
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

    /*
     * I2_S without masking the 2-bit fields. Byte m of a 32-byte group holds four codes c_j (bits 2j..2j+1,
     * j = 0..3) whose activations X_j sit at offset 96 - 32j + m of the group. With v the byte zero-extended
     * to 16 bits, v >>> 2j = sum_{i >= j} 4^(i-j) c_i still carries the higher fields; but with the
     * "telescoped" activations Y_0 = X_0, Y_j = X_j - 4 X_(j-1),
     *     sum_j (v >>> 2j) * Y_j = sum_i c_i * sum_{j <= i} 4^(i-j) Y_j = sum_i c_i X_i,
     * exactly (the inner sum telescopes to X_i). The products wrap in 16-bit lanes, but the ring identity
     * holds mod 2^16 and the true running sum stays within 16 bits between flushes, so each lane's value is
     * exact. Per 32 weights and row that is one shift, one multiply and one add. Y is computed once per
     * call and token into a per-thread array (|Y| <= 640).
     */

    /** Groups summed in 16-bit lanes before a flush: per group a lane gets 32/L chunks of |sum| <= 4*3*128. */
    private static final int I2S_FLUSH = Math.max(1, (32767 / (4 * 3 * 128)) * L / 32);

    @Override
    public void gemmI2S(MemorySegment w, int k, int row0, int row1, float wScale, MemorySegment act,
                        MemorySegment scales, MemorySegment sums, int ntok, MemorySegment out, int outStride) {
        KernelChecks.checkGemmI2S(w, k, row0, row1, wScale, act, scales, sums, ntok, out, outStride);
        if (row0 == row1) {
            return;
        }
        long rowBytes = k / 4;
        int chunk = Math.max(1, Math.min(ntok, VectorScratch.MAX_SHORTS / k));   // tokens per telescoped batch
        short[] y = VectorScratch.get().shorts(chunk * k);
        for (int t0 = 0; t0 < ntok; t0 += chunk) {
            int t1 = Math.min(ntok, t0 + chunk);
            for (int t = t0; t < t1; t++) {
                telescope(act, (long) t * k, k, y, (t - t0) * k);
            }
            int block = t1 - t0 == 1 ? row1 - row0 : rowBlock(rowBytes);
            for (int b0 = row0; b0 < row1; b0 += block) {
                int b1 = Math.min(row1, b0 + block);
                for (int t = t0; t < t1; t++) {
                    float scale = scales.getAtIndex(F32, t);
                    int sum = sums.getAtIndex(I32, t);
                    long o = (long) t * outStride;
                    int yo = (t - t0) * k;
                    int r = b0;
                    for (; r + 2 <= b1; r += 2) {
                        long d = i2sRows2(w, r * rowBytes, rowBytes, k, y, yo);
                        out.setAtIndex(F32, o + r, i2sScale((int) d, sum, scale, wScale));
                        out.setAtIndex(F32, o + r + 1, i2sScale((int) (d >> 32), sum, scale, wScale));
                    }
                    if (r < b1) {
                        out.setAtIndex(F32, o + r, i2sScale(i2sDot(w, r * rowBytes, k, y, yo), sum, scale, wScale));
                    }
                }
            }
        }
    }

    /**
     * Y (see above) of one token's k int8 activations at act[a..), into y[yo..): Y_j of group g at
     * y[128g + 32j + m]. Only JDK (force-inlined) Vector API calls here: this runs once per call, and C2
     * declines to inline our own small helpers at such "cold" call sites, which would box the vectors.
     */
    private static void telescope(MemorySegment act, long a, int k, short[] y, int yo) {
        for (int i = 0; i < k; i += L) {
            int g = i / QK_I2S, p = i % QK_I2S;                // p: position in the group, 32j + m
            long src = a + (long) g * QK_I2S + 96 - p / 32 * 64 + p;   // X_j at 96 - 32j + m
            ShortVector x = (ShortVector) ByteVector.fromMemorySegment(BS, act, src, LE)
                    .convertShape(VectorOperators.B2S, SS, 0);
            if (p >= 32) {                                     // Y_j = X_j - 4 X_(j-1), X_(j-1) 32 bytes further
                ShortVector prev = (ShortVector) ByteVector.fromMemorySegment(BS, act, src + 32, LE)
                        .convertShape(VectorOperators.B2S, SS, 0);
                x = x.sub(prev.lanewise(VectorOperators.LSHL, 2));
            }
            x.intoArray(y, yo + i);
        }
    }

    /**
     * The 16-bit sums as ints of the same width: each int lane adds its two 16-bit halves (sign-extended
     * with shifts: cheaper for C2 than a shape-changing conversion).
     */
    private static IntVector widenPairs(ShortVector s) {
        IntVector i = s.reinterpretAsInts();
        return i.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .add(i.lanewise(VectorOperators.ASHR, 16));
    }

    /** The integer dot product (sum of code * q) of one row with the telescoped activations y[yo..). */
    private static int i2sDot(MemorySegment w, long wr, int k, short[] y, int yo) {
        int groups = k / QK_I2S;
        IntVector total = IntVector.zero(IS);
        for (int g0 = 0; g0 < groups; g0 += I2S_FLUSH) {
            int g1 = Math.min(groups, g0 + I2S_FLUSH);
            ShortVector acc = ShortVector.zero(SS);
            for (int g = g0; g < g1; g++) {
                long wo = wr + (long) g * I2S_GROUP_BYTES;
                int yg = yo + g * QK_I2S;
                for (int c = 0; c < 32; c += L) {
                    ShortVector v = u2s(w, wo + c);
                    for (int j = 0; j < 4; j++) {
                        acc = acc.add(v.mul(ShortVector.fromArray(SS, y, yg + 32 * j + c)));
                        v = v.lanewise(VectorOperators.LSHR, 2);
                    }
                }
            }
            total = total.add(widenPairs(acc));
        }
        return total.reduceLanes(VectorOperators.ADD);
    }

    /**
     * The dot products of rows at wr and wr + rowBytes, sharing each activation load: the first in the low
     * and the second in the high 32 bits. Two rows, not four: a bigger body exceeds C2's inlining node
     * budget, and any Vector API call left out of line boxes its vectors (allocates).
     */
    private static long i2sRows2(MemorySegment w, long wr, long rowBytes, int k, short[] y, int yo) {
        int groups = k / QK_I2S;
        IntVector t0 = IntVector.zero(IS), t1 = t0;
        long w1 = wr + rowBytes;
        for (int g0 = 0; g0 < groups; g0 += I2S_FLUSH) {
            int g1 = Math.min(groups, g0 + I2S_FLUSH);
            ShortVector s0 = ShortVector.zero(SS), s1 = s0;
            for (int g = g0; g < g1; g++) {
                long wo = (long) g * I2S_GROUP_BYTES;
                int yg = yo + g * QK_I2S;
                for (int c = 0; c < 32; c += L) {
                    ShortVector v0 = u2s(w, wr + wo + c), v1 = u2s(w, w1 + wo + c);
                    for (int j = 0; j < 4; j++) {
                        ShortVector x = ShortVector.fromArray(SS, y, yg + 32 * j + c);
                        s0 = s0.add(v0.mul(x));
                        s1 = s1.add(v1.mul(x));
                        v0 = v0.lanewise(VectorOperators.LSHR, 2);
                        v1 = v1.lanewise(VectorOperators.LSHR, 2);
                    }
                }
            }
            t0 = t0.add(widenPairs(s0));
            t1 = t1.add(widenPairs(s1));
        }
        return (t0.reduceLanes(VectorOperators.ADD) & 0xFFFFFFFFL) | ((long) t1.reduceLanes(VectorOperators.ADD) << 32);
    }

    // ---------------------------------------------------------------- TQ2_0

    /** Eight int/float lanes (llama.cpp's AVX2 accumulators) for the TQ epilogue, if vectors are that wide. */
    private static final VectorSpecies<Integer> I8S = MAX_BITS >= 256 ? IntVector.SPECIES_256 : null;
    private static final VectorSpecies<Float> F8S = MAX_BITS >= 256 ? FloatVector.SPECIES_256 : null;
    /** Longs of SS's width (four 16-bit lanes each) and the ints they narrow to, for the TQ2_0 lane sums. */
    private static final VectorSpecies<Long> LS = VectorSpecies.of(long.class, VectorShape.forBitSize(SS.vectorBitSize()));
    private static final VectorSpecies<Integer> LIS = speciesOrNull(int.class, SS.vectorBitSize() / 2);

    @Override
    public void gemmTQ20(MemorySegment w, int k, int row0, int row1, MemorySegment actQ8K, int ntok,
                         MemorySegment out, int outStride, MatmulOrder order) {
        KernelChecks.checkGemm("gemmTQ20", MatmulFormat.TQ2_0, w, k, row0, row1, actQ8K, ntok,
                out, outStride);
        if (row0 == row1) {
            return;
        }
        int nb = k / QK_K;
        long rowBytes = (long) nb * TQ2_0_BLOCK_BYTES, actRow = (long) nb * Q8_K_BLOCK_BYTES;
        VectorScratch scratch = VectorScratch.get();        // per-thread: the call allocates nothing
        int chunk = Math.max(1, Math.min(ntok, VectorScratch.MAX_SHORTS / k));
        short[] y = scratch.shorts(chunk * k);
        int[] bsums = scratch.ints(chunk * nb * LANES);
        for (int t0 = 0; t0 < ntok; t0 += chunk) {
            int t1 = Math.min(ntok, t0 + chunk);
            for (int t = t0; t < t1; t++) {
                telescopeQ8K(actQ8K, t * actRow, nb, y, (t - t0) * k, bsums, (t - t0) * nb * LANES);
            }
            int block = t1 - t0 == 1 ? row1 - row0 : rowBlock(rowBytes);
            for (int b0 = row0; b0 < row1; b0 += block) {
                int b1 = Math.min(row1, b0 + block);
                for (int t = t0; t < t1; t++) {
                    long a = t * actRow, o = (long) t * outStride;
                    int yo = (t - t0) * k, bo = (t - t0) * nb * LANES;
                    for (int r = b0; r < b1; r++) {
                        out.setAtIndex(F32, o + r, tq2Row(w, r * rowBytes, nb, actQ8K, a, y, yo, bsums, bo, scratch, order.fusedBlocks()));
                    }
                }
            }
        }
    }

    /**
     * One token's Q8_K blocks for TQ2_0: the telescoped quants (as for I2_S, with field l of byte m of half j
     * at position 128j + 32l + m: Y[p] = q[p] - 4 q[p - 32] unless p % 128 < 32) and the eight bsum pairs
     * the epilogue subtracts (bsums[2L] + bsums[2L + 1] for lane L).
     */
    private static void telescopeQ8K(MemorySegment act, long a, int nb, short[] y, int yo, int[] bsums, int bo) {
        for (int b = 0; b < nb; b++) {
            long qs = a + (long) b * Q8_K_BLOCK_BYTES + Q8_K_QS_OFFSET;
            for (int p = 0; p < QK_K; p += L) {
                ShortVector x = (ShortVector) ByteVector.fromMemorySegment(BS, act, qs + p, LE)
                        .convertShape(VectorOperators.B2S, SS, 0);
                if (p % 128 >= 32) {
                    ShortVector prev = (ShortVector) ByteVector.fromMemorySegment(BS, act, qs + p - 32, LE)
                            .convertShape(VectorOperators.B2S, SS, 0);
                    x = x.sub(prev.lanewise(VectorOperators.LSHL, 2));
                }
                x.intoArray(y, yo + b * QK_K + p);
            }
            long bs = a + (long) b * Q8_K_BLOCK_BYTES + Q8_K_BSUMS_OFFSET;
            for (int l = 0; l < LANES; l++) {
                bsums[bo + b * LANES + l] = act.get(I16, bs + 4L * l) + act.get(I16, bs + 4L * l + 2);
            }
        }
    }

    /**
     * One TQ2_0 row: per block the 16-bit sums of code * q at each of the 32 chunk positions (telescoped,
     * two 32-byte halves), folded to llama.cpp's eight int32 lanes (position m feeds lane m / 4) by adding
     * 16-bit pairs into ints and int pairs into longs; then the float epilogue of
     * {@link ScalarKernels#accumulateBlock} lane by lane in eight-lane vectors (the same operations per
     * lane, so the same floats), and {@link ScalarKernels#hsum}.
     */
    private static float tq2Row(MemorySegment w, long x, int nb, MemorySegment act, long a, short[] y, int yo,
                                int[] bsums, int bo, VectorScratch scratch, boolean fused) {
        int[] lanes = scratch.lanes;
        float[] acc = scratch.acc;
        FloatVector acc8 = F8S == null ? null : FloatVector.zero(F8S);
        if (F8S == null) {
            java.util.Arrays.fill(acc, 0f);
        }
        for (int b = 0; b < nb; b++, x += TQ2_0_BLOCK_BYTES) {
            int yb = yo + b * QK_K;
            for (int c = 0; c < 32; c += L) {
                ShortVector s = ShortVector.zero(SS);
                for (int j = 0; j < 2; j++) {
                    ShortVector v = u2s(w, x + 32L * j + c);
                    for (int l = 0; l < 4; l++) {
                        s = s.add(v.mul(ShortVector.fromArray(SS, y, yb + 128 * j + 32 * l + c)));
                        v = v.lanewise(VectorOperators.LSHR, 2);
                    }
                }
                // |s| <= 2 * 4 * 3 * 128 per lane: pairs fit ints, and four 16-bit lanes make one long
                LongVector q = widenPairs(s).reinterpretAsLongs();
                LongVector sum4 = q.lanewise(VectorOperators.LSHL, 32).lanewise(VectorOperators.ASHR, 32)
                        .add(q.lanewise(VectorOperators.ASHR, 32));
                sum4.convertShape(VectorOperators.L2I, LIS, 0).reinterpretAsInts().intoArray(lanes, c / 4);
            }
            float d = act.get(F32, a + (long) b * Q8_K_BLOCK_BYTES) * fp16(w, x + 64);
            if (F8S != null) {
                IntVector li = IntVector.fromArray(I8S, lanes, 0).sub(IntVector.fromArray(I8S, bsums, bo + b * LANES));
                FloatVector lf = (FloatVector) li.convertShape(VectorOperators.I2F, F8S, 0);
                acc8 = fused ? lf.fma(FloatVector.broadcast(F8S, d), acc8) : lf.mul(d).add(acc8);
            } else {
                for (int l = 0; l < LANES; l++) {
                    float v = (float) (lanes[l] - bsums[bo + b * LANES + l]);
                    acc[l] = fused ? Math.fma(v, d, acc[l]) : v * d + acc[l];
                }
            }
        }
        if (F8S != null) {
            acc8.intoArray(acc, 0);
        }
        return hsum(acc);
    }

    /** Masks of the four consecutive 16-bit lanes that form one of llama.cpp's int32 sum lanes (TQ1_0). */
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

    // ---------------------------------------------------------------- TQ1_0

    @Override
    public void gemmTQ10(MemorySegment w, int k, int row0, int row1, MemorySegment actQ8K, int ntok,
                         MemorySegment out, int outStride, MatmulOrder order) {
        KernelChecks.checkGemm("gemmTQ10", MatmulFormat.TQ1_0, w, k, row0, row1, actQ8K, ntok,
                out, outStride);
        int nb = k / QK_K;
        long rowBytes = (long) nb * TQ1_0_BLOCK_BYTES, actRow = (long) nb * Q8_K_BLOCK_BYTES;
        int block = ntok == 1 ? Math.max(1, row1 - row0) : rowBlock(rowBytes);
        VectorScratch scratch = VectorScratch.get();        // per-thread: the call allocates nothing
        int[] lanes = scratch.lanes;
        float[] acc = scratch.acc;
        for (int b0 = row0; b0 < row1; b0 += block) {
            int b1 = Math.min(row1, b0 + block);
            for (int t = 0; t < ntok; t++) {
                for (int r = b0; r < b1; r++) {
                    out.setAtIndex(F32, (long) t * outStride + r, tq1Row(w, r * rowBytes, nb, actQ8K, t * actRow, lanes, acc, order.fusedBlocks()));
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
    private static float tq1Row(MemorySegment w, long x, int nb, MemorySegment act, long y, int[] lanes, float[] acc,
                                boolean fused) {
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
                    lanes[4 + l] += trit(w.get(I8, x + 48 + j), l) * act.get(I8, qs + 240 + l * 4 + j);
                }
            }
            accumulateBlock(acc, lanes, act, y, act.get(F32, y) * fp16(w, x + 52), fused);
        }
        return hsum(acc);
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
        KernelChecks.checkGemm("gemmQ80", MatmulFormat.Q8_0, w, k, row0, row1, actQ80, ntok, out, outStride);
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
        return q80Dot(w, x, act, y, nb);
    }

    // ---------------------------------------------------------------- float weights

    @Override
    public void gemmF32(MemorySegment w, int k, int row0, int row1, MemorySegment x, int ntok,
                        MemorySegment out, int outStride, MatmulOrder order) {
        if (F8S == null) {
            super.gemmF32(w, k, row0, row1, x, ntok, out, outStride, order);
            return;
        }
        KernelChecks.checkGemm("gemmF32", MatmulFormat.F32, w, k, row0, row1, x, ntok, out, outStride);
        orderedGemm(false, w, k, row0, row1, x, ntok, out, outStride, order.floatDot().forLength(k));
    }

    @Override
    public void gemmF16(MemorySegment w, int k, int row0, int row1, MemorySegment x, int ntok,
                        MemorySegment out, int outStride, MatmulOrder order) {
        if (F8S == null) {
            super.gemmF16(w, k, row0, row1, x, ntok, out, outStride, order);
            return;
        }
        KernelChecks.checkGemm("gemmF16", MatmulFormat.F16, w, k, row0, row1, x, ntok, out, outStride);
        orderedGemm(true, w, k, row0, row1, x, ntok, out, outStride, order.floatDot().forLength(k));
    }

    /**
     * n halves at index as floats into h (exact; the scalar conversion is an intrinsic: a vector conversion
     * across shapes here made C2 box the vectors of the loop).
     */
    private static void halves(MemorySegment w, long index, int n, float[] h) {
        for (int l = 0; l < n; l++) h[l] = Float.float16ToFloat(w.getAtIndex(I16, index + l));
    }

    private static FloatVector x8(MemorySegment x, long index) {
        return FloatVector.fromMemorySegment(F8S, x, index * 4, LE);
    }

    /** Slots first..first+7: one register, terms first, first + step, … below full. */
    private static void chainOne(boolean f16, MemorySegment w, long wr, MemorySegment x, long xt, int full, int step,
                                 int first, float[] slots) {
        FloatVector a0 = FloatVector.zero(F8S);
        if (f16) {
            float[] h = VectorScratch.get().vectorLanes;
            for (int i = first; i < full; i += step) {
                halves(w, wr + i, 8, h);
                a0 = FloatVector.fromArray(F8S, h, 0).fma(x8(x, xt + i), a0);
            }
        } else {
            for (int i = first; i < full; i += step) a0 = x8(w, wr + i).fma(x8(x, xt + i), a0);
        }
        a0.intoArray(slots, first);
    }

    /**
     * Slots first..first+15: two registers side by side. Small on purpose: C2 keeps the vectors of a method
     * this size in registers (a method with eight chains grew past its inlining budget and boxed them).
     */
    private static void chainPair(boolean f16, MemorySegment w, long wr, MemorySegment x, long xt, int full, int step,
                                  int first, float[] slots) {
        FloatVector a0 = FloatVector.zero(F8S), a1 = a0;
        if (f16) {
            float[] h = VectorScratch.get().vectorLanes;
            for (int i = first; i < full; i += step) {
                halves(w, wr + i, 16, h);
                a0 = FloatVector.fromArray(F8S, h, 0).fma(x8(x, xt + i), a0);
                a1 = FloatVector.fromArray(F8S, h, 8).fma(x8(x, xt + i + 8), a1);
            }
        } else {
            for (int i = first; i < full; i += step) {
                a0 = x8(w, wr + i).fma(x8(x, xt + i), a0);
                a1 = x8(w, wr + i + 8).fma(x8(x, xt + i + 8), a1);
            }
        }
        a0.intoArray(slots, first);
        a1.intoArray(slots, first + 8);
    }

    /**
     * ScalarKernels' ordered float gemm with eight-lane vectors: slot i % slots is lane i % 8 of register
     * (i % slots) / 8, so each register lane is an fma chain over the same terms as the scalar slot; then the
     * same reduction and tail (the same floats).
     */
    private static void orderedGemm(boolean f16, MemorySegment w, int k, int row0, int row1, MemorySegment x, int ntok,
                                    MemorySegment out, int outStride, GgmlDot dot) {
        int n = dot.slots(), regs = n / 8, full = dot.hasTail() ? k & -n : k;
        float[] slots = GgmlDot.SLOTS.get();
        for (int t = 0; t < ntok; t++) {
            long xt = (long) t * k;
            for (int r = row0; r < row1; r++) {
                long wr = (long) r * k;
                if (regs == 1) {
                    chainOne(f16, w, wr, x, xt, full, 8, 0, slots);
                } else {
                    for (int g = 0; g < regs; g += 2) chainPair(f16, w, wr, x, xt, full, n, 8 * g, slots);
                }
                out.setAtIndex(F32, (long) t * outStride + r, orderedTail(dot.reduce(slots), w, f16, wr, x, xt, full, k));
            }
        }
    }

    @Override
    public void gemmBF16(MemorySegment w, int k, int row0, int row1, MemorySegment x, int ntok,
                         MemorySegment out, int outStride) {
        KernelChecks.checkGemm("gemmBF16", MatmulFormat.BF16, w, k, row0, row1, x, ntok, out, outStride);
        bf16Gemm(w, k, row0, row1, x, ntok, out, outStride);
    }

    /** BF16 weights (no engine's order to follow): rows four at a time sharing each activation load. */
    private static void bf16Gemm(MemorySegment w, int k, int row0, int row1, MemorySegment x, int ntok,
                                 MemorySegment out, int outStride) {
        int block = ntok == 1 ? Math.max(1, row1 - row0) : rowBlock((long) k * 2);
        for (int b0 = row0; b0 < row1; b0 += block) {
            int b1 = Math.min(row1, b0 + block);
            for (int t = 0; t < ntok; t++) {
                long xo = (long) t * k, o = (long) t * outStride;
                int r = b0;
                for (; r + 4 <= b1; r += 4) {
                    bf16Rows4(w, r, k, x, xo, out, o + r);
                }
                for (; r < b1; r++) {
                    out.setAtIndex(F32, o + r, bf16Row(w, r, k, x, xo));
                }
            }
        }
    }

    /** FL bf16 weights of row r starting at column i, as floats. */
    private static FloatVector loadBf16(MemorySegment w, long index) {
        return ((IntVector) ShortVector.fromMemorySegment(HS, w, index * 2, LE)
                .convertShape(VectorOperators.S2I, FIS, 0)).lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static float bf16Row(MemorySegment w, int r, int k, MemorySegment x, long xo) {
        int kv = k - k % FL;
        long wi = (long) r * k;
        FloatVector acc = FloatVector.zero(FS);
        for (int i = 0; i < kv; i += FL) {
            acc = loadBf16(w, wi + i).fma(FloatVector.fromMemorySegment(FS, x, (xo + i) * 4, LE), acc);
        }
        float[] lanes = VectorScratch.get().vectorLanes;
        acc.intoArray(lanes, 0);
        float sum = sumLanes(lanes, 0);
        for (int i = kv; i < k; i++) {
            sum += bf16ToFloat(w.getAtIndex(I16, wi + i)) * x.getAtIndex(F32, xo + i);
        }
        return sum;
    }

    /** Four BF16 rows sharing each activation load (four independent FMA chains keep the FMA unit busy). */
    private static void bf16Rows4(MemorySegment w, int r, int k, MemorySegment x, long xo, MemorySegment out, long oi) {
        int kv = k - k % FL;
        long w0 = (long) r * k;
        FloatVector a0 = FloatVector.zero(FS), a1 = a0, a2 = a0, a3 = a0;
        for (int i = 0; i < kv; i += FL) {
            FloatVector xv = FloatVector.fromMemorySegment(FS, x, (xo + i) * 4, LE);
            a0 = loadBf16(w, w0 + i).fma(xv, a0);
            a1 = loadBf16(w, w0 + k + i).fma(xv, a1);
            a2 = loadBf16(w, w0 + 2L * k + i).fma(xv, a2);
            a3 = loadBf16(w, w0 + 3L * k + i).fma(xv, a3);
        }
        float[] lanes = VectorScratch.get().vectorLanes; // stored here: a vector passed to a method C2 does not inline is boxed
        a0.intoArray(lanes, 0);
        a1.intoArray(lanes, FL);
        a2.intoArray(lanes, 2 * FL);
        a3.intoArray(lanes, 3 * FL);
        float s0 = sumLanes(lanes, 0), s1 = sumLanes(lanes, FL), s2 = sumLanes(lanes, 2 * FL), s3 = sumLanes(lanes, 3 * FL);
        for (int i = kv; i < k; i++) {
            float xi = x.getAtIndex(F32, xo + i);
            s0 += bf16ToFloat(w.getAtIndex(I16, w0 + i)) * xi;
            s1 += bf16ToFloat(w.getAtIndex(I16, w0 + k + i)) * xi;
            s2 += bf16ToFloat(w.getAtIndex(I16, w0 + 2L * k + i)) * xi;
            s3 += bf16ToFloat(w.getAtIndex(I16, w0 + 3L * k + i)) * xi;
        }
        out.setAtIndex(F32, oi, s0);
        out.setAtIndex(F32, oi + 1, s1);
        out.setAtIndex(F32, oi + 2, s2);
        out.setAtIndex(F32, oi + 3, s3);
    }

    /**
     * The lanes summed in lane order. Not {@code reduceLanes(ADD)}: its float order is unspecified and
     * differs between the interpreter and C2's intrinsic, so the same row could come out one ulp apart
     * before and after JIT compilation — and continuous batching needs a row's result to be the same
     * in every call.
     */
    private static float sumLanes(float[] lanes, int off) {
        float s = 0f;
        for (int i = 0; i < FL; i++) s += lanes[off + i];
        return s;
    }
}
