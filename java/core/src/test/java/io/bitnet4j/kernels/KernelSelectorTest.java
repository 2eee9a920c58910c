package io.bitnet4j.kernels;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class KernelSelectorTest {
    @Test
    void tierNamesAreExplicit() {
        assertEquals(KernelTier.NATIVE, KernelTier.fromId("native"));
        assertEquals(KernelTier.VECTOR, KernelTier.fromId(" Vector "));
        assertEquals(KernelTier.SCALAR, KernelTier.fromId("SCALAR"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KernelTier.fromId("gpu"));
        assertTrue(e.getMessage().contains("gpu"));
        assertThrows(IllegalArgumentException.class, () -> KernelSelector.select("fast"));
    }

    @Test
    void automaticChoiceIsTheBestAvailable() {
        KernelSelector.Selection s = KernelSelector.select("auto");
        KernelTier expected = NativeKernels.available() ? KernelTier.NATIVE
                : KernelSelector.isAvailable(KernelTier.VECTOR) ? KernelTier.VECTOR : KernelTier.SCALAR;
        assertEquals(expected, s.tier());
        assertTrue(s.explanation().startsWith("kernels: "), s.explanation());
        assertEquals(expected, KernelSelector.select((String) null).tier());
    }

    @Test
    void forcedTiers() {
        KernelSelector.Selection sc = KernelSelector.select("scalar");
        assertSame(ScalarKernels.instance(), sc.kernels());
        assertEquals("kernels: scalar Java (forced)", sc.explanation());
        // surefire runs with --add-modules jdk.incubator.vector
        KernelSelector.Selection v = KernelSelector.select(KernelTier.VECTOR);
        assertSame(VectorKernels.instance(), v.kernels());
        assertTrue(v.explanation().startsWith("kernels: vector API " + VectorKernels.vectorBits() + "-bit"), v.explanation());
        if (NativeKernels.available()) {
            KernelSelector.Selection n = KernelSelector.select("native");
            assertEquals(KernelTier.NATIVE, n.tier());
            assertTrue(n.explanation().contains("libbitnet4j loaded from"), n.explanation());
        } else {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> KernelSelector.select("native"));
            assertTrue(e.getMessage().contains(NativeKernels.unavailableReason()));
        }
    }

    @Test
    void systemPropertyForcesATier() {
        String old = System.getProperty(KernelSelector.PROPERTY);
        try {
            System.setProperty(KernelSelector.PROPERTY, "scalar");
            assertEquals(KernelTier.SCALAR, KernelSelector.select().tier());
            System.setProperty(KernelSelector.PROPERTY, "vector");
            assertEquals(KernelTier.VECTOR, KernelSelector.select().tier());
        } finally {
            if (old == null) System.clearProperty(KernelSelector.PROPERTY);
            else System.setProperty(KernelSelector.PROPERTY, old);
        }
    }
}
