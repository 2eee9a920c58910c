package io.bitnet4j.graph;

import io.bitnet4j.model.ModelConfig;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One sequence's attention memory: the K and V rows of every layer for each position so far, and the
 * position itself: the per-sequence state, passed to each {@link Forward} call. Separate from the
 * forward pass's scratch buffers (its {@link Workspace}) so that several sequences can share one:
 * {@link Forward#step} runs one token of each of several caches through the projections together
 * (continuous batching).
 */
public final class KvCache implements AutoCloseable {

    final int contextSize;
    final KvCacheType kvType;
    private final Arena arena = Arena.ofShared();
    // per layer: [context][kvDim]
    final MemorySegment[] keyCache;
    final MemorySegment[] valueCache;
    private int position;

    public KvCache(ModelConfig config, int contextSize, KvCacheType kvType) {
        if (contextSize <= 0 || contextSize > config.contextLength()) {
            throw new IllegalArgumentException("context size " + contextSize + " must be in 1.." + config.contextLength()
                    + " (the model's context_length)");
        }
        this.contextSize = contextSize;
        this.kvType = kvType;
        keyCache = new MemorySegment[config.blockCount()];
        valueCache = new MemorySegment[config.blockCount()];
        long bytes = Math.max(64, (long) contextSize * config.kvDim() * kvType.bytes());
        for (int l = 0; l < config.blockCount(); l++) {
            keyCache[l] = LazyZeroMemory.allocate(bytes, arena); // pages touched as positions fill
            valueCache[l] = LazyZeroMemory.allocate(bytes, arena);
        }
    }

    /** Tokens already in the cache. */
    public int position() {
        return position;
    }

    public int contextSize() {
        return contextSize;
    }

    public KvCacheType type() {
        return kvType;
    }

    /** Forgets everything after {@code newPosition} (0 = start a new sequence in this cache). */
    public void rewind(int newPosition) {
        if (newPosition < 0 || newPosition > position) {
            throw new IllegalArgumentException("cannot rewind to " + newPosition + " from " + position);
        }
        position = newPosition;
    }

    void advance(int n) {
        position += n;
    }

    /** Bytes this cache holds. */
    public long bytes() {
        long sum = 0;
        for (MemorySegment s : keyCache) sum += s.byteSize();
        for (MemorySegment s : valueCache) sum += s.byteSize();
        return sum;
    }

    @Override
    public void close() {
        arena.close();
    }
}
