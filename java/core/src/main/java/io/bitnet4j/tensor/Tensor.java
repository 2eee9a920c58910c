package io.bitnet4j.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Objects;

/**
 * A named tensor: its type, its shape in ggml order ({@code ne[0]} is the row length, i.e. the number
 * of columns; {@code ne[1]} the number of rows; higher dims multiply the row count) and exactly its
 * bytes — usually a zero-copy slice of a mapped GGUF file.
 */
public record Tensor(String name, TensorType type, long[] shape, MemorySegment data) {

    public Tensor {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(data, "data");
        shape = shape.clone();
        if (shape.length < 1 || shape.length > 4) {
            throw new IllegalArgumentException("tensor " + name + ": 1 to 4 dims expected, got " + shape.length);
        }
        long n = 1;
        for (long d : shape) {
            if (d <= 0) throw new IllegalArgumentException("tensor " + name + ": non-positive dim in " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        long expected = type.tensorBytes(shape[0], n / shape[0]);
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException("tensor " + name + " (" + type + " " + Arrays.toString(shape)
                    + "): " + expected + " bytes expected, data has " + data.byteSize());
        }
    }

    /** The shape, ne[0] first (a copy). */
    @Override
    public long[] shape() { return shape.clone(); }

    /** Number of dimensions. */
    public int dims() { return shape.length; }

    /** ne[i], or 1 beyond the stored dims. */
    public long ne(int i) { return i < shape.length ? shape[i] : 1; }

    /** Row length (ne[0]). */
    public long cols() { return shape[0]; }

    /** Number of rows: the product of ne[1..]. */
    public long rows() {
        long r = 1;
        for (int i = 1; i < shape.length; i++) r *= shape[i];
        return r;
    }

    /** Number of elements. */
    public long elementCount() { return cols() * rows(); }

    /** Bytes of one row (for I2_S the packed codes only). */
    public long rowBytes() { return type.rowSize(cols()); }

    /** The bytes of row {@code r}: a slice of {@link #data()}. */
    public MemorySegment row(long r) {
        Objects.checkIndex(r, rows());
        long rb = rowBytes();
        return data.asSlice(r * rb, rb);
    }

    /** The per-tensor scale of an I2_S tensor (the f32 at the start of the 32-byte tail). */
    public float i2sScale() {
        if (type != TensorType.I2_S) throw new IllegalStateException("tensor " + name + " is " + type + ", not I2_S");
        return data.get(TensorCodecs.F32_LE, rows() * rowBytes());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && name.equals(t.name) && type == t.type && Arrays.equals(shape, t.shape)
                && data.equals(t.data);
    }

    @Override
    public int hashCode() { return Objects.hash(name, type, Arrays.hashCode(shape), data); }

    @Override
    public String toString() { return "Tensor[" + name + " " + type + " " + Arrays.toString(shape) + "]"; }
}
