package io.bitnet4j.tokenizer;

/** Open-addressing map from non-negative long keys to long values; built once, then read-only (thread-safe). */
final class LongLongMap {
    private static final long EMPTY = -1L;
    private final long[] keys;
    private final long[] values;
    private final int mask;
    private int size;

    LongLongMap(int expected) {
        int cap = Integer.highestOneBit(Math.max(4, expected * 2 - 1)) << 1;
        keys = new long[cap];
        values = new long[cap];
        java.util.Arrays.fill(keys, EMPTY);
        mask = cap - 1;
    }

    private static int hash(long key) {
        long h = key * 0x9E3779B97F4A7C15L;
        return (int) (h ^ (h >>> 32));
    }

    /** Inserts unless present; returns false if the key was already there (the first value stays). */
    boolean putIfAbsent(long key, long value) {
        if (size * 2 >= keys.length) {
            throw new IllegalStateException("LongLongMap over capacity");
        }
        int i = hash(key) & mask;
        while (keys[i] != EMPTY) {
            if (keys[i] == key) {
                return false;
            }
            i = (i + 1) & mask;
        }
        keys[i] = key;
        values[i] = value;
        size++;
        return true;
    }

    long get(long key, long missing) {
        int i = hash(key) & mask;
        while (true) {
            long k = keys[i];
            if (k == key) {
                return values[i];
            }
            if (k == EMPTY) {
                return missing;
            }
            i = (i + 1) & mask;
        }
    }
}
