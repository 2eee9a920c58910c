package io.bitnet4j.kernels;

/**
 * Block sizes and byte sizes of the weight and activation layouts in {@code native/include/bitnet4j.h}.
 * All helpers compute in long and throw IllegalArgumentException for shapes the format cannot hold.
 */
public final class KernelFormats {
    private KernelFormats() {}

    /** Weights per I2_S group; one group is 32 bytes. */
    public static final int QK_I2S = 128;
    public static final int I2S_GROUP_BYTES = 32;
    /** Weights per TQ1_0 / TQ2_0 / Q8_K block. */
    public static final int QK_K = 256;
    public static final int TQ2_0_BLOCK_BYTES = 66;
    public static final int TQ1_0_BLOCK_BYTES = 54;
    /** { float d; int8 qs[256]; int16 bsums[16]; } */
    public static final int Q8_K_BLOCK_BYTES = 292;
    public static final int Q8_K_QS_OFFSET = 4;
    public static final int Q8_K_BSUMS_OFFSET = 260;
    public static final int QK8_0 = 32;
    /** { fp16 d; int8 qs[32]; } */
    public static final int Q8_0_BLOCK_BYTES = 34;

    /** Bytes of one I2_S row of k weights (k % 128 == 0). The per-tensor f32 scale is not included. */
    public static long i2sRowBytes(int k) {
        requireMultiple("I2_S", k, QK_I2S);
        return k / 4;
    }

    public static long tq20RowBytes(int k) {
        requireMultiple("TQ2_0", k, QK_K);
        return (long) (k / QK_K) * TQ2_0_BLOCK_BYTES;
    }

    public static long tq10RowBytes(int k) {
        requireMultiple("TQ1_0", k, QK_K);
        return (long) (k / QK_K) * TQ1_0_BLOCK_BYTES;
    }

    /** Bytes of one quantized Q8_K activation row of k values. */
    public static long q8kRowBytes(int k) {
        requireMultiple("Q8_K", k, QK_K);
        return (long) (k / QK_K) * Q8_K_BLOCK_BYTES;
    }

    /** Bytes of one Q8_0 row (weights or activations) of k values. */
    public static long q80RowBytes(int k) {
        requireMultiple("Q8_0", k, QK8_0);
        return (long) (k / QK8_0) * Q8_0_BLOCK_BYTES;
    }

    static void requireMultiple(String what, int k, int block) {
        if (k <= 0 || k % block != 0) {
            throw new IllegalArgumentException(what + ": k=" + k + " must be a positive multiple of " + block);
        }
    }
}
