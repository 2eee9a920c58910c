package io.bitnet4j.graph;

import io.bitnet4j.kernels.Parallel;
import io.bitnet4j.model.Linear;
import io.bitnet4j.model.ModelException;
import io.bitnet4j.tensor.Tensor;
import io.bitnet4j.tensor.TensorCodecs;
import io.bitnet4j.tensor.TensorType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * {@code --output-type q8_0}: a float output head re-encoded once at load as Q8_0, so that each generated
 * token reads about half the bytes of an f16 head (the biggest single read of a BitNet model: 0.66 of
 * 1.18 GB per token for 2B-4T). The encoding is llama-quantize's, byte for byte what
 * {@code bitnet4j quantize --output-type q8_0} writes. Costs one pass over the head at load and the
 * Q8_0 copy in memory; the float rows' pages are released from the process as they are re-encoded (a
 * tied embedding faults back in only the rows it looks up).
 */
public final class OutputRequantizer {
    private OutputRequantizer() {}

    /** Whether {@link #toQ80} re-encodes this head (a float one: F16, BF16, F32). */
    public static boolean applies(Linear head) {
        return switch (head.type()) {
            case F16, BF16, F32 -> true;
            default -> false;
        };
    }

    /** Rows converted per quantizer call. */
    private static final int CHUNK = 64;

    /** The head re-encoded as Q8_0 in {@code arena}, its rows split over the pool. */
    public static Linear toQ80(Linear head, Parallel parallel, Arena arena) {
        int rows = head.rows(), cols = head.cols();
        String problem = TensorType.Q8_0.rowLengthProblem(cols);
        if (problem != null) throw new ModelException("--output-type q8_0: output head: " + problem);
        Tensor src = head.tensor();
        long rowBytes = TensorType.Q8_0.rowSize(cols);
        MemorySegment data = arena.allocate(rowBytes * rows, 64);
        // each thread: a row as floats (heap), then llama-quantize's quantize_row_q8_0_ref (TensorCodecs; not the
        // kernels' activation quantizer, which is ggml-cpu's x86 one and rounds differently)
        parallel.forRows(rows, CHUNK, (r0, r1) -> {  // one call per thread
            float[] row = new float[cols];
            for (int c0 = r0; c0 < r1; c0 += CHUNK) {
                int n = Math.min(CHUNK, r1 - c0);
                for (int i = 0; i < n; i++) {
                    TensorCodecs.dequantizeRow(src, c0 + i, row, 0);
                    TensorCodecs.quantizeRow(TensorType.Q8_0, row, 0, data, (c0 + i) * rowBytes, cols);
                }
                // release the float rows as we go, so the head is not resident twice at the peak
                if (src.data().isMapped()) src.data().asSlice(c0 * src.rowBytes(), n * src.rowBytes()).unload();
            }
        });
        return Linear.of(new Tensor(src.name(), TensorType.Q8_0, src.shape(), data), head.outputScale());
    }
}
