package io.bitnet4j.kernels;

import static org.junit.jupiter.api.Assertions.*;

import java.lang.foreign.MemorySegment;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The native tier against the scalar oracle. Skipped only when no library for this platform exists at
 * all (no classpath resource and no -Dbitnet4j.native.path); if one exists it must load.
 */
class NativeKernelsTest extends TierEquivalenceTest {
    @BeforeAll
    static void requireLibrary() {
        boolean shipped = NativeKernelsTest.class.getClassLoader()
                .getResource(NativeLoader.resourceName(NativeLoader.platform())) != null
                || System.getProperty(NativeLoader.PATH_PROPERTY) != null;
        Assumptions.assumeTrue(shipped, "no libbitnet4j for " + NativeLoader.platform() + " in this build");
        assertTrue(NativeKernels.available(), () -> "libbitnet4j present but not loadable: " + NativeKernels.unavailableReason());
    }

    @Override
    Kernels kernels() {
        return NativeKernels.instance();
    }

    /** libbitnet4j keeps llama.cpp's per-block float order in every variant, so even these are bit-identical. */
    @Override
    boolean exactBlockFloats() {
        return true;
    }

    @Test
    void abiAndIsa() {
        NativeKernels n = NativeKernels.instance();
        assertEquals(NativeSymbols.EXPECTED_ABI, n.abiVersion());
        List<String> isas = n.supportedIsas();
        assertFalse(isas.isEmpty());
        assertTrue(isas.contains(n.isa()), () -> n.isa() + " not in " + isas);
        assertEquals("native " + n.isa(), n.description());
        assertThrows(IllegalArgumentException.class, () -> n.setIsa("no-such-isa"));
    }

    @Test
    void rejectsHeapSegments() {
        MemorySegment heap = MemorySegment.ofArray(new float[64]);
        MemorySegment off = arena.allocate(256);
        assertThrows(IllegalArgumentException.class, () -> kernels().gemmF32(heap, 4, 0, 2, off, 1, off, 2, MatmulOrder.LLAMA_CPP_SINGLE));
        assertThrows(IllegalArgumentException.class, () -> kernels().gemmF32(off, 4, 0, 2, off, 1, heap, 2, MatmulOrder.LLAMA_CPP_SINGLE));
    }
}
