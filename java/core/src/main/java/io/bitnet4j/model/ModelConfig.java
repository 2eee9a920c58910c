package io.bitnet4j.model;

import io.bitnet4j.gguf.GgufFile;
import io.bitnet4j.gguf.GgufWriter;

/**
 * The hyper-parameters of a model, read from GGUF metadata ({@code <arch>.*} keys, as llama.cpp names them).
 *
 * @param ropeDim number of dimensions RoPE rotates per head ({@code rope.dimension_count}, default head size)
 */
public record ModelConfig(Architecture architecture, String architectureName, int embeddingLength, int blockCount,
                          int headCount, int headCountKv, int headSize, int feedForwardLength, int vocabSize,
                          int contextLength, float rmsEps, float ropeTheta, int ropeDim, Activation activation) {

    public ModelConfig {
        check(embeddingLength > 0, "embedding_length must be > 0");
        check(blockCount > 0, "block_count must be > 0");
        check(headCount > 0 && headCountKv > 0, "head counts must be > 0");
        check(headCount % headCountKv == 0, "head_count (" + headCount + ") must be a multiple of head_count_kv (" + headCountKv + ")");
        check(headSize > 0 && headSize % 2 == 0, "head size must be even and > 0");
        check(ropeDim > 0 && ropeDim <= headSize && ropeDim % 2 == 0, "rope.dimension_count must be even and <= head size");
        check(feedForwardLength > 0, "feed_forward_length must be > 0");
        check(vocabSize > 0, "vocabulary size must be > 0");
        check(contextLength > 0, "context_length must be > 0");
        check(rmsEps > 0 && Float.isFinite(rmsEps), "layer_norm_rms_epsilon must be > 0");
        check(ropeTheta > 0 && Float.isFinite(ropeTheta), "rope.freq_base must be > 0");
    }

    private static void check(boolean ok, String message) {
        if (!ok) throw new ModelException("bad model hyper-parameters: " + message);
    }

    public int qDim() {
        return headCount * headSize;
    }

    public int kvDim() {
        return headCountKv * headSize;
    }

    public static ModelConfig from(GgufFile gguf) {
        String name = gguf.has("general.architecture") ? gguf.getString("general.architecture") : null;
        if (name == null) throw new ModelException(gguf.path() + ": no general.architecture key (a vocabulary-only file?)");
        Architecture arch = Architecture.byName(name).orElseThrow(() -> new ModelException(
                gguf.path() + ": unsupported architecture '" + name + "' (supported: " + Architecture.knownNames() + ")"));
        String p = name + ".";
        int embd = required(gguf, p + "embedding_length");
        int heads = required(gguf, p + "attention.head_count");
        int headsKv = gguf.getInt(p + "attention.head_count_kv", heads);
        int headSize = gguf.getInt(p + "attention.key_length", heads > 0 ? embd / heads : 0);
        // the number of logits is the number of embedding rows (the tokenizer's vocabulary may be padded or shorter)
        long[] embdShape = gguf.tensor("token_embd.weight").shape();
        int vocab = embdShape.length == 2 && embdShape[1] <= Integer.MAX_VALUE ? (int) embdShape[1] : -1;
        Activation act = gguf.has(p + "hidden_activation")
                ? Activation.fromKey(gguf.getString(p + "hidden_activation")) : arch.defaultActivation();
        return new ModelConfig(arch, name, embd, required(gguf, p + "block_count"), heads, headsKv, headSize,
                required(gguf, p + "feed_forward_length"), vocab, required(gguf, p + "context_length"),
                gguf.getFloat(p + "attention.layer_norm_rms_epsilon", 1e-5f),
                gguf.getFloat(p + "rope.freq_base", 10000f),
                gguf.getInt(p + "rope.dimension_count", headSize), act);
    }

    /**
     * Writes the {@code <arch>.*} hyper-parameter keys that {@link #from} reads — the one place that
     * names them for writers (converters, generators). {@code hidden_activation} is written only when
     * it differs from the architecture's default, {@code key_length} only when heads × head size is
     * not the embedding length.
     */
    public void writeTo(GgufWriter w) {
        String p = architectureName + ".";
        w.putUInt32(p + "vocab_size", vocabSize);
        w.putUInt32(p + "context_length", contextLength);
        w.putUInt32(p + "embedding_length", embeddingLength);
        w.putUInt32(p + "block_count", blockCount);
        w.putUInt32(p + "feed_forward_length", feedForwardLength);
        w.putUInt32(p + "rope.dimension_count", ropeDim);
        w.putUInt32(p + "attention.head_count", headCount);
        w.putUInt32(p + "attention.head_count_kv", headCountKv);
        if (headCount * headSize != embeddingLength) w.putUInt32(p + "attention.key_length", headSize);
        w.putFloat32(p + "attention.layer_norm_rms_epsilon", rmsEps);
        w.putFloat32(p + "rope.freq_base", ropeTheta);
        if (activation != architecture.defaultActivation()) w.putString(p + "hidden_activation", activation.key());
    }

    private static int required(GgufFile gguf, String key) {
        if (!gguf.has(key)) throw new ModelException(gguf.path() + ": missing metadata key " + key);
        return gguf.getInt(key);
    }
}
