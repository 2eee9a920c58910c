package io.bitnet4j.gguf;

/**
 * Every GGUF metadata key bitnet4j reads or writes, spelled once (llama.cpp's {@code LLM_KV} table in
 * {@code llama-arch.cpp}). Hyper-parameter keys carry the architecture name in front
 * ({@code <arch>.attention.head_count}) and are built from it; the rest are constants.
 */
public final class GgufKeys {
    private GgufKeys() {}

    // ------------------------------------------------------------------ general.*

    public static final String ARCHITECTURE = "general.architecture";
    public static final String NAME = "general.name";
    public static final String ALIGNMENT = "general.alignment";
    /** llama.cpp's {@code LLAMA_FTYPE_*} of the model's main tensors (see {@link GgufFileType}). */
    public static final String FILE_TYPE = "general.file_type";
    public static final String QUANTIZATION_VERSION = "general.quantization_version";

    // ------------------------------------------------------------------ <arch>.*

    public static String vocabSize(String arch) { return arch + ".vocab_size"; }

    public static String contextLength(String arch) { return arch + ".context_length"; }

    public static String embeddingLength(String arch) { return arch + ".embedding_length"; }

    public static String blockCount(String arch) { return arch + ".block_count"; }

    public static String feedForwardLength(String arch) { return arch + ".feed_forward_length"; }

    /** bitnet4j's own key: the FFN activation when it is not the architecture's default. */
    public static String hiddenActivation(String arch) { return arch + ".hidden_activation"; }

    public static String headCount(String arch) { return arch + ".attention.head_count"; }

    public static String headCountKv(String arch) { return arch + ".attention.head_count_kv"; }

    public static String keyLength(String arch) { return arch + ".attention.key_length"; }

    public static String valueLength(String arch) { return arch + ".attention.value_length"; }

    public static String layerNormRmsEpsilon(String arch) { return arch + ".attention.layer_norm_rms_epsilon"; }

    public static String ropeDimensionCount(String arch) { return arch + ".rope.dimension_count"; }

    public static String ropeFreqBase(String arch) { return arch + ".rope.freq_base"; }

    // ------------------------------------------------------------------ tokenizer.*

    /** "gpt2" (byte-level BPE) or "llama" (SentencePiece). */
    public static final String TOKENIZER_MODEL = "tokenizer.ggml.model";
    public static final String TOKENIZER_PRE = "tokenizer.ggml.pre";
    public static final String TOKENIZER_TOKENS = "tokenizer.ggml.tokens";
    public static final String TOKENIZER_SCORES = "tokenizer.ggml.scores";
    /** One {@code io.bitnet4j.tokenizer.TokenType} code per token. */
    public static final String TOKENIZER_TOKEN_TYPE = "tokenizer.ggml.token_type";
    public static final String TOKENIZER_MERGES = "tokenizer.ggml.merges";
    public static final String TOKENIZER_BOS_ID = "tokenizer.ggml.bos_token_id";
    public static final String TOKENIZER_EOS_ID = "tokenizer.ggml.eos_token_id";
    public static final String TOKENIZER_EOT_ID = "tokenizer.ggml.eot_token_id";
    public static final String TOKENIZER_EOM_ID = "tokenizer.ggml.eom_token_id";
    public static final String TOKENIZER_UNK_ID = "tokenizer.ggml.unknown_token_id";
    /** llama.cpp's spelling. */
    public static final String TOKENIZER_SEP_ID = "tokenizer.ggml.seperator_token_id";
    public static final String TOKENIZER_PAD_ID = "tokenizer.ggml.padding_token_id";
    public static final String TOKENIZER_CLS_ID = "tokenizer.ggml.cls_token_id";
    public static final String TOKENIZER_MASK_ID = "tokenizer.ggml.mask_token_id";
    public static final String TOKENIZER_ADD_BOS = "tokenizer.ggml.add_bos_token";
    public static final String TOKENIZER_ADD_EOS = "tokenizer.ggml.add_eos_token";
    public static final String TOKENIZER_ADD_SEP = "tokenizer.ggml.add_sep_token";
    public static final String TOKENIZER_ADD_SPACE_PREFIX = "tokenizer.ggml.add_space_prefix";
    public static final String TOKENIZER_CHAT_TEMPLATE = "tokenizer.chat_template";
    /** The names of the further templates, each under {@link #chatTemplate(String)}. */
    public static final String TOKENIZER_CHAT_TEMPLATES = "tokenizer.chat_templates";

    /** A named chat template besides the default one. */
    public static String chatTemplate(String name) { return TOKENIZER_CHAT_TEMPLATE + "." + name; }
}
