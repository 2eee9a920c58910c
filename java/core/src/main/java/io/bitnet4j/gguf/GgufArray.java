package io.bitnet4j.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A metadata array, decoded lazily from the mapped file: the file is walked once at open time to
 * validate its extent; elements are decoded only when one of the {@code as…} methods is called
 * (vocabularies of 128k tokens and 280k merges decode in one pass over a copied byte range).
 */
public final class GgufArray {
    private final Path file;
    private final String key;
    private final GgufValueType elementType;
    private final long size;
    private final MemorySegment elements; // exactly the element bytes

    GgufArray(Path file, String key, GgufValueType elementType, long size, MemorySegment elements) {
        this.file = file;
        this.key = key;
        this.elementType = elementType;
        this.size = size;
        this.elements = elements;
    }

    /** Type of the elements. */
    public GgufValueType elementType() { return elementType; }

    /** Number of elements. */
    public long size() { return size; }

    /** The raw element bytes as stored in the file (for copying the array to another file). */
    public MemorySegment rawElements() { return elements; }

    private GgufFormatException error(String msg) {
        return new GgufFormatException(file, "key " + key + ": " + msg);
    }

    private int javaLength() {
        if (size > Integer.MAX_VALUE - 16) throw error("array of " + size + " elements is too large for Java");
        return (int) size;
    }

    private void requireType(String wanted, boolean ok) {
        if (!ok) throw error(wanted + " array expected, found array of " + elementType.typeName());
    }

    /** The strings of a string array. */
    public String[] asStrings() {
        requireType("string", elementType == GgufValueType.STRING);
        int n = javaLength();
        String[] out = new String[n];
        long total = elements.byteSize();
        if (total > Integer.MAX_VALUE - 16) {
            // Very large (over 2 GB): decode string by string straight from the mapping.
            GgufCursor c = cursor();
            for (int i = 0; i < n; i++) out[i] = c.string("element " + i);
            return out;
        }
        byte[] b = elements.toArray(ValueLayout.JAVA_BYTE);
        MemorySegment h = MemorySegment.ofArray(b);
        int p = 0;
        for (int i = 0; i < n; i++) {
            // lengths were validated when the file was opened
            int len = (int) h.get(GgufCursor.I64, p);
            p += 8;
            out[i] = new String(b, p, len, StandardCharsets.UTF_8);
            p += len;
        }
        return out;
    }

    /** Integer elements (any integer type) as ints; unsigned or 64-bit values must fit in an int. */
    public int[] asInts() {
        requireType("integer", elementType.isInteger());
        int n = javaLength();
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            long v = integerAt(i);
            if (v != (int) v || (elementType == GgufValueType.UINT64 && v < 0)) {
                throw error("element " + i + " = " + Long.toUnsignedString(v) + " does not fit in an int");
            }
            out[i] = (int) v;
        }
        return out;
    }

    /** Integer elements as longs (UINT64 values above Long.MAX_VALUE come out negative: raw bits). */
    public long[] asLongs() {
        requireType("integer", elementType.isInteger());
        int n = javaLength();
        long[] out = new long[n];
        for (int i = 0; i < n; i++) out[i] = integerAt(i);
        return out;
    }

    /** Float elements (FLOAT32, or FLOAT64 narrowed). */
    public float[] asFloats() {
        int n = javaLength();
        float[] out = new float[n];
        if (elementType == GgufValueType.FLOAT32) {
            MemorySegment.copy(elements, GgufCursor.F32, 0, out, 0, n);
        } else if (elementType == GgufValueType.FLOAT64) {
            for (int i = 0; i < n; i++) out[i] = (float) elements.get(GgufCursor.F64, 8L * i);
        } else {
            requireType("float", false);
        }
        return out;
    }

    /** Float elements as doubles. */
    public double[] asDoubles() {
        int n = javaLength();
        double[] out = new double[n];
        if (elementType == GgufValueType.FLOAT64) {
            MemorySegment.copy(elements, GgufCursor.F64, 0, out, 0, n);
        } else if (elementType == GgufValueType.FLOAT32) {
            for (int i = 0; i < n; i++) out[i] = elements.get(GgufCursor.F32, 4L * i);
        } else {
            requireType("float", false);
        }
        return out;
    }

    /** Bool elements (any non-zero byte is true). */
    public boolean[] asBooleans() {
        requireType("bool", elementType == GgufValueType.BOOL);
        int n = javaLength();
        boolean[] out = new boolean[n];
        for (int i = 0; i < n; i++) out[i] = elements.get(ValueLayout.JAVA_BYTE, i) != 0;
        return out;
    }

    /**
     * All elements as Java objects, with the same mapping as {@link GgufEntry#value()}: nested arrays
     * come out as {@code GgufArray}.
     */
    public List<Object> asList() {
        int n = javaLength();
        List<Object> out = new ArrayList<>(Math.min(n, 1 << 16));
        GgufCursor c = cursor();
        for (int i = 0; i < n; i++) out.add(GgufFile.readValue(c, file, key + "[" + i + "]", elementType, 1));
        return out;
    }

    private GgufCursor cursor() {
        GgufCursor c = new GgufCursor(elements, file, 0, elements.byteSize());
        c.what = "key " + key;
        return c;
    }

    private long integerAt(long i) {
        return switch (elementType) {
            case UINT8 -> elements.get(ValueLayout.JAVA_BYTE, i) & 0xFFL;
            case INT8 -> elements.get(ValueLayout.JAVA_BYTE, i);
            case UINT16 -> elements.get(GgufCursor.I16, 2 * i) & 0xFFFFL;
            case INT16 -> elements.get(GgufCursor.I16, 2 * i);
            case UINT32 -> elements.get(GgufCursor.I32, 4 * i) & 0xFFFF_FFFFL;
            case INT32 -> elements.get(GgufCursor.I32, 4 * i);
            case UINT64, INT64 -> elements.get(GgufCursor.I64, 8 * i);
            default -> throw error("integer array expected, found array of " + elementType.typeName());
        };
    }

    @Override
    public String toString() {
        return "array<" + elementType.typeName() + ">[" + size + "]";
    }
}
