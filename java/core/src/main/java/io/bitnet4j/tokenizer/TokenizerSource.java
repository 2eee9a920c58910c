package io.bitnet4j.tokenizer;

import java.util.Optional;

/**
 * Read access to the {@code tokenizer.ggml.*} metadata, so tokenizers can be built from a GGUF file or from
 * hand-made vocabularies in tests. Missing keys give empty results; a key of the wrong type should throw.
 */
public interface TokenizerSource {
    Optional<String> string(String key);

    Optional<Long> integer(String key);

    Optional<Boolean> bool(String key);

    Optional<String[]> strings(String key);

    Optional<float[]> floats(String key);

    Optional<int[]> ints(String key);

    /** Where the metadata comes from (a file's path), named first in every error message about it. */
    default String origin() {
        return "tokenizer metadata";
    }
}
