package io.bitnet4j.model;

import io.bitnet4j.kernels.Kernels;
import io.bitnet4j.kernels.MatmulFormat;
import io.bitnet4j.kernels.QuantizedInput;
import io.bitnet4j.tensor.Tensor;
import io.bitnet4j.tensor.TensorType;

import java.lang.foreign.MemorySegment;

/**
 * One projection weight {@code W[rows][cols]} as stored in the file (output = W·x), ready for the
 * kernels: its per-tensor I2_S scale read once, and an optional per-output scale of the 1bitLLM files.
 * It carries its own matmul ({@link #matmul}): its type's row of the {@link MatmulFormat} table.
 *
 * @param outputScale {@code blk.N.*.scale} values (1 = one scalar, or {@code rows}), or null
 */
public record Linear(Tensor tensor, int rows, int cols, float i2sScale, float[] outputScale) {

    public TensorType type() {
        return tensor.type();
    }

    /** This type's row of the matmul table: the activation format it reads and its kernel. */
    public MatmulFormat format() {
        return MatmulFormat.of(type());
    }

    /**
     * Rows [row0, row1) of out = W · x for every token of x (token t's row r at {@code out[t*rows() + r]}),
     * by this type's kernel of the given tier; x holds this type's {@link MatmulFormat#activation()}. The
     * optional {@link #outputScale()} is not applied here.
     */
    public void matmul(Kernels kernels, QuantizedInput x, int row0, int row1, MemorySegment out) {
        format().gemm(kernels, tensor, i2sScale, x, row0, row1, out, rows);
    }

    public String name() {
        return tensor.name();
    }

    /** Bytes of weights one full pass over this matrix reads. */
    public long bytes() {
        return tensor.data().byteSize();
    }

    public static Linear of(Tensor t, float[] outputScale) {
        long[] shape = t.shape();
        if (shape.length != 2) {
            throw new ModelException("tensor " + t.name() + ": expected 2 dimensions, found " + shape.length);
        }
        if (shape[0] > Integer.MAX_VALUE || shape[1] > Integer.MAX_VALUE) {
            throw new ModelException("tensor " + t.name() + ": too large " + java.util.Arrays.toString(shape));
        }
        int cols = (int) shape[0];
        int rows = (int) shape[1];
        String problem = t.type().rowLengthProblem(cols);
        if (problem != null) throw new ModelException("tensor " + t.name() + ": " + problem);
        float scale = t.type() == TensorType.I2_S ? t.i2sScale() : 1f;
        if (outputScale != null && outputScale.length != 1 && outputScale.length != rows) {
            throw new ModelException("tensor " + t.name() + ": scale has " + outputScale.length + " values, expected 1 or " + rows);
        }
        return new Linear(t, rows, cols, scale, outputScale);
    }
}
