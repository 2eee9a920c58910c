package io.bitnet4j.tokenizer;

import io.bitnet4j.gguf.GgufFile;
import io.bitnet4j.gguf.GgufKeys;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Builds the tokenizer a GGUF file describes ({@code tokenizer.ggml.model}: gpt2 = BPE, llama = SentencePiece). */
public final class Tokenizers {
    private Tokenizers() {
    }

    /** The tokenizer of a GGUF file, with {@link TokenizerOptions#defaults()}. */
    public static Tokenizer fromGguf(GgufFile file) {
        return fromSource(new GgufTokenizerSource(file), TokenizerOptions.defaults());
    }

    public static Tokenizer fromGguf(GgufFile file, TokenizerOptions options) {
        return fromSource(new GgufTokenizerSource(file), options);
    }

    public static Tokenizer fromSource(TokenizerSource src) {
        return fromSource(src, TokenizerOptions.defaults());
    }

    public static Tokenizer fromSource(TokenizerSource src, TokenizerOptions options) {
        String model = src.string(GgufKeys.TOKENIZER_MODEL)
                .orElseThrow(() -> new TokenizerException(src.origin() + ": missing " + GgufKeys.TOKENIZER_MODEL));
        List<String> notes = new ArrayList<>();
        switch (model.toLowerCase(Locale.ROOT)) {
            case "llama" -> {
                Vocabulary vocab = new Vocabulary(Vocabulary.Kind.SPM, src, true, false);
                notes.addAll(vocab.notes);
                return new SentencePieceTokenizer(vocab, notes);
            }
            case "gpt2" -> {
                String[] merges = src.strings(GgufKeys.TOKENIZER_MERGES)
                        .orElseThrow(() -> new TokenizerException(src.origin() + ": BPE vocabulary without " + GgufKeys.TOKENIZER_MERGES));
                PreTokenizer pre = choosePreTokenizer(src, options, notes);
                Vocabulary vocab = new Vocabulary(Vocabulary.Kind.BPE, src, pre == PreTokenizer.LLAMA3, pre.cleansSpaces());
                notes.addAll(vocab.notes);
                return new BpeTokenizer(vocab, merges, pre, notes);
            }
            default -> throw new TokenizerException(src.origin() + ": unsupported " + GgufKeys.TOKENIZER_MODEL + " '" + model
                    + "' (supported: gpt2, llama)");
        }
    }

    private static PreTokenizer choosePreTokenizer(TokenizerSource src, TokenizerOptions options, List<String> notes) {
        if (options.forcePreTokenizer().isPresent()) {
            return PreTokenizer.forName(options.forcePreTokenizer().get());
        }
        var pre = src.string(GgufKeys.TOKENIZER_PRE);
        if (pre.isPresent()) {
            try {
                return PreTokenizer.forName(pre.get());
            } catch (TokenizerException e) {
                throw new TokenizerException(src.origin() + ": " + GgufKeys.TOKENIZER_PRE + ": " + e.getMessage());
            }
        }
        if (!options.llamaCppCompatiblePreTokenizer() && looksLikeLlama3(src)) {
            notes.add(GgufKeys.TOKENIZER_PRE + " is missing; the vocabulary is LLaMA-3's, so the LLaMA-3 pre-tokenizer "
                    + "(llama-bpe) is used. llama.cpp/bitnet.cpp would fall back to 'default' and tokenize "
                    + "differently (use llama.cpp-compatible tokenization to reproduce that).");
            return PreTokenizer.LLAMA3;
        }
        notes.add(GgufKeys.TOKENIZER_PRE + " is missing; using the 'default' pre-tokenizer, as llama.cpp does.");
        return PreTokenizer.DEFAULT;
    }

    /**
     * Recognises the LLaMA-3 tokenizer (128,000 BPE tokens + 256 specials): the special tokens at their fixed
     * ids, a few ordinary tokens at theirs, and LLaMA-3's first merge and merge count.
     */
    static boolean looksLikeLlama3(TokenizerSource src) {
        String[] tokens = src.strings(GgufKeys.TOKENIZER_TOKENS).orElse(new String[0]);
        String[] merges = src.strings(GgufKeys.TOKENIZER_MERGES).orElse(new String[0]);
        return tokens.length == 128256
                && "<|begin_of_text|>".equals(tokens[128000])
                && "<|end_of_text|>".equals(tokens[128001])
                && "<|start_header_id|>".equals(tokens[128006])
                && "<|eot_id|>".equals(tokens[128009])
                && "!".equals(tokens[0])
                && "I".equals(tokens[40])
                && "'m".equals(tokens[2846])
                && "ĠĠ".equals(tokens[256])
                && merges.length >= 280000
                && "Ġ Ġ".equals(merges[0]);
    }
}
