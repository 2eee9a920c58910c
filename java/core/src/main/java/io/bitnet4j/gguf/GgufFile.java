package io.bitnet4j.gguf;

import io.bitnet4j.kernels.SystemLibrary;
import io.bitnet4j.tensor.Tensor;
import io.bitnet4j.tensor.TensorType;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A GGUF file (version 2 or 3, little-endian), mapped into memory once and read zero-copy.
 *
 * <p>{@link #open(Path)} maps the whole file read-only into a shared arena, parses and validates the
 * header, all metadata and all tensor infos, and checks that every tensor's data lies inside the file,
 * aligned and without overlap. Tensors are then slices of the mapping ({@link #tensor(String)}), and
 * metadata arrays are decoded on demand. {@link #close()} unmaps the file: segments obtained from it
 * must not be used afterwards (FFM then throws {@link IllegalStateException}). {@link #read(Path)} does the
 * same on a copy of the file in memory instead of a mapping (a file changed on disk then changes nothing).
 *
 * <p>Malformed content throws {@link GgufFormatException}, naming the file, the key or tensor, and
 * what was expected; I/O failures throw {@link IOException}. Safe to read from several threads.
 *
 * <p>Tensor type ids 36–39 mean different things in bitnet.cpp's ggml fork (I2_S, I8_S, TL1, TL2) and
 * in mainline ggml (IQ4_NL_4_4/4_8/8_8, since removed; MXFP4). Id 36 is read as I2_S only if the file
 * is a bitnet.cpp model — {@code general.architecture} {@code bitnet-b1.58} or {@code bitnet-25}, or
 * {@code general.file_type} 40 (MOSTLY_I2_S) — and the tensor's offset span matches the I2_S size
 * ({@code n/4 + 32} bytes, padded to the alignment); otherwise it is rejected as ambiguous. Ids 41
 * (Q1_0) and 42 (Q2_0) are mainline ggml's only: believed unless the architecture is bitnet.cpp's (file_type
 * 40 alone does not count there: mainline llama.cpp writes 40 for MOSTLY_Q1_0).
 */
public final class GgufFile implements AutoCloseable {
    /** "GGUF" read as a little-endian u32. */
    public static final int MAGIC = 0x46554747;
    public static final int DEFAULT_ALIGNMENT = 32;
    /** Nesting limit for arrays of arrays (a crafted file could otherwise nest until the stack overflows). */
    static final int MAX_ARRAY_DEPTH = 16;

    private static final Set<String> BITNET_CPP_ARCHS = Set.of("bitnet-b1.58", "bitnet-25");

    private final Path path;
    private final Arena arena;
    private final MemorySegment segment;
    /** Whether {@link #segment} maps the file ({@link #open}) or holds a copy of it ({@link #read}). */
    private final boolean mapped;
    private final int version;
    private final int alignment;
    private final long dataOffset;
    private final Map<String, GgufEntry> metadata;
    private final List<GgufTensorInfo> tensorInfos;
    private final Map<String, GgufTensorInfo> tensorsByName;

    private GgufFile(Path path, Arena arena, MemorySegment segment, boolean mapped, int version, int alignment, long dataOffset,
                     Map<String, GgufEntry> metadata, List<GgufTensorInfo> tensorInfos) {
        this.path = path;
        this.arena = arena;
        this.segment = segment;
        this.mapped = mapped;
        this.version = version;
        this.alignment = alignment;
        this.dataOffset = dataOffset;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.tensorInfos = List.copyOf(tensorInfos);
        Map<String, GgufTensorInfo> byName = new LinkedHashMap<>();
        for (GgufTensorInfo t : tensorInfos) byName.put(t.name(), t);
        this.tensorsByName = Collections.unmodifiableMap(byName);
    }

    /**
     * Maps and parses a GGUF file.
     *
     * @throws GgufFormatException if the file is not a valid, supported GGUF file
     * @throws IOException if it cannot be read or mapped
     */
    public static GgufFile open(Path path) throws IOException {
        return load(path, true);
    }

    /**
     * Reads a whole GGUF file into memory (off-heap, the file's size) and parses it as {@link #open} does.
     * Nothing refers to the file afterwards, so it may be replaced or truncated on disk while this object
     * is in use — which a mapping does not survive (llama.cpp's {@code --no-mmap}).
     *
     * @throws GgufFormatException if the file is not a valid, supported GGUF file
     * @throws IOException if it cannot be read, or not held in memory
     */
    public static GgufFile read(Path path) throws IOException {
        return load(path, false);
    }

    private static GgufFile load(Path path, boolean map) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            MemorySegment seg = size == 0 ? MemorySegment.NULL.reinterpret(0)
                    : map ? ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena) : readAll(ch, path, size, arena);
            return parse(path, arena, seg, map);
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** The file's bytes in memory owned by {@code arena}. */
    private static MemorySegment readAll(FileChannel ch, Path path, long size, Arena arena) throws IOException {
        MemorySegment seg;
        try {
            seg = SystemLibrary.callocZeroed(size, arena); // pages touched once, by the read, not zeroed first
        } catch (OutOfMemoryError e) {
            throw new IOException(path + ": cannot hold its " + size + " bytes in memory; map it instead (no --no-mmap)", e);
        }
        for (long pos = 0; pos < size; ) {
            int n = ch.read(seg.asSlice(pos, Math.min(size - pos, READ_CHUNK)).asByteBuffer(), pos);
            if (n < 0) throw new IOException(path + ": the file shrank to " + pos + " bytes while being read (it had " + size + ")");
            pos += n;
        }
        return seg;
    }

    /** Bytes per read call when reading a file into memory (a ByteBuffer holds at most 2^31-1). */
    private static final int READ_CHUNK = 1 << 30;

    private static GgufFile parse(Path path, Arena arena, MemorySegment seg, boolean mapped) {
        long size = seg.byteSize();
        GgufCursor c = new GgufCursor(seg, path, 0, size);
        if (size < 4) throw new GgufFormatException(path, "not a GGUF file: " + size + " bytes, too short for the magic");
        int magic = c.i32("magic");
        if (magic != MAGIC) {
            throw new GgufFormatException(path, String.format("not a GGUF file: magic 0x%08x, expected \"GGUF\" (0x%08x)", magic, MAGIC));
        }
        int version = c.i32("version");
        if (version == 1) {
            throw new GgufFormatException(path, "GGUF version 1 is not supported (only 2 and 3); re-convert the model with a current converter");
        }
        if (version != 2 && version != 3) {
            String hint = Integer.reverseBytes(version) == 2 || Integer.reverseBytes(version) == 3 ? " (a big-endian GGUF file?)" : "";
            throw new GgufFormatException(path, "unsupported GGUF version " + Integer.toUnsignedString(version) + ", expected 2 or 3" + hint);
        }
        // Each tensor info needs at least 8 (name len) + 4 (n_dims) + 8 (one dim) + 4 (type) + 8 (offset) bytes,
        // each key-value at least 8 (key len) + 4 (type) + 1 byte.
        c.what = "header";
        long nTensors = c.i64("tensor count");
        long nKv = c.i64("metadata count");
        if (nTensors < 0 || nTensors > c.remaining() / 32) {
            throw new GgufFormatException(path, "absurd tensor count " + Long.toUnsignedString(nTensors) + " for a file of " + size + " bytes");
        }
        if (nKv < 0 || nKv > c.remaining() / 13) {
            throw new GgufFormatException(path, "absurd metadata count " + Long.toUnsignedString(nKv) + " for a file of " + size + " bytes");
        }

        Map<String, GgufEntry> meta = new LinkedHashMap<>();
        for (long i = 0; i < nKv; i++) {
            c.what = "metadata entry " + i;
            String key = c.string("key");
            c.what = "key " + key;
            int typeId = c.i32("value type");
            GgufValueType type = GgufValueType.byId(typeId);
            if (type == null) throw c.error("unknown value type " + Integer.toUnsignedString(typeId) + ", expected 0..12");
            Object value = readValue(c, path, key, type, 0);
            if (meta.putIfAbsent(key, new GgufEntry(key, type, value)) != null) {
                throw c.error("duplicate metadata key");
            }
        }

        int alignment = DEFAULT_ALIGNMENT;
        GgufEntry al = meta.get(GgufKeys.ALIGNMENT);
        if (al != null) {
            long a = al.type().isInteger() ? ((Number) al.value()).longValue() : -1;
            if (a <= 0 || a > (1 << 30) || Long.bitCount(a) != 1) {
                throw new GgufFormatException(path, "key " + GgufKeys.ALIGNMENT + ": a power of two expected, got " + al.valueSummary());
            }
            alignment = (int) a;
        }

        // grown as infos are read: the count passed the size test above, but need not fit an int (a file over 64 GB)
        List<RawTensor> raws = new ArrayList<>((int) Math.min(nTensors, 1024));
        Set<String> names = new java.util.HashSet<>();
        for (long i = 0; i < nTensors; i++) {
            c.what = "tensor info " + i;
            String name = c.string("name");
            c.what = "tensor " + name;
            if (!names.add(name)) throw c.error("duplicate tensor name");
            int nDims = c.i32("n_dims");
            if (nDims < 1 || nDims > 4) throw c.error("n_dims " + Integer.toUnsignedString(nDims) + ", expected 1..4");
            long[] ne = new long[nDims];
            for (int d = 0; d < nDims; d++) {
                ne[d] = c.i64("ne[" + d + "]");
                if (ne[d] <= 0) throw c.error("ne[" + d + "] = " + Long.toUnsignedString(ne[d]) + ", expected a positive size");
            }
            int typeId = c.i32("type");
            long offset = c.i64("offset");
            if (offset < 0) throw c.error("data offset " + Long.toUnsignedString(offset) + " is past any file");
            raws.add(new RawTensor(name, ne, typeId, offset));
        }
        long dataOffset = alignUp(c.pos(), alignment);
        if (nTensors > 0 && dataOffset > size) {
            throw new GgufFormatException(path, "truncated: data section would start at " + dataOffset + " but the file has " + size + " bytes");
        }
        long dataSize = Math.max(0, size - dataOffset);
        List<GgufTensorInfo> infos = resolveTensors(path, meta, raws, alignment, dataSize);
        return new GgufFile(path, arena, seg, mapped, version, alignment, dataOffset, meta, infos);
    }

    private record RawTensor(String name, long[] ne, int typeId, long offset) {}

    /** Reads one value of the given type; arrays are validated and returned lazily. */
    static Object readValue(GgufCursor c, Path path, String key, GgufValueType type, int depth) {
        return switch (type) {
            case UINT8 -> c.u8("uint8 value");
            case INT8 -> (int) (byte) c.u8("int8 value");
            case UINT16 -> c.i16("uint16 value") & 0xFFFF;
            case INT16 -> (int) c.i16("int16 value");
            case UINT32 -> c.i32("uint32 value") & 0xFFFF_FFFFL;
            case INT32 -> c.i32("int32 value");
            case UINT64 -> c.i64("uint64 value");
            case INT64 -> c.i64("int64 value");
            case FLOAT32 -> c.f32("float32 value");
            case FLOAT64 -> c.f64("float64 value");
            case BOOL -> {
                int b = c.u8("bool value");
                if (b > 1) throw c.error("bool value " + b + ", expected 0 or 1");
                yield b != 0;
            }
            case STRING -> c.string("string value");
            case ARRAY -> readArray(c, path, key, depth);
        };
    }

    private static GgufArray readArray(GgufCursor c, Path path, String key, int depth) {
        if (depth >= MAX_ARRAY_DEPTH) throw c.error("arrays nested deeper than " + MAX_ARRAY_DEPTH);
        int typeId = c.i32("array element type");
        GgufValueType et = GgufValueType.byId(typeId);
        if (et == null) throw c.error("unknown array element type " + Integer.toUnsignedString(typeId) + ", expected 0..12");
        long start;
        long n;
        switch (et) {
            case STRING -> {
                n = c.count("string array length", 8);
                start = c.pos();
                for (long i = 0; i < n; i++) {
                    long len = c.i64("string length");
                    c.skip(len, "string " + i);
                }
            }
            case ARRAY -> {
                n = c.count("array-of-arrays length", 12);
                start = c.pos();
                for (long i = 0; i < n; i++) readArray(c, path, key, depth + 1);
            }
            default -> {
                n = c.count(et.typeName() + " array length", et.fixedSize());
                start = c.pos();
                c.skip(n * et.fixedSize(), et.typeName() + " array data");
                if (et == GgufValueType.BOOL) {
                    // like a scalar bool, each element must be 0 or 1
                    for (long i = start; i < c.pos(); i++) {
                        int b = c.segmentByte(i);
                        if (b > 1) throw c.error("bool array element " + (i - start) + " = " + b + ", expected 0 or 1");
                    }
                }
            }
        }
        return new GgufArray(path, key, et, n, c.slice(start, c.pos() - start));
    }

    private static List<GgufTensorInfo> resolveTensors(Path path, Map<String, GgufEntry> meta, List<RawTensor> raws,
                                                       int alignment, long dataSize) {
        GgufEntry arch = meta.get(GgufKeys.ARCHITECTURE);
        GgufEntry ftype = meta.get(GgufKeys.FILE_TYPE);
        String archName = arch != null && arch.value() instanceof String s ? s : null;
        long fileType = ftype != null && ftype.type().isInteger() ? ((Number) ftype.value()).longValue() : -1;
        boolean bitnetArch = archName != null && BITNET_CPP_ARCHS.contains(archName);
        // file_type 40 is MOSTLY_I2_S in bitnet.cpp but MOSTLY_Q1_0 in mainline: it only vouches for id 36
        boolean bitnetCpp = bitnetArch || fileType == GgufFileType.MOSTLY_I2_S;
        String context = "architecture " + (archName == null ? "(none)" : archName)
                + ", file_type " + (fileType < 0 ? "(none)" : fileType);

        // Offsets sorted, to check extents/overlap and to measure each tensor's span.
        Integer[] order = new Integer[raws.size()];
        for (int i = 0; i < order.length; i++) order[i] = i;
        Arrays.sort(order, Comparator.comparingLong(i -> raws.get(i).offset()));
        long[] span = new long[raws.size()]; // distance to the next tensor's offset, or to the end of the data
        for (int k = 0; k < order.length; k++) {
            long off = raws.get(order[k]).offset();
            long next = k + 1 < order.length ? raws.get(order[k + 1]).offset() : dataSize;
            span[order[k]] = next - off;
        }

        List<GgufTensorInfo> out = new ArrayList<>(raws.size());
        for (int i = 0; i < raws.size(); i++) {
            RawTensor r = raws.get(i);
            String where = "tensor " + r.name();
            long n;
            try {
                n = 1;
                for (long d : r.ne()) n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw new GgufFormatException(path, where + ": element count of shape " + Arrays.toString(r.ne()) + " overflows");
            }
            TensorType type = resolveType(path, r, bitnetCpp, bitnetArch, context, span[i], alignment);
            String problem = type.rowLengthProblem(r.ne()[0]);
            if (problem != null) throw new GgufFormatException(path, where + " (" + type + "): " + problem);
            long bytes;
            try {
                bytes = type.tensorBytes(r.ne()[0], n / r.ne()[0]);
            } catch (ArithmeticException e) {
                throw new GgufFormatException(path, where + ": byte size of shape " + Arrays.toString(r.ne()) + " overflows");
            }
            if (r.offset() % alignment != 0) {
                throw new GgufFormatException(path, where + ": data offset " + r.offset() + " is not a multiple of the alignment " + alignment);
            }
            if (r.offset() > dataSize || bytes > dataSize - r.offset()) {
                throw new GgufFormatException(path, where + " (" + type + " " + Arrays.toString(r.ne()) + ", " + bytes
                        + " bytes at data offset " + r.offset() + ") extends past the end of the file (data section has " + dataSize + " bytes)");
            }
            if (bytes > span[i]) {
                throw new GgufFormatException(path, where + " (" + bytes + " bytes at data offset " + r.offset()
                        + ") overlaps the next tensor's data, which starts " + span[i] + " bytes later");
            }
            out.add(new GgufTensorInfo(r.name(), r.ne(), type, r.offset(), bytes));
        }
        return out;
    }

    private static TensorType resolveType(Path path, RawTensor r, boolean bitnetCpp, boolean bitnetArch, String context,
                                          long span, int alignment) {
        int id = r.typeId();
        String where = "tensor " + r.name();
        switch (id) {
            case 36 -> {
                if (!bitnetCpp) {
                    throw new GgufFormatException(path, where + ": ambiguous/unsupported type id 36 (I2_S in bitnet.cpp, IQ4_NL_4_4 in older mainline ggml) "
                            + "and the file does not identify as a bitnet.cpp model (" + context + "; expected architecture bitnet-b1.58 or bitnet-25, or file_type 40)");
                }
                long k = r.ne()[0];
                long n = 1;
                for (long d : r.ne()) n = multiplyOr(n, d);
                long expected = n < 0 || k % TensorType.I2S_GROUP != 0 ? -1 : n / 4 + TensorType.I2S_TAIL_BYTES;
                // I2_S data is n/4 + 32 bytes; the next tensor starts at that size padded to the alignment
                // (the last tensor may be followed by padding only).
                boolean fits = expected > 0 && span >= expected && (span - expected) < alignment;
                if (!fits) {
                    throw new GgufFormatException(path, where + ": ambiguous/unsupported type id 36: as I2_S its data would take "
                            + (expected < 0 ? "(shape " + Arrays.toString(r.ne()) + " not a multiple of 128 per row)" : expected + " bytes")
                            + " but the space up to the next tensor is " + span + " bytes");
                }
                return TensorType.I2_S;
            }
            case 37 -> throw new GgufFormatException(path, where + ": unsupported type id 37 (I8_S activations in bitnet.cpp, IQ4_NL_4_8 in older mainline ggml)");
            case 38 -> throw new GgufFormatException(path, where + (bitnetCpp
                    ? ": type TL1 (bitnet.cpp lookup-table format, id 38) is unsupported, re-quantize the model to I2_S"
                    : ": unsupported type id 38 (TL1 in bitnet.cpp — re-quantize to I2_S —, IQ4_NL_8_8 in older mainline ggml)"));
            case 39 -> throw new GgufFormatException(path, where + (bitnetCpp
                    ? ": type TL2 (bitnet.cpp lookup-table format, id 39) is unsupported, re-quantize the model to I2_S"
                    : ": unsupported type id 39 (MXFP4 in mainline ggml, TL2 in bitnet.cpp); use a ternary (TQ1_0/TQ2_0/I2_S) or F16/BF16/F32/Q8_0 model"));
            case 41, 42 -> {
                if (bitnetArch) {
                    throw new GgufFormatException(path, where + ": type id " + id + " (" + TensorType.byId(id)
                            + " in mainline ggml) does not exist in bitnet.cpp's ggml, and this file is bitnet.cpp's (" + context + ")");
                }
                return TensorType.byId(id);
            }
            default -> {
                TensorType t = TensorType.byId(id);
                if (t == null || !t.isSupported()) {
                    throw new GgufFormatException(path, where + ": unsupported tensor type id " + Integer.toUnsignedString(id)
                            + " (supported: F32 0, F16 1, Q8_0 8, Q6_K 14, BF16 30, TQ1_0 34, TQ2_0 35, I2_S 36, Q1_0 41, Q2_0 42)");
                }
                return t;
            }
        }
    }

    private static long multiplyOr(long a, long b) {
        try {
            return Math.multiplyExact(a, b);
        } catch (ArithmeticException e) {
            return -1;
        }
    }

    static long alignUp(long x, long a) {
        return (x + a - 1) / a * a;
    }

    // ---------------------------------------------------------------- file

    public Path path() { return path; }

    /** GGUF version (2 or 3). */
    public int version() { return version; }

    /** Size of the file in bytes. */
    public long fileSize() { return segment.byteSize(); }

    /** general.alignment, or 32. */
    public int alignment() { return alignment; }

    /** Absolute file offset of the tensor data section. */
    public long dataOffset() { return dataOffset; }

    /** The whole file: mapped, or its copy in memory. */
    public MemorySegment segment() { return segment; }

    /** True if {@link #segment} maps the file ({@link #open}), false if it holds a copy ({@link #read}). */
    public boolean mapped() { return mapped; }

    /** Unmaps the file (or frees its copy). Segments and tensors obtained from this file must not be used afterwards. */
    @Override
    public void close() {
        arena.close();
    }

    // ---------------------------------------------------------------- metadata

    /** All metadata entries, in file order. */
    public List<GgufEntry> entries() { return List.copyOf(metadata.values()); }

    /** All metadata keys, in file order. */
    public Set<String> keys() { return metadata.keySet(); }

    public boolean has(String key) { return metadata.containsKey(key); }

    /** The entry for a key, if present. */
    public Optional<GgufEntry> find(String key) { return Optional.ofNullable(metadata.get(key)); }

    /** The entry for a key; throws if absent. */
    public GgufEntry entry(String key) {
        GgufEntry e = metadata.get(key);
        if (e == null) throw new GgufFormatException(path, "key " + key + ": missing");
        return e;
    }

    private GgufFormatException typeError(GgufEntry e, String expected) {
        return new GgufFormatException(path, "key " + e.key() + ": " + expected + " expected, found " + e.type().typeName()
                + " " + e.valueSummary());
    }

    /** general.architecture. */
    public String architecture() { return getString(GgufKeys.ARCHITECTURE); }

    public String getString(String key) {
        GgufEntry e = entry(key);
        if (e.value() instanceof String s) return s;
        throw typeError(e, "string");
    }

    public String getString(String key, String defaultValue) {
        return has(key) ? getString(key) : defaultValue;
    }

    /** Any integer type, as a long (UINT64 as raw bits: values above Long.MAX_VALUE are rejected). */
    public long getLong(String key) {
        GgufEntry e = entry(key);
        if (!e.type().isInteger()) throw typeError(e, "integer");
        long v = ((Number) e.value()).longValue();
        if (e.type() == GgufValueType.UINT64 && v < 0) throw typeError(e, "integer up to 2^63-1");
        return v;
    }

    public long getLong(String key, long defaultValue) {
        return has(key) ? getLong(key) : defaultValue;
    }

    /** Any integer type whose value fits in an int. */
    public int getInt(String key) {
        long v = getLong(key);
        if (v != (int) v) throw typeError(entry(key), "integer within int range");
        return (int) v;
    }

    public int getInt(String key, int defaultValue) {
        return has(key) ? getInt(key) : defaultValue;
    }

    /** FLOAT32, FLOAT64 (narrowed) or an integer (converted). */
    public float getFloat(String key) {
        GgufEntry e = entry(key);
        return switch (e.value()) {
            case Float f -> f;
            case Double d -> (float) d.doubleValue();
            case Integer i -> i;
            case Long l when e.type() != GgufValueType.UINT64 || l >= 0 -> l;
            default -> throw typeError(e, "number");
        };
    }

    public float getFloat(String key, float defaultValue) {
        return has(key) ? getFloat(key) : defaultValue;
    }

    public double getDouble(String key) {
        GgufEntry e = entry(key);
        if (e.value() instanceof Double d) return d;
        return getFloat(key);
    }

    public boolean getBool(String key) {
        GgufEntry e = entry(key);
        if (e.value() instanceof Boolean b) return b;
        throw typeError(e, "bool");
    }

    public boolean getBool(String key, boolean defaultValue) {
        return has(key) ? getBool(key) : defaultValue;
    }

    public GgufArray getArray(String key) {
        GgufEntry e = entry(key);
        if (e.value() instanceof GgufArray a) return a;
        throw typeError(e, "array");
    }

    public String[] getStringArray(String key) { return getArray(key).asStrings(); }

    public float[] getFloatArray(String key) { return getArray(key).asFloats(); }

    public int[] getIntArray(String key) { return getArray(key).asInts(); }

    public long[] getLongArray(String key) { return getArray(key).asLongs(); }

    public boolean[] getBoolArray(String key) { return getArray(key).asBooleans(); }

    // ---------------------------------------------------------------- tensors

    /** All tensor infos, in file order. */
    public List<GgufTensorInfo> tensorInfos() { return tensorInfos; }

    public boolean hasTensor(String name) { return tensorsByName.containsKey(name); }

    public Optional<GgufTensorInfo> findTensorInfo(String name) { return Optional.ofNullable(tensorsByName.get(name)); }

    /** The tensor with this name, as a zero-copy slice of the mapping; throws if absent. */
    public Tensor tensor(String name) {
        GgufTensorInfo t = tensorsByName.get(name);
        if (t == null) throw new GgufFormatException(path, "tensor " + name + ": missing");
        return tensor(t);
    }

    public Optional<Tensor> findTensor(String name) {
        GgufTensorInfo t = tensorsByName.get(name);
        return t == null ? Optional.empty() : Optional.of(tensor(t));
    }

    /** The tensor described by one of this file's infos. */
    public Tensor tensor(GgufTensorInfo t) {
        return new Tensor(t.name(), t.type(), t.shape(), segment.asSlice(dataOffset + t.offset(), t.byteSize()));
    }

    /** All tensors, in file order. */
    public List<Tensor> tensors() {
        List<Tensor> out = new ArrayList<>(tensorInfos.size());
        for (GgufTensorInfo t : tensorInfos) out.add(tensor(t));
        return out;
    }

    @Override
    public String toString() {
        return "GgufFile[" + path + ", v" + version + ", " + metadata.size() + " keys, " + tensorInfos.size() + " tensors]";
    }
}
