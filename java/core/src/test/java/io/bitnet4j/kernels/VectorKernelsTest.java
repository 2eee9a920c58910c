package io.bitnet4j.kernels;

import static io.bitnet4j.kernels.TestData.*;
import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class VectorKernelsTest extends TierEquivalenceTest {
    @Override
    Kernels kernels() {
        return VectorKernels.instance();
    }

    @Override
    boolean exactBlockFloats() {
        return true;
    }

    @Test
    void honoursTheVectorWidthCap() {
        Integer cap = Integer.getInteger("bitnet4j.vector.bits");
        if (cap != null) {
            assertEquals(cap.intValue(), VectorKernels.vectorBits(), "surefire's narrow-lane runs must really be narrow");
        }
    }

    @Test
    void describesItself() {
        assertEquals(KernelTier.VECTOR, kernels().tier());
        assertTrue(kernels().description().startsWith("vector API "), kernels().description());
    }

    @Test
    void javaTiersAcceptHeapSegments() {
        // the Java tiers read any segment; only the native tier needs off-heap memory
        MemorySegment w = MemorySegment.ofArray(new float[8]), x = MemorySegment.ofArray(new float[4]);
        MemorySegment out = MemorySegment.ofArray(new float[2]);
        kernels().gemmF32(w, 4, 0, 2, x, 1, out, 2, MatmulOrder.LLAMA_CPP_SINGLE);
        assertEquals(0f, out.getAtIndex(TestData.F, 1));
    }

    /**
     * The vector I2_S kernel sums 16-bit lanes over up to 21 groups of 128 weights before widening; the
     * worst case is code 3 (|c| = 3, never written by bitnet.cpp but defined by the oracle) against
     * activations of -128 or 127 everywhere, over rows long enough to cross several flushes at every
     * vector width (k = 43 groups), plus random bytes and an odd row count (the single-row path).
     */
    @ParameterizedTest
    @ValueSource(ints = {-128, 127, -1, 0})
    void i2sSixteenBitSumsAtTheirBound(int a) {
        int k = 43 * 128, rows = 5;
        MemorySegment w = arena.allocate((long) rows * k / 4);
        w.fill((byte) 0xFF);                                   // every code 3
        Random rnd = new Random(a);
        for (long i = (long) 2 * k / 4; i < (long) rows * k / 4; i++) {   // rows 2..4: random codes
            w.set(java.lang.foreign.ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt());
        }
        for (int ntok : new int[] {1, 3}) {
            MemorySegment q = arena.allocate((long) ntok * k);
            q.fill((byte) a);
            if (ntok > 1) {
                q.asSlice(k, k).fill((byte) (a == 0 ? 127 : -a - 1));
            }
            MemorySegment s = floats(arena, new float[] {1.5f, 2f, 0.25f}), u = arena.allocate(4L * ntok);
            for (int t = 0; t < ntok; t++) {
                int sum = 0;
                for (int i = 0; i < k; i++) sum += q.get(java.lang.foreign.ValueLayout.JAVA_BYTE, (long) t * k + i);
                u.setAtIndex(I, t, sum);
            }
            for (int[] range : new int[][] {{0, rows}, {1, 4}, {4, 5}}) {
                MemorySegment o1 = sentinelOut(arena, ntok, rows), o2 = sentinelOut(arena, ntok, rows);
                ref.gemmI2S(w, k, range[0], range[1], 0.7f, q, s, u, ntok, o1, rows);
                kernels().gemmI2S(w, k, range[0], range[1], 0.7f, q, s, u, ntok, o2, rows);
                assertEquals(-1, o1.mismatch(o2), "a=" + a + " ntok=" + ntok + " rows " + range[0] + ".." + range[1]
                        + ": differs at float " + o1.mismatch(o2) / 4);
            }
        }
    }

    /**
     * The fast F16 path converts halves scaled by 2^112 and redoes rows whose sum is not finite; its
     * special cases inside the four-row blocks (the single-row path is what f16SpecialValues covers):
     * inf, NaN, -inf in the k % 16 tail, +inf + -inf, inf * 0, a product of 2^17 (beyond the scaled
     * range, so the row is redone) and a subnormal. Rows hold one or two nonzero weights, so every
     * summation order gives the same float.
     */
    @Test
    void f16SpecialValuesInFourRowBlocks() {
        int k = 40, rows = 9;
        short inf = 0x7C00, nan = 0x7E00, negInf = (short) 0xFC00, big = 0x7B53 /* 60000 */, one = 0x3C00;
        short[][] cells = {{3, inf}, {20, nan}, {35, negInf}, {5, big}, {9, 0x0001}, {1, inf, 2, negInf}, {7, inf},
                {0, one, 39, one}, {12, (short) 0xBC00}};
        MemorySegment w = arena.allocate(2L * rows * k, 64);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cells[r].length; c += 2) {
                w.setAtIndex(S, (long) r * k + cells[r][c], cells[r][c + 1]);
            }
        }
        float[] xv = new float[k];
        java.util.Arrays.fill(xv, 1f);
        xv[5] = 4f;                                            // 60000 * 4 > 2^16
        xv[7] = 0f;                                            // inf * 0 = NaN
        MemorySegment x = floats(arena, xv);
        MemorySegment o1 = sentinelOut(arena, 1, rows), o2 = sentinelOut(arena, 1, rows);
        ref.gemmF16(w, k, 0, rows, x, 1, o1, rows, MatmulOrder.LLAMA_CPP_SINGLE);
        kernels().gemmF16(w, k, 0, rows, x, 1, o2, rows, MatmulOrder.LLAMA_CPP_SINGLE);
        for (int r = 0; r < rows; r++) {
            assertEquals(o1.getAtIndex(F, r), o2.getAtIndex(F, r), "row " + r);
        }
        assertEquals(240000f, o2.getAtIndex(F, 3));
        assertTrue(Float.isNaN(o2.getAtIndex(F, 1)) && Float.isNaN(o2.getAtIndex(F, 5)) && Float.isNaN(o2.getAtIndex(F, 6)));
    }

    /**
     * TQ2_0 with raw random Q8_K blocks (quants down to -128, arbitrary bsums) against random weight bytes
     * (code 3 included): the vector kernel's 16-bit block sums and lane folding at their bounds, and its
     * eight-lane float epilogue bit for bit.
     */
    @Test
    void tq20RawRandomBlocks() {
        Random rnd = new Random(20);
        int k = 768, rows = 6, nb = k / KernelFormats.QK_K;
        MemorySegment w = randomBytes(arena, (long) rows * nb * KernelFormats.TQ2_0_BLOCK_BYTES, rnd);
        for (int b = 0; b < rows * nb; b++) {
            w.set(S, (long) b * KernelFormats.TQ2_0_BLOCK_BYTES + 64, Float.floatToFloat16((float) rnd.nextGaussian()));
        }
        for (int ntok : new int[] {1, 2}) {
            MemorySegment act = randomBytes(arena, (long) ntok * nb * KernelFormats.Q8_K_BLOCK_BYTES, rnd);
            for (int b = 0; b < ntok * nb; b++) {
                act.set(F, (long) b * KernelFormats.Q8_K_BLOCK_BYTES, (float) rnd.nextGaussian());
            }
            MemorySegment o1 = sentinelOut(arena, ntok, rows), o2 = sentinelOut(arena, ntok, rows);
            ref.gemmTQ20(w, k, 0, rows, act, ntok, o1, rows, MatmulOrder.LLAMA_CPP_SINGLE);
            kernels().gemmTQ20(w, k, 0, rows, act, ntok, o2, rows, MatmulOrder.LLAMA_CPP_SINGLE);
            assertEquals(-1, o1.mismatch(o2), "ntok=" + ntok + ": differs at float " + o1.mismatch(o2) / 4);
        }
    }
}
