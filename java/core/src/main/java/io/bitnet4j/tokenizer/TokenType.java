package io.bitnet4j.tokenizer;

/** GGUF {@code tokenizer.ggml.token_type} values (llama.cpp's {@code llama_token_type}). */
public enum TokenType {
    UNDEFINED, NORMAL, UNKNOWN, CONTROL, USER_DEFINED, UNUSED, BYTE;

    private static final TokenType[] VALUES = values();

    /** Maps a GGUF token_type code; unknown codes become {@link #UNDEFINED}, as in llama.cpp. */
    public static TokenType fromCode(int code) {
        return code >= 0 && code < VALUES.length ? VALUES[code] : UNDEFINED;
    }
}
