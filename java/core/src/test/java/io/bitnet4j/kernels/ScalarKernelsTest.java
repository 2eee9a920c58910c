package io.bitnet4j.kernels;

import static io.bitnet4j.kernels.TestData.*;
import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The oracle itself, checked against float math on independently encoded data and hand-worked values. */
class ScalarKernelsTest {

    /** The oracle itself against ggml's vec_dot (the other tiers are checked in TierEquivalenceTest). */
    @ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(value = MatmulFormat.class, names = {"Q1_0", "Q2_0"})
    void q1q2MatchGgml(MatmulFormat format) {
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(22, GgmlQ1Q2Check.check(ScalarKernels.instance(), format, arena));
        }
    }

    /**
     * On these inputs our Q8_0 quantizer (quantize_row_q8_0_ref) gives the bytes of ggml's x86 from_float (its
     * AVX2 quantize_row_q8_0: 127/amax, round half to even); the two can differ on rare ties, not here.
     */
    @Test
    void q8_0OfTheReferenceActivationsMatchesGgmlsFromFloat() {
        try (Arena arena = Arena.ofConfined()) {
            for (var c : io.bitnet4j.tensor.GgmlQ1Q2Reference.cases()) {
                MemorySegment y = arena.allocate(c.actQ80().length, 64);
                ScalarKernels.instance().quantizeQ80(floats(arena, c.activations()), c.ntok(), c.k(), y);
                assertArrayEquals(c.actQ80(), y.toArray(ValueLayout.JAVA_BYTE), c.toString());
            }
        }
    }
    private final ScalarKernels k = ScalarKernels.instance();

    @Test
    void quantizeI8HandWorked() {
        try (Arena a = Arena.ofConfined()) {
            // max |x| = 127/64 -> s = 64 exactly; 0.5 -> 32; 0.5/64 -> 0.5 -> 0 and 1.5/64 -> 2 (half to even)
            MemorySegment x = floats(a, new float[] {0.5f, -1.984375f, 0.0078125f, 1.984375f, 0.0234375f});
            MemorySegment q = a.allocate(5), s = a.allocate(4), sum = a.allocate(4);
            k.quantizeI8(x, 1, 5, q, s, sum);
            assertEquals(64f, s.get(F, 0));
            assertArrayEquals(new byte[] {32, -127, 0, 127, 2}, q.toArray(ValueLayout.JAVA_BYTE));
            assertEquals(34, sum.get(I, 0));
        }
    }

    @Test
    void quantizeI8AllZeroUsesTheFloor() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment x = floats(a, new float[8]);
            MemorySegment q = a.allocate(8), s = a.allocate(4), sum = a.allocate(4);
            k.quantizeI8(x, 1, 8, q, s, sum);
            assertEquals((float) (127 / 0.00001), s.get(F, 0));
            assertEquals(0, sum.get(I, 0));
        }
    }

    @Test
    void quantizeQ8KHandWorked() {
        try (Arena a = Arena.ofConfined()) {
            float[] x = new float[256];
            x[0] = 1f;
            x[1] = -4f;   // the largest magnitude: iscale = -127/-4 = 31.75
            x[17] = 2f;
            MemorySegment y = a.allocate(292);
            k.quantizeQ8K(floats(a, x), 1, 256, y);
            assertEquals(1 / 31.75f, y.get(F, 0));
            assertEquals(32, y.get(ValueLayout.JAVA_BYTE, 4));   // 31.75 -> 32
            assertEquals(-127, y.get(ValueLayout.JAVA_BYTE, 5));
            assertEquals(64, y.get(ValueLayout.JAVA_BYTE, 4 + 17)); // 63.5 -> 64 (half to even)
            assertEquals(32 - 127, y.get(S, 260));
            assertEquals(64, y.get(S, 262));
        }
    }

    @Test
    void quantizeQ80HandWorked() {
        try (Arena a = Arena.ofConfined()) {
            float[] x = new float[32];
            x[0] = 127f;
            x[1] = -0.5f;  // ggml-cpu's x86 quantize_row_q8_0 rounds half to even -> 0 (roundf would give -1)
            x[2] = 2.5f;   // -> 2
            x[3] = 3.5f;   // -> 4
            MemorySegment y = a.allocate(34);
            k.quantizeQ80(floats(a, x), 1, 32, y);
            assertEquals(1f, Float.float16ToFloat(y.get(S, 0)));
            assertEquals(127, y.get(ValueLayout.JAVA_BYTE, 2));
            assertEquals(0, y.get(ValueLayout.JAVA_BYTE, 3));
            assertEquals(2, y.get(ValueLayout.JAVA_BYTE, 4));
            assertEquals(4, y.get(ValueLayout.JAVA_BYTE, 5));
        }
    }

    /** I2_S against a plain ternary dot product of independently encoded weights. */
    @ParameterizedTest
    @ValueSource(ints = {128, 384, 2560})
    void i2sMatchesTernaryDot(int kk) {
        Random rnd = new Random(kk);
        int rows = 5;
        try (Arena a = Arena.ofConfined()) {
            int[][] t = ternaryRows(rows, kk, rnd);
            MemorySegment w = encodeI2S(a, t);
            MemorySegment act = randomBytes(a, kk, rnd);
            MemorySegment scales = floats(a, new float[] {3.5f});
            int sum = 0;
            for (int i = 0; i < kk; i++) sum += act.get(ValueLayout.JAVA_BYTE, i);
            MemorySegment sums = a.allocate(4);
            sums.set(I, 0, sum);
            MemorySegment out = a.allocate(4L * rows);
            k.gemmI2S(w, kk, 0, rows, 0.25f, act, scales, sums, 1, out, rows);
            for (int r = 0; r < rows; r++) {
                int dot = 0;
                for (int i = 0; i < kk; i++) dot += t[r][i] * act.get(ValueLayout.JAVA_BYTE, i);
                assertEquals(dot / 3.5f * 0.25f, out.getAtIndex(F, r), 1e-6f * Math.abs(dot) + 1e-7f, "row " + r);
            }
        }
    }

    /** TQ2_0 and TQ1_0 against a float dot of dequantized weights and dequantized Q8_K activations. */
    @ParameterizedTest
    @ValueSource(ints = {256, 512, 2560})
    void tqFormatsMatchDequantizedDot(int kk) {
        Random rnd = new Random(kk + 7);
        int rows = 4, nb = kk / 256;
        try (Arena a = Arena.ofConfined()) {
            int[][] t = ternaryRows(rows, kk, rnd);
            float[][] d = blockScales(rows, nb, rnd);
            MemorySegment act = a.allocate(292L * nb);
            k.quantizeQ8K(floats(a, gaussian(kk, 1f, rnd)), 1, kk, act);
            MemorySegment out2 = a.allocate(4L * rows), out1 = a.allocate(4L * rows);
            k.gemmTQ20(encodeTQ20(a, t, d), kk, 0, rows, act, 1, out2, rows, MatmulOrder.LLAMA_CPP_SINGLE);
            k.gemmTQ10(encodeTQ10(a, t, d), kk, 0, rows, act, 1, out1, rows, MatmulOrder.LLAMA_CPP_SINGLE);
            for (int r = 0; r < rows; r++) {
                double ref = 0, mag = 0;
                for (int i = 0; i < kk; i++) {
                    int b = i / 256;
                    double yv = act.get(F, 292L * b) * act.get(ValueLayout.JAVA_BYTE, 292L * b + 4 + i % 256);
                    ref += t[r][i] * d[r][b] * yv;
                    mag += Math.abs(d[r][b] * yv);
                }
                assertEquals(ref, out2.getAtIndex(F, r), 1e-5 * mag, "TQ2_0 row " + r);
                assertEquals(ref, out1.getAtIndex(F, r), 1e-5 * mag, "TQ1_0 row " + r);
            }
        }
    }

    @Test
    void q80MatchesDequantizedDot() {
        Random rnd = new Random(3);
        int kk = 96, rows = 3;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment w = a.allocate(34L * 3 * rows), x = a.allocate(34L * 3);
            k.quantizeQ80(floats(a, gaussian(kk * rows, 1f, rnd)), rows, kk, w);
            k.quantizeQ80(floats(a, gaussian(kk, 1f, rnd)), 1, kk, x);
            MemorySegment out = a.allocate(4L * rows);
            k.gemmQ80(w, kk, 0, rows, x, 1, out, rows);
            for (int r = 0; r < rows; r++) {
                double ref = 0, mag = 0;
                for (int i = 0; i < kk; i++) {
                    long wb = 34L * (r * 3 + i / 32), xb = 34L * (i / 32);
                    double p = Float.float16ToFloat(w.get(S, wb)) * w.get(ValueLayout.JAVA_BYTE, wb + 2 + i % 32)
                            * Float.float16ToFloat(x.get(S, xb)) * x.get(ValueLayout.JAVA_BYTE, xb + 2 + i % 32);
                    ref += p;
                    mag += Math.abs(p);
                }
                assertEquals(ref, out.getAtIndex(F, r), 1e-5 * mag);
            }
        }
    }

    @Test
    void halfAndBfloatConversions() {
        assertEquals(1.0f, ScalarKernels.bf16ToFloat((short) 0x3F80));
        assertEquals(-2.0f, ScalarKernels.bf16ToFloat((short) 0xC000));
        assertEquals(-1, ScalarKernels.roundHalfAway(-0.5f));
        assertEquals(3, ScalarKernels.roundHalfAway(2.5f));
        assertEquals(2, ScalarKernels.nearestInt(2.5f));
        assertEquals(-2, ScalarKernels.nearestInt(-2.5f));
    }

    /** The scalar attention is real attention in every order: against a plain double-precision softmax(q·k)·v. */
    @ParameterizedTest
    @EnumSource(AttentionOrder.class)
    void attentionIsSoftmaxWeightedValues(AttentionOrder order) {
        try (Arena a = Arena.ofConfined()) {
            Random rnd = new Random(3);
            AttentionShape s = new AttentionShape(16, 2, 3, false, 0.25f);
            int pos0 = 6, ntok = 2, positions = pos0 + ntok;
            float[] qv = gaussian(ntok * s.qDim(), 1f, rnd), kv = gaussian(positions * s.kvDim(), 1f, rnd),
                    vv = gaussian(positions * s.kvDim(), 1f, rnd);
            MemorySegment out = a.allocate(4L * ntok * s.qDim());
            ScalarKernels.instance().attention(s, floats(a, qv), floats(a, kv), floats(a, vv), pos0, 0, ntok * s.kvHeads(),
                    order, a.allocate(s.scratchFloats(positions) * 4), out);
            for (int t = 0; t < ntok; t++) {
                for (int head = 0; head < s.kvHeads() * s.group(); head++) {
                    int kvh = head / s.group(), len = pos0 + t + 1;
                    double[] p = new double[len];
                    double max = Double.NEGATIVE_INFINITY, sum = 0;
                    for (int j = 0; j < len; j++) {
                        for (int i = 0; i < 16; i++) p[j] += (double) qv[t * s.qDim() + head * 16 + i] * kv[j * s.kvDim() + kvh * 16 + i];
                        p[j] *= 0.25;
                        max = Math.max(max, p[j]);
                    }
                    for (int j = 0; j < len; j++) sum += p[j] = Math.exp(p[j] - max);
                    for (int i = 0; i < 16; i++) {
                        double want = 0;
                        for (int j = 0; j < len; j++) want += p[j] / sum * vv[j * s.kvDim() + kvh * 16 + i];
                        float got = out.getAtIndex(F, (long) t * s.qDim() + head * 16 + i);
                        assertEquals(want, got, 1e-5, "t=" + t + " head=" + head + " i=" + i);
                    }
                }
            }
        }
    }
}
