package io.bitnet4j.gguf;

import io.bitnet4j.tensor.TensorType;

import java.util.Arrays;

/**
 * A tensor as described in the GGUF header: name, shape (ne[0] = row length first), type, offset of
 * its data relative to the data section, and its size in bytes (as computed from type and shape).
 */
public record GgufTensorInfo(String name, long[] shape, TensorType type, long offset, long byteSize) {

    public GgufTensorInfo {
        shape = shape.clone();
    }

    @Override
    public long[] shape() { return shape.clone(); }

    /** Number of elements. */
    public long elementCount() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GgufTensorInfo t && name.equals(t.name) && Arrays.equals(shape, t.shape)
                && type == t.type && offset == t.offset && byteSize == t.byteSize;
    }

    @Override
    public int hashCode() { return name.hashCode() * 31 + Arrays.hashCode(shape); }

    @Override
    public String toString() {
        return name + " " + type + " " + Arrays.toString(shape) + " @" + offset + " (" + byteSize + " bytes)";
    }
}
