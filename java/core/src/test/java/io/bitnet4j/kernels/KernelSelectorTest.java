package io.bitnet4j.kernels;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
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

    /**
     * The fallback chain and forced tiers where native (a library path that does not exist) and then the Vector API
     * (no --add-modules) are missing: run in a JVM of their own, since this one has both.
     */
    @Test
    void withoutNativeThenWithoutVectorTheChoiceFallsBackAndForcingTheMissingTierIsAnError() throws Exception {
        List<String> noNative = probe(true);
        assertTrue(noNative.get(0).startsWith("auto: kernels: vector API"), noNative.toString());
        assertTrue(noNative.get(0).contains("/nonexistent/libbitnet4j.so"), "the reason native is not used: " + noNative);
        assertTrue(noNative.get(1).startsWith("native: refused: kernels 'native' requested but unavailable: ")
                && noNative.get(1).contains("/nonexistent/libbitnet4j.so"), noNative.toString());
        assertTrue(noNative.get(2).startsWith("vector: kernels: vector API"), noNative.toString());

        List<String> neither = probe(false);
        assertTrue(neither.get(0).startsWith("auto: kernels: scalar Java (") && neither.get(0).contains("no Vector API"),
                neither.toString());
        assertTrue(neither.get(2).startsWith("vector: refused: kernels 'vector' requested but unavailable: no Vector API"),
                neither.toString());
        assertEquals("scalar: kernels: scalar Java (forced)", neither.get(3));
    }

    /** {@link Probe}'s lines for auto, native, vector and scalar in a JVM without the native library. */
    private static List<String> probe(boolean vectorModule) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        if (vectorModule) cmd.addAll(List.of("--add-modules", "jdk.incubator.vector"));
        cmd.addAll(List.of("-D" + NativeLoader.PATH_PROPERTY + "=/nonexistent/libbitnet4j.so",
                "-cp", System.getProperty("java.class.path"), Probe.class.getName(), "auto", "native", "vector", "scalar"));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "probe did not finish");
        assertEquals(0, p.exitValue(), out);
        return out.lines().filter(l -> !l.startsWith("WARNING")).toList();
    }

    /** Prints, per tier name, the selection's explanation or why it was refused. */
    static final class Probe {
        public static void main(String[] names) {
            for (String name : names) {
                try {
                    System.out.println(name + ": " + KernelSelector.select(name).explanation());
                } catch (IllegalStateException e) {
                    System.out.println(name + ": refused: " + e.getMessage());
                }
            }
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
