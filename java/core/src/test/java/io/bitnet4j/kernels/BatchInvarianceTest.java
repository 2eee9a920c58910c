package io.bitnet4j.kernels;

import static io.bitnet4j.kernels.TestData.*;
import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Continuous batching puts the next tokens of several sequences through one GEMM call, and each
 * sequence must get exactly the result it gets alone. So for every kernel of every tier (and every
 * native ISA this CPU runs), token t of an ntok-token call must be bit-identical to a one-token call on
 * token t: no summation order may depend on ntok (e.g. a separate GEMV path for ntok = 1).
 */
class BatchInvarianceTest {

    static final int NTOK = 7;   // not a multiple of the 4-token blocks some kernels use
    static final int ROWS = 13;  // rows in [0, 13) cover both the 4-row GEMV blocks and the remainder

    Arena arena;

    @BeforeEach
    void open() {
        arena = Arena.ofConfined();
    }

    @AfterEach
    void close() {
        arena.close();
    }

    /** (name, kernels supplier) for every tier available here; native ISAs switched on use. */
    static Stream<String> tiers() {
        List<String> t = new ArrayList<>();
        t.add("scalar");
        if (KernelSelector.vectorUnavailableReason() == null) t.add("vector");
        if (NativeKernels.available()) {
            for (String isa : NativeKernels.instance().supportedIsas()) t.add("native:" + isa);
        }
        return t.stream();
    }

    static Kernels kernels(String tier) {
        if (tier.equals("scalar")) return ScalarKernels.instance();
        if (tier.equals("vector")) return VectorKernels.instance();
        NativeKernels n = NativeKernels.instance();
        n.setIsa(tier.substring("native:".length()));
        return n;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tiers")
    void eachTokensResultIsIndependentOfTheBatch(String tier) {
        String before = NativeKernels.available() ? NativeKernels.instance().isa() : null;
        try {
            Kernels kk = kernels(tier);
            Random rnd = new Random(tier.hashCode());
            i2s(kk, rnd, 512);
            ternaryQ8K(kk, rnd, 512, true);
            ternaryQ8K(kk, rnd, 256, false);
            q80(kk, rnd, 96);
            q1q2(kk, rnd, MatmulFormat.Q1_0, 384);
            q1q2(kk, rnd, MatmulFormat.Q2_0, 192);
            for (int k : new int[] {100, 256}) floats(kk, rnd, k);
        } finally {
            if (before != null) NativeKernels.instance().setIsa(before);
        }
    }

    /**
     * A row's result must not change when the JIT compiles the kernel: a Vector API float
     * {@code reduceLanes(ADD)} has an unspecified order, and C2's intrinsic summed differently from the
     * interpreter, so the same step gave other logits after warm-up (seen as a batched-vs-alone
     * mismatch). Thousands of identical one-token calls must all agree with the first.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("tiers")
    void floatGemvIsStableUnderJitCompilation(String tier) {
        String before = NativeKernels.available() ? NativeKernels.instance().isa() : null;
        try {
            Kernels kk = kernels(tier);
            Random rnd = new Random(7);
            int k = 256, rows = 8;
            MemorySegment w16 = arena.allocate(2L * rows * k, 64);
            float[] wf = gaussian(rows * k, 0.5f, rnd);
            for (int i = 0; i < wf.length; i++) w16.setAtIndex(S, i, Float.floatToFloat16(wf[i]));
            MemorySegment x = TestData.floats(arena, gaussian(k, 1f, rnd));
            MemorySegment first = arena.allocate(4L * rows, 64), out = arena.allocate(4L * rows, 64);
            kk.gemmF16(w16, k, 0, rows, x, 1, first, rows, MatmulOrder.LLAMA_CPP_SINGLE);
            for (int it = 0; it < 20_000; it++) {
                kk.gemmF16(w16, k, 0, rows, x, 1, out, rows, MatmulOrder.LLAMA_CPP_SINGLE);
                long at = first.mismatch(out);
                if (at >= 0) fail("call " + it + " differs from the first at row " + at / 4);
            }
        } finally {
            if (before != null) NativeKernels.instance().setIsa(before);
        }
    }

    private void i2s(Kernels kk, Random rnd, int k) {
        MemorySegment w = encodeI2S(arena, ternaryRows(ROWS, k, rnd));
        MemorySegment x = TestData.floats(arena, gaussian(NTOK * k, 1f, rnd));
        MemorySegment q = arena.allocate((long) NTOK * k, 64), s = arena.allocate(4L * NTOK), u = arena.allocate(4L * NTOK);
        kk.quantizeI8(x, NTOK, k, q, s, u);
        MemorySegment all = sentinelOut(arena, NTOK, ROWS);
        kk.gemmI2S(w, k, 0, ROWS, 0.7f, q, s, u, NTOK, all, ROWS);
        for (int t = 0; t < NTOK; t++) {
            MemorySegment one = sentinelOut(arena, 1, ROWS);
            kk.gemmI2S(w, k, 0, ROWS, 0.7f, q.asSlice((long) t * k, k), s.asSlice(4L * t, 4), u.asSlice(4L * t, 4), 1, one, ROWS);
            same("I2_S", all, one, t);
        }
    }

    private void ternaryQ8K(Kernels kk, Random rnd, int k, boolean tq2) {
        int nb = k / KernelFormats.QK_K;
        MemorySegment w = tq2 ? encodeTQ20(arena, ternaryRows(ROWS, k, rnd), blockScales(ROWS, nb, rnd))
                : encodeTQ10(arena, ternaryRows(ROWS, k, rnd), blockScales(ROWS, nb, rnd));
        long rowBytes = ActivationFormat.Q8_K.rowBytes(k);
        MemorySegment act = arena.allocate(NTOK * rowBytes, 64);
        kk.quantizeQ8K(TestData.floats(arena, gaussian(NTOK * k, 1f, rnd)), NTOK, k, act);
        MemorySegment all = sentinelOut(arena, NTOK, ROWS);
        if (tq2) kk.gemmTQ20(w, k, 0, ROWS, act, NTOK, all, ROWS, MatmulOrder.LLAMA_CPP_SINGLE);
        else kk.gemmTQ10(w, k, 0, ROWS, act, NTOK, all, ROWS, MatmulOrder.LLAMA_CPP_SINGLE);
        for (int t = 0; t < NTOK; t++) {
            MemorySegment one = sentinelOut(arena, 1, ROWS);
            MemorySegment a = act.asSlice(t * rowBytes, rowBytes);
            if (tq2) kk.gemmTQ20(w, k, 0, ROWS, a, 1, one, ROWS, MatmulOrder.LLAMA_CPP_SINGLE);
            else kk.gemmTQ10(w, k, 0, ROWS, a, 1, one, ROWS, MatmulOrder.LLAMA_CPP_SINGLE);
            same(tq2 ? "TQ2_0" : "TQ1_0", all, one, t);
        }
    }

    private void q80(Kernels kk, Random rnd, int k) {
        long rowBytes = ActivationFormat.Q8_0.rowBytes(k);
        MemorySegment w = arena.allocate(ROWS * rowBytes, 64);
        kk.quantizeQ80(TestData.floats(arena, gaussian(ROWS * k, 1f, rnd)), ROWS, k, w);
        MemorySegment act = arena.allocate(NTOK * rowBytes, 64);
        kk.quantizeQ80(TestData.floats(arena, gaussian(NTOK * k, 1f, rnd)), NTOK, k, act);
        MemorySegment all = sentinelOut(arena, NTOK, ROWS);
        kk.gemmQ80(w, k, 0, ROWS, act, NTOK, all, ROWS);
        for (int t = 0; t < NTOK; t++) {
            MemorySegment one = sentinelOut(arena, 1, ROWS);
            kk.gemmQ80(w, k, 0, ROWS, act.asSlice(t * rowBytes, rowBytes), 1, one, ROWS);
            same("Q8_0", all, one, t);
        }
    }

    private void q1q2(Kernels kk, Random rnd, MatmulFormat format, int k) {
        long rowBytes = ActivationFormat.Q8_0.rowBytes(k);
        MemorySegment w = arena.allocate(ROWS * format.weightRowBytes(k), 64);
        for (long i = 0; i < w.byteSize(); i++) w.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt());
        for (long b = 0; b < w.byteSize() / 18; b++) w.set(S, 18 * b, Float.floatToFloat16((float) rnd.nextGaussian() * 0.05f));
        MemorySegment act = arena.allocate(NTOK * rowBytes, 64);
        kk.quantizeQ80(TestData.floats(arena, gaussian(NTOK * k, 1f, rnd)), NTOK, k, act);
        MemorySegment all = sentinelOut(arena, NTOK, ROWS);
        GgmlQ1Q2Check.gemm(kk, format, w, k, 0, ROWS, act, NTOK, all, ROWS);
        for (int t = 0; t < NTOK; t++) {
            MemorySegment one = sentinelOut(arena, 1, ROWS);
            GgmlQ1Q2Check.gemm(kk, format, w, k, 0, ROWS, act.asSlice(t * rowBytes, rowBytes), 1, one, ROWS);
            same(format.toString(), all, one, t);
        }
    }

    private void floats(Kernels kk, Random rnd, int k) {
        float[] wf = gaussian(ROWS * k, 0.5f, rnd);
        MemorySegment w32 = TestData.floats(arena, wf);
        MemorySegment w16 = arena.allocate(2L * ROWS * k, 64);
        MemorySegment wb16 = arena.allocate(2L * ROWS * k, 64);
        for (int i = 0; i < wf.length; i++) {
            w16.setAtIndex(S, i, Float.floatToFloat16(wf[i]));
            wb16.setAtIndex(S, i, (short) (Float.floatToRawIntBits(wf[i]) >>> 16));
        }
        MemorySegment x = TestData.floats(arena, gaussian(NTOK * k, 1f, rnd));
        for (String f : new String[] {"F32", "F16", "BF16"}) {
            MemorySegment w = f.equals("F32") ? w32 : f.equals("F16") ? w16 : wb16;
            MemorySegment all = sentinelOut(arena, NTOK, ROWS);
            run(kk, f, w, k, x, NTOK, all);
            for (int t = 0; t < NTOK; t++) {
                MemorySegment one = sentinelOut(arena, 1, ROWS);
                run(kk, f, w, k, x.asSlice(4L * t * k, 4L * k), 1, one);
                same(f + " k=" + k, all, one, t);
            }
        }
    }

    private static void run(Kernels kk, String f, MemorySegment w, int k, MemorySegment x, int ntok, MemorySegment out) {
        switch (f) {
            case "F32" -> kk.gemmF32(w, k, 0, ROWS, x, ntok, out, ROWS, MatmulOrder.LLAMA_CPP_SINGLE);
            case "F16" -> kk.gemmF16(w, k, 0, ROWS, x, ntok, out, ROWS, MatmulOrder.LLAMA_CPP_SINGLE);
            default -> kk.gemmBF16(w, k, 0, ROWS, x, ntok, out, ROWS);
        }
    }

    /** Row block t of {@code all} equals {@code one}, bit for bit. */
    private static void same(String what, MemorySegment all, MemorySegment one, int t) {
        for (int r = 0; r < ROWS; r++) {
            int a = all.getAtIndex(I, (long) t * ROWS + r), b = one.getAtIndex(I, r);
            if (a != b) {
                fail(what + ": token " + t + " of " + NTOK + ", row " + r + ": " + Float.intBitsToFloat(a)
                        + " in the batch, " + Float.intBitsToFloat(b) + " alone");
            }
        }
    }
}
