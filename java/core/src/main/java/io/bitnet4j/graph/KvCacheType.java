package io.bitnet4j.graph;

/** Element type of the KV cache. f16 is llama.cpp's default (and rounds K and V exactly as it does). */
public enum KvCacheType {
    F16("f16", 2),
    F32("f32", 4);

    private final String key;
    private final int bytes;

    KvCacheType(String key, int bytes) {
        this.key = key;
        this.bytes = bytes;
    }

    public String key() {
        return key;
    }

    public int bytes() {
        return bytes;
    }

    public static KvCacheType fromKey(String key) {
        for (KvCacheType t : values()) if (t.key.equalsIgnoreCase(key)) return t;
        throw new IllegalArgumentException("unknown KV cache type '" + key + "' (expected f16 or f32)");
    }
}
