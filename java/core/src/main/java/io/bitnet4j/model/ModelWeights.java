package io.bitnet4j.model;

import io.bitnet4j.gguf.GgufFile;
import io.bitnet4j.gguf.GgufTensorNames;
import io.bitnet4j.gguf.GgufTensorNames.Layer;
import io.bitnet4j.tensor.Tensor;
import io.bitnet4j.tensor.TensorCodecs;
import io.bitnet4j.tensor.TensorType;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * All weights of a model, as zero-copy views of the mapped GGUF file (only the small norm vectors
 * and per-tensor scales are copied to the heap). Shapes are checked against the config here, once,
 * so the graph never meets a misshapen tensor.
 *
 * @param output the output head: {@code output.weight}, or {@code token_embd.weight} when tied
 */
public record ModelWeights(Tensor tokenEmbedding, List<LayerWeights> layers, float[] outputNorm, Linear output,
                           boolean tiedOutput, float[] ropeFreqFactors) {

    /**
     * The weights of a file whose config {@link ModelConfig#from} read (so its counts match the tensors).
     * Errors: {@link ModelException} naming the file and the tensor, {@link io.bitnet4j.gguf.GgufFormatException}
     * for a missing tensor.
     */
    public static ModelWeights load(GgufFile gguf, ModelConfig c) {
        try {
            return loadChecked(gguf, c);
        } catch (ModelException e) {
            throw e.inFile(gguf.path());
        }
    }

    private static ModelWeights loadChecked(GgufFile gguf, ModelConfig c) {
        Tensor embd = gguf.tensor(GgufTensorNames.TOKEN_EMBD);
        expectShape(embd, c.embeddingLength(), c.vocabSize());
        List<LayerWeights> layers = new ArrayList<>(c.blockCount());
        boolean sub = c.architecture().subNorms();
        boolean qkNorm = c.architecture().qkNorm();
        for (int i = 0; i < c.blockCount(); i++) {
            layers.add(new LayerWeights(
                    norm(gguf, Layer.ATTN_NORM.weight(i), c.embeddingLength()),
                    linear(gguf, c, Layer.ATTN_Q, i, c.embeddingLength(), c.qDim()),
                    linear(gguf, c, Layer.ATTN_K, i, c.embeddingLength(), c.kvDim()),
                    linear(gguf, c, Layer.ATTN_V, i, c.embeddingLength(), c.kvDim()),
                    qkNorm ? norm(gguf, Layer.ATTN_Q_NORM.weight(i), c.headSize()) : null,
                    qkNorm ? norm(gguf, Layer.ATTN_K_NORM.weight(i), c.headSize()) : null,
                    linear(gguf, c, Layer.ATTN_OUTPUT, i, c.qDim(), c.embeddingLength()),
                    sub ? norm(gguf, Layer.ATTN_SUB_NORM.weight(i), c.qDim()) : null,
                    norm(gguf, Layer.FFN_NORM.weight(i), c.embeddingLength()),
                    linear(gguf, c, Layer.FFN_GATE, i, c.embeddingLength(), c.feedForwardLength()),
                    linear(gguf, c, Layer.FFN_UP, i, c.embeddingLength(), c.feedForwardLength()),
                    linear(gguf, c, Layer.FFN_DOWN, i, c.feedForwardLength(), c.embeddingLength()),
                    sub ? norm(gguf, Layer.FFN_SUB_NORM.weight(i), c.feedForwardLength()) : null));
        }
        float[] outNorm = norm(gguf, GgufTensorNames.OUTPUT_NORM, c.embeddingLength());
        Optional<Tensor> out = c.architecture().embeddingHead() ? Optional.empty() : gguf.findTensor(GgufTensorNames.OUTPUT);
        Linear head = out.isPresent() ? checked(Linear.of(out.get(), null), c.embeddingLength(), c.vocabSize())
                : checked(Linear.of(embd, null), c.embeddingLength(), c.vocabSize());
        float[] freqs = gguf.findTensor(GgufTensorNames.ROPE_FREQS).map(t -> floats(t, c.ropeDim() / 2)).orElse(null);
        return new ModelWeights(embd, List.copyOf(layers), outNorm, head, out.isEmpty(), freqs);
    }

    /** The same weights with another output head (e.g. re-encoded at load). */
    public ModelWeights withOutput(Linear head) {
        if (head.rows() != output.rows() || head.cols() != output.cols()) {
            throw new IllegalArgumentException("output head " + head.rows() + "x" + head.cols() + " does not replace "
                    + output.rows() + "x" + output.cols());
        }
        return new ModelWeights(tokenEmbedding, layers, outputNorm, head, tiedOutput, ropeFreqFactors);
    }

    /** Every matrix a token is multiplied by: each block's projections, then the output head. */
    public List<Linear> matrices() {
        List<Linear> all = new ArrayList<>();
        for (LayerWeights l : layers) all.addAll(l.projections());
        all.add(output);
        return all;
    }

    /** Every weight read per generated token, in bytes (the bandwidth roofline's numerator). */
    public long bytesPerToken() {
        long sum = 0;
        for (Linear w : matrices()) sum += w.bytes();
        return sum;
    }

    private static Linear linear(GgufFile gguf, ModelConfig c, Layer tensor, int layer, int cols, int rows) {
        Tensor t = gguf.tensor(tensor.weight(layer));
        float[] scale = null;
        if (c.architecture().projectionScales()) {
            scale = gguf.findTensor(tensor.scale(layer)).map(s -> outputScale(s, rows)).orElse(null);
        }
        return checked(Linear.of(t, scale), cols, rows);
    }

    /** A projection's output scale: one value or one per row (counted before anything is allocated for it). */
    private static float[] outputScale(Tensor s, int rows) {
        long count = s.elementCount();
        if (count != 1 && count != rows) {
            throw new ModelException("tensor " + s.name() + ": " + count + " values, expected 1 or " + rows);
        }
        return floats(s, (int) count);
    }

    private static Linear checked(Linear l, int cols, int rows) {
        if (l.cols() != cols || l.rows() != rows) {
            throw new ModelException("tensor " + l.name() + ": shape [" + l.cols() + ", " + l.rows()
                    + "], expected [" + cols + ", " + rows + "]");
        }
        return l;
    }

    private static void expectShape(Tensor t, long cols, long rows) {
        long[] s = t.shape();
        if (s.length != 2 || s[0] != cols || s[1] != rows) {
            throw new ModelException("tensor " + t.name() + ": shape " + java.util.Arrays.toString(s)
                    + ", expected [" + cols + ", " + rows + "]");
        }
    }

    private static float[] norm(GgufFile gguf, String name, int n) {
        return floats(gguf.tensor(name), n);
    }

    /** A small tensor's values as floats: exactly {@code n} of them. */
    private static float[] floats(Tensor t, int n) {
        long count = t.elementCount();
        if (count != n) {
            throw new ModelException("tensor " + t.name() + ": " + count + " values, expected " + n);
        }
        if (t.type() != TensorType.F32 && t.type() != TensorType.F16 && t.type() != TensorType.BF16) {
            throw new ModelException("tensor " + t.name() + ": type " + t.type() + ", expected F32/F16/BF16");
        }
        float[] v = new float[(int) count];
        TensorCodecs.dequantizeRow(t.type(), t.data(), 0, v, 0, (int) count);
        return v;
    }
}
