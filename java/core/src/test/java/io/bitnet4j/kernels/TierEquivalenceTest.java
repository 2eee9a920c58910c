package io.bitnet4j.kernels;

import static io.bitnet4j.kernels.TestData.*;
import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every kernel of a tier against ScalarKernels: exact for the integer paths, within rounding for the
 * float ones. Subclasses pick the tier. Outputs are pre-filled with a NaN sentinel, and rows outside
 * [row0, row1) and gaps of the output stride must keep it.
 */
abstract class TierEquivalenceTest {
    static final int[] KS_TERNARY = {256, 512, 2560};
    static final int[] NTOKS = {1, 2, 3, 4, 5, 6, 7, 8, 9, 16};

    final ScalarKernels ref = ScalarKernels.instance();
    Arena arena;

    abstract Kernels kernels();

    /** Whether float results of the quantized matmuls must be bit-identical (per-block epilogue in scalar order). */
    abstract boolean exactBlockFloats();

    @BeforeEach
    void open() {
        arena = Arena.ofConfined();
    }

    @AfterEach
    void close() {
        arena.close();
    }

    // ---------------------------------------------------------------- quantizers

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 9, 16})
    void quantizeI8(int ntok) {
        Random rnd = new Random(ntok);
        for (int k : new int[] {1, 7, 100, 128, 2560}) {
            float[] x = gaussian(ntok * k, 2f, rnd);
            if (ntok > 1) {
                for (int i = 0; i < k; i++) x[i] = 0f;                 // an all-zero token
            }
            x[x.length - 1] = ntok % 2 == 0 ? 3.0e38f : -1e-30f;       // extreme magnitudes
            compareI8(x, ntok, k);
        }
    }

    @Test
    void quantizeI8Ties() {
        // max = 127/64 gives s = 64: values at exact .5 steps exercise round-half-even
        float[] x = new float[64];
        for (int i = 0; i < 64; i++) x[i] = (i - 32) * 0.5f / 64;
        x[63] = 1.984375f;
        compareI8(x, 1, 64);
    }

    private void compareI8(float[] x, int ntok, int k) {
        MemorySegment xs = floats(arena, x);
        MemorySegment q1 = arena.allocate((long) ntok * k), s1 = arena.allocate(4L * ntok), u1 = arena.allocate(4L * ntok);
        MemorySegment q2 = arena.allocate((long) ntok * k), s2 = arena.allocate(4L * ntok), u2 = arena.allocate(4L * ntok);
        ref.quantizeI8(xs, ntok, k, q1, s1, u1);
        kernels().quantizeI8(xs, ntok, k, q2, s2, u2);
        assertEquals(-1, q1.mismatch(q2), "q differs, k=" + k + " ntok=" + ntok);
        assertEquals(-1, s1.mismatch(s2), "scales differ, k=" + k);
        assertEquals(-1, u1.mismatch(u2), "sums differ, k=" + k);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 9})
    void quantizeQ8KAndQ80(int ntok) {
        Random rnd = new Random(100 + ntok);
        for (int k : new int[] {256, 512, 2560}) {
            float[] x = gaussian(ntok * k, 1f, rnd);
            for (int i = 0; i < 256; i++) x[i] = 0f;                   // an all-zero block
            x[x.length - 1] = -1e30f;
            MemorySegment xs = floats(arena, x);
            long kb = ActivationFormat.Q8_K.rowBytes(k) * ntok, qb = ActivationFormat.Q8_0.rowBytes(k) * ntok;
            MemorySegment y1 = arena.allocate(kb), y2 = arena.allocate(kb), z1 = arena.allocate(qb), z2 = arena.allocate(qb);
            ref.quantizeQ8K(xs, ntok, k, y1);
            kernels().quantizeQ8K(xs, ntok, k, y2);
            assertEquals(-1, y1.mismatch(y2), "Q8_K differs, k=" + k);
            ref.quantizeQ80(xs, ntok, k, z1);
            kernels().quantizeQ80(xs, ntok, k, z2);
            assertEquals(-1, z1.mismatch(z2), "Q8_0 differs, k=" + k);
        }
    }

    // ---------------------------------------------------------------- I2_S

    @ParameterizedTest
    @ValueSource(ints = {128, 256, 384, 2560})
    void i2sRandomBytesAllRanges(int k) {
        Random rnd = new Random(k);
        int rows = 13;
        MemorySegment w = randomBytes(arena, (long) rows * k / 4, rnd);
        for (int ntok : new int[] {1, 3}) {
            I8Act act = i8Act(gaussian(ntok * k, 1f, rnd), ntok, k);
            for (int[] range : new int[][] {{0, rows}, {3, 10}, {5, 6}, {4, 4}, {1, 12}}) {
                compareI2S(w, k, range[0], range[1], act, ntok, rows + 3);
            }
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 4, 5, 6, 7, 8, 9, 16})
    void i2sEveryTokenCount(int ntok) {
        Random rnd = new Random(ntok * 31);
        int rows = 11, k = 384;
        MemorySegment w = randomBytes(arena, (long) rows * k / 4, rnd);
        compareI2S(w, k, 0, rows, i8Act(gaussian(ntok * k, 1f, rnd), ntok, k), ntok, rows);
        compareI2S(w, k, 2, 9, i8Act(gaussian(ntok * k, 1f, rnd), ntok, k), ntok, rows + 1);
    }

    @Test
    void i2sUniformWeightsAndExtremeActivations() {
        int k = 2560, rows = 6;
        int[][] t = new int[rows][k];
        for (int i = 0; i < k; i++) {
            t[0][i] = -1;
            t[1][i] = 0;
            t[2][i] = 1;
            t[3][i] = (i % 3) - 1;
            t[4][i] = i % 2 == 0 ? 1 : -1;
            t[5][i] = -1;
        }
        MemorySegment w = encodeI2S(arena, t);
        for (byte v : new byte[] {127, -128, 0}) {
            MemorySegment q = arena.allocate(k);
            q.fill(v);
            I8Act act = new I8Act(q, floats(arena, new float[] {1.5f}), arena.allocate(4));
            act.sums.set(I, 0, v * k);
            compareI2S(w, k, 0, rows, act, 1, rows);
        }
    }

    record I8Act(MemorySegment q, MemorySegment scales, MemorySegment sums) {}

    I8Act i8Act(float[] x, int ntok, int k) {
        I8Act a = new I8Act(arena.allocate((long) ntok * k), arena.allocate(4L * ntok), arena.allocate(4L * ntok));
        ref.quantizeI8(floats(arena, x), ntok, k, a.q, a.scales, a.sums);
        return a;
    }

    private void compareI2S(MemorySegment w, int k, int row0, int row1, I8Act act, int ntok, int stride) {
        MemorySegment o1 = sentinelOut(arena, ntok, stride), o2 = sentinelOut(arena, ntok, stride);
        ref.gemmI2S(w, k, row0, row1, 0.7f, act.q, act.scales, act.sums, ntok, o1, stride);
        kernels().gemmI2S(w, k, row0, row1, 0.7f, act.q, act.scales, act.sums, ntok, o2, stride);
        assertEquals(-1, o1.mismatch(o2), () -> "I2_S differs at float " + o1.mismatch(o2) / 4 + " k=" + k
                + " rows [" + row0 + "," + row1 + ") ntok=" + ntok);
    }

    // ---------------------------------------------------------------- TQ2_0 / TQ1_0

    @ParameterizedTest
    @ValueSource(ints = {256, 512, 2560})
    void tqRandomBytes(int k) {
        Random rnd = new Random(k + 1);
        int rows = 9, nb = k / 256;
        // random bytes, but with finite fp16 scales (random bits could be inf/NaN)
        MemorySegment w2 = randomBytes(arena, rows * MatmulFormat.TQ2_0.weightRowBytes(k), rnd);
        MemorySegment w1 = randomBytes(arena, rows * MatmulFormat.TQ1_0.weightRowBytes(k), rnd);
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < nb; b++) {
                w2.set(S, ((long) r * nb + b) * 66 + 64, Float.floatToFloat16(rnd.nextFloat() * 0.1f));
                w1.set(S, ((long) r * nb + b) * 54 + 52, Float.floatToFloat16(rnd.nextFloat() * 0.1f));
            }
        }
        for (int ntok : NTOKS) {
            MemorySegment act = q8kAct(gaussian(ntok * k, 1f, rnd), ntok, k);
            compareQ8K(true, w2, k, 0, rows, act, ntok, rows);
            compareQ8K(false, w1, k, 0, rows, act, ntok, rows);
            if (ntok <= 3) {
                compareQ8K(true, w2, k, 3, 8, act, ntok, rows + 2);
                compareQ8K(false, w1, k, 1, 2, act, ntok, rows + 2);
            }
        }
    }

    @Test
    void tqEncodedTernaryAndExtremes() {
        Random rnd = new Random(5);
        int k = 2560, rows = 7, nb = k / 256;
        int[][] t = ternaryRows(rows, k, rnd);
        for (int i = 0; i < k; i++) {
            t[0][i] = -1;
            t[1][i] = 0;
            t[2][i] = 1;
        }
        float[][] d = blockScales(rows, nb, rnd);
        MemorySegment w2 = encodeTQ20(arena, t, d), w1 = encodeTQ10(arena, t, d);
        float[] x = gaussian(k, 1f, rnd);
        for (int i = 0; i < k; i += 2) x[i] = i % 4 == 0 ? 1e4f : -1e4f;   // saturates every block at ±127
        MemorySegment act = q8kAct(x, 1, k);
        compareQ8K(true, w2, k, 0, rows, act, 1, rows);
        compareQ8K(false, w1, k, 0, rows, act, 1, rows);
        MemorySegment zero = q8kAct(new float[k], 1, k);
        compareQ8K(true, w2, k, 0, rows, zero, 1, rows);
        compareQ8K(false, w1, k, 0, rows, zero, 1, rows);
    }

    MemorySegment q8kAct(float[] x, int ntok, int k) {
        MemorySegment y = arena.allocate(ntok * ActivationFormat.Q8_K.rowBytes(k), 64);
        ref.quantizeQ8K(floats(arena, x), ntok, k, y);
        return y;
    }

    private void compareQ8K(boolean tq2, MemorySegment w, int k, int row0, int row1, MemorySegment act, int ntok, int stride) {
        for (MatmulOrder order : new MatmulOrder[] {MatmulOrder.LLAMA_CPP_SINGLE, MatmulOrder.BITNET_CPP_SINGLE}) {
            MemorySegment o1 = sentinelOut(arena, ntok, stride), o2 = sentinelOut(arena, ntok, stride);
            if (tq2) {
                ref.gemmTQ20(w, k, row0, row1, act, ntok, o1, stride, order);
                kernels().gemmTQ20(w, k, row0, row1, act, ntok, o2, stride, order);
            } else {
                ref.gemmTQ10(w, k, row0, row1, act, ntok, o1, stride, order);
                kernels().gemmTQ10(w, k, row0, row1, act, ntok, o2, stride, order);
            }
            assertBlockFloats(o1, o2, ntok, stride, (tq2 ? "TQ2_0" : "TQ1_0") + " " + order + " k=" + k + " ntok=" + ntok
                    + " rows [" + row0 + "," + row1 + ")");
        }
    }

    /**
     * Exact when the tier keeps the scalar per-block order; otherwise within 1e-5 of the largest output
     * (native SIMD may sum blocks in another order). NaN sentinels must match exactly in both cases.
     */
    void assertBlockFloats(MemorySegment o1, MemorySegment o2, int ntok, int stride, String what) {
        if (exactBlockFloats()) {
            assertEquals(-1, o1.mismatch(o2), () -> what + ": differs at float " + o1.mismatch(o2) / 4);
            return;
        }
        assertClose(o1, o2, ntok * stride, 1e-5, what);
    }

    static void assertClose(MemorySegment o1, MemorySegment o2, long n, double rel, String what) {
        double max = 0;
        for (long i = 0; i < n; i++) {
            float v = o1.getAtIndex(F, i);
            if (!Float.isNaN(v)) max = Math.max(max, Math.abs(v));
        }
        double tol = rel * max + 1e-30;
        for (long i = 0; i < n; i++) {
            float a = o1.getAtIndex(F, i), b = o2.getAtIndex(F, i);
            if (Float.isNaN(a) || Float.isNaN(b)) {
                assertEquals(o1.getAtIndex(I, i), o2.getAtIndex(I, i), what + ": sentinel/NaN mismatch at " + i);
            } else {
                assertEquals(a, b, tol, what + ": at " + i);
            }
        }
    }

    // ---------------------------------------------------------------- Q8_0

    @ParameterizedTest
    @ValueSource(ints = {32, 96, 2560})
    void q80(int k) {
        Random rnd = new Random(k + 3);
        int rows = 10;
        MemorySegment w = arena.allocate(rows * MatmulFormat.Q8_0.weightRowBytes(k), 64);
        ref.quantizeQ80(floats(arena, gaussian(rows * k, 1f, rnd)), rows, k, w);
        for (int ntok : new int[] {1, 2, 5, 16}) {
            MemorySegment act = arena.allocate(ntok * ActivationFormat.Q8_0.rowBytes(k), 64);
            ref.quantizeQ80(floats(arena, gaussian(ntok * k, 1f, rnd)), ntok, k, act);
            for (int[] range : new int[][] {{0, rows}, {2, 7}}) {
                MemorySegment o1 = sentinelOut(arena, ntok, rows + 1), o2 = sentinelOut(arena, ntok, rows + 1);
                ref.gemmQ80(w, k, range[0], range[1], act, ntok, o1, rows + 1);
                kernels().gemmQ80(w, k, range[0], range[1], act, ntok, o2, rows + 1);
                assertBlockFloats(o1, o2, ntok, rows + 1, "Q8_0 k=" + k + " ntok=" + ntok);
            }
        }
    }

    // ---------------------------------------------------------------- Q1_0 / Q2_0

    /** Bit for bit as ggml's vec_dot (whatever exactBlockFloats says: every tier keeps ggml's order here). */
    @ParameterizedTest
    @EnumSource(value = MatmulFormat.class, names = {"Q1_0", "Q2_0"})
    void q1q2MatchGgml(MatmulFormat format) {
        assertEquals(22, GgmlQ1Q2Check.check(kernels(), format, arena)); // (token, row) pairs of the four cases
    }

    /** Raw random bytes (every bit pattern and code 3, activations down to -128) against the scalar oracle. */
    @ParameterizedTest
    @EnumSource(value = MatmulFormat.class, names = {"Q1_0", "Q2_0"})
    void q1q2RawBytes(MatmulFormat format) {
        Random rnd = new Random(format.ordinal());
        int rows = 10;
        for (int k : new int[] {128, 384, 2560}) {
            long rb = format.weightRowBytes(k);
            MemorySegment w = arena.allocate(rows * rb, 64);
            for (long i = 0; i < w.byteSize(); i++) w.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt());
            for (long b = 0; b < w.byteSize() / 18; b++) w.set(S, 18 * b, Float.floatToFloat16((float) rnd.nextGaussian() * 0.05f));
            for (int ntok : new int[] {1, 2, 5, 16}) {
                long ab = ActivationFormat.Q8_0.rowBytes(k);
                MemorySegment act = arena.allocate(ntok * ab, 64);
                for (long i = 0; i < act.byteSize(); i++) act.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt());
                for (long b = 0; b < act.byteSize() / 34; b++) act.set(S, 34 * b, Float.floatToFloat16((float) rnd.nextGaussian() * 0.1f));
                for (int[] range : new int[][] {{0, rows}, {2, 7}}) {
                    MemorySegment o1 = sentinelOut(arena, ntok, rows + 1), o2 = sentinelOut(arena, ntok, rows + 1);
                    GgmlQ1Q2Check.gemm(ref, format, w, k, range[0], range[1], act, ntok, o1, rows + 1);
                    GgmlQ1Q2Check.gemm(kernels(), format, w, k, range[0], range[1], act, ntok, o2, rows + 1);
                    assertEquals(-1, o1.mismatch(o2), () -> format + " k=" + k + " ntok=" + ntok + ": differs at float " + o1.mismatch(o2) / 4);
                }
            }
        }
    }

    // ---------------------------------------------------------------- float weights

    @ParameterizedTest
    @ValueSource(ints = {1, 15, 64, 100, 2560})
    void floatFormats(int k) {
        Random rnd = new Random(k + 11);
        int rows = 9;
        float[] wf = gaussian(rows * k, 0.5f, rnd);
        wf[0] = 6.0e-8f;             // f16 subnormal
        if (wf.length > 1) wf[1] = -3.0e-5f;
        MemorySegment w32 = floats(arena, wf);
        MemorySegment w16 = arena.allocate(2L * rows * k + 2, 64).asSlice(2);  // deliberately 2-byte misaligned
        MemorySegment wb16 = arena.allocate(2L * rows * k, 64);
        for (int i = 0; i < wf.length; i++) {
            w16.setAtIndex(S, i, Float.floatToFloat16(wf[i]));
            wb16.setAtIndex(S, i, (short) (Float.floatToRawIntBits(wf[i]) >>> 16));
        }
        for (int ntok : new int[] {1, 2, 7, 16}) {
            MemorySegment x = floats(arena, gaussian(ntok * k, 1f, rnd));
            for (int[] range : new int[][] {{0, rows}, {1, 6}, {8, 9}}) {
                for (String f : new String[] {"F32", "F16", "BF16"}) {
                    for (MatmulOrder order : MatmulOrder.values()) {
                        MemorySegment o1 = sentinelOut(arena, ntok, rows), o2 = sentinelOut(arena, ntok, rows);
                        MemorySegment w = f.equals("F32") ? w32 : f.equals("F16") ? w16 : wb16;
                        runFloat(ref, f, w, k, range[0], range[1], x, ntok, o1, rows, order);
                        runFloat(kernels(), f, w, k, range[0], range[1], x, ntok, o2, rows, order);
                        String what = f + " " + order + " k=" + k + " ntok=" + ntok;
                        if (!f.equals("BF16")) {
                            // F32/F16: every tier sums in the engine's order, so the floats are the same
                            assertBlockFloats(o1, o2, ntok, rows, what);
                            continue;
                        }
                        // BF16: different summation order, within 1e-5 of sum |w*x| (about 200 ulps of the largest term)
                        double mag = magnitude(f, w, x, k, rows, ntok);
                        for (long i = 0; i < (long) ntok * rows; i++) {
                            float a = o1.getAtIndex(F, i), b = o2.getAtIndex(F, i);
                            if (Float.isNaN(a)) {
                                assertEquals(o1.getAtIndex(I, i), o2.getAtIndex(I, i), f + ": wrote outside the range at " + i);
                            } else {
                                assertEquals(a, b, 1e-5 * mag + 1e-30, what + " at " + i);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void f16SpecialValues() {
        int k = 32;
        short[] h = {0x0000, (short) 0x8000, 0x0001, (short) 0x83FF, 0x03FF, 0x0400, 0x7BFF, (short) 0xFBFF, 0x3C00,
                0x7C00, 0x3555, 0x1234, (short) 0xC000, 0x0200, 0x7000, 0x2000};
        MemorySegment w = arena.allocate(2L * k * 16, 64);
        MemorySegment x = floats(arena, new float[k]);
        for (int r = 0; r < 16; r++) {
            // row r: h[r] at column r % k, zero elsewhere; x is one-hot, so out = the converted half
            w.setAtIndex(S, (long) r * k + (r % k), h[r]);
        }
        for (int r = 0; r < 16; r++) {
            x.fill((byte) 0);
            x.setAtIndex(F, r % k, 1f);
            MemorySegment o = arena.allocate(4L * 16);
            kernels().gemmF16(w, k, r, r + 1, x, 1, o, 16, MatmulOrder.LLAMA_CPP_SINGLE);
            // a sum starting at +0 turns -0 into +0, hence the 0 tolerance (equal as numbers)
            assertEquals(Float.float16ToFloat(h[r]), o.getAtIndex(F, r), 0f, "half 0x" + Integer.toHexString(h[r] & 0xFFFF));
        }
    }

    private static void runFloat(Kernels kk, String f, MemorySegment w, int k, int r0, int r1, MemorySegment x, int ntok,
                                 MemorySegment out, int stride, MatmulOrder order) {
        switch (f) {
            case "F32" -> kk.gemmF32(w, k, r0, r1, x, ntok, out, stride, order);
            case "F16" -> kk.gemmF16(w, k, r0, r1, x, ntok, out, stride, order);
            default -> kk.gemmBF16(w, k, r0, r1, x, ntok, out, stride);
        }
    }

    private static double magnitude(String f, MemorySegment w, MemorySegment x, int k, int rows, int ntok) {
        double m = 0;
        for (int t = 0; t < ntok; t++) {
            for (int r = 0; r < rows; r++) {
                double s = 0;
                for (int i = 0; i < k; i++) {
                    long wi = (long) r * k + i;
                    float wv = switch (f) {
                        case "F32" -> w.getAtIndex(F, wi);
                        case "F16" -> Float.float16ToFloat(w.getAtIndex(S, wi));
                        default -> ScalarKernels.bf16ToFloat(w.getAtIndex(S, wi));
                    };
                    s += Math.abs(wv * x.getAtIndex(F, (long) t * k + i));
                }
                m = Math.max(m, s);
            }
        }
        return m;
    }

    // ---------------------------------------------------------------- attention

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void attentionExactlyAsScalar(boolean f16) {
        Random rnd = new Random(f16 ? 7 : 8);
        int[][] shapes = {{64, 1, 1}, {128, 5, 4}, {80, 2, 3}, {40, 3, 2}, {8, 1, 8}, {128, 1, 5}};
        for (int[] sh : shapes) {
            AttentionShape shape = new AttentionShape(sh[0], sh[1], sh[2], f16, (float) (1 / Math.sqrt(sh[0])));
            for (int[] run : new int[][] {{0, 1}, {33, 1}, {5, 4}, {0, 9}}) {
                int pos0 = run[0], ntok = run[1], rows = ntok * shape.kvHeads();
                for (AttentionOrder order : AttentionOrder.values()) {
                    compareAttention(shape, pos0, ntok, 0, rows, order, 1f, rnd);
                    if (rows > 2) compareAttention(shape, pos0, ntok, 1, rows - 1, order, 1f, rnd);
                }
            }
        }
        AttentionShape s = new AttentionShape(64, 2, 2, f16, 0.125f);
        for (AttentionOrder order : AttentionOrder.values()) {
            compareAttention(s, 40, 2, 0, 4, order, 40f, rnd);   // near one-hot weights
            compareAttention(s, 40, 2, 0, 4, order, 0f, rnd);    // equal scores
        }
    }

    private void compareAttention(AttentionShape s, int pos0, int ntok, int row0, int row1, AttentionOrder order, float qScale,
                                  Random rnd) {
        int positions = pos0 + ntok;
        MemorySegment q = floats(arena, gaussian(ntok * s.qDim(), qScale, rnd));
        MemorySegment k = arena.allocate((long) positions * s.kvDim() * s.kvBytes(), 64);
        MemorySegment v = arena.allocate((long) positions * s.kvDim() * s.kvBytes(), 64);
        for (long i = 0; i < (long) positions * s.kvDim(); i++) {
            float a = (float) rnd.nextGaussian(), b = (float) rnd.nextGaussian();
            if (s.kvF16()) {
                k.setAtIndex(S, i, Float.floatToFloat16(a));
                v.setAtIndex(S, i, Float.floatToFloat16(b));
            } else {
                k.setAtIndex(F, i, a);
                v.setAtIndex(F, i, b);
            }
        }
        MemorySegment scratch = arena.allocate(s.scratchFloats(positions) * 4, 64);
        MemorySegment o1 = sentinelOut(arena, ntok, s.qDim()), o2 = sentinelOut(arena, ntok, s.qDim());
        ref.attention(s, q, k, v, pos0, row0, row1, order, scratch, o1);
        kernels().attention(s, q, k, v, pos0, row0, row1, order, scratch, o2);
        assertEquals(-1, o1.mismatch(o2), "attention differs: " + s + " pos0=" + pos0 + " ntok=" + ntok + " rows=["
                + row0 + "," + row1 + ") " + order);
    }

    @Test
    void attentionRejectsBadShapes() {
        Kernels kk = kernels();
        AttentionShape s = new AttentionShape(64, 2, 2, true, 0.125f);
        MemorySegment q = arena.allocate(4L * s.qDim() * 2), kv = arena.allocate(2L * s.kvDim() * 5);
        MemorySegment scratch = arena.allocate(s.scratchFloats(5) * 4), out = arena.allocate(4L * s.qDim() * 2);
        kk.attention(s, q, kv, kv, 3, 0, 4, AttentionOrder.TINYBLAS, scratch, out); // fits exactly: 2 tokens at positions 3, 4
        assertThrows(IllegalArgumentException.class, () -> kk.attention(s, q, kv, kv, 4, 0, 4, AttentionOrder.TINYBLAS, scratch, out), "cache too short");
        assertThrows(IllegalArgumentException.class, () -> kk.attention(s, q, kv, kv, 0, 0, 6, AttentionOrder.TINYBLAS, scratch, out), "q too short");
        assertThrows(IllegalArgumentException.class, () -> kk.attention(s, q, kv, kv, 3, 0, 4, AttentionOrder.TINYBLAS, arena.allocate(64), out), "scratch short");
        assertThrows(IllegalArgumentException.class, () -> kk.attention(s, q, kv, kv, -1, 0, 2, AttentionOrder.TINYBLAS, scratch, out), "negative pos0");
        assertThrows(IllegalArgumentException.class, () -> kk.attention(s, q, kv, kv, 0, 2, 1, AttentionOrder.TINYBLAS, scratch, out), "row1 < row0");
        assertThrows(IllegalArgumentException.class, () -> kk.attention(s, q, kv, kv, 3, 0, 4, AttentionOrder.TINYBLAS, scratch, out.asReadOnly()), "read-only out");
        assertThrows(IllegalArgumentException.class, () -> new AttentionShape(0, 1, 1, true, 1f), "head size 0");
    }

    // ---------------------------------------------------------------- validation

    @Test
    void rejectsBadShapes() {
        Kernels kk = kernels();
        int k = 256, rows = 4;
        MemorySegment w = arena.allocate(rows * k / 4);
        MemorySegment q = arena.allocate(k), s = arena.allocate(4), u = arena.allocate(4), out = arena.allocate(4L * rows);
        assertThrows(IllegalArgumentException.class, () -> kk.gemmI2S(w, 200, 0, rows, 1f, q, s, u, 1, out, rows), "k % 128");
        assertThrows(IllegalArgumentException.class, () -> kk.gemmI2S(w, k, 0, rows + 1, 1f, q, s, u, 1, arena.allocate(64), rows + 1), "too few weight rows");
        assertThrows(IllegalArgumentException.class, () -> kk.gemmI2S(w, k, -1, rows, 1f, q, s, u, 1, out, rows), "negative row0");
        assertThrows(IllegalArgumentException.class, () -> kk.gemmI2S(w, k, 3, 2, 1f, q, s, u, 1, out, rows), "row1 < row0");
        assertThrows(IllegalArgumentException.class, () -> kk.gemmI2S(w, k, 0, rows, 1f, q, s, u, 0, out, rows), "ntok 0");
        assertThrows(IllegalArgumentException.class, () -> kk.gemmI2S(w, k, 0, rows, 1f, q, s, u, 2, out, rows), "act too small for 2 tokens");
        assertThrows(IllegalArgumentException.class, () -> kk.gemmI2S(w, k, 0, rows, 1f, q, s, u, 1, arena.allocate(12), rows), "out too small");
        assertThrows(IllegalArgumentException.class, () -> kk.gemmI2S(w, k, 0, rows, 1f, q, s, u, 1, out.asReadOnly(), rows), "read-only out");
        MemorySegment q2 = arena.allocate(2L * k), s2 = arena.allocate(8), u2 = arena.allocate(8), o2 = arena.allocate(64);
        assertThrows(IllegalArgumentException.class, () -> kk.gemmI2S(w, k, 0, rows, 1f, q2, s2, u2, 2, o2, rows - 1), "outStride < row1");
        assertThrows(IllegalArgumentException.class, () -> kk.gemmTQ20(w, 128, 0, 1, arena.allocate(292), 1, out, 1, MatmulOrder.LLAMA_CPP_SINGLE), "TQ2_0 k % 256");
        assertThrows(IllegalArgumentException.class, () -> kk.gemmTQ10(arena.allocate(53), 256, 0, 1, arena.allocate(292), 1, out, 1, MatmulOrder.LLAMA_CPP_SINGLE), "TQ1_0 block short");
        assertThrows(IllegalArgumentException.class, () -> kk.gemmTQ20(arena.allocate(66), 256, 0, 1, arena.allocate(291), 1, out, 1, MatmulOrder.LLAMA_CPP_SINGLE), "Q8_K act short");
        assertThrows(IllegalArgumentException.class, () -> kk.gemmQ80(arena.allocate(34), 32, 0, 1, arena.allocate(33), 1, out, 1), "Q8_0 act short");
        assertThrows(IllegalArgumentException.class, () -> kk.gemmF32(arena.allocate(4L * 10), 10, 0, 2, arena.allocate(40), 1, out, 2, MatmulOrder.LLAMA_CPP_SINGLE), "F32 weights short");
        assertThrows(IllegalArgumentException.class, () -> kk.gemmF16(arena.allocate(40), 10, 0, 2, arena.allocate(36), 1, out, 2, MatmulOrder.LLAMA_CPP_SINGLE), "x short");
        assertThrows(IllegalArgumentException.class, () -> kk.gemmBF16(arena.allocate(40), 0, 0, 2, arena.allocate(36), 1, out, 2), "k 0");
        assertThrows(IllegalArgumentException.class, () -> kk.quantizeI8(arena.allocate(4L * k), 1, k, arena.allocate(k - 1), s, u), "q short");
        assertThrows(IllegalArgumentException.class, () -> kk.quantizeQ8K(arena.allocate(4L * 200), 1, 200, arena.allocate(292)), "Q8_K k");
        assertThrows(IllegalArgumentException.class, () -> kk.quantizeQ80(arena.allocate(4L * 64), 1, 64, arena.allocate(67)), "Q8_0 y short");
    }

    @Test
    void emptyRowRangeIsANoOp() {
        int k = 128;
        MemorySegment w = arena.allocate(k / 4), q = arena.allocate(k), s = floats(arena, new float[] {1f}), u = arena.allocate(4);
        MemorySegment out = sentinelOut(arena, 1, 1);
        kernels().gemmI2S(w, k, 1, 1, 1f, q, s, u, 1, out, 1);
        assertEquals(0x7fc0dead, out.get(I, 0));
    }

    static MemorySegment heapSegment(int bytes) {
        return MemorySegment.ofArray(new byte[bytes]);
    }

    static byte get(MemorySegment s, long i) {
        return s.get(ValueLayout.JAVA_BYTE, i);
    }
}
