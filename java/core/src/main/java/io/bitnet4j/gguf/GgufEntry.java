package io.bitnet4j.gguf;

/**
 * One metadata key-value pair. The value's Java type depends on {@link #type()}:
 * UINT8, INT8, UINT16, INT16, INT32 → Integer; UINT32, UINT64, INT64 → Long (UINT64 as raw bits);
 * FLOAT32 → Float; FLOAT64 → Double; BOOL → Boolean; STRING → String; ARRAY → {@link GgufArray}.
 */
public record GgufEntry(String key, GgufValueType type, Object value) {

    /** A short human-readable rendering of the value (arrays summarised), for listings. */
    public String valueSummary() {
        return switch (value) {
            case String s -> s.length() > 80 ? '"' + s.substring(0, 77) + "...\"" : '"' + s + '"';
            case Long l when type == GgufValueType.UINT64 -> Long.toUnsignedString(l);
            default -> String.valueOf(value);
        };
    }
}
