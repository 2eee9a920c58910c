package io.bitnet4j.cli;

import io.bitnet4j.kernels.NativeLoader;

/** A cheap guess, before anything is loaded, whether a native library exists for this platform. */
final class NativeAvailability {
    private NativeAvailability() {}

    static boolean likely() {
        String override = System.getProperty(NativeLoader.PATH_PROPERTY);
        if (override != null && !override.isBlank()) return true;
        String resource = "io/bitnet4j/native/" + NativeLoader.platform() + "/" + NativeLoader.LIBRARY_FILE;
        return NativeAvailability.class.getClassLoader().getResource(resource) != null;
    }
}
