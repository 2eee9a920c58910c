package io.bitnet4j.model;

import io.bitnet4j.gguf.GgufFile;
import io.bitnet4j.gguf.GgufKeys;
import io.bitnet4j.gguf.GgufTensorInfo;
import io.bitnet4j.gguf.GgufTensorNames;
import io.bitnet4j.gguf.GgufTensorNames.Layer;
import io.bitnet4j.gguf.GgufWriter;

/**
 * The hyper-parameters of a model, read from GGUF metadata ({@code <arch>.*} keys, as llama.cpp names them).
 *
 * @param ropeDim number of dimensions RoPE rotates per head ({@code rope.dimension_count}, default head size)
 */
public record ModelConfig(Architecture architecture, String architectureName, int embeddingLength, int blockCount,
                          int headCount, int headCountKv, int headSize, int feedForwardLength, int vocabSize,
                          int contextLength, float rmsEps, float ropeTheta, int ropeDim, Activation activation) {

    /**
     * The longest {@code context_length} believed: 2^24 tokens, above every published model's (Llama 4
     * Scout's is 10M). A larger one is a corrupted count, and {@code -c 0} would size a KV cache by it.
     */
    public static final int MAX_CONTEXT_LENGTH = 1 << 24;

    public ModelConfig {
        String a = architectureName;
        check(embeddingLength > 0, GgufKeys.embeddingLength(a) + " = " + embeddingLength + ", must be > 0");
        check(blockCount > 0, GgufKeys.blockCount(a) + " = " + blockCount + ", must be > 0");
        check(headCount > 0, GgufKeys.headCount(a) + " = " + headCount + ", must be > 0");
        check(headCountKv > 0 && headCount % headCountKv == 0, GgufKeys.headCountKv(a) + " = " + headCountKv
                + ", must be > 0 and divide " + GgufKeys.headCount(a) + " = " + headCount);
        check(headSize > 0 && headSize % 2 == 0, "head size " + headSize + " (" + GgufKeys.keyLength(a) + ", or "
                + embeddingLength + " / " + headCount + ") must be even and > 0");
        // qDim() and kvDim() are ints: the product must not wrap (heads 65536 × head size 65536 would be 0)
        check((long) headCount * headSize <= Integer.MAX_VALUE, GgufKeys.headCount(a) + " = " + headCount
                + " × head size " + headSize + " overflows");
        check(ropeDim > 0 && ropeDim <= headSize && ropeDim % 2 == 0, GgufKeys.ropeDimensionCount(a) + " = " + ropeDim
                + ", must be even, > 0 and at most the head size " + headSize);
        check(feedForwardLength > 0, GgufKeys.feedForwardLength(a) + " = " + feedForwardLength + ", must be > 0");
        check(vocabSize > 0, "vocabulary size (rows of " + GgufTensorNames.TOKEN_EMBD + ") " + vocabSize + ", must be > 0");
        check(contextLength > 0 && contextLength <= MAX_CONTEXT_LENGTH, GgufKeys.contextLength(a) + " = " + contextLength
                + ", must be in 1.." + MAX_CONTEXT_LENGTH);
        check(rmsEps > 0 && Float.isFinite(rmsEps), GgufKeys.layerNormRmsEpsilon(a) + " = " + rmsEps + ", must be finite and > 0");
        check(ropeTheta > 0 && Float.isFinite(ropeTheta), GgufKeys.ropeFreqBase(a) + " = " + ropeTheta + ", must be finite and > 0");
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

    /**
     * The config a GGUF file describes. Each count is checked against the tensors it describes first, before
     * anything is sized by it (a corrupted {@code block_count} of 2^31-1 once sized a list of layers:
     * OutOfMemoryError), then the rest as the constructor does. Errors: {@link ModelException} naming the
     * file, the key, its value and what the file holds; {@link io.bitnet4j.gguf.GgufFormatException} for a
     * key of the wrong type or a missing tensor.
     */
    public static ModelConfig from(GgufFile gguf) {
        String name = gguf.has(GgufKeys.ARCHITECTURE) ? gguf.getString(GgufKeys.ARCHITECTURE) : null;
        if (name == null) throw new ModelException(gguf.path(), "no " + GgufKeys.ARCHITECTURE + " key (a vocabulary-only file?)");
        Architecture arch = Architecture.byName(name).orElseThrow(() -> new ModelException(gguf.path(),
                "unsupported architecture '" + name + "' (supported: " + Architecture.knownNames() + ")"));
        int embd = required(gguf, GgufKeys.embeddingLength(name));
        int heads = required(gguf, GgufKeys.headCount(name));
        int headsKv = gguf.getInt(GgufKeys.headCountKv(name), heads);
        boolean headSizeGiven = gguf.has(GgufKeys.keyLength(name));
        int headSize = gguf.getInt(GgufKeys.keyLength(name), heads > 0 ? embd / heads : 0);
        int valueSize = gguf.getInt(GgufKeys.valueLength(name), headSize);
        if (valueSize != headSize) {
            throw new ModelException(gguf.path(), GgufKeys.valueLength(name) + " " + valueSize + " differs from "
                    + GgufKeys.keyLength(name) + " " + headSize + " (unsupported)");
        }
        int blockCount = required(gguf, GgufKeys.blockCount(name));
        int ffn = required(gguf, GgufKeys.feedForwardLength(name));

        int blocks = blocksIn(gguf);
        if (blockCount != blocks) {
            throw new ModelException(gguf.path(), GgufKeys.blockCount(name) + " = " + blockCount + ", but the file has tensors of "
                    + blocks + " blocks (" + GgufTensorNames.BLOCK_PREFIX + "N.*)");
        }
        expectDim(gguf, GgufTensorNames.TOKEN_EMBD, 0, embd, GgufKeys.embeddingLength(name) + " = " + embd + " values per row");
        String timesHeadSize = " × head size " + headSize + (headSizeGiven ? "" : " (" + embd + " / " + heads + ")");
        expectDim(gguf, Layer.ATTN_Q.weight(0), 1, (long) heads * headSize,
                GgufKeys.headCount(name) + " = " + heads + timesHeadSize + " = " + (long) heads * headSize + " rows");
        expectDim(gguf, Layer.ATTN_K.weight(0), 1, (long) headsKv * headSize,
                GgufKeys.headCountKv(name) + " = " + headsKv + timesHeadSize + " = " + (long) headsKv * headSize + " rows");
        expectDim(gguf, Layer.FFN_UP.weight(0), 1, ffn, GgufKeys.feedForwardLength(name) + " = " + ffn + " rows");

        // the number of logits is the number of embedding rows (the tokenizer's vocabulary may be padded or shorter)
        long[] embdShape = gguf.tensor(GgufTensorNames.TOKEN_EMBD).shape();
        if (embdShape.length != 2 || embdShape[1] > Integer.MAX_VALUE) {
            throw new ModelException(gguf.path(), "tensor " + GgufTensorNames.TOKEN_EMBD + ": shape " + java.util.Arrays.toString(embdShape)
                    + ", expected [embedding length, vocabulary size]");
        }
        String activation = GgufKeys.hiddenActivation(name);
        Activation act = arch.defaultActivation();
        if (gguf.has(activation)) {
            try {
                act = Activation.fromKey(gguf.getString(activation));
            } catch (IllegalArgumentException e) {
                throw new ModelException(gguf.path(), activation + ": " + e.getMessage());
            }
        }
        try {
            return new ModelConfig(arch, name, embd, blockCount, heads, headsKv, headSize, ffn, (int) embdShape[1],
                    required(gguf, GgufKeys.contextLength(name)),
                    gguf.getFloat(GgufKeys.layerNormRmsEpsilon(name), 1e-5f),
                    gguf.getFloat(GgufKeys.ropeFreqBase(name), 10000f),
                    gguf.getInt(GgufKeys.ropeDimensionCount(name), headSize), act);
        } catch (ModelException e) {
            throw e.inFile(gguf.path());
        }
    }

    /** How many distinct block numbers N the {@code blk.N.*} tensor names have. */
    private static int blocksIn(GgufFile gguf) {
        java.util.Set<Integer> blocks = new java.util.HashSet<>();
        String prefix = GgufTensorNames.BLOCK_PREFIX;
        for (GgufTensorInfo t : gguf.tensorInfos()) {
            String n = t.name();
            int dot = n.indexOf('.', prefix.length());
            if (!n.startsWith(prefix) || dot < 0) continue;
            try {
                blocks.add(Integer.parseInt(n.substring(prefix.length(), dot)));
            } catch (NumberFormatException e) {
                // not a block tensor of ours; ModelWeights ignores it too
            }
        }
        return blocks.size();
    }

    /** Dimension {@code dim} of a 2-D tensor must be {@code expected}, as {@code claim} (a key and its value) says. */
    private static void expectDim(GgufFile gguf, String tensor, int dim, long expected, String claim) {
        long[] shape = gguf.findTensorInfo(tensor).map(GgufTensorInfo::shape).orElse(null);
        if (shape == null || shape.length != 2 || shape[dim] == expected) return;
        throw new ModelException(gguf.path(), claim + ", but " + tensor + " has " + shape[dim]
                + " (shape " + java.util.Arrays.toString(shape) + ")");
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
        if (!gguf.has(key)) throw new ModelException(gguf.path(), "missing metadata key " + key);
        return gguf.getInt(key);
    }
}
