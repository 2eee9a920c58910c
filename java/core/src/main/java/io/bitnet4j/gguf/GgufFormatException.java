package io.bitnet4j.gguf;

import java.nio.file.Path;

/**
 * A GGUF file is malformed or uses something bitnet4j does not support. This is the only exception
 * (besides {@link java.io.IOException} for I/O failures) that reading a GGUF file throws for bad
 * content: wrong magic, unsupported version, truncation, sizes or offsets past the end, absurd counts,
 * bad shapes, unknown or ambiguous tensor types, overlapping tensor data, duplicate names, and
 * metadata of the wrong type when asked for with a typed accessor. The message names the file and the
 * key or tensor concerned, and what was expected.
 *
 * <p>Unchecked, so that lazy accessors (e.g. decoding a string array on demand) can throw it too.
 */
public final class GgufFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;

    public GgufFormatException(Path file, String message) {
        super((file == null ? "GGUF" : file.toString()) + ": " + message);
        this.file = file;
    }

    public GgufFormatException(Path file, String message, Throwable cause) {
        super((file == null ? "GGUF" : file.toString()) + ": " + message, cause);
        this.file = file;
    }

    /** The file concerned (may be null for in-memory data). */
    public Path file() { return file; }
}
