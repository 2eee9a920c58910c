package io.bitnet4j.kernels;

import io.bitnet4j.tensor.TensorType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.function.IntToLongFunction;

/**
 * The formats matmul activations come in (ggml's {@code vec_dot_type}): each {@link MatmulFormat} row
 * names the one its weights read. A format knows the bytes of one token's row and how a kernel tier
 * turns float rows into it; a {@link QuantizedInput} holds one input in the formats its matrices read.
 */
public enum ActivationFormat {
    /**
     * bitnet.cpp's per-token absmax int8 (the I2_S path): k int8 values a token; the token's f32 scale and
     * int32 sum are kept beside the rows ({@link QuantizedInput#scales()}, {@link QuantizedInput#sums()}).
     */
    I8(k -> valueBytes(k, 1), null) {
        @Override
        void quantize(Kernels kernels, MemorySegment x, int k, int t0, int t1, QuantizedInput dst) {
            kernels.quantizeI8(rows(x, k, t0), t1 - t0, k, at(dst.buffer(this), (long) t0 * k),
                    at(dst.scales(), 4L * t0), at(dst.sums(), 4L * t0));
        }
    },
    /** llama.cpp's Q8_K blocks (the TQ1_0/TQ2_0 path), quantized as {@code quantize_row_q8_K_ref}. */
    Q8_K(KernelFormats::q8kRowBytes, Kernels::quantizeQ8K),
    /** llama.cpp's Q8_0 blocks (the Q8_0 weights' own), quantized as {@code quantize_row_q8_0_ref}. */
    Q8_0(k -> TensorType.Q8_0.rowSize(k), Kernels::quantizeQ80),
    /** The f32 input itself: nothing to quantize, the matmul reads the input rows in place. */
    F32(k -> valueBytes(k, Float.BYTES), null) {
        @Override
        void quantize(Kernels kernels, MemorySegment x, int k, int t0, int t1, QuantizedInput dst) {
        }
    },
    /** f32 values rounded to f16 first, as llama.cpp converts the activations of an F16 matmul. */
    F16(k -> valueBytes(k, Float.BYTES), null) {
        @Override
        void quantize(Kernels kernels, MemorySegment x, int k, int t0, int t1, QuantizedInput dst) {
            round(x, dst.buffer(this), (long) t0 * k, (long) t1 * k, true);
        }
    },
    /** f32 values rounded to bf16 first (ggml's GGML_FP32_TO_BF16), for a BF16 matmul. */
    BF16(k -> valueBytes(k, Float.BYTES), null) {
        @Override
        void quantize(Kernels kernels, MemorySegment x, int k, int t0, int t1, QuantizedInput dst) {
            round(x, dst.buffer(this), (long) t0 * k, (long) t1 * k, false);
        }
    };

    /** A tier's quantizer of ntok rows of k floats into ntok rows of blocks ({@link Kernels#quantizeQ8K} and the like). */
    @FunctionalInterface
    interface BlockQuantizer {
        void quantize(Kernels kernels, MemorySegment x, int ntok, int k, MemorySegment y);
    }

    private final IntToLongFunction rowBytes;
    private final BlockQuantizer blocks;

    ActivationFormat(IntToLongFunction rowBytes, BlockQuantizer blocks) {
        this.rowBytes = rowBytes;
        this.blocks = blocks;
    }

    /**
     * Bytes of one token's row of k values in this format (I8: the k int8 values, without the scale and
     * sum kept beside them; F16/BF16: the rounded values stored as f32).
     *
     * @throws IllegalArgumentException if k is not a positive multiple of the format's block size
     */
    public long rowBytes(int k) {
        return rowBytes.applyAsLong(k);
    }

    /** k values of the given size, for the formats without blocks. */
    private static long valueBytes(int k, int bytes) {
        return (long) KernelChecks.positive("k", k) * bytes;
    }

    /** Whether the matmul reads the f32 input rows themselves (no buffer of this format). */
    public boolean inPlace() {
        return this == F32;
    }

    /**
     * Tokens [t0, t1) of x (rows of k floats) into dst's buffer of this format, by the kernel tier's
     * quantizer. Every format is per token, so any split of the tokens gives the same bytes.
     */
    void quantize(Kernels kernels, MemorySegment x, int k, int t0, int t1, QuantizedInput dst) {
        blocks.quantize(kernels, rows(x, k, t0), t1 - t0, k, at(dst.buffer(this), t0 * rowBytes(k)));
    }

    /** Rows from t0 on of rows of k floats (no slice for t0 = 0: a one-token step allocates nothing). */
    private static MemorySegment rows(MemorySegment x, int k, int t0) {
        return at(x, (long) t0 * k * Float.BYTES);
    }

    private static MemorySegment at(MemorySegment seg, long offset) {
        return offset == 0 ? seg : seg.asSlice(offset);
    }

    /** y[i] = x[i] rounded to f16 (or bf16) and back, for i in [i0, i1). */
    private static void round(MemorySegment x, MemorySegment y, long i0, long i1, boolean f16) {
        for (long i = i0; i < i1; i++) {
            float v = x.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            float r = f16 ? Float.float16ToFloat(Float.floatToFloat16(v)) : bf16Round(v);
            y.setAtIndex(ValueLayout.JAVA_FLOAT, i, r);
        }
    }

    /** Round to nearest even bf16, as ggml's GGML_FP32_TO_BF16 (NaN kept quiet). */
    static float bf16Round(float v) {
        int bits = Float.floatToRawIntBits(v);
        if ((bits & 0x7fffffff) > 0x7f800000) return Float.intBitsToFloat((bits | 0x00400000) & 0xffff0000);
        int rounded = (bits + (0x7fff + ((bits >>> 16) & 1))) & 0xffff0000;
        return Float.intBitsToFloat(rounded);
    }
}
