package io.bitnet4j.graph;

import io.bitnet4j.kernels.ActivationFormat;
import io.bitnet4j.kernels.MatmulOrder;
import io.bitnet4j.kernels.QuantizedInput;
import io.bitnet4j.model.Linear;
import io.bitnet4j.model.ModelConfig;
import io.bitnet4j.model.ModelWeights;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Every scratch buffer of a forward pass, allocated once (off-heap, 64-byte aligned) so the token loop
 * allocates nothing. The buffers hold {@code batchSize} rows: the tokens of one prompt chunk, or one
 * token each of several sequences ({@link Forward#step}). No sequence state: a sequence's K/V rows and
 * position are its {@link KvCache}, passed to each pass. Owned by its {@link Forward}.
 */
final class Workspace implements AutoCloseable {

    final ModelConfig config;
    /** The longest context a cache served by this workspace may hold (sizes the attention scratch). */
    final int contextSize;
    final int batchSize;
    final KvCacheType kvType;
    private final Arena arena = Arena.ofShared();

    // activations, batchSize rows each
    final MemorySegment x;      // residual stream [batch][embd]
    final MemorySegment xb;     // normed input    [batch][max(embd, qDim)]
    final MemorySegment q;      // [batch][qDim]
    final MemorySegment k;      // [batch][kvDim]
    final MemorySegment v;      // [batch][kvDim]
    final MemorySegment att;    // attention output [batch][qDim]
    final MemorySegment proj;   // projection output [batch][embd]
    final MemorySegment hb;     // FFN gate [batch][ff]
    final MemorySegment hb2;    // FFN up   [batch][ff]
    /** [rows][vocab]: one row until a caller asks for the logits of every token of a batch (see {@link #logitsRows}). */
    private MemorySegment logits;
    /** The input of the current matmul(s) in the activation formats they read [batch][k], see {@link #reserveInputs}. */
    final QuantizedInput quantized;

    Workspace(ModelConfig config, int contextSize, int batchSize, KvCacheType kvType) {
        if (contextSize <= 0 || contextSize > config.contextLength()) {
            throw new IllegalArgumentException("context size " + contextSize + " must be in 1.." + config.contextLength()
                    + " (the model's context_length)");
        }
        if (batchSize <= 0) throw new IllegalArgumentException("batch size must be > 0");
        this.config = config;
        this.contextSize = contextSize;
        this.batchSize = Math.min(batchSize, contextSize);
        this.kvType = kvType;
        int b = this.batchSize;
        int embd = config.embeddingLength();
        x = floats(b, embd);
        xb = floats(b, Math.max(embd, config.qDim()));
        q = floats(b, config.qDim());
        k = floats(b, config.kvDim());
        v = floats(b, config.kvDim());
        att = floats(b, config.qDim());
        proj = floats(b, embd);
        hb = floats(b, config.feedForwardLength());
        hb2 = floats(b, config.feedForwardLength());
        logits = floats(1, config.vocabSize());  // 0.5 MB for a 128k vocabulary; a batch of rows would be 131 MB
        quantized = new QuantizedInput(b, arena);
    }

    /**
     * Makes room in {@link #quantized} for the inputs of every matrix of these weights, in the activation
     * format each one's row of the matmul table reads (a buffer per format, for its longest rows). Done
     * once per forward pass, before the token loop; a buffer already large enough is kept.
     */
    void reserveInputs(ModelWeights weights) {
        int[] longest = new int[ActivationFormat.values().length];
        for (Linear w : weights.matrices()) {
            for (MatmulOrder order : MatmulOrder.values()) {
                int f = w.format().activation(order).ordinal();
                longest[f] = Math.max(longest[f], w.cols());
            }
        }
        for (ActivationFormat f : ActivationFormat.values()) {
            if (longest[f.ordinal()] > 0) quantized.reserve(f, longest[f.ordinal()]);
        }
    }

    private MemorySegment floats(long rows, long cols) {
        return alloc(rows * cols * Float.BYTES);
    }

    private MemorySegment alloc(long bytes) {
        return arena.allocate(Math.max(bytes, 64), 64);
    }

    /** The logits buffer with room for {@code rows} rows (grown on first need; the arena keeps the old one until close). */
    MemorySegment logitsRows(int rows) {
        long bytes = (long) rows * config.vocabSize() * Float.BYTES;
        if (logits.byteSize() < bytes) logits = arena.allocate(bytes, 64);
        return logits;
    }

    /** Copies logits row {@code row} of the last forward pass into {@code dst}. */
    void copyLogits(int row, float[] dst) {
        if (row < 0 || (long) (row + 1) * config.vocabSize() * Float.BYTES > logits.byteSize()) {
            throw new IllegalArgumentException("no logits row " + row + ": the last pass kept "
                    + logits.byteSize() / Float.BYTES / config.vocabSize() + " row(s)");
        }
        MemorySegment.copy(logits, ValueLayout.JAVA_FLOAT, (long) row * config.vocabSize() * Float.BYTES,
                dst, 0, config.vocabSize());
    }

    @Override
    public void close() {
        arena.close();
    }
}
