package io.bitnet4j.tokenizer;

/** A tokenizer could not be built from its metadata, or was asked something it cannot answer. */
public class TokenizerException extends RuntimeException {
    public TokenizerException(String message) {
        super(message);
    }
}
