package io.bitnet4j.kernels;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

/**
 * The same equivalence suite for every other ISA variant the CPU supports (NativeKernelsTest covers
 * the default, best one). Each nested class switches the process-wide variant with b4j_set_isa and
 * restores the default afterwards; a variant this CPU cannot run is skipped.
 */
class NativeIsaVariantsTest {
    static String defaultIsa;

    @BeforeAll
    static void remember() {
        NativeKernelsTest.requireLibrary();
        defaultIsa = NativeKernels.instance().isa();
    }

    @AfterAll
    static void restore() {
        if (defaultIsa != null) {
            NativeKernels.instance().setIsa(defaultIsa);
        }
    }

    abstract static class Variant extends TierEquivalenceTest {
        abstract String isa();

        @Override
        Kernels kernels() {
            NativeKernels n = NativeKernels.instance();
            Assumptions.assumeTrue(n.supportedIsas().contains(isa()), () -> isa() + " not supported on this CPU");
            if (!n.isa().equals(isa())) {
                n.setIsa(isa());
            }
            assertEquals(isa(), n.isa());
            return n;
        }

        /** libbitnet4j keeps llama.cpp's per-block float order in every variant. */
        @Override
        boolean exactBlockFloats() {
            return true;
        }
    }

    @Nested
    class Avx2 extends Variant {
        @Override
        String isa() {
            return "avx2";
        }
    }

    @Nested
    class Scalar extends Variant {
        @Override
        String isa() {
            return "scalar";
        }
    }

    @Nested
    class Neon extends Variant {
        @Override
        String isa() {
            return "neon";
        }
    }

    @Nested
    class NeonDotprod extends Variant {
        @Override
        String isa() {
            return "dotprod";
        }
    }
}
