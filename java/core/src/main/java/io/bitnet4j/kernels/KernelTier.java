package io.bitnet4j.kernels;

import java.util.Locale;

/**
 * The three kernel implementations, best first. Each constant carries the explicit name used on the
 * command line and in {@code -Dbitnet4j.kernels}; code never relies on ordinals.
 */
public enum KernelTier {
    /** C kernels through FFM (libbitnet4j, AVX2/AVX-512/NEON chosen at run time). */
    NATIVE("native"),
    /** Pure Java with the incubating Vector API (jdk.incubator.vector). */
    VECTOR("vector"),
    /** Plain Java loops: the oracle the other tiers are tested against. */
    SCALAR("scalar");

    private final String id;

    KernelTier(String id) {
        this.id = id;
    }

    /** The name used in flags and properties: "native", "vector" or "scalar". */
    public String id() {
        return id;
    }

    /** Parses a tier name (case-insensitive); throws IllegalArgumentException naming the valid values. */
    public static KernelTier fromId(String name) {
        if (name != null) {
            String n = name.trim().toLowerCase(Locale.ROOT);
            for (KernelTier t : values()) {
                if (t.id.equals(n)) {
                    return t;
                }
            }
        }
        throw new IllegalArgumentException("unknown kernel tier '" + name + "' (expected native, vector or scalar)");
    }

    @Override
    public String toString() {
        return id;
    }
}
