package io.bitnet4j.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A fixed pool that splits a row range across N threads (the caller plus N-1 workers) and waits for
 * all of them: the engine calls it once per matmul, e.g.
 * {@code parallel.forRows(rows, 4, task)} where {@code task} is a {@link RowTask} the caller keeps.
 *
 * <p>Steady state allocates nothing: work is published through fields and one atomic word holding
 * (generation, next chunk); workers spin briefly and then park between calls. Chunks are claimed
 * dynamically, so a worker delayed by the OS does not hold the others up. Results do not depend on the
 * split (each row is computed by exactly one chunk), so any thread count gives the same numbers.
 *
 * <p>One call at a time: {@code forRows} is not reentrant (a task must not call it) and must not be
 * called concurrently from two threads; both are detected and rejected with IllegalStateException.
 */
public final class Parallel implements AutoCloseable {
    /** Computes rows [r0, r1). Keep instances around (no lambda capture in the token loop). */
    @FunctionalInterface
    public interface RowTask {
        void run(int r0, int r1);
    }

    /** Iterations a waiting thread spins before parking (a matmul usually follows within microseconds). */
    private static final int SPINS = 20_000;

    private final int threads;
    private final Thread[] workers;
    /** (generation << 32) | next chunk index; workers claim chunks by CAS. */
    private final AtomicLong state = new AtomicLong();
    private final AtomicInteger remaining = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicInteger busy = new AtomicInteger();
    private volatile boolean closed;
    private volatile Thread waiter;

    // The current job; written before the state word is published, read after it is observed.
    private RowTask task;
    private int start, end, grain, chunks;

    /** A pool with {@code threads} >= 1 threads in total (the calling thread counts as one). */
    public Parallel(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
        this.workers = new Thread[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            Thread t = new Thread(this::workerLoop, "bitnet4j-worker-" + (i + 1));
            t.setDaemon(true);
            workers[i] = t;
            t.start();
        }
    }

    public int threads() {
        return threads;
    }

    /** Runs task over [0, rows) in chunks of at least {@code minChunk} rows (chunk starts are multiples of it). */
    public void forRows(int rows, int minChunk, RowTask task) {
        forRange(0, rows, minChunk, task);
    }

    /**
     * Runs task over [start, end): up to {@code threads} chunks whose boundaries are multiples of
     * {@code grain} rows from start (the last chunk takes the remainder). Returns when all are done;
     * rethrows the first exception a chunk threw.
     */
    public void forRange(int start, int end, int grain, RowTask task) {
        if (grain < 1 || start > end || task == null) {
            throw new IllegalArgumentException("bad forRange(" + start + ", " + end + ", grain " + grain + ")");
        }
        if (closed) {
            throw new IllegalStateException("Parallel is closed");
        }
        int n = end - start;
        int units = (int) ((n + (long) grain - 1) / grain);
        int nChunks = Math.min(threads, units);
        if (nChunks <= 1) {
            if (n > 0) {
                task.run(start, end);
            }
            return;
        }
        if (!busy.compareAndSet(0, 1)) {
            throw new IllegalStateException("Parallel.forRange called concurrently or from inside a task");
        }
        try {
            this.task = task;
            this.start = start;
            this.end = end;
            this.grain = grain;
            this.chunks = nChunks;
            this.waiter = Thread.currentThread();
            remaining.set(nChunks);
            long gen = (state.get() >>> 32) + 1;
            state.set(gen << 32);                    // publishes the job (volatile write)
            for (Thread w : workers) {
                LockSupport.unpark(w);
            }
            runChunks(gen);
            int spins = 0;
            while (remaining.get() != 0) {
                if (++spins < SPINS) {
                    Thread.onSpinWait();
                } else {
                    LockSupport.park(this);
                }
            }
            this.task = null;
            Throwable f = failure.getAndSet(null);
            if (f != null) {
                if (f instanceof RuntimeException r) {
                    throw r;
                }
                if (f instanceof Error e) {
                    throw e;
                }
                throw new IllegalStateException("row task failed", f);
            }
        } finally {
            busy.set(0);
        }
    }

    /** Claims and runs chunks of generation gen until none are left. */
    private void runChunks(long gen) {
        while (true) {
            long s = state.get();
            if ((s >>> 32) != gen) {
                return;
            }
            int c = (int) s;
            if (c >= chunks || !state.compareAndSet(s, s + 1)) {
                if (c >= chunks) {
                    return;
                }
                continue;
            }
            // chunk c of `chunks` over units of `grain` rows
            int n = end - start;
            int units = (int) ((n + (long) grain - 1) / grain);
            int u0 = (int) ((long) units * c / chunks), u1 = (int) ((long) units * (c + 1) / chunks);
            int r0 = start + (int) Math.min(n, (long) u0 * grain), r1 = start + (int) Math.min(n, (long) u1 * grain);
            try {
                if (r1 > r0) {
                    task.run(r0, r1);
                }
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
            if (remaining.decrementAndGet() == 0) {
                LockSupport.unpark(waiter);
            }
        }
    }

    private void workerLoop() {
        long seen = 0;
        while (!closed) {
            long gen = state.get() >>> 32;
            if (gen == seen) {
                int spins = 0;
                while ((gen = state.get() >>> 32) == seen && !closed) {
                    if (++spins < SPINS) {
                        Thread.onSpinWait();
                    } else {
                        LockSupport.park(this);
                    }
                }
                if (closed) {
                    return;
                }
            }
            seen = gen;
            runChunks(gen);
        }
    }

    /** Stops the workers (they are daemon threads, so forgetting to close does not keep the JVM alive). */
    @Override
    public void close() {
        closed = true;
        for (Thread w : workers) {
            LockSupport.unpark(w);
        }
    }
}
