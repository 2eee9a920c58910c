package io.bitnet4j.hf;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A minimal safetensors writer for tests: the format as documented, independent of the reader. */
final class SafetensorsWriter {
    private record Entry(String name, String dtype, long[] shape, byte[] data) {}

    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    SafetensorsWriter add(String name, String dtype, long[] shape, byte[] data) {
        entries.add(new Entry(name, dtype, shape, data));
        return this;
    }

    SafetensorsWriter addF32(String name, long[] shape, float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putFloat(f);
        return add(name, "F32", shape, b.array());
    }

    /** BF16 by truncation of the float bits (exact for values that are representable). */
    SafetensorsWriter addBF16(String name, long[] shape, float[] v) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putShort((short) (Float.floatToRawIntBits(f) >>> 16));
        return add(name, "BF16", shape, b.array());
    }

    SafetensorsWriter addF16(String name, long[] shape, float[] v) {
        ByteBuffer b = ByteBuffer.allocate(2 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) b.putShort(Float.floatToFloat16(f));
        return add(name, "F16", shape, b.array());
    }

    SafetensorsWriter metadata(String k, String v) {
        metadata.put(k, v);
        return this;
    }

    byte[] toBytes() {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = root.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long off = 0;
        for (Entry e : entries) {
            ObjectNode o = root.putObject(e.name());
            o.put("dtype", e.dtype());
            ArrayNode s = o.putArray("shape");
            for (long d : e.shape()) s.add(d);
            ArrayNode d = o.putArray("data_offsets");
            d.add(off);
            off += e.data().length;
            d.add(off);
        }
        byte[] json = root.toString().getBytes(StandardCharsets.UTF_8);
        int pad = (8 - json.length % 8) % 8; // the reference writer pads the header with spaces to 8 bytes
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length + pad).array());
        out.writeBytes(json);
        for (int i = 0; i < pad; i++) out.write(' ');
        for (Entry e : entries) out.writeBytes(e.data());
        return out.toByteArray();
    }

    Path write(Path p) throws IOException {
        Files.write(p, toBytes());
        return p;
    }
}
