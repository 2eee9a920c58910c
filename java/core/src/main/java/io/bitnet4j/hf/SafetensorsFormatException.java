package io.bitnet4j.hf;

import java.nio.file.Path;

/**
 * A safetensors file, its shard index, a Hugging Face {@code config.json} or tokenizer file is malformed or uses
 * something bitnet4j does not support. The only exception (besides {@link java.io.IOException} for
 * I/O failures) thrown for bad content; the message names the file and, where there is one, the tensor
 * or key concerned.
 */
public final class SafetensorsFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public SafetensorsFormatException(Path file, String message) {
        super((file == null ? "safetensors" : file.toString()) + ": " + message);
        this.file = file;
    }

    public SafetensorsFormatException(Path file, String message, Throwable cause) {
        super((file == null ? "safetensors" : file.toString()) + ": " + message, cause);
        this.file = file;
    }

    /** The file concerned (may be null). */
    public Path file() { return file; }
}
