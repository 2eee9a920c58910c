package io.bitnet4j.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * One matmul input — ntok rows of k floats — in each activation format its matrices read, quantized once
 * and then handed to every matmul of that input (q, k and v; gate and up), as an argument. The buffers
 * are allocated once ({@link #reserve}) for up to {@code maxTokens} rows, so the token loop allocates
 * nothing; {@link #set} starts the next input and forgets every format of the last one. A matmul that
 * reads a format this holder does not hold fails ({@link #buffer}) instead of reading stale bytes.
 *
 * <p>Not thread-safe: one forward pass uses it at a time (its pool threads quantize disjoint tokens).
 */
public final class QuantizedInput {
    private static final ActivationFormat[] FORMATS = ActivationFormat.values();
    /** Batches of at least this many tokens are quantized in parallel. */
    private static final int PARALLEL_MIN_TOKENS = 4;

    private final Arena arena;
    private final int maxTokens;
    /** Per format (by ordinal): its buffer of maxTokens rows of up to maxK[f] values, or null. */
    private final MemorySegment[] buffers = new MemorySegment[FORMATS.length];
    private final int[] maxK = new int[FORMATS.length];
    /** I8's per-token f32 scales and int32 sums, [maxTokens] each. */
    private final MemorySegment scales, sums;
    private final QuantTask quantTask = new QuantTask();

    // the input held now
    private MemorySegment source;
    private int tokens;
    private int k;
    /** Bit f.ordinal() set: the input is held in format f. */
    private int held;
    /** The reference engine's float order for the matmuls of this input. */
    private MatmulOrder order = MatmulOrder.LLAMA_CPP_SINGLE;

    /** An empty holder for inputs of up to maxTokens rows; buffers are allocated from arena by {@link #reserve}. */
    public QuantizedInput(int maxTokens, Arena arena) {
        KernelChecks.positive("QuantizedInput: maxTokens", maxTokens);
        this.arena = Objects.requireNonNull(arena, "arena");
        this.maxTokens = maxTokens;
        this.scales = allocate(4L * maxTokens);
        this.sums = allocate(4L * maxTokens);
    }

    private MemorySegment allocate(long bytes) {
        return arena.allocate(Math.max(bytes, 64), 64);
    }

    /** Makes room for inputs of k values a row in format f (sized by {@link ActivationFormat#rowBytes}); call before the token loop. */
    public void reserve(ActivationFormat f, int k) {
        long rowBytes = f.rowBytes(k);
        int i = f.ordinal();
        if (k <= maxK[i]) return;
        buffers[i] = f.inPlace() ? null : allocate(maxTokens * rowBytes);
        maxK[i] = k;
    }

    /** The float order of the matmuls that read this holder's inputs (the engine's, for this many tokens per sequence). */
    public void order(MatmulOrder o) {
        this.order = Objects.requireNonNull(o, "order");
    }

    public MatmulOrder order() {
        return order;
    }

    /** Starts a new input: x holds ntok rows of k floats. No format is held until {@link #quantize} adds it. */
    public void set(MemorySegment x, int ntok, int k) {
        Objects.requireNonNull(x, "x");
        if (ntok <= 0 || ntok > maxTokens || k <= 0) {
            throw new IllegalArgumentException("input of " + ntok + " x " + k + " values; this holder takes 1.."
                    + maxTokens + " rows");
        }
        this.source = x;
        this.tokens = ntok;
        this.k = k;
        this.held = 0;
    }

    /**
     * Adds format f: the input quantized by the tier's kernel (split by tokens over the pool for batches),
     * once — a format already held is not quantized again.
     */
    public void quantize(ActivationFormat f, Kernels kernels, Parallel parallel) {
        int bit = 1 << f.ordinal();
        if ((held & bit) != 0) return;
        if (source == null) throw new IllegalStateException("no input set");
        if (!f.inPlace()) {
            if (k > maxK[f.ordinal()]) {
                throw new IllegalStateException(f + " buffer reserved for rows of " + maxK[f.ordinal()] + " values, the input has " + k);
            }
            if (tokens >= PARALLEL_MIN_TOKENS) {
                quantTask.set(f, kernels);
                parallel.forRows(tokens, 1, quantTask);
            } else {
                f.quantize(kernels, source, k, 0, tokens, this);
            }
        }
        held |= bit;
    }

    /** Whether the current input is held in format f. */
    public boolean holds(ActivationFormat f) {
        return (held & (1 << f.ordinal())) != 0;
    }

    /** Rows of the current input. */
    public int tokens() {
        return tokens;
    }

    /** Values per row of the current input. */
    public int k() {
        return k;
    }

    /**
     * The current input in format f: {@link #tokens()} rows of {@link ActivationFormat#rowBytes} bytes (for
     * F32 the input itself).
     *
     * @throws IllegalStateException if the input was not quantized to f
     */
    public MemorySegment data(ActivationFormat f) {
        if (!holds(f)) throw new IllegalStateException("the input is not held in " + f);
        return f.inPlace() ? source : buffers[f.ordinal()];
    }

    /** I8's per-token scales (f32); valid while the input is held in I8. */
    public MemorySegment scales() {
        return scales;
    }

    /** I8's per-token sums of the int8 values (int32); valid while the input is held in I8. */
    public MemorySegment sums() {
        return sums;
    }

    /** Format f's buffer, for its quantizer. */
    MemorySegment buffer(ActivationFormat f) {
        return buffers[f.ordinal()];
    }

    /** Activation quantization of a batch, split by tokens over the pool (one reusable task: no allocation). */
    private final class QuantTask implements Parallel.RowTask {
        private ActivationFormat f;
        private Kernels kernels;

        void set(ActivationFormat f, Kernels kernels) {
            this.f = f;
            this.kernels = kernels;
        }

        @Override
        public void run(int t0, int t1) {
            f.quantize(kernels, source, k, t0, t1, QuantizedInput.this);
        }
    }
}
