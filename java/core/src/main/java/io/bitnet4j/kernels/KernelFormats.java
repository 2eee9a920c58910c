package io.bitnet4j.kernels;

import io.bitnet4j.tensor.TensorType;

/**
 * The raw C layouts of {@code native/include/bitnet4j.h} that the kernels index into, named once. Weight
 * blocks are read from their {@link TensorType} row (the one table of block sizes); the Q8_K activation
 * block, which is no tensor type, is declared here from its struct. Callers ask row sizes of
 * {@link MatmulFormat} (weights) and {@link ActivationFormat} (activations).
 */
public final class KernelFormats {
    private KernelFormats() {}

    /** Weights per I2_S group; one group is {@link #I2S_GROUP_BYTES} bytes. */
    public static final int QK_I2S = TensorType.I2_S.blockSize();
    public static final int I2S_GROUP_BYTES = TensorType.I2_S.bytesPerBlock();
    /** Weights per TQ1_0 / TQ2_0 block, and so values per Q8_K block (the activations they read). */
    public static final int QK_K = TensorType.TQ2_0.blockSize();
    public static final int TQ2_0_BLOCK_BYTES = TensorType.TQ2_0.bytesPerBlock();
    public static final int TQ1_0_BLOCK_BYTES = TensorType.TQ1_0.bytesPerBlock();
    /** Q8_K: { float d; int8 qs[QK_K]; int16 bsums[QK_K/16]; } (292 bytes). */
    public static final int Q8_K_QS_OFFSET = Float.BYTES;
    public static final int Q8_K_BSUMS_OFFSET = Q8_K_QS_OFFSET + QK_K;
    public static final int Q8_K_BLOCK_BYTES = Q8_K_BSUMS_OFFSET + QK_K / 16 * Short.BYTES;
    /** Q8_0, weights and activations alike: { fp16 d; int8 qs[32]; }. */
    public static final int QK8_0 = TensorType.Q8_0.blockSize();
    public static final int Q8_0_BLOCK_BYTES = TensorType.Q8_0.bytesPerBlock();
    /** Q1_0 / Q2_0 weights: { fp16 d; uint8 qs[16]; } per 128 / 64 values (four / two Q8_0 activation blocks). */
    public static final int Q1_0_BLOCK = TensorType.Q1_0.blockSize();
    public static final int Q1_0_BLOCK_BYTES = TensorType.Q1_0.bytesPerBlock();
    public static final int Q2_0_BLOCK = TensorType.Q2_0.blockSize();
    public static final int Q2_0_BLOCK_BYTES = TensorType.Q2_0.bytesPerBlock();

    /** Bytes of one Q8_K activation row of k values (k a positive multiple of {@link #QK_K}). */
    static long q8kRowBytes(int k) {
        if (k <= 0 || k % QK_K != 0) {
            throw new IllegalArgumentException("Q8_K: k=" + k + " must be a positive multiple of " + QK_K);
        }
        return (long) (k / QK_K) * Q8_K_BLOCK_BYTES;
    }
}
