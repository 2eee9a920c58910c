package io.bitnet4j.gguf;

/** GGUF metadata value types, by their explicit on-disk id (never the ordinal). */
public enum GgufValueType {
    UINT8(0, 1), INT8(1, 1), UINT16(2, 2), INT16(3, 2), UINT32(4, 4), INT32(5, 4), FLOAT32(6, 4),
    BOOL(7, 1), STRING(8, -1), ARRAY(9, -1), UINT64(10, 8), INT64(11, 8), FLOAT64(12, 8);

    private static final GgufValueType[] BY_ID = new GgufValueType[13];

    static {
        for (GgufValueType t : values()) BY_ID[t.id] = t;
    }

    private final int id;
    private final int size;

    GgufValueType(int id, int size) {
        this.id = id;
        this.size = size;
    }

    /** The id stored in the file. */
    public int id() { return id; }

    /** Bytes of one value, or -1 for variable-size types (string, array). */
    public int fixedSize() { return size; }

    /** Whether values are integers (any width or signedness). */
    public boolean isInteger() {
        return switch (this) {
            case UINT8, INT8, UINT16, INT16, UINT32, INT32, UINT64, INT64 -> true;
            default -> false;
        };
    }

    /** The type with this id, or null. */
    public static GgufValueType byId(int id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[id] : null;
    }

    /** Lower-case name as in gguf-py ("uint32", "string", …). */
    public String typeName() { return name().toLowerCase(java.util.Locale.ROOT); }
}
