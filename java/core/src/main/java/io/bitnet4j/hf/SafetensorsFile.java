package io.bitnet4j.hf;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.io.Closeable;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code .safetensors} file: an 8-byte little-endian header length, a JSON header mapping each tensor
 * name to {@code dtype}, {@code shape} and {@code data_offsets} (relative to the end of the header),
 * an optional {@code __metadata__} string map, then the data. The file is memory-mapped once (shared
 * arena, so tensors can be read from any thread) and tensors are zero-copy slices of the mapping.
 *
 * <p>Everything is validated at open, so later accessors cannot fail on bad content: the header must
 * fit in the file, be a JSON object of well-formed entries with a supported dtype, and every tensor's
 * byte range must lie in the data section, match shape × dtype size and not overlap another tensor.
 * Any violation is a {@link HfFormatException} naming the file and the tensor.
 */
public final class SafetensorsFile implements Closeable {

    /** The reference implementation's limit on the header (100 MB); larger is certainly corrupt. */
    static final long MAX_HEADER_BYTES = 100L << 20;
    static final String METADATA_KEY = "__metadata__";

    static final ObjectMapper JSON = JsonMapper.builder()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private final Path path;
    private final Arena arena;
    private final Map<String, SafetensorsTensor> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, Arena arena, Map<String, SafetensorsTensor> tensors, Map<String, String> metadata) {
        this.path = path;
        this.arena = arena;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Opens and validates a safetensors file. */
    public static SafetensorsFile open(Path path) throws IOException {
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw new HfFormatException(path, "file of " + size + " bytes is too short for the 8-byte header length");
            MemorySegment map = ch.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
            long n = map.get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            if (n < 2 || n > MAX_HEADER_BYTES || n > size - 8) {
                throw new HfFormatException(path, "header length " + Long.toUnsignedString(n)
                        + " does not fit in the file of " + size + " bytes (or exceeds " + MAX_HEADER_BYTES + ")");
            }
            byte[] header = map.asSlice(8, n).toArray(ValueLayout.JAVA_BYTE);
            MemorySegment data = map.asSlice(8 + n);
            Map<String, String> metadata = new LinkedHashMap<>();
            Map<String, SafetensorsTensor> tensors = parseHeader(path, header, data, metadata);
            return new SafetensorsFile(path, arena, tensors, metadata);
        } catch (IOException | RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    private static Map<String, SafetensorsTensor> parseHeader(Path path, byte[] header, MemorySegment data,
                                                              Map<String, String> metadata) {
        JsonNode root;
        try {
            root = JSON.readTree(new String(header, StandardCharsets.UTF_8));
        } catch (JacksonException e) {
            throw new HfFormatException(path, "malformed JSON header: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) throw new HfFormatException(path, "the header is not a JSON object");
        record Range(String name, long begin, long end) {}
        List<Range> ranges = new ArrayList<>();
        Map<String, SafetensorsTensor> tensors = new LinkedHashMap<>();
        for (var it = root.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            String name = e.getKey();
            JsonNode v = e.getValue();
            if (name.equals(METADATA_KEY)) {
                if (!v.isObject()) throw new HfFormatException(path, METADATA_KEY + " is not a JSON object");
                for (var m = v.properties().iterator(); m.hasNext(); ) {
                    var me = m.next();
                    if (!me.getValue().isTextual()) {
                        throw new HfFormatException(path, METADATA_KEY + " value of '" + me.getKey() + "' is not a string");
                    }
                    metadata.put(me.getKey(), me.getValue().asText());
                }
                continue;
            }
            String where = "tensor '" + name + "': ";
            if (!v.isObject()) throw new HfFormatException(path, where + "entry is not a JSON object");
            JsonNode dt = v.get("dtype"), sh = v.get("shape"), off = v.get("data_offsets");
            if (dt == null || !dt.isTextual()) throw new HfFormatException(path, where + "missing or non-string dtype");
            SafetensorsDType dtype = SafetensorsDType.parse(dt.asText());
            if (dtype == null) {
                throw new HfFormatException(path, "unsupported dtype " + dt.asText() + " for tensor '" + name
                        + "' (bitnet4j reads F32, F16, BF16, U8, I8)");
            }
            if (sh == null || !sh.isArray()) throw new HfFormatException(path, where + "missing or non-array shape");
            if (sh.size() > 8) throw new HfFormatException(path, where + "shape has " + sh.size() + " dimensions");
            long[] shape = new long[sh.size()];
            long bytes = dtype.bytes();
            try {
                for (int i = 0; i < shape.length; i++) {
                    JsonNode d = sh.get(i);
                    if (!d.isIntegralNumber() || !d.canConvertToLong() || d.asLong() < 0) {
                        throw new HfFormatException(path, where + "shape " + sh + " has a dimension that is not a non-negative integer");
                    }
                    shape[i] = d.asLong();
                    bytes = Math.multiplyExact(bytes, shape[i]);
                }
            } catch (ArithmeticException ex) {
                throw new HfFormatException(path, where + "shape " + sh + " is absurdly large");
            }
            if (off == null || !off.isArray() || off.size() != 2) {
                throw new HfFormatException(path, where + "data_offsets must be an array [begin, end]");
            }
            long begin = offset(path, where, off.get(0)), end = offset(path, where, off.get(1));
            if (begin > end || end > data.byteSize()) {
                throw new HfFormatException(path, where + "data_offsets [" + begin + ", " + end
                        + "] out of the data section of " + data.byteSize() + " bytes");
            }
            if (end - begin != bytes) {
                throw new HfFormatException(path, where + "data_offsets [" + begin + ", " + end + "] hold "
                        + (end - begin) + " bytes but shape " + sh + " of " + dtype + " needs " + bytes);
            }
            ranges.add(new Range(name, begin, end));
            tensors.put(name, new SafetensorsTensor(name, dtype, shape, data.asSlice(begin, end - begin)));
        }
        ranges.sort(Comparator.comparingLong(Range::begin).thenComparingLong(Range::end));
        for (int i = 1; i < ranges.size(); i++) {
            Range a = ranges.get(i - 1), b = ranges.get(i);
            if (b.begin() < a.end()) {
                throw new HfFormatException(path, "tensor '" + b.name() + "' overlaps tensor '" + a.name() + "'");
            }
        }
        return Collections.unmodifiableMap(tensors);
    }

    private static long offset(Path path, String where, JsonNode n) {
        if (n == null || !n.isIntegralNumber() || !n.canConvertToLong() || n.asLong() < 0) {
            throw new HfFormatException(path, where + "data_offsets entry " + n + " is not a non-negative integer");
        }
        return n.asLong();
    }

    public Path path() { return path; }

    /** The {@code __metadata__} map (empty when absent). */
    public Map<String, String> metadata() { return Collections.unmodifiableMap(metadata); }

    /** Tensor names in header order. */
    public List<String> names() { return List.copyOf(tensors.keySet()); }

    public boolean hasTensor(String name) { return tensors.containsKey(name); }

    /** The tensor of this name; a {@link HfFormatException} naming the file if there is none. */
    public SafetensorsTensor tensor(String name) {
        SafetensorsTensor t = tensors.get(name);
        if (t == null) throw new HfFormatException(path, "no tensor '" + name + "'");
        return t;
    }

    /** All tensors, header order. */
    public List<SafetensorsTensor> tensors() { return List.copyOf(tensors.values()); }

    /** Unmaps the file; tensors obtained from it become unusable. */
    @Override
    public void close() {
        arena.close();
    }
}
