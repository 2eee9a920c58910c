package io.bitnet4j.hf;

import io.bitnet4j.tensor.FloatCodecs;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Arrays;

/**
 * One tensor of a safetensors file: its header entry and a zero-copy slice of the mapped file.
 * {@code shape} is row-major as PyTorch writes it (the last dimension varies fastest), i.e. reversed
 * with respect to GGUF's {@code ne} order. Valid only while its file is open.
 */
public record SafetensorsTensor(String name, SafetensorsDType dtype, long[] shape, MemorySegment data) {

    public SafetensorsTensor {
        shape = shape.clone();
    }

    @Override
    public long[] shape() { return shape.clone(); }

    /** Number of elements (1 for a scalar of shape {@code []}). */
    public long elementCount() {
        long n = 1;
        for (long d : shape) n *= d;
        return n;
    }

    /** The last (fastest-varying) dimension, 1 for a scalar. */
    public long cols() { return shape.length == 0 ? 1 : shape[shape.length - 1]; }

    /** Number of rows: all elements over {@link #cols()} (0 when a dimension is 0). */
    public long rows() { return cols() == 0 ? 0 : elementCount() / cols(); }

    /**
     * Reads {@code n} elements starting at element {@code first} as floats into {@code dst}.
     * Integer dtypes convert exactly (U8 as 0..255, I8 as −128..127).
     */
    public void readFloats(long first, float[] dst, int dstOff, int n) {
        long count = elementCount();
        if (first < 0 || n < 0 || first > count - n || dstOff < 0 || dstOff > dst.length - n) {
            throw new IllegalArgumentException("elements [" + first + ", " + first + "+" + n + ") of " + name
                    + " (" + count + " elements) into an array of " + dst.length + " at " + dstOff);
        }
        long off = first * dtype.bytes();
        switch (dtype) {
            case F32 -> FloatCodecs.dequantizeRowF32(data, off, dst, dstOff, n);
            case F16 -> FloatCodecs.dequantizeRowF16(data, off, dst, dstOff, n);
            case BF16 -> FloatCodecs.dequantizeRowBF16(data, off, dst, dstOff, n);
            case U8 -> { for (int i = 0; i < n; i++) dst[dstOff + i] = Byte.toUnsignedInt(data.get(ValueLayout.JAVA_BYTE, off + i)); }
            case I8 -> { for (int i = 0; i < n; i++) dst[dstOff + i] = data.get(ValueLayout.JAVA_BYTE, off + i); }
        }
    }

    /** All elements as floats (small tensors only: norms, tests). */
    public float[] toFloats() {
        float[] x = new float[Math.toIntExact(elementCount())];
        readFloats(0, x, 0, x.length);
        return x;
    }

    @Override
    public String toString() {
        return name + " " + dtype + " " + Arrays.toString(shape);
    }
}
