package io.bitnet4j.generation;

import io.bitnet4j.engine.LoadedModel;
import io.bitnet4j.graph.ContextOverflowException;
import io.bitnet4j.graph.Forward;
import io.bitnet4j.graph.KvCache;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntPredicate;

/**
 * Serves many generation requests on one model with a fixed number of slots, decoding the active
 * ones together: continuous batching. One thread owns the forward pass; each iteration it
 * <ol>
 *   <li>admits queued requests into free slots — a new request's prompt is read as its own pass
 *       (chunks of the batch size, exactly as {@link Generator} reads it) and its first token sampled;</li>
 *   <li>runs one {@link Forward#step} over every active slot: the projections see all of their next
 *       tokens as one batch, each row attending to its own {@link KvCache};</li>
 *   <li>samples each row with the request's own {@link Sampler}, hands the token to its listener, and
 *       frees the slots that finished (end of generation, token limit, full context, or cancelled).</li>
 * </ol>
 * A request joins at the next iteration without waiting for the others to finish. A row's logits are
 * bit-identical to those of the same sequence run alone (see {@link Forward#step}), and it stops by
 * the same {@link StopRule} as {@link Generator#generate}, so a request gets the same tokens as a
 * single-user run with the same seed. Requests beyond the slots wait in a bounded queue; when it is full,
 * {@link #submit} throws {@link QueueFullException} instead of blocking.
 */
public final class ContinuousBatcher implements AutoCloseable {

    /** Receives a request's tokens. Called on the batcher thread: implementations must not block. */
    public interface Listener {
        /** A generated token (end-of-generation tokens are not passed); return false to stop. */
        boolean onToken(int tokenId);

        /** Generation ended normally or was cancelled ({@link GenerationResult.StopReason#LISTENER}). */
        void onFinish(GenerationResult.StopReason reason, int promptTokens, int generatedTokens);

        /** Generation failed; no further calls follow. */
        void onError(Throwable error);
    }

    /**
     * @param prompt            token ids to continue (the whole sequence: each request starts from an empty cache)
     * @param maxTokens         most tokens to generate
     * @param isEndOfGeneration ids that end generation
     */
    public record Request(int[] prompt, int maxTokens, SamplerParams sampling, IntPredicate isEndOfGeneration,
                          Listener listener) {
        public Request {
            if (prompt == null || prompt.length == 0) throw new IllegalArgumentException("empty prompt: nothing to continue from");
            StopRule.checkLimit(maxTokens);
            if (sampling == null || isEndOfGeneration == null || listener == null) throw new IllegalArgumentException("null request field");
        }
    }

    /** The queue of waiting requests is full. */
    public static final class QueueFullException extends RuntimeException {
        QueueFullException(int capacity) {
            super("all slots are busy and the queue of " + capacity + " waiting requests is full; retry later");
        }
    }

    /** A submitted request; {@link #cancel} frees its slot (or queue place) at the next iteration. */
    public final class Job {
        final Request request;
        private volatile boolean cancelled;

        Job(Request request) {
            this.request = request;
        }

        public void cancel() {
            cancelled = true;
            if (queue.remove(this)) {
                cancelledCount.incrementAndGet();
                request.listener.onFinish(GenerationResult.StopReason.LISTENER, request.prompt.length, 0);
            }
        }

        public boolean isCancelled() {
            return cancelled;
        }
    }

    /** A snapshot for health checks. */
    public record Stats(int slots, int processing, int queued, int queueCapacity, long completed, long cancelled,
                        long generatedTokens, long steps) {
    }

    /** One sequence being generated; as a {@link TokenListener} it counts and forwards its tokens. */
    private final class Slot implements TokenListener {
        final KvCache cache;
        final float[] logits;
        Job job;
        Sampler sampler;   // the request's, with the sequence's history
        StopRule stop;
        int nextToken;

        Slot(KvCache cache) {
            this.cache = cache;
            this.logits = new float[vocabSize];
        }

        @Override
        public boolean onToken(int tokenId) {
            generatedCount.incrementAndGet();
            return job.request.listener().onToken(tokenId);
        }
    }

    private static final System.Logger LOG = System.getLogger(ContinuousBatcher.class.getName());

    private final LoadedModel model;
    private final Forward forward;
    private final int vocabSize;
    private final Slot[] slots;
    private final int queueCapacity;
    private final BlockingQueue<Job> queue;
    private final Thread thread;
    private volatile boolean closed;
    private volatile int processing;
    private volatile Runnable iterationHook = () -> { };
    private final AtomicLong completedCount = new AtomicLong();
    private final AtomicLong cancelledCount = new AtomicLong();
    private final AtomicLong generatedCount = new AtomicLong();
    private final AtomicLong stepCount = new AtomicLong();
    // step scratch
    private final KvCache[] stepCaches;
    private final int[] stepTokens;
    private final Slot[] stepSlots;

    /**
     * @param slots         sequences decoded together (each gets a KV cache of {@code contextSize} tokens)
     * @param contextSize   tokens per sequence (prompt + generated)
     * @param queueCapacity requests that may wait for a slot
     */
    public ContinuousBatcher(LoadedModel model, int slots, int contextSize, int queueCapacity) {
        if (slots < 1) throw new IllegalArgumentException("slots must be >= 1, got " + slots);
        if (queueCapacity < 0) throw new IllegalArgumentException("queue capacity must be >= 0, got " + queueCapacity);
        this.model = model;
        this.vocabSize = model.config().vocabSize();
        // the workspace must hold one row per slot; prompts are still read in chunks of the batch size
        // (as Generator does) unless the slots outnumber it
        this.forward = model.newForward(contextSize, Math.max(model.options().batchSize(), slots));
        this.slots = new Slot[slots];
        try {
            for (int i = 0; i < slots; i++) this.slots[i] = new Slot(model.newKvCache(forward.contextSize()));
        } catch (RuntimeException | Error e) {
            closeCaches();
            forward.close();
            throw e;
        }
        this.queueCapacity = queueCapacity;
        this.queue = new ArrayBlockingQueue<>(Math.max(1, queueCapacity));
        this.stepCaches = new KvCache[slots];
        this.stepTokens = new int[slots];
        this.stepSlots = new Slot[slots];
        this.thread = Thread.ofPlatform().name("bitnet4j-batcher").daemon(true).unstarted(this::loop);
        thread.start();
    }

    public int slotCount() {
        return slots.length;
    }

    public int contextSize() {
        return forward.contextSize();
    }

    public LoadedModel model() {
        return model;
    }

    /** Queues a request; throws {@link QueueFullException} when no slot is free and the queue is full. */
    public Job submit(Request request) {
        if (closed) throw new IllegalStateException("the batcher is closed");
        if (request.prompt().length > contextSize()) {
            throw new ContextOverflowException(0, request.prompt().length, contextSize());
        }
        Job job = new Job(request);
        // the queue also holds requests a free slot is about to take, so capacity 0 still admits to idle slots
        boolean ok = queueCapacity == 0 ? processing < slots.length && queue.isEmpty() && queue.offer(job) : queue.offer(job);
        if (!ok) throw new QueueFullException(queueCapacity);
        return job;
    }

    public Stats stats() {
        return new Stats(slots.length, processing, queue.size(), queueCapacity, completedCount.get(),
                cancelledCount.get(), generatedCount.get(), stepCount.get());
    }

    /**
     * Runs {@code hook} on the batcher thread at the start of every iteration (before admitting and
     * stepping): for metrics, and for tests that need to hold the batcher still at a known point.
     */
    public void onIteration(Runnable hook) {
        this.iterationHook = hook == null ? () -> { } : hook;
    }

    private void loop() {
        while (!closed) {
            try {
                iterationHook.run();
                admit();
                if (processing == 0) {
                    Job job = queue.take();
                    start(job);
                    continue;
                }
                decodeStep();
            } catch (InterruptedException e) {
                if (closed) return;
            }
        }
    }

    /** Moves waiting requests into free slots; each prompt is read and its first token chosen. */
    private void admit() {
        for (Slot slot : slots) {
            if (slot.job != null) continue;
            Job job = queue.poll();
            if (job == null) return;
            start(job, slot);
        }
    }

    private void start(Job job) {
        for (Slot slot : slots) {
            if (slot.job == null) {
                start(job, slot);
                return;
            }
        }
        throw new IllegalStateException("no free slot"); // unreachable: called only when none is busy
    }

    private void start(Job job, Slot slot) {
        if (job.isCancelled()) return; // its listener was told when it was cancelled
        Request r = job.request;
        slot.job = job;
        processing++;
        try {
            slot.cache.rewind(0);
            slot.sampler = new Sampler(r.sampling(), vocabSize);
            slot.sampler.reserve(slot.cache.contextSize());
            slot.stop = new StopRule(r.maxTokens(), r.isEndOfGeneration(), job::isCancelled);
            forward.run(slot.cache, r.prompt(), 0, r.prompt().length, false);
            slot.sampler.accept(r.prompt(), 0, r.prompt().length);
            forward.copyLogits(0, slot.logits);
        } catch (RuntimeException | InternalError e) {
            fail(slot, passFailure(e));
            return;
        }
        advance(slot);
    }

    /** One token for every active slot, through the model as one batch. */
    private void decodeStep() {
        int rows = 0;
        for (Slot slot : slots) {
            if (slot.job == null) continue;
            if (slot.job.isCancelled()) {
                finish(slot, GenerationResult.StopReason.LISTENER);
                continue;
            }
            stepSlots[rows] = slot;
            stepCaches[rows] = slot.cache;
            stepTokens[rows] = slot.nextToken;
            rows++;
        }
        if (rows == 0) return;
        try {
            forward.step(stepCaches, stepTokens, rows);
        } catch (RuntimeException | InternalError e) {
            RuntimeException failure = passFailure(e);
            for (int i = 0; i < rows; i++) fail(stepSlots[i], failure);
            return;
        }
        stepCount.incrementAndGet();
        for (int i = 0; i < rows; i++) {
            Slot slot = stepSlots[i];
            stepSlots[i] = null;
            stepCaches[i] = null;
            slot.sampler.accept(stepTokens[i]);
            forward.copyLogits(i, slot.logits);
            advance(slot);
        }
    }

    /**
     * Samples the slot's next token from its logits and delivers it, or finishes the slot, by its
     * {@link StopRule}. A slot that continues has {@code nextToken} set for the next step.
     */
    private void advance(Slot slot) {
        GenerationResult.StopReason reason = slot.stop.beforeSampling();
        if (reason == null) {
            int next = slot.sampler.sample(slot.logits, vocabSize);
            try {
                reason = slot.stop.afterSampling(next, slot, slot.cache);
            } catch (RuntimeException e) { // the request's listener or end-of-generation test failed
                fail(slot, e);
                return;
            }
            if (reason == null) {
                slot.nextToken = next;
                return;
            }
        }
        finish(slot, reason);
    }

    private void finish(Slot slot, GenerationResult.StopReason reason) {
        Job job = slot.job;
        int generated = slot.stop.generated();
        release(slot);
        if (reason == GenerationResult.StopReason.LISTENER) cancelledCount.incrementAndGet();
        else completedCount.incrementAndGet();
        try {
            job.request.listener().onFinish(reason, job.request.prompt().length, generated);
        } catch (RuntimeException ignored) {
            // a listener's failure must not take the batcher down
        }
    }

    /**
     * What a failed forward pass tells its requests, logged once. Besides RuntimeExceptions, a pass
     * may meet the InternalError the JVM raises when mapped memory cannot be read: the model file was
     * truncated or replaced while mapped (the native tier dies of SIGBUS instead, which nothing can
     * catch). Its requests fail; the batcher stays up and serves the next ones.
     */
    private RuntimeException passFailure(Throwable e) {
        RuntimeException failure = e instanceof RuntimeException r ? r
                : new IllegalStateException("reading the model's weights failed (" + e.getMessage() + "): was "
                        + model.gguf().path() + " truncated or replaced while in use?", e);
        LOG.log(System.Logger.Level.ERROR, "a forward pass failed, its requests with it: " + failure.getMessage(), failure);
        return failure;
    }

    private void fail(Slot slot, Throwable e) {
        Job job = slot.job;
        release(slot);
        try {
            job.request.listener().onError(e);
        } catch (RuntimeException ignored) {
            // as in finish
        }
    }

    private void release(Slot slot) {
        slot.job = null;
        slot.sampler = null;
        slot.stop = null;
        processing--;
    }

    /** Stops the batcher thread; waiting and active requests get {@link Listener#onError}. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        IllegalStateException shutdown = new IllegalStateException("the server is shutting down");
        List<Job> waiting = new ArrayList<>();
        queue.drainTo(waiting);
        for (Job j : waiting) {
            try {
                j.request.listener().onError(shutdown);
            } catch (RuntimeException ignored) {
                // closing anyway
            }
        }
        for (Slot slot : slots) {
            if (slot.job != null) fail(slot, shutdown);
        }
        closeCaches();
        forward.close();
    }

    private void closeCaches() {
        for (Slot slot : slots) {
            if (slot != null) slot.cache.close();
        }
    }
}
