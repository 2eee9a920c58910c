package io.bitnet4j.generation;

/**
 * What one generation produced, with llama.cpp-style timings.
 *
 * @param generated   the generated token ids (without the prompt)
 * @param stopReason  why generation ended
 * @param promptNanos time to process the prompt (its logits included)
 * @param genNanos    time of the generation steps after the first token
 */
public record GenerationResult(int[] generated, StopReason stopReason, int promptTokens, long promptNanos,
                               long genNanos) {

    public enum StopReason { END_OF_GENERATION, LENGTH, CONTEXT_FULL, LISTENER }

    public double promptTokensPerSecond() {
        return promptNanos == 0 ? 0 : promptTokens * 1e9 / promptNanos;
    }

    /** Tokens per second of the decode steps (every generated token after the first needs one forward pass). */
    public double generationTokensPerSecond() {
        int steps = Math.max(0, generated.length - 1);
        return genNanos == 0 ? 0 : steps * 1e9 / genNanos;
    }
}
