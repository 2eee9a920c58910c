package io.bitnet4j.graph;

import io.bitnet4j.kernels.AttentionOrder;
import io.bitnet4j.kernels.AttentionShape;
import io.bitnet4j.kernels.GgmlMath;
import io.bitnet4j.kernels.Kernels;
import io.bitnet4j.kernels.Parallel;
import io.bitnet4j.kernels.QuantizedInput;
import io.bitnet4j.kernels.SystemLibrary;
import io.bitnet4j.model.Activation;
import io.bitnet4j.model.LayerWeights;
import io.bitnet4j.model.Linear;
import io.bitnet4j.model.ModelConfig;
import io.bitnet4j.model.ModelWeights;
import io.bitnet4j.model.RopeStyle;
import io.bitnet4j.tensor.Tensor;
import io.bitnet4j.tensor.TensorCodecs;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The transformer graph shared by every supported architecture (bitnet-b1.58, bitnet, llama, qwen3); the
 * differences come from {@link io.bitnet4j.model.Architecture} as data. A batch of tokens goes in
 * (a whole prompt chunk is processed through the GEMM kernels at once), logits come out.
 *
 * <p>Numerics follow the reference engines' graph (see {@link ReferenceNumerics}): RMSNorm with a
 * double sum, RoPE angles built by repeated multiplication, K/V rounded to f16 in the cache, Q rounded
 * to f16 for the f16 K product, the attention weights rounded as the reference engine does, softmax
 * with a double sum, ggml's SIMD SiLU, each projection fed its weight type's activation format.
 *
 * <p>A Forward owns its {@link Workspace} (the scratch buffers of a batch, freed by {@link #close});
 * the sequence it reads and extends is the {@link KvCache} passed to each call, so one Forward serves
 * any number of sequences, one pass at a time (it is not thread-safe).
 */
public final class Forward implements AutoCloseable {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT;
    private static final ValueLayout.OfShort F16 = ValueLayout.JAVA_SHORT;

    private final ModelConfig c;
    private final ModelWeights w;
    private final Parallel parallel;
    private final Workspace ws;  // the batch scratch, freed by close()
    private final Projections proj;
    private final ReferenceNumerics numerics;
    /** Batches of at least this many rows have their norms split over the pool. */
    private static final int PARALLEL_MIN_ROWS = 4;
    /** Gate values per pool chunk (a chunk's work must outweigh a pool hand-off). */
    private static final int GATE_GRAIN = 2048;

    private final AttentionTask attention = new AttentionTask();
    private final NormTask normTask = new NormTask();
    private final Parallel.RowTask gateTask;
    private final Kernels kernels;
    private final AttentionShape attentionShape;
    /** Attention scratch, one per pool thread (allocated on a thread's first use only, freed with the Forward). */
    private final ThreadLocal<MemorySegment> attentionScratch;
    private final float[] embeddingRow;
    private final float[] ropeCos;
    private final float[] ropeSin;
    private final int[] tokens;
    // the sequence and position of each row of the current pass (one cache for a prompt chunk, one per row in step)
    private final KvCache[] rowCache;
    private final int[] rowPos;
    /** Per layer, the projections that read the same input, run as one parallel job each. */
    private final Linear[][] qkv, gateUp;
    private final MemorySegment[] qkvOut, gateUpOut;
    /** Row t of q and of the attention output, for per-sequence attention in {@link #step}. */
    private final MemorySegment[] qRows, attRows;

    /**
     * A forward pass with a workspace of {@code batchSize} rows (at most {@code contextSize}) serving KV
     * caches of up to {@code contextSize} tokens of type {@code kvType}.
     */
    public Forward(ModelConfig config, ModelWeights weights, Kernels kernels, Parallel parallel,
                   int contextSize, int batchSize, KvCacheType kvType) {
        this.c = config;
        this.w = weights;
        this.parallel = parallel;
        this.ws = new Workspace(config, contextSize, batchSize, kvType);
        ws.reserveInputs(weights);
        this.proj = new Projections(kernels, parallel, ws.quantized);
        this.numerics = ReferenceNumerics.forModel(config, weights);
        this.embeddingRow = new float[config.embeddingLength()];
        this.ropeCos = new float[config.ropeDim() / 2];
        this.ropeSin = new float[config.ropeDim() / 2];
        this.tokens = new int[ws.batchSize];
        this.rowCache = new KvCache[ws.batchSize];
        this.rowPos = new int[ws.batchSize];
        this.qRows = new MemorySegment[ws.batchSize];
        this.attRows = new MemorySegment[ws.batchSize];
        for (int t = 0; t < ws.batchSize; t++) {
            long qBytes = (long) config.qDim() * Float.BYTES;
            qRows[t] = ws.q.asSlice(t * qBytes, qBytes);
            attRows[t] = ws.att.asSlice(t * qBytes, qBytes);
        }
        this.gateTask = (i0, i1) -> gateRange(ws.hb, ws.hb2, i0, i1, config.activation());
        this.qkv = new Linear[config.blockCount()][];
        this.gateUp = new Linear[config.blockCount()][];
        for (int l = 0; l < config.blockCount(); l++) {
            LayerWeights lw = weights.layers().get(l);
            qkv[l] = new Linear[] {lw.wq(), lw.wk(), lw.wv()};
            gateUp[l] = new Linear[] {lw.gate(), lw.up()};
        }
        this.qkvOut = new MemorySegment[] {ws.q, ws.k, ws.v};
        this.gateUpOut = new MemorySegment[] {ws.hb, ws.hb2};
        this.kernels = kernels;
        this.attentionShape = new AttentionShape(config.headSize(), config.headCountKv(),
                config.headCount() / config.headCountKv(), ws.kvType == KvCacheType.F16,
                (float) (1.0 / Math.sqrt(config.headSize())));
        long scratchBytes = attentionShape.scratchFloats(ws.contextSize) * Float.BYTES;
        this.attentionScratch = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(scratchBytes, 64));
    }

    /** Rows of the workspace: the most tokens one pass takes (a longer {@link #run} input goes in chunks of this many). */
    public int batchSize() {
        return ws.batchSize;
    }

    /** The longest context of a {@link KvCache} this forward pass serves. */
    public int contextSize() {
        return ws.contextSize;
    }

    /** Floats in a row of logits ({@link #copyLogits}): the model's vocabulary size. */
    public int vocabSize() {
        return c.vocabSize();
    }

    /**
     * Runs {@code n} tokens at the cache's next positions and appends them to it. Long inputs are
     * processed in chunks of the {@link #batchSize}. Logits of the last token end up in row 0
     * ({@link #copyLogits}); with {@code allLogits}, logits of every token of the last chunk are written
     * (row i = token i of that chunk) — callers that need all logits of a long input pass chunks themselves.
     */
    public void run(KvCache cache, int[] input, int offset, int n, boolean allLogits) {
        if (n <= 0) throw new IllegalArgumentException("no tokens to process");
        if (offset < 0 || offset + n > input.length) throw new IllegalArgumentException("token range out of bounds");
        checkCache(cache);
        if (cache.position() + n > cache.contextSize) {
            throw new ContextOverflowException(cache.position(), n, cache.contextSize);
        }
        for (int i = 0; i < n; i++) checkToken(input[offset + i]);
        for (int done = 0; done < n; ) {
            int chunk = Math.min(ws.batchSize, n - done);
            System.arraycopy(input, offset + done, tokens, 0, chunk);
            for (int t = 0; t < chunk; t++) {
                rowCache[t] = cache;
                rowPos[t] = cache.position() + t;
            }
            boolean last = done + chunk == n;
            runChunk(chunk, chunk, last, allLogits);
            done += chunk;
        }
    }

    /**
     * One decode step of several sequences at once (continuous batching): row i appends
     * {@code tokens[i]} to {@code caches[i]} at that cache's own position. The projections run over all
     * rows as one batch; RoPE, the KV store and attention are per row against the row's own cache. Logits
     * of row i end up in logits row i ({@link #copyLogits}), and they are the
     * logits the same sequence gets from a single-token {@link #run} alone: each kernel computes a
     * (row, token) result independently of how many tokens it is given, and the attention-weight
     * rounding follows the tokens each sequence processes in the step (one), not the batch size.
     */
    public void step(KvCache[] caches, int[] tokens, int rows) {
        if (rows <= 0 || rows > ws.batchSize) {
            throw new IllegalArgumentException("a step takes 1.." + ws.batchSize + " sequences, got " + rows);
        }
        if (caches.length < rows || tokens.length < rows) throw new IllegalArgumentException("fewer caches or tokens than rows");
        for (int i = 0; i < rows; i++) {
            KvCache cache = caches[i];
            checkCache(cache);
            for (int j = 0; j < i; j++) {
                if (caches[j] == cache) throw new IllegalArgumentException("the same KV cache appears twice in one step (rows " + j + ", " + i + ")");
            }
            if (cache.position() + 1 > cache.contextSize) {
                throw new ContextOverflowException(cache.position(), 1, cache.contextSize);
            }
            checkToken(tokens[i]);
        }
        for (int i = 0; i < rows; i++) {
            this.tokens[i] = tokens[i];
            rowCache[i] = caches[i];
            rowPos[i] = caches[i].position();
        }
        runChunk(rows, 1, true, true);
    }

    /** Copies logits row {@code row} of the last pass into {@code dst} (at least {@link #vocabSize} floats). */
    public void copyLogits(int row, float[] dst) {
        ws.copyLogits(row, dst);
    }

    /** Frees the workspace; the caches it served stay valid. */
    @Override
    public void close() {
        ws.close();
    }

    private void checkCache(KvCache cache) {
        if (cache.kvType != ws.kvType) {
            throw new IllegalArgumentException("KV cache type " + cache.kvType + " differs from the workspace's " + ws.kvType);
        }
        if (cache.contextSize > ws.contextSize) {
            throw new IllegalArgumentException("KV cache of " + cache.contextSize + " tokens is larger than the workspace's context " + ws.contextSize);
        }
        if (cache.keyCache.length != c.blockCount()) throw new IllegalArgumentException("KV cache of another model");
    }

    private void checkToken(int id) {
        if (id < 0 || id >= c.vocabSize()) {
            throw new IllegalArgumentException("token id " + id + " outside the vocabulary (0.." + (c.vocabSize() - 1) + ")");
        }
    }

    /**
     * The rows' tokens through every layer; row t belongs to {@code rowCache[t]} at {@code rowPos[t]}.
     * {@code tokensPerSequence}: how many tokens each sequence processes in this pass (the attention
     * weights' rounding depends on it, see {@link ReferenceNumerics}).
     */
    private void runChunk(int n, int tokensPerSequence, boolean computeLogits, boolean allLogits) {
        int embd = c.embeddingLength();
        ws.quantized.order(numerics.matmulOrder(tokensPerSequence));   // every matmul of this pass, as the engine's
        boolean lastOnly = computeLogits && !allLogits && n > 1;
        int rows = n;   // rows through the FFN: all of them, except in the last layer when only the last is wanted
        for (int t = 0; t < n; t++) {
            embed(tokens[t], ws.x, (long) t * embd);
        }
        for (int l = 0; l < c.blockCount(); l++) {
            LayerWeights lw = w.layers().get(l);
            // attention
            rmsNorm(ws.x, ws.xb, lw.attnNorm(), n, embd);
            QuantizedInput xbq = proj.quantize(ws.xb, n, qkv[l]);       // quantized once for q, k and v
            proj.matmul(qkv[l], xbq, qkvOut);
            if (lw.attnQNorm() != null) {                               // per head, over the head size
                rmsNorm(ws.q, ws.q, lw.attnQNorm(), n * c.headCount(), c.headSize());
                rmsNorm(ws.k, ws.k, lw.attnKNorm(), n * c.headCountKv(), c.headSize());
            }
            for (int t = 0; t < n; t++) {
                ropeAngles(rowPos[t]);
                rope(ws.q, (long) t * c.qDim(), c.headCount());
                rope(ws.k, (long) t * c.kvDim(), c.headCountKv());
            }
            storeKv(l, n);
            attention.set(l, tokensPerSequence, tokensPerSequence == n);
            parallel.forRows(n * c.headCountKv(), 1, attention);
            if (lw.attnSubNorm() != null) rmsNorm(ws.att, ws.att, lw.attnSubNorm(), n, c.qDim());
            QuantizedInput attq = proj.quantize(ws.att, n, lw.wo());
            proj.matmul(lw.wo(), attq, ws.proj);
            add(ws.x, ws.proj, (long) n * embd);
            if (l == c.blockCount() - 1 && lastOnly) {
                // the engines' graphs keep only the rows whose logits are wanted before the last FFN
                // (inp_out_ids): from here on one token, so the matmuls take their one-token order too
                MemorySegment.copy(ws.x, (long) (n - 1) * embd * Float.BYTES, ws.x, 0, (long) embd * Float.BYTES);
                rows = 1;
                ws.quantized.order(numerics.matmulOrder(1));
            }
            // feed-forward
            rmsNorm(ws.x, ws.xb, lw.ffnNorm(), rows, embd);
            QuantizedInput ffnq = proj.quantize(ws.xb, rows, gateUp[l]);   // quantized once for gate and up
            proj.matmul(gateUp[l], ffnq, gateUpOut);
            gate((long) rows * c.feedForwardLength());
            if (lw.ffnSubNorm() != null) rmsNorm(ws.hb, ws.hb, lw.ffnSubNorm(), rows, c.feedForwardLength());
            QuantizedInput hbq = proj.quantize(ws.hb, rows, lw.down());
            proj.matmul(lw.down(), hbq, ws.proj);
            add(ws.x, ws.proj, (long) rows * embd);
        }
        for (int t = 0; t < n; t++) rowCache[t].advance(1);
        if (!computeLogits) return;
        // rows 0..rows-1 of x: every token's (allLogits), or the last token's alone, moved to row 0 above
        MemorySegment lastRows = ws.x.asSlice(0, (long) rows * embd * Float.BYTES);
        rmsNorm(lastRows, ws.xb, w.outputNorm(), rows, embd);
        QuantizedInput headq = proj.quantize(ws.xb, rows, w.output());
        proj.matmul(w.output(), headq, ws.logitsRows(rows));
    }

    private void embed(int token, MemorySegment dst, long offset) {
        Tensor e = w.tokenEmbedding();
        TensorCodecs.dequantizeRow(e, token, embeddingRow, 0);
        MemorySegment.copy(embeddingRow, 0, dst, F32, offset * Float.BYTES, embeddingRow.length);
    }

    /** y = x / sqrt(mean(x²) + eps) * weight, row by row; x and y may be the same buffer. Rows of a batch are split over the pool. */
    private void rmsNorm(MemorySegment x, MemorySegment y, float[] weight, int rows, int n) {
        if (rows >= PARALLEL_MIN_ROWS) {
            normTask.set(x, y, weight, n);
            parallel.forRows(rows, 1, normTask);
        } else {
            rmsNormRows(x, y, weight, n, 0, rows);
        }
    }

    private void rmsNormRows(MemorySegment x, MemorySegment y, float[] weight, int n, int r0, int r1) {
        float eps = c.rmsEps();
        for (int r = r0; r < r1; r++) {
            long base = (long) r * n;
            double sum = 0;
            for (int i = 0; i < n; i++) {
                float v = x.getAtIndex(F32, base + i);
                sum += v * v;
            }
            float mean = (float) (sum / n);
            float scale = 1.0f / (float) Math.sqrt(mean + eps);
            for (int i = 0; i < n; i++) {
                y.setAtIndex(F32, base + i, (x.getAtIndex(F32, base + i) * scale) * weight[i]);
            }
        }
    }

    /**
     * cos/sin of each rotated pair at this position, as ggml's rope cache: theta multiplied by
     * base^(-2/n_rot) pair after pair in float, then the C library's cosf/sinf (not Math's: see
     * {@link SystemLibrary#cosf}).
     */
    private void ropeAngles(int pos) {
        float thetaScale = (float) Math.pow(c.ropeTheta(), -2.0 / c.ropeDim());
        float theta = pos;
        float[] ff = w.ropeFreqFactors();
        for (int i = 0; i < ropeCos.length; i++) {
            float th = ff != null ? theta / ff[i] : theta;
            ropeCos[i] = SystemLibrary.cosf(th);
            ropeSin[i] = SystemLibrary.sinf(th);
            theta *= thetaScale;
        }
    }

    private void rope(MemorySegment buf, long base, int heads) {
        int hs = c.headSize();
        int half = c.ropeDim() / 2;
        boolean neox = c.architecture().ropeStyle() == RopeStyle.NEOX;
        for (int h = 0; h < heads; h++) {
            long o = base + (long) h * hs;
            for (int i = 0; i < half; i++) {
                long i0 = neox ? o + i : o + 2L * i;
                long i1 = neox ? o + i + half : o + 2L * i + 1;
                float x0 = buf.getAtIndex(F32, i0);
                float x1 = buf.getAtIndex(F32, i1);
                // ggml's x0*cos - x1*sin and x0*sin + x1*cos as gcc and clang contract them for an FMA target
                buf.setAtIndex(F32, i0, Math.fma(x0, ropeCos[i], -(x1 * ropeSin[i])));
                buf.setAtIndex(F32, i1, Math.fma(x0, ropeSin[i], x1 * ropeCos[i]));
            }
        }
    }

    private void storeKv(int layer, int n) {
        int kvDim = c.kvDim();
        for (int t = 0; t < n; t++) {
            MemorySegment kc = rowCache[t].keyCache[layer];
            MemorySegment vc = rowCache[t].valueCache[layer];
            long src = (long) t * kvDim;
            long dst = (long) rowPos[t] * kvDim;
            for (int i = 0; i < kvDim; i++) {
                float kv = ws.k.getAtIndex(F32, src + i);
                float vv = ws.v.getAtIndex(F32, src + i);
                if (ws.kvType == KvCacheType.F16) {
                    kc.setAtIndex(F16, dst + i, Float.floatToFloat16(kv));
                    vc.setAtIndex(F16, dst + i, Float.floatToFloat16(vv));
                } else {
                    kc.setAtIndex(F32, dst + i, kv);
                    vc.setAtIndex(F32, dst + i, vv);
                }
            }
        }
    }

    private static void add(MemorySegment x, MemorySegment y, long n) {
        for (long i = 0; i < n; i++) x.setAtIndex(F32, i, x.getAtIndex(F32, i) + y.getAtIndex(F32, i));
    }

    /** hb = act(hb) * hb2, split over the pool in chunks of GATE_GRAIN values when there are enough. */
    private void gate(long n) {
        if (n >= 2L * GATE_GRAIN) {
            parallel.forRows((int) n, GATE_GRAIN, gateTask);
        } else {
            gateRange(ws.hb, ws.hb2, 0, n, c.activation());
        }
    }

    private static void gateRange(MemorySegment hb, MemorySegment hb2, long i0, long i1, Activation act) {
        for (long i = i0; i < i1; i++) {
            float g = hb.getAtIndex(F32, i);
            float a = switch (act) {
                case RELU_SQUARED -> {
                    float r = Math.max(g, 0f);
                    yield r * r;
                }
                case SILU -> GgmlMath.silu(g);
            };
            hb.setAtIndex(F32, i, a * hb2.getAtIndex(F32, i));
        }
    }

    /** RMSNorm rows of one call, as a reusable pool task. */
    private final class NormTask implements Parallel.RowTask {
        private MemorySegment x, y;
        private float[] weight;
        private int n;

        void set(MemorySegment x, MemorySegment y, float[] weight, int n) {
            this.x = x;
            this.y = y;
            this.weight = weight;
            this.n = n;
        }

        @Override
        public void run(int r0, int r1) {
            rmsNormRows(x, y, weight, n, r0, r1);
        }
    }

    /**
     * Causal attention, one (token, KV head) pair per row, computed by the kernel tier (see
     * {@link Kernels#attention}): the query heads sharing a KV head are done together so each cached K
     * and V row is read once. The attention weights are rounded to f16 before the V product when the
     * reference engine does ({@link ReferenceNumerics}).
     */
    private final class AttentionTask implements Parallel.RowTask {
        private int layer;
        private AttentionOrder order;
        private boolean oneSequence;

        void set(int layer, int tokensPerSequence, boolean oneSequence) {
            this.layer = layer;
            this.oneSequence = oneSequence;
            this.order = numerics.attentionOrder(tokensPerSequence);
        }

        @Override
        public void run(int row0, int row1) {
            MemorySegment scratch = attentionScratch.get();
            if (oneSequence) {
                // a prompt chunk: consecutive positions of one cache
                KvCache kv = rowCache[0];
                kernels.attention(attentionShape, ws.q, kv.keyCache[layer], kv.valueCache[layer], rowPos[0], row0, row1,
                        order, scratch, ws.att);
                return;
            }
            // a step of several sequences: each token's rows against its own cache, at its own position
            int kvHeads = c.headCountKv();
            for (int r = row0; r < row1; ) {
                int t = r / kvHeads;
                int end = Math.min(row1, (t + 1) * kvHeads);
                KvCache kv = rowCache[t];
                kernels.attention(attentionShape, qRows[t], kv.keyCache[layer], kv.valueCache[layer], rowPos[t],
                        r - t * kvHeads, end - t * kvHeads, order, scratch, attRows[t]);
                r = end;
            }
        }
    }
}
