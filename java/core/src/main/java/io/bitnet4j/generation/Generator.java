package io.bitnet4j.generation;

import io.bitnet4j.graph.ContextOverflowException;
import io.bitnet4j.graph.Forward;
import io.bitnet4j.graph.KvCache;

import java.util.Arrays;
import java.util.function.IntPredicate;

/**
 * The generation loop: prompt → one batched forward pass → sample → feed the token back → … until
 * the {@link StopRule} ends it (an end-of-generation token, the token limit, a full context, or the
 * listener). Buffers are allocated once per generator; the loop itself allocates nothing.
 */
public final class Generator {

    private final Forward forward;
    private final KvCache cache;
    private final int vocabSize;
    private final float[] logits;
    private final int[] one = new int[1];

    /** Generates with {@code forward} into {@code cache}: the sequence continues from the cache's position. */
    public Generator(Forward forward, KvCache cache) {
        this.forward = forward;
        this.cache = cache;
        this.vocabSize = forward.vocabSize();
        this.logits = new float[vocabSize];
    }

    /** Logits of the last step, for dumps and tests (valid until the next step). */
    public float[] lastLogits() {
        return logits;
    }

    /**
     * Generates up to {@code maxTokens} tokens after {@code prompt} (which continues the sequence in the cache: a
     * chat passes only the new turn, with the same {@code sampler}, whose history is cut back to the
     * cache's position first, e.g. after a rewind). {@code isEndOfGeneration} says which ids stop
     * generation (they are not passed to the listener). {@code stepLogits}, if not null, receives a copy
     * of the logits each generated token was chosen from (row i for token i), e.g. for
     * {@code --logits-out}.
     */
    public GenerationResult generate(int[] prompt, int maxTokens, Sampler sampler, IntPredicate isEndOfGeneration,
                                     TokenListener listener, LogitsSink stepLogits) {
        if (prompt.length == 0) throw new IllegalArgumentException("empty prompt: nothing to continue from");
        StopRule stop = new StopRule(maxTokens, isEndOfGeneration);
        if (cache.position() + prompt.length > cache.contextSize()) {
            throw new ContextOverflowException(cache.position(), prompt.length, cache.contextSize());
        }
        sampler.rewind(cache.position());
        sampler.reserve(cache.contextSize());
        int[] out = new int[Math.min(maxTokens, cache.contextSize())];
        long t0 = System.nanoTime();
        forward.run(cache, prompt, 0, prompt.length, false);
        sampler.accept(prompt, 0, prompt.length);
        forward.copyLogits(0, logits);
        long t1 = System.nanoTime();
        GenerationResult.StopReason reason;
        while ((reason = stop.beforeSampling()) == null) {
            if (stepLogits != null) stepLogits.accept(stop.generated(), logits);
            int next = sampler.sample(logits, vocabSize);
            reason = stop.afterSampling(next, listener, cache);
            if (reason != GenerationResult.StopReason.END_OF_GENERATION) out[stop.generated() - 1] = next; // delivered
            if (reason != null) break;
            one[0] = next;
            forward.run(cache, one, 0, 1, false);
            sampler.accept(next);
            forward.copyLogits(0, logits);
        }
        long t2 = System.nanoTime();
        return new GenerationResult(Arrays.copyOf(out, stop.generated()), reason, prompt.length, t1 - t0, t2 - t1);
    }

    /** Receives the logits of each generation step. */
    @FunctionalInterface
    public interface LogitsSink {
        void accept(int step, float[] logits);
    }
}
