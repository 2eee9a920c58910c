package io.bitnet4j.dummy;

import io.bitnet4j.model.Architecture;
import io.bitnet4j.tensor.TensorType;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The hyper-parameters of a dummy model of architecture {@code bitnet-b1.58} or {@code qwen3}.
 *
 * <p>The named {@code bitnet-b1.58} sizes are bitnet.cpp's {@code utils/generate-dummy-bitnet-model.py}
 * table (hidden size, FFN size, layers, heads; as there, K/V heads = heads, context 2048, RoPE theta
 * 10000), plus {@code 2B-4T}, the shape of microsoft/BitNet-b1.58-2B-4T (GQA 20/5, LLaMA-3 vocabulary,
 * theta 500000), and {@code tiny}, the shape of the shipped demo model and of the reference test models.
 * The {@code qwen3} sizes are Qwen3-1.7B/4B/8B's (the shapes of PrismML's Bonsai models: head size 128,
 * 8 K/V heads, theta 1000000, eps 1e-6, vocabulary 151669 — the Qwen3 tokenizer's token count, not the
 * 151936 rows of the HF embedding) and a {@code tiny} one whose head size is not hidden / heads.
 *
 * @param headDim the head size, or 0 for hidden / heads (the bitnet shapes: it follows {@link #withHidden})
 */
public record DummyShape(Architecture architecture, String size, int hidden, int ffn, int layers, int heads,
                         int kvHeads, int headDim, int vocab, int context, float ropeTheta, float rmsEps) {

    /** Per architecture, the presets by lower-case size name. */
    private static final Map<Architecture, Map<String, DummyShape>> PRESETS = new LinkedHashMap<>();

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
        Architecture b = Architecture.BITNET_B158;
        add(new DummyShape(b, "2B-4T", 2560, 6912, 30, 20, 5, 0, DummyVocabulary.LLAMA3_SIZE, 4096, 500000f, 1e-5f));
        add(new DummyShape(b, "tiny", 256, 512, 4, 4, 2, 0, 4096, 2048, 500000f, 1e-5f));
        qwen3("1.7B", 2048, 6144, 28, 16);
        qwen3("4B", 2560, 9728, 36, 32);
        qwen3("8B", 4096, 12288, 36, 32);
        add(new DummyShape(Architecture.QWEN3, "tiny", 256, 512, 4, 4, 2, 128, 4096, 2048, 1000000f, 1e-6f));
    }

    private static void bitnetCpp(String size, int hidden, int ffn, int layers, int heads) {
        add(new DummyShape(Architecture.BITNET_B158, size, hidden, ffn, layers, heads, heads, 0, 32000, 2048, 10000f, 1e-5f));
    }

    private static void qwen3(String size, int hidden, int ffn, int layers, int heads) {
        add(new DummyShape(Architecture.QWEN3, size, hidden, ffn, layers, heads, 8, 128, 151669, 40960, 1000000f, 1e-6f));
    }

    private static void add(DummyShape s) {
        PRESETS.computeIfAbsent(s.architecture, a -> new LinkedHashMap<>()).put(s.size.toLowerCase(Locale.ROOT), s);
    }

    /** The architectures gen-dummy writes, by {@code general.architecture} name. */
    public static List<String> architectures() {
        return PRESETS.keySet().stream().map(Architecture::name).toList();
    }

    /** The named {@code bitnet-b1.58} sizes, in table order. */
    public static List<String> sizes() {
        return sizes(Architecture.BITNET_B158.name());
    }

    /** The named sizes of an architecture, in table order. */
    public static List<String> sizes(String architecture) {
        List<String> l = new ArrayList<>();
        for (DummyShape s : presets(architecture).values()) l.add(s.size);
        return Collections.unmodifiableList(l);
    }

    /** The {@code bitnet-b1.58} preset of a size name (case-insensitive). */
    public static DummyShape preset(String size) {
        return preset(Architecture.BITNET_B158.name(), size);
    }

    /** The preset of an architecture's size name (case-insensitive). */
    public static DummyShape preset(String architecture, String size) {
        DummyShape s = size == null ? null : presets(architecture).get(size.trim().toLowerCase(Locale.ROOT));
        if (s == null) {
            throw new IllegalArgumentException("unknown model size '" + size + "' for " + architecture + " (known: "
                    + String.join(", ", sizes(architecture)) + ")");
        }
        return s;
    }

    private static Map<String, DummyShape> presets(String architecture) {
        Map<String, DummyShape> m = Architecture.byName(architecture).map(PRESETS::get).orElse(null);
        if (m == null) {
            throw new IllegalArgumentException("gen-dummy does not write architecture '" + architecture + "' (it writes: "
                    + String.join(", ", architectures()) + ")");
        }
        return m;
    }

    public int headSize() {
        return headDim > 0 ? headDim : hidden / heads;
    }

    /** Query heads × head size: the attention's width (the hidden size unless the head size is set apart). */
    public int qDim() {
        return heads * headSize();
    }

    public int kvDim() {
        return kvHeads * headSize();
    }

    public DummyShape withLayers(int n) {
        return new DummyShape(architecture, size, hidden, ffn, n, heads, kvHeads, headDim, vocab, context, ropeTheta, rmsEps);
    }

    public DummyShape withVocab(int n) {
        return new DummyShape(architecture, size, hidden, ffn, layers, heads, kvHeads, headDim, n, context, ropeTheta, rmsEps);
    }

    public DummyShape withHidden(int n) {
        return new DummyShape(architecture, size, n, ffn, layers, heads, kvHeads, headDim, vocab, context, ropeTheta, rmsEps);
    }

    public DummyShape withFfn(int n) {
        return new DummyShape(architecture, size, hidden, n, layers, heads, kvHeads, headDim, vocab, context, ropeTheta, rmsEps);
    }

    public DummyShape withHeads(int heads, int kvHeads) {
        return new DummyShape(architecture, size, hidden, ffn, layers, heads, kvHeads, headDim, vocab, context, ropeTheta, rmsEps);
    }

    public DummyShape withContext(int n) {
        return new DummyShape(architecture, size, hidden, ffn, layers, heads, kvHeads, headDim, vocab, n, ropeTheta, rmsEps);
    }

    /**
     * Whether the output head is the token embedding. It is, except for qwen3 8B: Qwen3-8B (and so
     * Bonsai-8B) has its own {@code lm_head}, the 1.7B and 4B models tie it.
     */
    public boolean tiedOutput() {
        return !(architecture == Architecture.QWEN3 && size.equals("8B"));
    }

    /**
     * The type of the token embedding (and untied output) for projections of {@code type}: the projection
     * type for a qwen3 model in Q1_0 or Q2_0 (Bonsai quantizes the whole network), F16 otherwise.
     */
    public TensorType embeddingType(TensorType type) {
        boolean bonsai = architecture == Architecture.QWEN3 && (type == TensorType.Q1_0 || type == TensorType.Q2_0);
        return bonsai ? type : TensorType.F16;
    }

    /** Weights of the model (token embedding, norms, all projections, and the output head if untied). */
    public long parameters() {
        long h = hidden, q = qDim(), kv = kvDim(), f = ffn;
        long norms = architecture.subNorms() ? h * 2 + q + f : h * 2;
        if (architecture.qkNorm()) norms += 2L * headSize();
        long perLayer = h * q * 2 + h * kv * 2 + h * f * 3 + norms;
        return vocab * h * (tiedOutput() ? 1 : 2) + layers * perLayer + h;
    }

    /**
     * Why this shape cannot be written with ternary type {@code type}, or null if it can. Every
     * projection's row length (hidden size, FFN size) must be a multiple of the type's block.
     */
    public String problem(TensorType type) {
        List<TensorType> types = types();
        if (!types.contains(type)) {
            return "type " + type.typeName() + " is not a projection type of a " + architecture.name() + " dummy (use "
                    + String.join(", ", types.stream().map(TensorType::typeName).toList()) + ")";
        }
        if (hidden <= 0 || ffn <= 0 || layers <= 0 || heads <= 0 || kvHeads <= 0 || context <= 0) {
            return "hidden size, FFN size, layers, heads, K/V heads and context must all be positive";
        }
        if (headDim == 0 && hidden % heads != 0) return "hidden size " + hidden + " is not a multiple of the head count " + heads;
        if (headSize() % 2 != 0) return "head size " + headSize() + " must be even for RoPE";
        if (heads % kvHeads != 0) return "head count " + heads + " is not a multiple of the K/V head count " + kvHeads;
        if (vocab < DummyVocabulary.MIN_SIZE || vocab > DummyVocabulary.MAX_SIZE) {
            return "vocabulary size " + vocab + " out of range [" + DummyVocabulary.MIN_SIZE + ", " + DummyVocabulary.MAX_SIZE + "]";
        }
        int block = type == TensorType.I2_S ? TensorType.I2S_GROUP : type.blockSize();
        for (var dim : List.of(Map.entry("hidden size", hidden), Map.entry("FFN size", ffn), Map.entry("attention width (heads × head size)", qDim()))) {
            if (dim.getValue() % block != 0) {
                int up = (dim.getValue() / block + 1) * block;
                return type + " packs each weight row in blocks of " + block + ": the " + dim.getKey() + " "
                        + dim.getValue() + " is not a multiple of " + block + " (e.g. use " + up + ")";
            }
        }
        return null;
    }

    /**
     * The projection types a dummy of this architecture may have, the default first: bitnet.cpp's
     * architecture takes its ternary types; a mainline llama.cpp architecture takes mainline's — Q1_0 /
     * Q2_0 (Bonsai's), TQ2_0, TQ1_0 (ids 41/42 mean something else in bitnet.cpp's files, and I2_S does
     * not exist in mainline).
     */
    public List<TensorType> types() {
        return architecture == Architecture.BITNET_B158
                ? List.of(TensorType.I2_S, TensorType.TQ2_0, TensorType.TQ1_0)
                : List.of(TensorType.Q1_0, TensorType.Q2_0, TensorType.TQ2_0, TensorType.TQ1_0);
    }
}
