package io.bitnet4j.kernels;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

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
}
