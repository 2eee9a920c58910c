package io.bitnet4j.kernels;

import static org.junit.jupiter.api.Assertions.*;

import io.bitnet4j.tensor.GgmlQ1Q2Reference;
import io.bitnet4j.tensor.TensorType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A tier's Q1_0 / Q2_0 gemm against ggml's own vec_dot on the same bytes (the test resource of
 * {@link GgmlQ1Q2Reference}): bit for bit (NaN as NaN), as one GEMM over all tokens, as one-token calls,
 * and on a sub-range of rows.
 */
final class GgmlQ1Q2Check {
    private GgmlQ1Q2Check() {}

    /** Checks every reference case of the format's type; returns how many (row, token) results were compared. */
    static int check(Kernels kk, MatmulFormat format, Arena arena) {
        int compared = 0;
        for (GgmlQ1Q2Reference.Case c : GgmlQ1Q2Reference.cases(format.weightType())) {
            MemorySegment w = GgmlQ1Q2Reference.offHeap(c.quantized(), arena);
            MemorySegment act = GgmlQ1Q2Reference.offHeap(c.actQ80(), arena);
            int rows = c.rows(), stride = rows + 1;
            long actRow = TensorType.Q8_0.rowSize(c.k());
            MemorySegment all = TestData.sentinelOut(arena, c.ntok(), stride);
            gemm(kk, format, w, c.k(), 0, rows, act, c.ntok(), all, stride);
            for (int t = 0; t < c.ntok(); t++) {
                MemorySegment one = TestData.sentinelOut(arena, 1, rows), sub = TestData.sentinelOut(arena, 1, rows);
                gemm(kk, format, w, c.k(), 0, rows, act.asSlice(t * actRow, actRow), 1, one, rows);
                gemm(kk, format, w, c.k(), 1, rows, act.asSlice(t * actRow, actRow), 1, sub, rows);
                for (int r = 0; r < rows; r++) {
                    String what = kk.description() + " " + c + " token " + t + " row " + r;
                    float want = c.dots()[t * rows + r];
                    same(want, all.getAtIndex(ValueLayout.JAVA_FLOAT, (long) t * stride + r), what + " (GEMM)");
                    same(want, one.getAtIndex(ValueLayout.JAVA_FLOAT, r), what + " (GEMV)");
                    if (r >= 1) same(want, sub.getAtIndex(ValueLayout.JAVA_FLOAT, r), what + " (rows [1, n))");
                    compared++;
                }
                assertTrue(Float.isNaN(sub.getAtIndex(ValueLayout.JAVA_FLOAT, 0)), "row 0 written outside [1, n)");
            }
        }
        return compared;
    }

    private static void same(float want, float got, String what) {
        if (Float.isNaN(want) && Float.isNaN(got)) return;
        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got), () -> what + ": ggml " + want + ", got " + got);
    }

    /** The format's {@link Kernels} gemm. */
    static void gemm(Kernels kk, MatmulFormat format, MemorySegment w, int k, int row0, int row1, MemorySegment act, int ntok,
                     MemorySegment out, int stride) {
        if (format == MatmulFormat.Q1_0) kk.gemmQ10(w, k, row0, row1, act, ntok, out, stride);
        else kk.gemmQ20(w, k, row0, row1, act, ntok, out, stride);
    }
}
