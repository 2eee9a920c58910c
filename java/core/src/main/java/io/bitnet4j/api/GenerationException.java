package io.bitnet4j.api;

/**
 * A generation failed after it was accepted: the forward pass failed (e.g. the model file was truncated
 * while mapped), or the model was closed while the request waited or ran. The cause is the engine's error.
 * Other requests are not affected by a failure of this kind unless the model itself is gone.
 */
public final class GenerationException extends BitnetException {

    GenerationException(String message, Throwable cause) {
        super(message, cause);
    }
}
