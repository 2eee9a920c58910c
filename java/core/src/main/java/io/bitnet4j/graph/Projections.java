package io.bitnet4j.graph;

import io.bitnet4j.kernels.Kernels;
import io.bitnet4j.kernels.Parallel;
import io.bitnet4j.kernels.QuantizedInput;
import io.bitnet4j.model.Linear;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Matrix × activations the way the reference engines compute them, in two explicit steps: {@link #quantize}
 * turns an input into the activation format(s) its matrices read (each weight type's row of the
 * {@link io.bitnet4j.kernels.MatmulFormat} table names one: int8 per token for I2_S, Q8_K for TQ1_0/TQ2_0,
 * the input rounded to f16 for F16 …), once; {@link #matmul} multiplies every matrix sharing that input
 * (q/k/v, gate/up) by it, their output rows split across the thread pool as one job.
 */
final class Projections {

    private static final int ROW_ALIGN = 16;

    private final Kernels kernels;
    private final Parallel parallel;
    /** The workspace's holder: {@link #quantize} fills it, the matmuls read it. */
    private final QuantizedInput quantized;
    private final GroupTask groupTask = new GroupTask();
    /** One matrix as a group of one (reused: the token loop allocates nothing). */
    private final Linear[] single = new Linear[1];
    private final MemorySegment[] singleOut = new MemorySegment[1];

    Projections(Kernels kernels, Parallel parallel, QuantizedInput quantized) {
        this.kernels = kernels;
        this.parallel = parallel;
        this.quantized = quantized;
    }

    /** x (ntok rows of w.cols() floats) in the activation format w reads. */
    QuantizedInput quantize(MemorySegment x, int ntok, Linear w) {
        single[0] = w;
        return quantize(x, ntok, single);
    }

    /**
     * x (ntok rows of the matrices' common row length) in every activation format the matrices read — one,
     * unless their types differ — each quantized once. The result stays valid until the next quantize: it
     * is the workspace's one holder, so it is handed straight to the matmuls of this input.
     */
    QuantizedInput quantize(MemorySegment x, int ntok, Linear[] ws) {
        quantized.set(x, ntok, ws[0].cols());
        for (Linear w : ws) quantized.quantize(w.format().activation(quantized.order()), kernels, parallel);
        return quantized;
    }

    /** out[t*w.rows() + r] = (W · x[t])[r] for every token t of x. */
    void matmul(Linear w, QuantizedInput x, MemorySegment out) {
        single[0] = w;
        singleOut[0] = out;
        matmul(single, x, singleOut);
    }

    /**
     * Several matrices of the same input (q/k/v, gate/up) as one parallel job: their rows are split across
     * the threads together, so the pool meets once instead of once per matrix. Matrices whose row counts
     * would put a chunk boundary inside a matrix's aligned rows run as one job each.
     */
    void matmul(Linear[] ws, QuantizedInput x, MemorySegment[] outs) {
        int total = 0;
        for (Linear w : ws) {
            if (ws.length > 1 && w.rows() % ROW_ALIGN != 0) {
                for (int i = 0; i < ws.length; i++) matmul(ws[i], x, outs[i]);
                return;
            }
            total += w.rows();
        }
        groupTask.set(ws, x, outs);
        parallel.forRows(total, ROW_ALIGN, groupTask);
        for (int i = 0; i < ws.length; i++) {
            if (ws[i].outputScale() != null) applyOutputScale(ws[i], x.tokens(), outs[i]);
        }
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
     * Rows of one or more matrices laid end to end: each chunk runs the part of each matrix it covers, by
     * that matrix's own kernel. One reusable object: the token loop allocates no lambdas.
     */
    private final class GroupTask implements Parallel.RowTask {
        private Linear[] ws;
        private QuantizedInput x;
        private MemorySegment[] outs;

        void set(Linear[] ws, QuantizedInput x, MemorySegment[] outs) {
            this.ws = ws;
            this.x = x;
            this.outs = outs;
        }

        @Override
        public void run(int row0, int row1) {
            int base = 0;
            for (int i = 0; i < ws.length && base < row1; i++) {
                int rows = ws[i].rows();
                int r0 = Math.max(row0 - base, 0), r1 = Math.min(row1 - base, rows);
                if (r0 < r1) ws[i].matmul(kernels, x, r0, r1, outs[i]);
                base += rows;
            }
        }
    }
}
