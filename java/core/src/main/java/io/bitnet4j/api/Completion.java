package io.bitnet4j.api;

/**
 * What a generation produced.
 *
 * @param text                  the generated text (without the prompt, cut before a stop string)
 * @param finishReason          why it ended
 * @param promptTokens          tokens of the prompt (BOS and chat template included)
 * @param generatedTokens       tokens generated up to the end of {@code text} (those after a stop string not counted)
 * @param timeToFirstTokenNanos from the request to its first token: waiting for a slot, reading the prompt,
 *                              sampling; the whole duration when no token came
 * @param totalNanos            from the request to its end
 */
public record Completion(String text, FinishReason finishReason, int promptTokens, int generatedTokens,
                         long timeToFirstTokenNanos, long totalNanos) {

    /**
     * Tokens per second after the first (each needs one decode step, shared with the other requests decoded
     * together); 0 with fewer than two tokens.
     */
    public double generationTokensPerSecond() {
        long decodeNanos = totalNanos - timeToFirstTokenNanos;
        return generatedTokens < 2 || decodeNanos <= 0 ? 0 : (generatedTokens - 1) * 1e9 / decodeNanos;
    }
}
