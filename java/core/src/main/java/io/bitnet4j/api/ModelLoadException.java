package io.bitnet4j.api;

import java.nio.file.Path;

/**
 * A model could not be opened. The message names the file and the reason; the cause is what the engine
 * raised: an {@link java.io.IOException} (e.g. {@link java.nio.file.NoSuchFileException}),
 * {@link io.bitnet4j.gguf.GgufFormatException} (not a valid GGUF file), {@link io.bitnet4j.model.ModelException}
 * (an unsupported model or contradictory metadata), {@link io.bitnet4j.tokenizer.TokenizerException}
 * (an unusable vocabulary) or {@link IllegalStateException} (the requested kernel tier is unavailable here).
 */
public final class ModelLoadException extends BitnetException {

    /** The model file that could not be opened. */
    private final Path file;

    ModelLoadException(Path file, String reason, Throwable cause) {
        super("cannot open model " + file + ": " + reason, cause);
        this.file = file;
    }

    /** The model file that could not be opened. */
    public Path file() {
        return file;
    }
}
