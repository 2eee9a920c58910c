package io.bitnet4j.api;

/** Why a generation ended. */
public enum FinishReason {
    /** The model ended its answer (an end-of-generation token), or a stop string appeared. */
    STOP,
    /** The token limit was reached, or the context is full. */
    LENGTH,
    /** The generation was cancelled ({@link Generation#cancel()}, a closed stream, an interrupted caller). */
    CANCELLED
}
