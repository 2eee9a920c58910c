package io.bitnet4j.kernels;

/**
 * Per-thread work arrays of the Vector API kernels (transformed activations, TQ lane sums), so that a
 * kernel call allocates nothing once a thread has seen its largest shape. The engine's thread pool is
 * fixed, so this is a few small arrays per worker; each array only grows (to at most
 * {@link #MAX_SHORTS} shorts / floats, the kernels process tokens in chunks that fit).
 */
final class VectorScratch {
    /** Upper bound on the per-thread activation arrays: 1 Mi elements (2 MiB of shorts, 4 MiB of floats). */
    static final int MAX_SHORTS = 1 << 20;

    private static final ThreadLocal<VectorScratch> LOCAL = ThreadLocal.withInitial(VectorScratch::new);

    private short[] shorts = new short[0];
    private float[] floats = new float[0];
    private int[] ints = new int[0];
    final int[] lanes = new int[ScalarKernels.LANES];
    final float[] acc = new float[ScalarKernels.LANES];
    /** Up to four float vectors' lanes (512 bits each), for sums in lane order. */
    final float[] vectorLanes = new float[64];

    private VectorScratch() {}

    static VectorScratch get() {
        return LOCAL.get();
    }

    /** An array of at least n shorts (contents undefined). */
    short[] shorts(int n) {
        if (shorts.length < n) {
            shorts = new short[n];
        }
        return shorts;
    }

    /** An array of at least n ints (contents undefined). */
    int[] ints(int n) {
        if (ints.length < n) {
            ints = new int[n];
        }
        return ints;
    }

    /** An array of at least n floats (contents undefined). */
    float[] floats(int n) {
        if (floats.length < n) {
            floats = new float[n];
        }
        return floats;
    }
}
