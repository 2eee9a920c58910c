package io.bitnet4j.engine;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Where the fields of a well-formed GGUF file are (byte offset, width, what they hold): what
 * {@link GgufMutator} aims its boundary values, truncations and duplications at. A test's map of the
 * format, written from the GGUF specification rather than from {@code GgufFile}, so that the reader is
 * fuzzed against the format and not against itself.
 */
final class GgufLayout {
    enum Kind {
        /** tensor count, metadata count, array lengths, n_dims */
        COUNT,
        /** string lengths (keys, values, tensor names, string array elements) */
        LENGTH,
        /** value types, array element types, tensor types */
        TYPE,
        /** a tensor's ne[i] */
        DIM,
        /** a tensor's data offset */
        OFFSET,
        /** a scalar integer value: the hyper-parameters, special token ids, alignment, file type */
        HYPER,
        /** an integer element of an array (token types, ...) */
        INT_ELEMENT,
        /** a float scalar or element */
        FLOAT
    }

    record Field(int offset, int width, Kind kind, String label) {}

    /** Bytes [start, end) of one metadata entry or tensor info, and its key or name. */
    record Range(int start, int end, String name) {}

    static final int TENSOR_COUNT_AT = 8;
    static final int METADATA_COUNT_AT = 16;
    /** Array elements described per array: the first few are enough to hit the decoders. */
    private static final int ELEMENTS_PER_ARRAY = 4;

    final List<Field> fields = new ArrayList<>();
    final Map<Kind, List<Field>> byKind = new EnumMap<>(Kind.class);
    final List<Range> entries = new ArrayList<>();
    final List<Range> tensorInfos = new ArrayList<>();
    /** Where the tensor infos end (the data section starts at the next multiple of the alignment). */
    final int headerEnd;
    /** Where the metadata ends (the first tensor info starts). */
    final int metadataEnd;
    /** {@code general.architecture}, or "llama" if the file has none. */
    final String architecture;

    private final ByteBuffer b;
    private int pos;

    GgufLayout(byte[] file) {
        b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        field(TENSOR_COUNT_AT, 8, Kind.COUNT, "tensor count");
        field(METADATA_COUNT_AT, 8, Kind.COUNT, "metadata count");
        long tensors = b.getLong(TENSOR_COUNT_AT);
        long keys = b.getLong(METADATA_COUNT_AT);
        pos = 24;
        String arch = "llama";
        for (long i = 0; i < keys; i++) {
            int start = pos;
            String key = string("key " + i);
            int type = u32(Kind.TYPE, "value type of " + key);
            String text = value(key, type, false);
            entries.add(new Range(start, pos, key));
            if (key.equals("general.architecture") && text != null) arch = text;
        }
        metadataEnd = pos;
        architecture = arch;
        for (long i = 0; i < tensors; i++) {
            int start = pos;
            String name = string("tensor name " + i);
            int dims = u32(Kind.COUNT, "n_dims of " + name);
            for (int d = 0; d < dims; d++) {
                field(pos, 8, Kind.DIM, "ne[" + d + "] of " + name);
                pos += 8;
            }
            u32(Kind.TYPE, "type of " + name);
            field(pos, 8, Kind.OFFSET, "data offset of " + name);
            pos += 8;
            tensorInfos.add(new Range(start, pos, name));
        }
        headerEnd = pos;
    }

    private void field(int offset, int width, Kind kind, String label) {
        Field f = new Field(offset, width, kind, label);
        fields.add(f);
        byKind.computeIfAbsent(kind, k -> new ArrayList<>()).add(f);
    }

    private int u32(Kind kind, String label) {
        field(pos, 4, kind, label);
        int v = b.getInt(pos);
        pos += 4;
        return v;
    }

    private String string(String label) {
        field(pos, 8, Kind.LENGTH, label + " length");
        int n = Math.toIntExact(b.getLong(pos));
        String s = new String(b.array(), pos + 8, n, java.nio.charset.StandardCharsets.UTF_8);
        pos += 8 + n;
        return s;
    }

    /** One value of GGUF type {@code type} at {@code pos} (an array element when {@code element}); a string's text. */
    private String value(String key, int type, boolean element) {
        Kind scalar = element ? Kind.INT_ELEMENT : Kind.HYPER;
        if (type == 8) return string(key);
        switch (type) {
            case 0, 1, 7 -> scalar(1, scalar, key);     // uint8, int8, bool
            case 2, 3 -> scalar(2, scalar, key);        // uint16, int16
            case 4, 5 -> scalar(4, scalar, key);        // uint32, int32
            case 10, 11 -> scalar(8, scalar, key);      // uint64, int64
            case 6 -> scalar(4, Kind.FLOAT, key);       // float32
            case 12 -> scalar(8, Kind.FLOAT, key);      // float64
            case 9 -> array(key);
            default -> throw new IllegalArgumentException("not a GGUF value type: " + type + " (" + key + ")");
        }
        return null;
    }

    private void scalar(int width, Kind kind, String key) {
        field(pos, width, kind, key);
        pos += width;
    }

    private void array(String key) {
        int elementType = u32(Kind.TYPE, "element type of " + key);
        field(pos, 8, Kind.COUNT, "length of " + key);
        long n = b.getLong(pos);
        pos += 8;
        for (long i = 0; i < n; i++) {
            if (i < ELEMENTS_PER_ARRAY || elementType == 8 || elementType == 9) {
                value(key + "[" + i + "]", elementType, true);
            } else {
                pos += fixedSize(elementType);
            }
        }
    }

    private static int fixedSize(int type) {
        return switch (type) {
            case 0, 1, 7 -> 1;
            case 2, 3 -> 2;
            case 4, 5, 6 -> 4;
            case 10, 11, 12 -> 8;
            default -> throw new IllegalArgumentException("no fixed size for GGUF type " + type);
        };
    }
}
