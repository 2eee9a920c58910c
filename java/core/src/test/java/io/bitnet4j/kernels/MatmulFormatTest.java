package io.bitnet4j.kernels;

import static io.bitnet4j.kernels.TestData.*;
import static org.junit.jupiter.api.Assertions.*;

import io.bitnet4j.tensor.Tensor;
import io.bitnet4j.tensor.TensorType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The matmul table: its sizes are bitnet4j.h's, every type has a row, and a table gemm is the tier's kernel. */
class MatmulFormatTest {

    @Test
    void rowSizesAreTheCHeaderLayouts() {
        int k = 512;
        assertEquals(k / 4, MatmulFormat.I2_S.weightRowBytes(k));
        assertEquals(2 * 66, MatmulFormat.TQ2_0.weightRowBytes(k));
        assertEquals(2 * 54, MatmulFormat.TQ1_0.weightRowBytes(k));
        assertEquals(16 * 34, MatmulFormat.Q8_0.weightRowBytes(k));
        assertEquals(4L * k, MatmulFormat.F32.weightRowBytes(k));
        assertEquals(2L * k, MatmulFormat.F16.weightRowBytes(k));
        assertEquals(2L * k, MatmulFormat.BF16.weightRowBytes(k));
        assertEquals(k, ActivationFormat.I8.rowBytes(k));
        assertEquals(2 * 292, ActivationFormat.Q8_K.rowBytes(k));
        assertEquals(16 * 34, ActivationFormat.Q8_0.rowBytes(k));
        assertEquals(4L * k, ActivationFormat.F16.rowBytes(k));
        assertEquals(292, KernelFormats.Q8_K_BLOCK_BYTES);
        assertEquals(260, KernelFormats.Q8_K_BSUMS_OFFSET);
        assertThrows(IllegalArgumentException.class, () -> ActivationFormat.Q8_K.rowBytes(200));
        assertThrows(IllegalArgumentException.class, () -> MatmulFormat.I2_S.weightRowBytes(200));
        assertThrows(IllegalArgumentException.class, () -> ActivationFormat.F32.rowBytes(0));
    }

    @Test
    void everyTypeHasARow() {
        for (MatmulFormat f : MatmulFormat.values()) {
            if (f.weightType() != null) assertSame(f, MatmulFormat.of(f.weightType()));
        }
        assertSame(MatmulFormat.DEQUANT_F32, MatmulFormat.of(TensorType.Q6_K));
        assertSame(ActivationFormat.Q8_K, MatmulFormat.of(TensorType.TQ1_0).activation());
        assertSame(ActivationFormat.I8, MatmulFormat.of(TensorType.I2_S).activation());
    }

    @Test
    void tableGemmIsTheKernelOnTheQuantizedInput() {
        ScalarKernels kk = ScalarKernels.instance();
        int k = 256, rows = 3, ntok = 5;
        Random rnd = new Random(7);
        try (Arena a = Arena.ofShared(); Parallel par = new Parallel(2)) {   // shared: pool threads quantize
            MemorySegment x = floats(a, gaussian(ntok * k, 1f, rnd));
            MemorySegment wq = a.allocate(rows * MatmulFormat.Q8_0.weightRowBytes(k), 64);
            kk.quantizeQ80(floats(a, gaussian(rows * k, 1f, rnd)), rows, k, wq);
            Tensor w = new Tensor("w", TensorType.Q8_0, new long[] {k, rows}, wq);

            QuantizedInput in = new QuantizedInput(8, a);
            in.reserve(ActivationFormat.Q8_0, k);
            in.set(x, ntok, k);
            assertThrows(IllegalStateException.class, () -> in.data(ActivationFormat.Q8_0), "not quantized yet");
            in.quantize(ActivationFormat.Q8_0, kk, par);   // 5 tokens: split over the pool
            assertTrue(in.holds(ActivationFormat.Q8_0));
            assertThrows(IllegalStateException.class, () -> in.data(ActivationFormat.Q8_K), "another format");
            MemorySegment viaTable = a.allocate(4L * ntok * rows);
            MatmulFormat.of(w.type()).gemm(kk, w, 1f, in, 0, rows, viaTable, rows);

            MemorySegment act = a.allocate(ntok * ActivationFormat.Q8_0.rowBytes(k), 64);
            kk.quantizeQ80(x, ntok, k, act);
            MemorySegment direct = a.allocate(4L * ntok * rows);
            kk.gemmQ80(wq, k, 0, rows, act, ntok, direct, rows);
            assertEquals(-1, direct.mismatch(viaTable));

            in.set(x, ntok, k);   // a new input holds no format
            assertFalse(in.holds(ActivationFormat.Q8_0));
            in.set(x, 1, 128);
            in.quantize(ActivationFormat.F32, kk, par);
            assertThrows(IllegalArgumentException.class, () -> MatmulFormat.F32.gemm(kk,
                    new Tensor("f", TensorType.F32, new long[] {k, 1}, a.allocate(4L * k)), 1f, in, 0, 1, viaTable, 1),
                    "rows of another length than the input's");
        }
    }
}
