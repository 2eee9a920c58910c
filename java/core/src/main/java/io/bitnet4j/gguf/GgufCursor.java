package io.bitnet4j.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Bounds-checked little-endian reading from a segment. Every read first checks that the bytes exist,
 * so malformed input ends in a {@link GgufFormatException}, never an IndexOutOfBoundsException.
 */
final class GgufCursor {
    static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final MemorySegment seg;
    private final Path file;
    private final long limit;
    private long pos;
    /** What is being read, for error messages (e.g. "key tokenizer.ggml.tokens"). */
    String what = "header";

    GgufCursor(MemorySegment seg, Path file, long pos, long limit) {
        this.seg = seg;
        this.file = file;
        this.pos = pos;
        this.limit = limit;
    }

    long pos() { return pos; }

    long remaining() { return limit - pos; }

    GgufFormatException error(String msg) {
        return new GgufFormatException(file, what + ": " + msg + " (at byte offset " + pos + ")");
    }

    /** Checks that n more bytes exist (n may be absurd, e.g. negative after an unsigned read). */
    void need(long n, String item) {
        if (n < 0 || n > limit - pos) {
            throw error("truncated or absurd size: " + item + " needs " + Long.toUnsignedString(n)
                    + " bytes but only " + (limit - pos) + " remain");
        }
    }

    void skip(long n, String item) {
        need(n, item);
        pos += n;
    }

    int u8(String item) {
        need(1, item);
        return seg.get(ValueLayout.JAVA_BYTE, pos++) & 0xFF;
    }

    short i16(String item) {
        need(2, item);
        short v = seg.get(I16, pos);
        pos += 2;
        return v;
    }

    int i32(String item) {
        need(4, item);
        int v = seg.get(I32, pos);
        pos += 4;
        return v;
    }

    long i64(String item) {
        need(8, item);
        long v = seg.get(I64, pos);
        pos += 8;
        return v;
    }

    float f32(String item) {
        need(4, item);
        float v = seg.get(F32, pos);
        pos += 4;
        return v;
    }

    double f64(String item) {
        need(8, item);
        double v = seg.get(F64, pos);
        pos += 8;
        return v;
    }

    /** A u64 count that must be non-negative as a long and have at least minBytesEach bytes per item left. */
    long count(String item, long minBytesEach) {
        long n = i64(item);
        if (n < 0 || (minBytesEach > 0 && n > (limit - pos) / minBytesEach)) {
            throw error("absurd " + item + " " + Long.toUnsignedString(n) + ": only " + (limit - pos)
                    + " bytes remain (at least " + minBytesEach + " needed per item)");
        }
        return n;
    }

    /** A GGUF string: u64 length + UTF-8 bytes (malformed UTF-8 is replaced, not rejected). */
    String string(String item) {
        long n = i64(item + " length");
        need(n, item);
        if (n > Integer.MAX_VALUE - 16) throw error(item + " of " + n + " bytes is too long");
        byte[] b = new byte[(int) n];
        MemorySegment.copy(seg, ValueLayout.JAVA_BYTE, pos, b, 0, b.length);
        pos += n;
        return new String(b, StandardCharsets.UTF_8);
    }

    int segmentByte(long at) {
        return seg.get(ValueLayout.JAVA_BYTE, at) & 0xFF;
    }

    MemorySegment slice(long start, long len) {
        return seg.asSlice(start, len);
    }
}
