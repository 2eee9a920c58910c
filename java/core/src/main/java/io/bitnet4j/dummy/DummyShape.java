package io.bitnet4j.dummy;

import io.bitnet4j.tensor.TensorType;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The hyper-parameters of a dummy {@code bitnet-b1.58} model.
 *
 * <p>The named sizes are bitnet.cpp's {@code utils/generate-dummy-bitnet-model.py} table (hidden size,
 * FFN size, layers, heads; as there, K/V heads = heads, context 2048, RoPE theta 10000), plus
 * {@code 2B-4T}, the shape of microsoft/BitNet-b1.58-2B-4T (GQA 20/5, LLaMA-3 vocabulary, theta 500000),
 * and {@code tiny}, the shape of the shipped demo model and of the reference test models.
 */
public record DummyShape(String size, int hidden, int ffn, int layers, int heads, int kvHeads, int vocab,
                         int context, float ropeTheta, float rmsEps) {

    private static final Map<String, DummyShape> PRESETS = new LinkedHashMap<>();

    static {
        bitnetCpp("125M", 768, 3072, 11, 12);
        bitnetCpp("350M", 1024, 3072, 24, 16);
        bitnetCpp("1B", 2048, 3584, 24, 32);
        bitnetCpp("1.5B", 1536, 9216, 28, 32);
        bitnetCpp("2.7B", 3072, 7680, 24, 32);
        bitnetCpp("3.8B", 3840, 8192, 24, 32);
        bitnetCpp("7B", 4096, 12032, 32, 32);
        bitnetCpp("13B", 5120, 13824, 40, 40);
        bitnetCpp("30B", 6656, 16384, 60, 52);
        bitnetCpp("70B", 8192, 24576, 80, 64);
        bitnetCpp("100B", 8192, 45568, 72, 64);
        add(new DummyShape("2B-4T", 2560, 6912, 30, 20, 5, DummyVocabulary.LLAMA3_SIZE, 4096, 500000f, 1e-5f));
        add(new DummyShape("tiny", 256, 512, 4, 4, 2, 4096, 2048, 500000f, 1e-5f));
    }

    private static void bitnetCpp(String size, int hidden, int ffn, int layers, int heads) {
        add(new DummyShape(size, hidden, ffn, layers, heads, heads, 32000, 2048, 10000f, 1e-5f));
    }

    private static void add(DummyShape s) {
        PRESETS.put(s.size.toLowerCase(Locale.ROOT), s);
    }

    /** The named sizes, in table order. */
    public static List<String> sizes() {
        List<String> l = new ArrayList<>();
        for (DummyShape s : PRESETS.values()) l.add(s.size);
        return Collections.unmodifiableList(l);
    }

    /** The preset of a size name (case-insensitive). */
    public static DummyShape preset(String size) {
        DummyShape s = size == null ? null : PRESETS.get(size.trim().toLowerCase(Locale.ROOT));
        if (s == null) {
            throw new IllegalArgumentException("unknown model size '" + size + "' (known: " + String.join(", ", sizes()) + ")");
        }
        return s;
    }

    public int headSize() {
        return hidden / heads;
    }

    public int kvDim() {
        return kvHeads * headSize();
    }

    public DummyShape withLayers(int n) {
        return new DummyShape(size, hidden, ffn, n, heads, kvHeads, vocab, context, ropeTheta, rmsEps);
    }

    public DummyShape withVocab(int n) {
        return new DummyShape(size, hidden, ffn, layers, heads, kvHeads, n, context, ropeTheta, rmsEps);
    }

    public DummyShape withHidden(int n) {
        return new DummyShape(size, n, ffn, layers, heads, kvHeads, vocab, context, ropeTheta, rmsEps);
    }

    public DummyShape withFfn(int n) {
        return new DummyShape(size, hidden, n, layers, heads, kvHeads, vocab, context, ropeTheta, rmsEps);
    }

    public DummyShape withHeads(int heads, int kvHeads) {
        return new DummyShape(size, hidden, ffn, layers, heads, kvHeads, vocab, context, ropeTheta, rmsEps);
    }

    public DummyShape withContext(int n) {
        return new DummyShape(size, hidden, ffn, layers, heads, kvHeads, vocab, n, ropeTheta, rmsEps);
    }

    /** Weights of the model (token embedding, norms and all projections; the output is tied). */
    public long parameters() {
        long h = hidden, kv = kvDim(), f = ffn;
        long perLayer = h * h * 2 + h * kv * 2 + h * f * 3 + h * 2 + h + f;
        return vocab * h + layers * perLayer + h;
    }

    /**
     * Why this shape cannot be written with ternary type {@code type}, or null if it can. Every
     * projection's row length (hidden size, FFN size) must be a multiple of the type's block.
     */
    public String problem(TensorType type) {
        if (type != TensorType.I2_S && type != TensorType.TQ2_0 && type != TensorType.TQ1_0) {
            return "type " + type.typeName() + " is not a ternary type (use i2_s, tq2_0 or tq1_0)";
        }
        if (hidden <= 0 || ffn <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || context <= 0) {
            return "hidden size, FFN size, layers, heads, K/V heads and context must all be positive";
        }
        if (hidden % heads != 0) return "hidden size " + hidden + " is not a multiple of the head count " + heads;
        if (headSize() % 2 != 0) return "head size " + headSize() + " (hidden/heads) must be even for RoPE";
        if (heads % kvHeads != 0) return "head count " + heads + " is not a multiple of the K/V head count " + kvHeads;
        if (vocab < DummyVocabulary.MIN_SIZE || vocab > DummyVocabulary.MAX_SIZE) {
            return "vocabulary size " + vocab + " out of range [" + DummyVocabulary.MIN_SIZE + ", " + DummyVocabulary.MAX_SIZE + "]";
        }
        int block = type == TensorType.I2_S ? TensorType.I2S_GROUP : type.blockSize();
        for (var dim : List.of(Map.entry("hidden size", hidden), Map.entry("FFN size", ffn))) {
            if (dim.getValue() % block != 0) {
                int up = (dim.getValue() / block + 1) * block;
                return type + " packs each weight row in blocks of " + block + ": the " + dim.getKey() + " "
                        + dim.getValue() + " is not a multiple of " + block + " (e.g. use " + up + ")";
            }
        }
        return null;
    }
}
