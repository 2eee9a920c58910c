package io.bitnet4j.model;

import io.bitnet4j.gguf.GgufFile;
import io.bitnet4j.gguf.GgufKeys;
import io.bitnet4j.gguf.GgufTensorNames;
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
        String name = gguf.has(GgufKeys.ARCHITECTURE) ? gguf.getString(GgufKeys.ARCHITECTURE) : null;
        if (name == null) throw new ModelException(gguf.path() + ": no " + GgufKeys.ARCHITECTURE + " key (a vocabulary-only file?)");
        Architecture arch = Architecture.byName(name).orElseThrow(() -> new ModelException(
                gguf.path() + ": unsupported architecture '" + name + "' (supported: " + Architecture.knownNames() + ")"));
        int embd = required(gguf, GgufKeys.embeddingLength(name));
        int heads = required(gguf, GgufKeys.headCount(name));
        int headsKv = gguf.getInt(GgufKeys.headCountKv(name), heads);
        int headSize = gguf.getInt(GgufKeys.keyLength(name), heads > 0 ? embd / heads : 0);
        int valueSize = gguf.getInt(GgufKeys.valueLength(name), headSize);
        if (valueSize != headSize) {
            throw new ModelException(gguf.path() + ": " + GgufKeys.valueLength(name) + " " + valueSize + " differs from "
                    + GgufKeys.keyLength(name) + " " + headSize + " (unsupported)");
        }
        // the number of logits is the number of embedding rows (the tokenizer's vocabulary may be padded or shorter)
        long[] embdShape = gguf.tensor(GgufTensorNames.TOKEN_EMBD).shape();
        int vocab = embdShape.length == 2 && embdShape[1] <= Integer.MAX_VALUE ? (int) embdShape[1] : -1;
        String activation = GgufKeys.hiddenActivation(name);
        Activation act = gguf.has(activation) ? Activation.fromKey(gguf.getString(activation)) : arch.defaultActivation();
        return new ModelConfig(arch, name, embd, required(gguf, GgufKeys.blockCount(name)), heads, headsKv, headSize,
                required(gguf, GgufKeys.feedForwardLength(name)), vocab, required(gguf, GgufKeys.contextLength(name)),
                gguf.getFloat(GgufKeys.layerNormRmsEpsilon(name), 1e-5f),
                gguf.getFloat(GgufKeys.ropeFreqBase(name), 10000f),
                gguf.getInt(GgufKeys.ropeDimensionCount(name), headSize), act);
    }

    /**
     * Writes the {@code <arch>.*} hyper-parameter keys that {@link #from} reads — the one place that
     * names them for writers (converters, generators). {@code hidden_activation} is written only when
     * it differs from the architecture's default, {@code key_length} and {@code value_length} only when
     * heads × head size is not the embedding length.
     */
    public void writeTo(GgufWriter w) {
        String a = architectureName;
        w.putUInt32(GgufKeys.vocabSize(a), vocabSize);
        w.putUInt32(GgufKeys.contextLength(a), contextLength);
        w.putUInt32(GgufKeys.embeddingLength(a), embeddingLength);
        w.putUInt32(GgufKeys.blockCount(a), blockCount);
        w.putUInt32(GgufKeys.feedForwardLength(a), feedForwardLength);
        w.putUInt32(GgufKeys.ropeDimensionCount(a), ropeDim);
        w.putUInt32(GgufKeys.headCount(a), headCount);
        w.putUInt32(GgufKeys.headCountKv(a), headCountKv);
        if (headCount * headSize != embeddingLength) {
            w.putUInt32(GgufKeys.keyLength(a), headSize);
            w.putUInt32(GgufKeys.valueLength(a), headSize);
        }
        w.putFloat32(GgufKeys.layerNormRmsEpsilon(a), rmsEps);
        w.putFloat32(GgufKeys.ropeFreqBase(a), ropeTheta);
        if (activation != architecture.defaultActivation()) w.putString(GgufKeys.hiddenActivation(a), activation.key());
    }

    private static int required(GgufFile gguf, String key) {
        if (!gguf.has(key)) throw new ModelException(gguf.path() + ": missing metadata key " + key);
        return gguf.getInt(key);
    }
}
