package io.bitnet4j.graph;

/** More tokens than the context can hold. */
public final class ContextOverflowException extends RuntimeException {
    public ContextOverflowException(int position, int adding, int contextSize) {
        super("context full: " + position + " tokens in the cache + " + adding + " new > context size " + contextSize
                + " (raise -c/--ctx-size, up to the model's context_length, or shorten the prompt)");
    }
}
