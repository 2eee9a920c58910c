package io.bitnet4j.hf;

import com.fasterxml.jackson.databind.JsonNode;
import io.bitnet4j.gguf.GgufKeys;
import io.bitnet4j.gguf.GgufWriter;
import io.bitnet4j.tokenizer.TokenType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A Hugging Face tokenizer turned into llama.cpp's {@code tokenizer.*} GGUF metadata, as llama.cpp's
 * {@code convert_hf_to_gguf.py} writes it, so that the converted model tokenizes like the original.
 *
 * <p>Which file is used follows llama.cpp's LLaMA converter: a SentencePiece {@code tokenizer.model}
 * first ({@code tokenizer.ggml.model = llama}, {@link SentencePieceModel}), else a byte-level BPE
 * {@code tokenizer.json} ({@code gpt2}, {@link TokenizerJson}). A {@code tokenizer.model} that is not a
 * SentencePiece protobuf (LLaMA-3 repositories ship tiktoken rank files under that name) is skipped with
 * a note. Special ids, add flags and the chat template come from {@link HfSpecialTokens}.
 *
 * @param model      {@code tokenizer.ggml.model}: "gpt2" (BPE) or "llama" (SentencePiece)
 * @param pre        {@code tokenizer.ggml.pre}
 * @param tokens     the token texts by id ({@code tokenizer.ggml.tokens})
 * @param scores     {@code tokenizer.ggml.scores}, or null (BPE writes none)
 * @param tokenTypes {@link TokenType} codes by id
 * @param merges     BPE merges "left right" by rank (empty for SentencePiece)
 * @param special    special ids, add flags, chat template
 * @param source     the file the vocabulary came from
 * @param notes      what the user should know (choices made, things ignored)
 */
public record HfTokenizer(String model, String pre, List<String> tokens, float[] scores, int[] tokenTypes,
                          List<String> merges, HfSpecialTokens special, Path source, List<String> notes) {

    public static final String TOKENIZER_JSON = "tokenizer.json";
    public static final String TOKENIZER_MODEL = "tokenizer.model";

    public HfTokenizer {
        Objects.requireNonNull(model);
        Objects.requireNonNull(pre);
        tokens = List.copyOf(tokens);
        merges = List.copyOf(merges);
        notes = List.copyOf(notes);
        if (tokenTypes.length != tokens.size() || (scores != null && scores.length != tokens.size())) {
            throw new IllegalArgumentException("one type (and score) per token expected");
        }
    }

    /**
     * Reads the tokenizer of a model directory.
     *
     * @param vocabSize {@code config.json}'s {@code vocab_size} (the embedding's rows): the token table is
     *                  padded to it with {@code [PADn]} unused tokens, as llama.cpp does; 0 = the tokenizer's own size
     * @throws HfFormatException naming the file when there is no tokenizer or it cannot be used
     */
    public static HfTokenizer read(Path dir, int vocabSize) throws IOException {
        List<String> notes = new ArrayList<>();
        Path json = dir.resolve(TOKENIZER_JSON), spm = dir.resolve(TOKENIZER_MODEL);
        JsonNode tokenizerJson = Files.isRegularFile(json) ? HfJson.read(json) : null;
        if (Files.isRegularFile(spm)) {
            try {
                return SentencePieceModel.toTokenizer(dir, spm, SentencePieceModel.parse(spm), tokenizerJson, vocabSize, notes);
            } catch (HfFormatException e) {
                if (tokenizerJson == null || !spm.equals(e.file())) throw e;
                notes.add(spm.getFileName() + " is not a SentencePiece model (a tiktoken rank file?); using " + TOKENIZER_JSON);
            }
        }
        if (tokenizerJson == null) {
            throw new HfFormatException(dir, "no tokenizer: neither " + TOKENIZER_JSON + " nor " + TOKENIZER_MODEL
                    + " found (pass --model-only to convert the weights without a tokenizer)");
        }
        return TokenizerJson.toTokenizer(dir, json, tokenizerJson, vocabSize, notes);
    }

    /** llama.cpp's {@code does_token_look_special}: added tokens that ought to be control tokens. */
    static boolean looksSpecial(String t) {
        return t.equals("<pad>") || t.equals("<mask>") || t.equals("<2mass>") || t.equals("[@BOS@]")
                || (t.startsWith("<|") && t.endsWith("|>"))
                || (t.startsWith("<\uFF5C") && t.endsWith("\uFF5C>"))
                || (t.startsWith("<unused") && t.endsWith(">"));
    }

    public int size() { return tokens.size(); }

    /** Writes the {@code tokenizer.*} keys in llama.cpp's order. */
    public void writeTo(GgufWriter w) {
        w.putString(GgufKeys.TOKENIZER_MODEL, model);
        w.putString(GgufKeys.TOKENIZER_PRE, pre);
        w.putStringArray(GgufKeys.TOKENIZER_TOKENS, tokens);
        if (scores != null) w.putFloat32Array(GgufKeys.TOKENIZER_SCORES, scores);
        w.putInt32Array(GgufKeys.TOKENIZER_TOKEN_TYPE, tokenTypes);
        if (!merges.isEmpty()) w.putStringArray(GgufKeys.TOKENIZER_MERGES, merges);
        special.writeTo(w);
    }
}
