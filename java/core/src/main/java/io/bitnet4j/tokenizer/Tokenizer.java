package io.bitnet4j.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * Text to token ids and back, giving exactly the ids llama.cpp gives for the same GGUF vocabulary.
 * Instances are immutable and thread-safe. Build one with {@link Tokenizers#fromGguf}.
 */
public sealed interface Tokenizer permits BpeTokenizer, SentencePieceTokenizer {
    /** "No such token" in the special-id accessors. */
    int NO_TOKEN = -1;

    /**
     * Tokenizes like {@code llama_tokenize(text, add_special, parse_special)}.
     *
     * @param addSpecial   add BOS (and EOS) if the vocabulary asks for it ({@link #addsBos()}, {@link #addsEos()})
     * @param parseSpecial recognise the text of CONTROL tokens such as {@code <|eot_id|>} as those tokens;
     *                     when false they are tokenized as plain text (USER_DEFINED tokens are always recognised)
     */
    int[] encode(String text, boolean addSpecial, boolean parseSpecial);

    /** Plain text, no BOS, no special-token parsing. */
    default int[] encode(String text) {
        return encode(text, false, false);
    }

    /**
     * Detokenizes like {@code llama_detokenize}: with removeSpecial, a leading BOS / trailing EOS the vocabulary
     * adds itself are dropped; with unparseSpecial, CONTROL/UNKNOWN tokens are rendered as their text, otherwise
     * as nothing. SentencePiece drops the leading space of the first piece; BPE applies llama.cpp's
     * {@code clean_spaces} (no space before {@code ? ! . ,}, and in {@code 's 'm 're 've}), except for the qwen2
     * pre-tokenizer, for which llama.cpp turns it off.
     */
    byte[] decodeBytes(int[] ids, boolean removeSpecial, boolean unparseSpecial);

    default String decode(int[] ids, boolean removeSpecial, boolean unparseSpecial) {
        return new String(decodeBytes(ids, removeSpecial, unparseSpecial), StandardCharsets.UTF_8);
    }

    /** As llama.cpp's {@code common_detokenize(ctx, ids, special = true)}. */
    default String decode(int[] ids) {
        return decode(ids, false, true);
    }

    /**
     * The bytes one token stands for ({@code llama_token_to_piece}, no space stripping), for streaming output
     * through a {@link Utf8StreamDecoder}. With special false, CONTROL and UNKNOWN tokens give no bytes.
     */
    byte[] tokenBytes(int id, boolean special);

    default byte[] tokenBytes(int id) {
        return tokenBytes(id, true);
    }

    /** The token's vocabulary text as stored in the GGUF file (e.g. {@code Ġthe}, {@code ▁the}, {@code <0x0A>}). */
    String tokenText(int id);

    /** The id whose vocabulary text is exactly {@code text}, or {@link #NO_TOKEN}. */
    int tokenId(String text);

    int vocabSize();

    TokenType tokenType(int id);

    default boolean isControl(int id) {
        return tokenType(id) == TokenType.CONTROL;
    }

    /** True for the ids that end generation: EOS, EOT, EOM and llama.cpp's list of end-of-turn texts. */
    boolean isEndOfGeneration(int id);

    /** Sorted end-of-generation ids. */
    int[] endOfGenerationIds();

    int bosId();

    int eosId();

    /** End of turn ({@code <|eot_id|>} for LLaMA-3), or {@link #NO_TOKEN}. */
    int eotId();

    int unknownId();

    int padId();

    boolean addsBos();

    boolean addsEos();

    /** {@code tokenizer.chat_template}, if present. */
    Optional<String> chatTemplate();

    /** Things the loader decided that the user may want to hear about (e.g. a repaired pre-tokenizer). */
    List<String> notes();
}
