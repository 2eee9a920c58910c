package io.bitnet4j.hf;

import java.nio.file.Path;

/**
 * A file of a Hugging Face checkpoint — a safetensors file or its shard index, {@code config.json}, a
 * tokenizer file — is malformed or uses something bitnet4j does not support. The only exception (besides
 * {@link java.io.IOException} for I/O failures) thrown for bad content; the message names the file and,
 * where there is one, the tensor or key concerned.
 */
public final class HfFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public HfFormatException(Path file, String message) {
        super(message(file, message));
        this.file = file;
    }

    public HfFormatException(Path file, String message, Throwable cause) {
        super(message(file, message), cause);
        this.file = file;
    }

    private static String message(Path file, String message) {
        return (file == null ? "safetensors" : file.toString()) + ": " + message;
    }

    /** The file concerned (may be null). */
    public Path file() { return file; }
}
