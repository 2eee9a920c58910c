package io.bitnet4j.api;

import io.bitnet4j.generation.ContinuousBatcher;
import io.bitnet4j.generation.GenerationResult;

import java.util.Arrays;
import java.util.concurrent.locks.LockSupport;

/**
 * Carries one request's tokens from the batcher thread to the thread that reads them. The batcher must
 * never block, and should not allocate per token: it writes ids into an array sized for the whole
 * answer up front, publishes the count through a volatile field and unparks the reader. One reader.
 */
final class TokenPipe implements ContinuousBatcher.Listener {

    private final long startNanos = System.nanoTime();
    private volatile int[] tokens;
    /** Tokens written to {@link #tokens}; written after them, so a reader that sees it sees them. */
    private volatile int published;
    private volatile long firstTokenNanos;
    private volatile Thread reader;
    // written before finished, read after it
    private GenerationResult.StopReason stopReason;
    private Throwable error;
    private long endNanos;
    private volatile boolean finished;

    /** @param capacity the most tokens the request can produce (more still fit, by growing the array) */
    TokenPipe(int capacity) {
        this.tokens = new int[Math.max(1, capacity)];
    }

    @Override
    public boolean onToken(int tokenId) {
        int n = published;
        if (n == tokens.length) tokens = Arrays.copyOf(tokens, 2 * n); // not expected: capacity covers the context
        tokens[n] = tokenId;
        if (n == 0) firstTokenNanos = System.nanoTime();
        published = n + 1;
        wakeReader();
        return true;
    }

    @Override
    public void onFinish(GenerationResult.StopReason reason, int promptTokens, int generatedTokens) {
        stopReason = reason;
        end();
    }

    @Override
    public void onError(Throwable e) {
        error = e;
        end();
    }

    private void end() {
        endNanos = System.nanoTime();
        finished = true;
        wakeReader();
    }

    private void wakeReader() {
        Thread t = reader;
        if (t != null) LockSupport.unpark(t);
    }

    /**
     * Waits until more than {@code consumed} tokens are published, the request has finished, or the
     * calling thread is interrupted (its flag is left set for the caller to see).
     */
    void await(int consumed) {
        reader = Thread.currentThread(); // before the checks: a token published after them unparks us
        while (published == consumed && !finished && !Thread.currentThread().isInterrupted()) {
            LockSupport.park(this);
        }
    }

    int published() {
        return published;
    }

    int token(int index) {
        return tokens[index];
    }

    /** True once no more tokens will come (every token is published before). */
    boolean finished() {
        return finished;
    }

    /** Why the batcher ended the request (null when it failed); valid once {@link #finished}. */
    GenerationResult.StopReason stopReason() {
        return stopReason;
    }

    /** Why the request failed, or null; valid once {@link #finished}. */
    Throwable error() {
        return error;
    }

    long timeToFirstTokenNanos() {
        long first = firstTokenNanos;
        return (first == 0 ? endNanos : first) - startNanos;
    }

    long totalNanos() {
        return endNanos - startNanos;
    }
}
