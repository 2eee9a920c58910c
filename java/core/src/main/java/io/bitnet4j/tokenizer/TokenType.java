package io.bitnet4j.tokenizer;

/**
 * GGUF {@code tokenizer.ggml.token_type} values (llama.cpp's {@code llama_token_type}; SentencePiece's
 * piece types use the same numbers): the code of each is its position here, 0 to 6.
 */
public enum TokenType {
    UNDEFINED, NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE;

    private static final TokenType[] VALUES = values();

    /** The number GGUF stores for this type. */
    public int code() {
        return ordinal();
    }

    /** Maps a GGUF token_type code; unknown codes become {@link #UNDEFINED}, as in llama.cpp. */
    public static TokenType fromCode(int code) {
        return code >= 0 && code < VALUES.length ? VALUES[code] : UNDEFINED;
    }
}
