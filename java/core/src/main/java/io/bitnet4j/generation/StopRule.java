package io.bitnet4j.generation;

import io.bitnet4j.generation.GenerationResult.StopReason;
import io.bitnet4j.graph.KvCache;

import java.util.function.BooleanSupplier;
import java.util.function.IntPredicate;

/**
 * When a sequence stops generating: one rule for {@link Generator#generate} and
 * {@link ContinuousBatcher}, so that a batched request stops exactly where the same request run alone
 * does. Each step is checked in this order:
 * <ol>
 *   <li>before sampling: the token limit is reached (a limit of 0) → {@code LENGTH}; the request was
 *       cancelled → {@code LISTENER};</li>
 *   <li>the sampled token ends generation → {@code END_OF_GENERATION} (it is not delivered);</li>
 *   <li>the token is delivered to the listener, which may ask to stop → {@code LISTENER};</li>
 *   <li>the token limit is reached → {@code LENGTH};</li>
 *   <li>the cache has no room to feed the token back → {@code CONTEXT_FULL}.</li>
 * </ol>
 * One instance per generated sequence; it counts the delivered tokens.
 */
final class StopRule {

    private final int maxTokens;
    private final IntPredicate isEndOfGeneration;
    private final BooleanSupplier cancelled;
    private int generated;

    /** A rule for a sequence nobody cancels from outside (its listener can still stop it). */
    StopRule(int maxTokens, IntPredicate isEndOfGeneration) {
        this(maxTokens, isEndOfGeneration, () -> false);
    }

    StopRule(int maxTokens, IntPredicate isEndOfGeneration, BooleanSupplier cancelled) {
        this.maxTokens = checkLimit(maxTokens);
        this.isEndOfGeneration = isEndOfGeneration;
        this.cancelled = cancelled;
    }

    /** Rejects a negative token limit. */
    static int checkLimit(int maxTokens) {
        if (maxTokens < 0) throw new IllegalArgumentException("token limit must be >= 0");
        return maxTokens;
    }

    /** Why the sequence stops before another token is sampled, or null to sample one. */
    StopReason beforeSampling() {
        if (generated >= maxTokens) return StopReason.LENGTH;
        if (cancelled.getAsBoolean()) return StopReason.LISTENER;
        return null;
    }

    /**
     * Delivers the sampled {@code token} to {@code listener} unless it ends generation; returns why the
     * sequence stops, or null when the token is to be fed back into {@code cache}.
     */
    StopReason afterSampling(int token, TokenListener listener, KvCache cache) {
        if (isEndOfGeneration.test(token)) return StopReason.END_OF_GENERATION;
        generated++;
        if (!listener.onToken(token)) return StopReason.LISTENER;
        if (generated == maxTokens) return StopReason.LENGTH;
        if (cache.position() + 1 > cache.contextSize()) return StopReason.CONTEXT_FULL;
        return null;
    }

    /** Tokens delivered so far. */
    int generated() {
        return generated;
    }
}
