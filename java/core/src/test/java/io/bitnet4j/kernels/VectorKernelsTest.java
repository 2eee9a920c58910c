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
        kernels().gemmF32(w, 4, 0, 2, x, 1, out, 2);
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
}
