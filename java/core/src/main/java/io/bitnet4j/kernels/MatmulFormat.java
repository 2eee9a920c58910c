package io.bitnet4j.kernels;

import io.bitnet4j.tensor.Tensor;
import io.bitnet4j.tensor.TensorCodecs;
import io.bitnet4j.tensor.TensorType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.EnumMap;
import java.util.Map;

/**
 * One row per weight format a matmul reads (ggml's CPU type traits: {@code vec_dot} and
 * {@code vec_dot_type}): the weight type, whose {@link TensorType} row gives the block sizes; the
 * activation format its kernel reads; and the kernel itself, a {@link Kernels} method of any tier. The
 * engine dispatches through {@link #of} and {@link #gemm} with no switch over types, {@link KernelChecks}
 * sizes weight rows from here. A new weight format is a row here plus its kernels.
 */
public enum MatmulFormat {
    /** bitnet.cpp's ternary 2-bit rows times per-token int8 activations; the per-tensor scale is applied here. */
    I2_S(TensorType.I2_S, ActivationFormat.I8, null) {
        @Override
        public void gemm(Kernels kernels, Tensor w, float wScale, QuantizedInput x, int row0, int row1,
                         MemorySegment out, int outStride) {
            kernels.gemmI2S(w.data(), cols(w, x), row0, row1, wScale, x.data(ActivationFormat.I8), x.scales(), x.sums(),
                    x.tokens(), out, outStride);
        }
    },
    TQ2_0(TensorType.TQ2_0, ActivationFormat.Q8_K, Kernels::gemmTQ20),
    TQ1_0(TensorType.TQ1_0, ActivationFormat.Q8_K, Kernels::gemmTQ10),
    Q8_0(TensorType.Q8_0, ActivationFormat.Q8_0, unordered(Kernels::gemmQ80)),
    /** llama.cpp's 1-bit signs (PrismML Bonsai) times Q8_0 activations (its vec_dot_type). */
    Q1_0(TensorType.Q1_0, ActivationFormat.Q8_0, unordered(Kernels::gemmQ10)),
    /** llama.cpp's 2-bit −1/0/+1/+2 codes (PrismML Ternary-Bonsai) times Q8_0 activations. */
    Q2_0(TensorType.Q2_0, ActivationFormat.Q8_0, unordered(Kernels::gemmQ20)),
    F32(TensorType.F32, ActivationFormat.F32, Kernels::gemmF32),
    /** Input rounded to f16 first, except where the engine's kernel takes f32 ({@link GgmlDot#roundsF16Input}). */
    F16(TensorType.F16, ActivationFormat.F16, Kernels::gemmF16) {
        @Override
        public ActivationFormat activation(MatmulOrder order) {
            return order.floatDot().roundsF16Input() ? ActivationFormat.F16 : ActivationFormat.F32;
        }
    },
    BF16(TensorType.BF16, ActivationFormat.BF16, unordered(Kernels::gemmBF16)),
    /**
     * Every other type (e.g. a Q6_K output head): each weight row dequantized, then an f32 dot product.
     * Slow but exact; no kernel tier takes part, and the weight type is the tensor's own.
     */
    DEQUANT_F32(null, ActivationFormat.F32, null) {
        @Override
        public void gemm(Kernels kernels, Tensor w, float wScale, QuantizedInput x, int row0, int row1,
                         MemorySegment out, int outStride) {
            int k = cols(w, x);
            MemorySegment in = x.data(ActivationFormat.F32);
            float[] row = new float[k]; // rare path; not part of the supported fast types
            for (int r = row0; r < row1; r++) {
                TensorCodecs.dequantizeRow(w, r, row, 0);
                for (int t = 0; t < x.tokens(); t++) {
                    float sum = 0;
                    long base = (long) t * k;
                    for (int i = 0; i < k; i++) sum += row[i] * in.getAtIndex(ValueLayout.JAVA_FLOAT, base + i);
                    out.setAtIndex(ValueLayout.JAVA_FLOAT, (long) t * outStride + r, sum);
                }
            }
        }
    };

    /** The shape of most gemms of {@link Kernels}: weights, k, the row range, activations, ntok, out, outStride, order. */
    @FunctionalInterface
    interface Gemm {
        void gemm(Kernels kernels, MemorySegment w, int k, int row0, int row1, MemorySegment act, int ntok,
                  MemorySegment out, int outStride, MatmulOrder order);
    }

    /** A gemm whose arithmetic is the same in every engine's build. */
    @FunctionalInterface
    interface UnorderedGemm {
        void gemm(Kernels kernels, MemorySegment w, int k, int row0, int row1, MemorySegment act, int ntok,
                  MemorySegment out, int outStride);
    }

    private static Gemm unordered(UnorderedGemm g) {
        return (kernels, w, k, row0, row1, act, ntok, out, outStride, order) -> g.gemm(kernels, w, k, row0, row1, act, ntok, out, outStride);
    }

    private static final Map<TensorType, MatmulFormat> BY_TYPE = new EnumMap<>(TensorType.class);

    static {
        for (TensorType t : TensorType.values()) BY_TYPE.put(t, DEQUANT_F32);
        for (MatmulFormat f : values()) {
            if (f.weightType != null) BY_TYPE.put(f.weightType, f);
        }
    }

    private final TensorType weightType;
    private final ActivationFormat activation;
    private final Gemm kernel;

    MatmulFormat(TensorType weightType, ActivationFormat activation, Gemm kernel) {
        this.weightType = weightType;
        this.activation = activation;
        this.kernel = kernel;
    }

    /** The row that multiplies weights of type t: its own, or {@link #DEQUANT_F32}. */
    public static MatmulFormat of(TensorType t) {
        return BY_TYPE.get(t);
    }

    /** The weight type of this row; null for {@link #DEQUANT_F32}, which reads the tensor's own type. */
    public TensorType weightType() {
        return weightType;
    }

    /** The activation format the kernel reads: what a {@link QuantizedInput} must hold for {@link #gemm}. */
    public ActivationFormat activation() {
        return activation;
    }

    /** The activation format the kernel reads in the given order (F16 reads f32 in bitnet.cpp's tinyBLAS path). */
    public ActivationFormat activation(MatmulOrder order) {
        return activation;
    }

    /**
     * Bytes of one weight row of k values ({@link TensorType#rowSize}; for I2_S without the tensor's tail).
     *
     * @throws IllegalArgumentException if k does not fit the weight type's blocks
     */
    public long weightRowBytes(int k) {
        if (weightType == null) throw new IllegalStateException(this + " reads any type: ask the tensor's own");
        return weightType.rowSize(k);
    }

    /**
     * Rows [row0, row1) of out = W · x, for the x.tokens() tokens of x (token t's row r at
     * {@code out[t*outStride + r]}), by this format's kernel of the given tier. w is a matrix of this
     * format ({@code w.cols()} = x.k()); wScale its per-tensor scale (I2_S) or ignored. x must hold
     * {@link #activation(MatmulOrder)} of its {@link QuantizedInput#order()}. Uses no shared state: pool threads call it for disjoint row ranges.
     */
    public void gemm(Kernels kernels, Tensor w, float wScale, QuantizedInput x, int row0, int row1,
                     MemorySegment out, int outStride) {
        MatmulOrder order = x.order();
        kernel.gemm(kernels, w.data(), cols(w, x), row0, row1, x.data(activation(order)), x.tokens(), out, outStride, order);
    }

    /** w's row length, which must be x's. */
    private static int cols(Tensor w, QuantizedInput x) {
        if (w.cols() != x.k()) {
            throw new IllegalArgumentException(w.name() + ": rows of " + w.cols() + " values, the input's have " + x.k());
        }
        return x.k();
    }
}
