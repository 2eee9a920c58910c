package io.bitnet4j.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Scalar row codecs for every supported {@link TensorType}, dispatched by type: dequantize rows to
 * f32 (embedding lookups, tests, conversion) and quantize f32 rows byte-for-byte like the reference
 * quantizers (llama.cpp for F16/BF16/Q8_0/Q6_K/TQ1_0/TQ2_0/Q1_0/Q2_0, bitnet.cpp for I2_S). Not a hot path: the
 * matmul kernels read the packed formats directly.
 */
public final class TensorCodecs {
    private TensorCodecs() {}

    public static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /**
     * Dequantizes one row of k elements of a block type stored at {@code src[off..)}.
     * I2_S rows need the tensor scale: use {@link I2sCodec#dequantizeRow} or {@link #dequantizeRow(Tensor, long, float[], int)}.
     */
    public static void dequantizeRow(TensorType type, MemorySegment src, long off, float[] dst, int dstOff, int k) {
        checkRow(type, k);
        switch (type) {
            case F32 -> FloatCodecs.dequantizeRowF32(src, off, dst, dstOff, k);
            case F16 -> FloatCodecs.dequantizeRowF16(src, off, dst, dstOff, k);
            case BF16 -> FloatCodecs.dequantizeRowBF16(src, off, dst, dstOff, k);
            case Q8_0 -> Q8_0Codec.dequantizeRow(src, off, dst, dstOff, k);
            case Q6_K -> Q6_KCodec.dequantizeRow(src, off, dst, dstOff, k);
            case Q1_0 -> Q1_0Codec.dequantizeRow(src, off, dst, dstOff, k);
            case Q2_0 -> Q2_0Codec.dequantizeRow(src, off, dst, dstOff, k);
            case TQ1_0 -> TernaryCodecs.dequantizeRowTQ1_0(src, off, dst, dstOff, k);
            case TQ2_0 -> TernaryCodecs.dequantizeRowTQ2_0(src, off, dst, dstOff, k);
            case I2_S -> throw new IllegalArgumentException("I2_S rows need the tensor scale: use dequantizeRow(Tensor, ...)");
            case TL1, TL2 -> throw new UnsupportedOperationException(type + " is not supported");
        }
    }

    /** Dequantizes row {@code row} of a tensor into dst[dstOff .. dstOff + cols). */
    public static void dequantizeRow(Tensor t, long row, float[] dst, int dstOff) {
        int k = Math.toIntExact(t.cols());
        java.util.Objects.checkIndex(row, t.rows());
        long off = row * t.rowBytes(); // no slice: the embedding lookup runs once per token
        if (t.type() == TensorType.I2_S) {
            I2sCodec.dequantizeRow(t.data(), off, t.i2sScale(), dst, dstOff, k);
        } else {
            dequantizeRow(t.type(), t.data(), off, dst, dstOff, k);
        }
    }

    /** The whole tensor as floats (rows concatenated); for tensors of fewer than 2^31 elements. */
    public static float[] dequantize(Tensor t) {
        int k = Math.toIntExact(t.cols());
        float[] out = new float[Math.toIntExact(t.elementCount())];
        for (long r = 0; r < t.rows(); r++) dequantizeRow(t, r, out, (int) (r * k));
        return out;
    }

    /** Quantizes one row of k floats into {@code dst[dstOff..)} (not I2_S, whose scale is per tensor). */
    public static void quantizeRow(TensorType type, float[] src, int srcOff, MemorySegment dst, long dstOff, int k) {
        checkRow(type, k);
        switch (type) {
            case F32 -> FloatCodecs.quantizeRowF32(src, srcOff, dst, dstOff, k);
            case F16 -> FloatCodecs.quantizeRowF16(src, srcOff, dst, dstOff, k);
            case BF16 -> FloatCodecs.quantizeRowBF16(src, srcOff, dst, dstOff, k);
            case Q8_0 -> Q8_0Codec.quantizeRow(src, srcOff, dst, dstOff, k);
            case Q6_K -> Q6_KCodec.quantizeRow(src, srcOff, dst, dstOff, k);
            case Q1_0 -> Q1_0Codec.quantizeRow(src, srcOff, dst, dstOff, k);
            case Q2_0 -> Q2_0Codec.quantizeRow(src, srcOff, dst, dstOff, k);
            case TQ1_0 -> TernaryCodecs.quantizeRowTQ1_0(src, srcOff, dst, dstOff, k);
            case TQ2_0 -> TernaryCodecs.quantizeRowTQ2_0(src, srcOff, dst, dstOff, k);
            case I2_S -> throw new IllegalArgumentException("I2_S has a per-tensor scale: use I2sCodec or quantize(...)");
            case TL1, TL2 -> throw new UnsupportedOperationException("no quantizer for " + type);
        }
    }

    /** Quantizes a whole tensor of nrows × k floats into a new heap segment of {@link TensorType#tensorBytes} bytes. */
    public static MemorySegment quantize(TensorType type, float[] src, int nrows, int k) {
        long bytes = type.tensorBytes(k, nrows);
        if (src.length < (long) nrows * k) throw new IllegalArgumentException(src.length + " floats for " + nrows + " × " + k);
        MemorySegment dst = MemorySegment.ofArray(new byte[Math.toIntExact(bytes)]);
        if (type == TensorType.I2_S) {
            I2sCodec.quantize(src, nrows, k, dst);
        } else {
            long rb = type.rowSize(k);
            for (int r = 0; r < nrows; r++) quantizeRow(type, src, r * k, dst, r * rb, k);
        }
        return dst;
    }

    private static void checkRow(TensorType type, int k) {
        String p = type.rowLengthProblem(k);
        if (p != null) throw new IllegalArgumentException(p);
    }
}
