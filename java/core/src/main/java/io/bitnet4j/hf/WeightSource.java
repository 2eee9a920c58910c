package io.bitnet4j.hf;

import io.bitnet4j.model.ModelException;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Where the float values of one GGUF tensor come from, row by row (a GGUF row is a PyTorch row: one
 * output feature), so the converter can stream any tensor in chunks of rows without knowing its layout.
 *
 * <ul>
 *   <li>{@link Plain}: a float tensor as it is (norms, embeddings, F32/F16 copies);</li>
 *   <li>{@link Latent}: latent (master) weights ternarized by BitNet b1.58's absmean,
 *       {@code clamp(round(w·s), −1, 1) / s} with {@code s = 1 / max(mean|W|, 1e-5)} over the whole tensor;</li>
 *   <li>{@link Packed}: transformers' offline-packed ternary weights — uint8 of shape {@code [out/4, in]},
 *       output row {@code r} in bits {@code 2i..2i+1} of packed row {@code r mod out/4} with {@code i = r div out/4}
 *       ({@code integrations/bitnet.py}'s {@code unpack_weights}: the four quarters of the rows, not
 *       interleaved), code − 1 = ternary value, times or divided by the tensor's {@code weight_scale}.</li>
 * </ul>
 * A {@link QkPermutation} reorders the rows of q/k for GGUF {@code llama}.
 */
sealed interface WeightSource {
    long rows();

    int cols();

    /** The tensor read, for messages. */
    SafetensorsTensor tensor();

    /** Reads rows {@code [row0, row0 + n)} into {@code dst[0 .. n·cols)}; only on a {@link #prepared()} source. */
    void read(long row0, int n, float[] dst);

    /**
     * This source ready to read: whole-tensor statistics computed (absmean's scale reads the whole tensor, so it
     * is done when the tensor is written, under the progress bar, not when the conversion is planned).
     */
    default WeightSource prepared() {
        return this;
    }

    /** I2_S's tensor scale (max |value|) when known without another pass over the tensor, else NaN. */
    default float i2sScale() {
        return Float.NaN;
    }

    /**
     * llama.cpp's {@code LlamaModel.permute} for q/k: within each head, GGUF row {@code 2i + j} is HF row
     * {@code j·headDim/2 + i} (HF rotates the two halves of a head, GGUF {@code llama} adjacent pairs).
     */
    record QkPermutation(int heads, int headDim) {
        long source(long row) {
            long h = row / headDim, r = row % headDim;
            return h * headDim + (r % 2) * (headDim / 2) + r / 2;
        }
    }

    private static long source(QkPermutation p, long row) {
        return p == null ? row : p.source(row);
    }

    private static void readRows(SafetensorsTensor t, QkPermutation p, long row0, int n, float[] dst) {
        int k = Math.toIntExact(t.cols());
        if (p == null) {
            t.readFloats(row0 * k, dst, 0, n * k);
        } else {
            for (int i = 0; i < n; i++) t.readFloats(p.source(row0 + i) * k, dst, i * k, k);
        }
    }

    record Plain(SafetensorsTensor tensor, QkPermutation order) implements WeightSource {
        public long rows() { return tensor.rows(); }

        public int cols() { return Math.toIntExact(tensor.cols()); }

        public void read(long row0, int n, float[] dst) { readRows(tensor, order, row0, n, dst); }
    }

    /**
     * @param scale  absmean's {@code 1 / max(mean|W|, 1e-5)}; NaN until {@link #prepared()}
     * @param maxAbs max |W|, found in the same pass
     */
    record Latent(SafetensorsTensor tensor, QkPermutation order, float scale, float maxAbs) implements WeightSource {
        Latent(SafetensorsTensor tensor, QkPermutation order) {
            this(tensor, order, Float.NaN, Float.NaN);
        }

        /** One pass over the tensor: the mean of |W| (accumulated in double) and max |W|. */
        @Override
        public WeightSource prepared() {
            if (!Float.isNaN(scale)) return this;
            int k = cols();
            float[] x = new float[k];
            double sum = 0;
            float max = 0;
            for (long r = 0; r < tensor.rows(); r++) {
                tensor.readFloats(r * k, x, 0, k);
                for (float v : x) {
                    sum += Math.abs(v);
                    max = Math.max(max, Math.abs(v));
                }
            }
            float mean = tensor.elementCount() == 0 ? 0f : (float) (sum / tensor.elementCount());
            return new Latent(tensor, order, 1f / Math.max(mean, 1e-5f), max);
        }

        /**
         * Every value is 0 or ±1/scale, so max |value| is 1/scale unless all round to 0 — and x·scale is monotonic
         * in |x|, so that is decided by the largest |W| alone.
         */
        @Override
        public float i2sScale() {
            return Float.isNaN(scale) ? Float.NaN : Math.rint(maxAbs * scale) != 0 ? 1f / scale : 0f;
        }

        public long rows() { return tensor.rows(); }

        public int cols() { return Math.toIntExact(tensor.cols()); }

        public void read(long row0, int n, float[] dst) {
            if (Float.isNaN(scale)) throw new IllegalStateException("absmean scale of " + tensor.name() + " not computed");
            readRows(tensor, order, row0, n, dst);
            for (int i = 0; i < n * cols(); i++) {
                float q = (float) Math.rint(dst[i] * scale); // round half to even, as torch.round
                dst[i] = Math.max(-1f, Math.min(1f, q)) / scale;
            }
        }
    }

    /**
     * @param tensor   the uint8 tensor {@code [rows/4, cols]}
     * @param rows     the unpacked row count (output features)
     * @param scale    the {@code weight_scale} value
     * @param multiply true: value = ternary · scale (AutoBitLinear); false: ternary / scale (BitLinear)
     */
    record Packed(SafetensorsTensor tensor, long rows, QkPermutation order, float scale, boolean multiply) implements WeightSource {
        public int cols() { return Math.toIntExact(tensor.cols()); }

        public void read(long row0, int n, float[] dst) {
            int k = cols();
            long packedRows = tensor.rows();
            MemorySegment data = tensor.data();
            for (int i = 0; i < n; i++) {
                long src = source(order, row0 + i);
                int shift = (int) (src / packedRows) * 2;
                long base = (src % packedRows) * k;
                for (int c = 0; c < k; c++) {
                    int code = (data.get(ValueLayout.JAVA_BYTE, base + c) >> shift) & 3;
                    if (code == 3) {
                        throw new ModelException("tensor " + tensor.name() + ": 2-bit code 3 at packed row " + (src % packedRows)
                                + ", column " + c + " is not a ternary value (codes are 0, 1, 2 for −1, 0, 1)");
                    }
                    float w = code - 1;
                    dst[i * k + c] = multiply ? w * scale : w / scale;
                }
            }
        }
    }
}
