package io.bitnet4j.engine;

import io.bitnet4j.kernels.Kernels;
import io.bitnet4j.kernels.Parallel;
import io.bitnet4j.model.Linear;
import io.bitnet4j.tensor.TensorCodecs;
import io.bitnet4j.tensor.TensorType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Matrix × activations for every weight type, the way the reference engines compute them: the input
 * is quantized once per (input, format) — I2_S reads per-token int8, TQ1_0/TQ2_0 read Q8_K, Q8_0 reads
 * Q8_0, F16/BF16 read the input rounded to that type — and then each projection sharing that input
 * (q/k/v, gate/up) reuses it. Output rows are split across the thread pool.
 */
final class Projections {

    private static final int ROW_ALIGN = 16;

    private final Kernels kernels;
    private final Parallel parallel;
    private final Session s;
    private final GroupTask groupTask = new GroupTask();
    /** {@link #project}'s one matrix as a group of one (reused: the token loop allocates nothing). */
    private final Linear[] single = new Linear[1];
    private final MemorySegment[] singleOut = new MemorySegment[1];
    private final QuantTask quantTask = new QuantTask();
    /** Batches of at least this many tokens are quantized in parallel. */
    private static final int PARALLEL_MIN_TOKENS = 4;

    // what the activation buffers currently hold
    private ActivationFormat prepared = null;
    private MemorySegment preparedInput = null;
    private int preparedTokens;
    private int preparedK;

    /** The activation format each weight type consumes. */
    enum ActivationFormat { I8, Q8_K, Q8_0, F32, F16, BF16, FLOAT_DEQUANT }

    Projections(Kernels kernels, Parallel parallel, Session session) {
        this.kernels = kernels;
        this.parallel = parallel;
        this.s = session;
    }

    static ActivationFormat formatFor(TensorType t) {
        return switch (t) {
            case I2_S -> ActivationFormat.I8;
            case TQ1_0, TQ2_0 -> ActivationFormat.Q8_K;
            case Q8_0 -> ActivationFormat.Q8_0;
            case F32 -> ActivationFormat.F32;
            case F16 -> ActivationFormat.F16;
            case BF16 -> ActivationFormat.BF16;
            default -> ActivationFormat.FLOAT_DEQUANT;
        };
    }

    /** Forgets the prepared activations (their input buffer is about to change). */
    void invalidate() {
        prepared = null;
        preparedInput = null;
    }

    /** out[t*w.rows() + r] = (W · in[t])[r] for t < ntok; {@code in} holds ntok contiguous rows of w.cols() floats. */
    void project(Linear w, MemorySegment in, int ntok, MemorySegment out) {
        single[0] = w;
        singleOut[0] = out;
        projectTogether(single, in, ntok, singleOut);
    }

    /**
     * Several projections of the same input (q/k/v, gate/up) as one parallel job: their rows are split
     * across the threads together, so the pool meets once instead of once per matrix. Matrices of
     * different weight types fall back to one job each.
     */
    void projectTogether(Linear[] ws, MemorySegment in, int ntok, MemorySegment[] outs) {
        ActivationFormat f = formatFor(ws[0].type());
        int total = 0;
        for (Linear w : ws) {
            // a group needs one activation format and chunk-aligned boundaries between its matrices
            if (ws.length > 1 && (formatFor(w.type()) != f || w.cols() != ws[0].cols() || w.rows() % ROW_ALIGN != 0)) {
                for (int i = 0; i < ws.length; i++) project(ws[i], in, ntok, outs[i]);
                return;
            }
            total += w.rows();
        }
        prepare(f, in, ntok, ws[0].cols());
        groupTask.set(ws, f, in, ntok, outs);
        parallel.forRows(total, ROW_ALIGN, groupTask);
        for (int i = 0; i < ws.length; i++) {
            if (ws[i].outputScale() != null) applyOutputScale(ws[i], ntok, outs[i]);
        }
    }

    private void prepare(ActivationFormat f, MemorySegment in, int ntok, int k) {
        if (f == prepared && in == preparedInput && ntok == preparedTokens && k == preparedK) return;
        if (ntok >= PARALLEL_MIN_TOKENS && f != ActivationFormat.F32 && f != ActivationFormat.FLOAT_DEQUANT) {
            quantTask.set(f, in, k);
            parallel.forRows(ntok, 1, quantTask);
        } else {
            quantize(f, in, k, 0, ntok);
        }
        prepared = f;
        preparedInput = in;
        preparedTokens = ntok;
        preparedK = k;
    }

    /** Tokens [t0, t1) of the input in format f: every format is per token, so any split gives the same bytes. */
    private void quantize(ActivationFormat f, MemorySegment in, int k, int t0, int t1) {
        int n = t1 - t0;
        MemorySegment x = t0 == 0 ? in : in.asSlice((long) t0 * k * Float.BYTES);
        switch (f) {
            case I8 -> kernels.quantizeI8(x, n, k, slice(s.actI8, (long) t0 * k), slice(s.actScales, 4L * t0),
                    slice(s.actSums, 4L * t0));
            case Q8_K -> kernels.quantizeQ8K(x, n, k, slice(s.actBlocks, t0 * io.bitnet4j.kernels.ActivationFormat.Q8_K.rowBytes(k)));
            case Q8_0 -> kernels.quantizeQ80(x, n, k, slice(s.actBlocks, t0 * io.bitnet4j.kernels.ActivationFormat.Q8_0.rowBytes(k)));
            case F16 -> roundTo(in, (long) t0 * k, (long) t1 * k, true);
            case BF16 -> roundTo(in, (long) t0 * k, (long) t1 * k, false);
            case F32, FLOAT_DEQUANT -> { }
        }
    }

    private static MemorySegment slice(MemorySegment seg, long offset) {
        return offset == 0 ? seg : seg.asSlice(offset);
    }

    /** Activation quantization of a batch, split by tokens over the pool. */
    private final class QuantTask implements Parallel.RowTask {
        private ActivationFormat f;
        private MemorySegment in;
        private int k;

        void set(ActivationFormat f, MemorySegment in, int k) {
            this.f = f;
            this.in = in;
            this.k = k;
        }

        @Override
        public void run(int t0, int t1) {
            quantize(f, in, k, t0, t1);
        }
    }

    /** llama.cpp converts the activations of an F16/BF16 matmul to that type first; so do we. */
    private void roundTo(MemorySegment in, long i0, long i1, boolean f16) {
        for (long i = i0; i < i1; i++) {
            float v = in.getAtIndex(ValueLayout.JAVA_FLOAT, i);
            float r = f16 ? Float.float16ToFloat(Float.floatToFloat16(v)) : bf16Round(v);
            s.actRounded.setAtIndex(ValueLayout.JAVA_FLOAT, i, r);
        }
    }

    /** Round to nearest even bf16, as ggml's GGML_FP32_TO_BF16 (NaN kept quiet). */
    static float bf16Round(float v) {
        int bits = Float.floatToRawIntBits(v);
        if ((bits & 0x7fffffff) > 0x7f800000) return Float.intBitsToFloat((bits | 0x00400000) & 0xffff0000);
        int rounded = (bits + (0x7fff + ((bits >>> 16) & 1))) & 0xffff0000;
        return Float.intBitsToFloat(rounded);
    }

    private static void applyOutputScale(Linear w, int ntok, MemorySegment out) {
        float[] sc = w.outputScale();
        int rows = w.rows();
        for (int t = 0; t < ntok; t++) {
            for (int r = 0; r < rows; r++) {
                long i = (long) t * rows + r;
                float scale = sc.length == 1 ? sc[0] : sc[r];
                out.setAtIndex(ValueLayout.JAVA_FLOAT, i, out.getAtIndex(ValueLayout.JAVA_FLOAT, i) * scale);
            }
        }
    }

    /**
     * Rows of one or more matrices laid end to end: each chunk runs the part of each matrix it covers.
     * One reusable object: the token loop allocates no lambdas.
     */
    private final class GroupTask implements Parallel.RowTask {
        private Linear[] ws;
        private ActivationFormat f;
        private MemorySegment in;
        private int ntok;
        private MemorySegment[] outs;

        void set(Linear[] ws, ActivationFormat f, MemorySegment in, int ntok, MemorySegment[] outs) {
            this.ws = ws;
            this.f = f;
            this.in = in;
            this.ntok = ntok;
            this.outs = outs;
        }

        @Override
        public void run(int row0, int row1) {
            int base = 0;
            for (int i = 0; i < ws.length && base < row1; i++) {
                int rows = ws[i].rows();
                int r0 = Math.max(row0 - base, 0), r1 = Math.min(row1 - base, rows);
                if (r0 < r1) gemm(ws[i], f, in, ntok, outs[i], r0, r1);
                base += rows;
            }
        }
    }

    /** Rows [row0, row1) of out = W · in, by the kernel that reads this weight type. Uses no shared state. */
    private void gemm(Linear w, ActivationFormat f, MemorySegment in, int ntok, MemorySegment out, int row0, int row1) {
        MemorySegment data = w.tensor().data();
        int k = w.cols();
        int stride = w.rows();
        switch (f) {
            case I8 -> kernels.gemmI2S(data, k, row0, row1, w.i2sScale(), s.actI8, s.actScales, s.actSums, ntok, out, stride);
            case Q8_K -> {
                if (w.type() == TensorType.TQ2_0) kernels.gemmTQ20(data, k, row0, row1, s.actBlocks, ntok, out, stride);
                else kernels.gemmTQ10(data, k, row0, row1, s.actBlocks, ntok, out, stride);
            }
            case Q8_0 -> kernels.gemmQ80(data, k, row0, row1, s.actBlocks, ntok, out, stride);
            case F32 -> kernels.gemmF32(data, k, row0, row1, in, ntok, out, stride);
            case F16 -> kernels.gemmF16(data, k, row0, row1, s.actRounded, ntok, out, stride);
            case BF16 -> kernels.gemmBF16(data, k, row0, row1, s.actRounded, ntok, out, stride);
            case FLOAT_DEQUANT -> dequantDot(w, in, ntok, out, row0, row1);
        }
    }

    /** Any other weight type (e.g. a Q6_K output head): dequantize each row, dot in f32. Slow but exact. */
    private static void dequantDot(Linear w, MemorySegment in, int ntok, MemorySegment out, int row0, int row1) {
        int k = w.cols();
        float[] row = new float[k]; // rare path; not part of the supported fast types
        for (int r = row0; r < row1; r++) {
            TensorCodecs.dequantizeRow(w.tensor(), r, row, 0);
            for (int t = 0; t < ntok; t++) {
                float sum = 0;
                long base = (long) t * k;
                for (int i = 0; i < k; i++) sum += row[i] * in.getAtIndex(ValueLayout.JAVA_FLOAT, base + i);
                out.setAtIndex(ValueLayout.JAVA_FLOAT, (long) t * w.rows() + r, sum);
            }
        }
    }
}
