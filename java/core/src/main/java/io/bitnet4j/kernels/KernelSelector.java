package io.bitnet4j.kernels;

import java.util.Locale;

/**
 * Chooses the kernel tier: a forced tier ({@code -Dbitnet4j.kernels=native|vector|scalar}, or the CLI's
 * {@code --kernels} through {@link #select(String)}) or, by default, native if libbitnet4j loads, else
 * the Vector API if the {@code jdk.incubator.vector} module is present, else scalar. Forcing an
 * unavailable tier is an error naming the reason.
 */
public final class KernelSelector {
    public static final String PROPERTY = "bitnet4j.kernels";

    private KernelSelector() {}

    /** The chosen kernels and a one-line human explanation, e.g. "kernels: native avx512vnni (…)". */
    public record Selection(Kernels kernels, String explanation) {
        public KernelTier tier() {
            return kernels.tier();
        }
    }

    /** Uses {@code -Dbitnet4j.kernels} if set (native|vector|scalar|auto), else the automatic choice. */
    public static Selection select() {
        return select(System.getProperty(PROPERTY));
    }

    /**
     * For the CLI's --kernels flag: null, "" or "auto" choose automatically; otherwise the named tier.
     *
     * @throws IllegalArgumentException for an unknown name
     * @throws IllegalStateException if the named tier is unavailable here
     */
    public static Selection select(String name) {
        if (name == null || name.isBlank() || name.trim().toLowerCase(Locale.ROOT).equals("auto")) {
            return select((KernelTier) null);
        }
        return select(KernelTier.fromId(name));
    }

    /** forced == null: automatic. */
    public static Selection select(KernelTier forced) {
        if (forced == null) {
            if (NativeKernels.available()) {
                return nativeSelection();
            }
            String why = NativeKernels.unavailableReason();
            String vectorProblem = vectorUnavailableReason();
            if (vectorProblem == null) {
                Kernels v = VectorKernels.instance();
                return new Selection(v, "kernels: " + v.description() + " (" + why + ")");
            }
            return new Selection(ScalarKernels.instance(),
                    "kernels: scalar Java (" + why + "; " + vectorProblem + ")");
        }
        return switch (forced) {
            case NATIVE -> {
                if (!NativeKernels.available()) {
                    throw new IllegalStateException("kernels 'native' requested but unavailable: "
                            + NativeKernels.unavailableReason());
                }
                yield nativeSelection();
            }
            case VECTOR -> {
                String problem = vectorUnavailableReason();
                if (problem != null) {
                    throw new IllegalStateException("kernels 'vector' requested but unavailable: " + problem);
                }
                Kernels v = VectorKernels.instance();
                yield new Selection(v, "kernels: " + v.description() + " (forced)");
            }
            case SCALAR -> new Selection(ScalarKernels.instance(), "kernels: scalar Java (forced)");
        };
    }

    /** The kernels of one tier, or IllegalStateException if unavailable. */
    public static Kernels kernels(KernelTier tier) {
        return select(tier).kernels();
    }

    /** Whether a tier can be used in this JVM. */
    public static boolean isAvailable(KernelTier tier) {
        return switch (tier) {
            case NATIVE -> NativeKernels.available();
            case VECTOR -> vectorUnavailableReason() == null;
            case SCALAR -> true;
        };
    }

    private static Selection nativeSelection() {
        NativeKernels n = NativeKernels.instance();
        return new Selection(n, "kernels: " + n.description() + " (libbitnet4j loaded from "
                + NativeKernels.librarySource() + ")");
    }

    /** null if the Vector API tier works here, else why not. Never touches VectorKernels before the module check. */
    static String vectorUnavailableReason() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return "no Vector API (run with --add-modules jdk.incubator.vector)";
        }
        try {
            if (!VectorKernels.supported()) {
                return "Vector API vectors narrower than 128 bits";
            }
        } catch (LinkageError e) {
            return "Vector API unusable: " + e;
        }
        return null;
    }
}
