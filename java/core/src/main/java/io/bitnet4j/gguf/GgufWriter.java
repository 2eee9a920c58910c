package io.bitnet4j.gguf;

import io.bitnet4j.tensor.TensorType;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Writes a GGUF v3 file: metadata of any type, then tensor infos, then the tensor data, each tensor
 * padded to the alignment ({@code general.alignment} if put, else 32), in the order added — the
 * layout llama.cpp writes, so copying a file's entries and tensors reproduces it byte for byte.
 *
 * <p>Tensor data is streamed one tensor at a time, from a {@link MemorySegment} or from a
 * {@link TensorSource} callback, so a model never has to be in memory as a whole. The file is
 * written to a temporary file beside the target ({@code <target>.<random>.tmp}) and atomically renamed
 * on success; on failure the temporary file is deleted and the target is untouched, and so it is when
 * the JVM is ended by Ctrl-C or SIGTERM while writing (a shutdown hook deletes it: {@link PendingFiles}).
 */
public final class GgufWriter {

    /** An array value for {@link #putArray}: elements boxed as in {@link GgufEntry}, nested arrays as ArrayValue. */
    public record ArrayValue(GgufValueType elementType, List<?> elements) {
        public ArrayValue {
            Objects.requireNonNull(elementType);
            elements = List.copyOf(elements);
        }
    }

    /** Produces a tensor's bytes on demand. */
    @FunctionalInterface
    public interface TensorSource {
        /** Writes exactly the tensor's byte size to the sink. */
        void writeTo(TensorSink sink) throws IOException;
    }

    /** Where a {@link TensorSource} writes its bytes. */
    public interface TensorSink {
        void write(MemorySegment bytes) throws IOException;

        default void write(byte[] bytes, int off, int len) throws IOException {
            write(MemorySegment.ofArray(bytes).asSlice(off, len));
        }
    }

    /**
     * Receives the progress of a tool writing tensors (gen-dummy, quantize, convert): tensor bytes written so
     * far and in total (called often; throttle printing).
     */
    @FunctionalInterface
    public interface Progress {
        void update(long bytesDone, long bytesTotal);

        Progress NONE = (d, t) -> {};
    }

    private record Kv(GgufValueType type, Object value) {}

    private record PendingTensor(String name, TensorType type, long[] shape, long byteSize, TensorSource source) {}

    private final Map<String, Kv> kvs = new LinkedHashMap<>();
    private final List<PendingTensor> tensors = new ArrayList<>();
    private final Set<String> tensorNames = new HashSet<>();

    // ------------------------------------------------------------------ metadata

    private GgufWriter put(String key, GgufValueType type, Object value) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(value, "value");
        if (kvs.containsKey(key)) throw new IllegalArgumentException("duplicate metadata key " + key);
        checkValue(key, type, value, 0);
        kvs.put(key, new Kv(type, value));
        return this;
    }

    public GgufWriter putUInt8(String key, int v) { return put(key, GgufValueType.UINT8, range(key, v, 0, 0xFF)); }

    public GgufWriter putInt8(String key, int v) { return put(key, GgufValueType.INT8, range(key, v, -128, 127)); }

    public GgufWriter putUInt16(String key, int v) { return put(key, GgufValueType.UINT16, range(key, v, 0, 0xFFFF)); }

    public GgufWriter putInt16(String key, int v) { return put(key, GgufValueType.INT16, range(key, v, -32768, 32767)); }

    public GgufWriter putUInt32(String key, long v) {
        if (v < 0 || v > 0xFFFF_FFFFL) throw new IllegalArgumentException(key + ": " + v + " out of uint32 range");
        return put(key, GgufValueType.UINT32, v);
    }

    public GgufWriter putInt32(String key, int v) { return put(key, GgufValueType.INT32, v); }

    /** A uint64 given as raw bits (negative longs stand for values above 2^63). */
    public GgufWriter putUInt64(String key, long v) { return put(key, GgufValueType.UINT64, v); }

    public GgufWriter putInt64(String key, long v) { return put(key, GgufValueType.INT64, v); }

    public GgufWriter putFloat32(String key, float v) { return put(key, GgufValueType.FLOAT32, v); }

    public GgufWriter putFloat64(String key, double v) { return put(key, GgufValueType.FLOAT64, v); }

    public GgufWriter putBool(String key, boolean v) { return put(key, GgufValueType.BOOL, v); }

    public GgufWriter putString(String key, String v) { return put(key, GgufValueType.STRING, v); }

    public GgufWriter putArray(String key, ArrayValue v) { return put(key, GgufValueType.ARRAY, v); }

    public GgufWriter putStringArray(String key, List<String> v) { return putArray(key, new ArrayValue(GgufValueType.STRING, v)); }

    public GgufWriter putStringArray(String key, String[] v) { return putStringArray(key, Arrays.asList(v)); }

    public GgufWriter putFloat32Array(String key, float[] v) {
        List<Float> l = new ArrayList<>(v.length);
        for (float f : v) l.add(f);
        return putArray(key, new ArrayValue(GgufValueType.FLOAT32, l));
    }

    public GgufWriter putInt32Array(String key, int[] v) {
        return putArray(key, new ArrayValue(GgufValueType.INT32, Arrays.stream(v).boxed().toList()));
    }

    /** Copies an entry read from a GGUF file (arrays are copied as raw bytes). */
    public GgufWriter put(GgufEntry e) { return put(e.key(), e.type(), e.value()); }

    /** Copies all metadata of a file, in order. */
    public GgufWriter putAll(GgufFile f) {
        for (GgufEntry e : f.entries()) put(e);
        return this;
    }

    private static int range(String key, int v, int lo, int hi) {
        if (v < lo || v > hi) throw new IllegalArgumentException(key + ": " + v + " out of range [" + lo + ", " + hi + "]");
        return v;
    }

    /** Checks that a boxed value matches its type (the mapping of {@link GgufEntry}). */
    private static void checkValue(String key, GgufValueType type, Object v, int depth) {
        boolean ok = switch (type) {
            case UINT8, INT8, UINT16, INT16, INT32 -> v instanceof Integer;
            case UINT32, UINT64, INT64 -> v instanceof Long || (type != GgufValueType.UINT32 && v instanceof Integer);
            case FLOAT32 -> v instanceof Float;
            case FLOAT64 -> v instanceof Double;
            case BOOL -> v instanceof Boolean;
            case STRING -> v instanceof String;
            case ARRAY -> v instanceof GgufArray || v instanceof ArrayValue;
        };
        if (!ok) throw new IllegalArgumentException(key + ": a " + type.typeName() + " value cannot be " + v.getClass().getSimpleName());
        if (v instanceof ArrayValue a) {
            if (depth >= GgufFile.MAX_ARRAY_DEPTH) throw new IllegalArgumentException(key + ": arrays nested too deeply");
            for (Object e : a.elements()) checkValue(key, a.elementType(), Objects.requireNonNull(e, "array element"), depth + 1);
        }
    }

    // ------------------------------------------------------------------ tensors

    /** Adds a tensor whose bytes are in a segment (e.g. a slice of a mapped file); must have exactly the type's size. */
    public GgufWriter addTensor(String name, TensorType type, long[] shape, MemorySegment data) {
        long bytes = tensorBytes(name, type, shape);
        if (data.byteSize() != bytes) {
            throw new IllegalArgumentException("tensor " + name + ": " + bytes + " bytes expected, segment has " + data.byteSize());
        }
        return addTensor(name, type, shape, sink -> sink.write(data));
    }

    /** Adds a tensor whose bytes are produced when the file is written. */
    public GgufWriter addTensor(String name, TensorType type, long[] shape, TensorSource source) {
        Objects.requireNonNull(source);
        long bytes = tensorBytes(name, type, shape);
        if (!tensorNames.add(name)) throw new IllegalArgumentException("duplicate tensor name " + name);
        tensors.add(new PendingTensor(name, type, shape.clone(), bytes, source));
        return this;
    }

    private static long tensorBytes(String name, TensorType type, long[] shape) {
        Objects.requireNonNull(name, "name");
        if (shape.length < 1 || shape.length > 4) throw new IllegalArgumentException("tensor " + name + ": 1..4 dims expected");
        long n = 1;
        for (long d : shape) {
            if (d <= 0) throw new IllegalArgumentException("tensor " + name + ": non-positive dim in " + Arrays.toString(shape));
            n = Math.multiplyExact(n, d);
        }
        if (!type.isSupported()) throw new IllegalArgumentException("tensor " + name + ": cannot write type " + type);
        return type.tensorBytes(shape[0], n / shape[0]);
    }

    // ------------------------------------------------------------------ writing

    private int alignment() {
        Kv a = kvs.get(GgufKeys.ALIGNMENT);
        if (a == null) return GgufFile.DEFAULT_ALIGNMENT;
        long v = a.value() instanceof Number num && a.type().isInteger() ? num.longValue() : -1;
        if (v <= 0 || v > (1 << 30) || Long.bitCount(v) != 1) throw new IllegalArgumentException(GgufKeys.ALIGNMENT + " must be a power of two, got " + a.value());
        return (int) v;
    }

    /** Writes the file (temp file + atomic rename). */
    public void write(Path path) throws IOException {
        int alignment = alignment();
        Le h = new Le();
        h.i32(GgufFile.MAGIC);
        h.i32(3);
        h.i64(tensors.size());
        h.i64(kvs.size());
        for (Map.Entry<String, Kv> e : kvs.entrySet()) {
            h.str(e.getKey());
            h.i32(e.getValue().type().id());
            writeValue(h, e.getValue().type(), e.getValue().value());
        }
        long offset = 0;
        for (PendingTensor t : tensors) {
            h.str(t.name());
            h.i32(t.shape().length);
            for (long d : t.shape()) h.i64(d);
            h.i32(t.type().id());
            h.i64(offset);
            offset = GgufFile.alignUp(offset + t.byteSize(), alignment);
        }
        if (!tensors.isEmpty()) h.pad(alignment);

        Path abs = path.toAbsolutePath();
        Path dir = abs.getParent();
        // tracked so that Ctrl-C or SIGTERM in the middle of a long write deletes it (PendingFiles' shutdown hook)
        Path tmp = PendingFiles.create(dir, abs.getFileName().toString() + ".");
        boolean ok = false;
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writeFully(ch, ByteBuffer.wrap(h.buf(), 0, h.size()));
                byte[] zeros = new byte[alignment];
                for (PendingTensor t : tensors) {
                    long[] written = {0};
                    t.source().writeTo(new TensorSink() {
                        @Override
                        public void write(MemorySegment bytes) throws IOException {
                            if (written[0] + bytes.byteSize() > t.byteSize()) {
                                throw new IOException("tensor " + t.name() + ": source wrote more than its " + t.byteSize() + " bytes");
                            }
                            writeSegment(ch, bytes);
                            written[0] += bytes.byteSize();
                        }
                    });
                    if (written[0] != t.byteSize()) {
                        throw new IOException("tensor " + t.name() + ": source wrote " + written[0] + " of " + t.byteSize() + " bytes");
                    }
                    int pad = (int) (GgufFile.alignUp(t.byteSize(), alignment) - t.byteSize());
                    writeFully(ch, ByteBuffer.wrap(zeros, 0, pad));
                }
                ch.force(true);
            }
            readableByAll(tmp);
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
            PendingFiles.finished(tmp);
            ok = true;
        } finally {
            if (!ok) PendingFiles.discard(tmp);
        }
    }

    private static void writeSegment(FileChannel ch, MemorySegment seg) throws IOException {
        final long chunk = 1L << 26;
        for (long p = 0; p < seg.byteSize(); p += chunk) {
            writeFully(ch, seg.asSlice(p, Math.min(chunk, seg.byteSize() - p)).asByteBuffer());
        }
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) ch.write(b);
    }

    private static void writeValue(Le h, GgufValueType type, Object v) {
        switch (type) {
            case UINT8, INT8, BOOL -> h.u8(v instanceof Boolean b ? (b ? 1 : 0) : (Integer) v);
            case UINT16, INT16 -> h.i16((Integer) v);
            case UINT32 -> h.i32((int) (long) (Long) v);
            case INT32 -> h.i32((Integer) v);
            case UINT64, INT64 -> h.i64(((Number) v).longValue());
            case FLOAT32 -> h.i32(Float.floatToRawIntBits((Float) v));
            case FLOAT64 -> h.i64(Double.doubleToRawLongBits((Double) v));
            case STRING -> h.str((String) v);
            case ARRAY -> {
                if (v instanceof GgufArray a) {
                    h.i32(a.elementType().id());
                    h.i64(a.size());
                    h.bytes(a.rawElements());
                } else {
                    ArrayValue a = (ArrayValue) v;
                    h.i32(a.elementType().id());
                    h.i64(a.elements().size());
                    for (Object e : a.elements()) writeValue(h, a.elementType(), e);
                }
            }
        }
    }

    /** A growable little-endian byte buffer for the header. */
    private static final class Le extends ByteArrayOutputStream {
        private final ByteBuffer scratch = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);

        Le() { super(1 << 16); }

        byte[] buf() { return buf; }

        void u8(int v) { write(v); }

        void i16(int v) { scratch.clear(); scratch.putShort((short) v); write(scratch.array(), 0, 2); }

        void i32(int v) { scratch.clear(); scratch.putInt(v); write(scratch.array(), 0, 4); }

        void i64(long v) { scratch.clear(); scratch.putLong(v); write(scratch.array(), 0, 8); }

        void str(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            write(b, 0, b.length);
        }

        void bytes(MemorySegment seg) {
            if (seg.byteSize() > Integer.MAX_VALUE - 64) throw new IllegalArgumentException("metadata array too large");
            write(seg.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), 0, (int) seg.byteSize());
        }

        void pad(int alignment) {
            while (count % alignment != 0) write(0);
        }
    }

    /** The temporary file is created private (0600); the finished file is shared like any other (0644). */
    private static void readableByAll(Path p) {
        try {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
        } catch (UnsupportedOperationException | IOException ignored) {
            // not a POSIX file system: keep what the file system made
        }
    }
}
