package io.bitnet4j.tokenizer;

import java.util.Optional;

/**
 * Choices that deviate from (or pin down) what the GGUF metadata says.
 *
 * @param forcePreTokenizer a BPE pre-tokenizer name ({@code llama-bpe}, {@code qwen2}, {@code default}, {@code gpt-2},
 *                          {@code falcon}) used instead of {@code tokenizer.ggml.pre}; empty = use the metadata
 * @param llamaCppCompatiblePreTokenizer when {@code tokenizer.ggml.pre} is missing, do exactly what llama.cpp
 *                          and bitnet.cpp do (fall back to {@code default}) instead of recognising the LLaMA-3
 *                          vocabulary and using {@code llama-bpe}, the split the model was trained with
 */
public record TokenizerOptions(Optional<String> forcePreTokenizer, boolean llamaCppCompatiblePreTokenizer) {
    public TokenizerOptions {
        forcePreTokenizer = forcePreTokenizer == null ? Optional.empty() : forcePreTokenizer;
    }

    /** Metadata as given; a missing pre-tokenizer on a LLaMA-3 vocabulary is repaired to {@code llama-bpe}. */
    public static TokenizerOptions defaults() {
        return new TokenizerOptions(Optional.empty(), false);
    }

    /** Bit-for-bit what llama.cpp does with the same file, including its {@code default} fallback. */
    public static TokenizerOptions llamaCppCompatible() {
        return new TokenizerOptions(Optional.empty(), true);
    }

    public static TokenizerOptions forcePreTokenizer(String name) {
        return new TokenizerOptions(Optional.of(name), false);
    }
}
