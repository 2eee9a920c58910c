package io.bitnet4j.hf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class SafetensorsFileTest {

    @TempDir
    Path tmp;

    @Test
    void roundTripsEveryDtype() throws Exception {
        float[] f = {1.5f, -2.25f, 0f, 3.0e-3f, 65504f, -1e-7f};
        float[] bfExact = {1.5f, -2.25f, 0f, 256f, -0.0078125f, 3f};
        byte[] u8 = {0, 1, (byte) 200, (byte) 255};
        byte[] i8 = {0, -1, -128, 127};
        Path p = new SafetensorsWriter()
                .metadata("format", "pt")
                .addF32("a.f32", new long[]{2, 3}, f)
                .addF16("b.f16", new long[]{6}, new float[]{1.5f, -2.25f, 0f, 0.099975586f, 65504f, -6.1035156e-5f})
                .addBF16("c.bf16", new long[]{3, 2}, bfExact)
                .add("d.u8", "U8", new long[]{4}, u8)
                .add("e.i8", "I8", new long[]{2, 2}, i8)
                .add("f.scalar", "F32", new long[]{}, ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(7f).array())
                .add("g.empty", "F32", new long[]{0, 4}, new byte[0])
                .write(tmp.resolve("m.safetensors"));
        try (SafetensorsFile s = SafetensorsFile.open(p)) {
            assertEquals(Map.of("format", "pt"), s.metadata());
            assertEquals(List.of("a.f32", "b.f16", "c.bf16", "d.u8", "e.i8", "f.scalar", "g.empty"), s.names());
            SafetensorsTensor a = s.tensor("a.f32");
            assertEquals(SafetensorsDType.F32, a.dtype());
            assertArrayEquals(new long[]{2, 3}, a.shape());
            assertEquals(3, a.cols());
            assertEquals(2, a.rows());
            assertArrayEquals(f, a.toFloats());
            assertArrayEquals(new float[]{1.5f, -2.25f, 0f, 0.099975586f, 65504f, -6.1035156e-5f}, s.tensor("b.f16").toFloats());
            assertArrayEquals(bfExact, s.tensor("c.bf16").toFloats());
            assertArrayEquals(new float[]{0, 1, 200, 255}, s.tensor("d.u8").toFloats());
            assertArrayEquals(new float[]{0, -1, -128, 127}, s.tensor("e.i8").toFloats());
            assertArrayEquals(new float[]{7f}, s.tensor("f.scalar").toFloats());
            assertEquals(0, s.tensor("g.empty").elementCount());
            // zero-copy: the slice is the file's bytes
            assertEquals((byte) 200, s.tensor("d.u8").data().get(ValueLayout.JAVA_BYTE, 2));
            float[] part = new float[2];
            a.readFloats(3, part, 0, 2);
            assertArrayEquals(new float[]{3.0e-3f, 65504f}, part);
            assertThrows(IllegalArgumentException.class, () -> a.readFloats(5, part, 0, 2));
            var missing = assertThrows(HfFormatException.class, () -> s.tensor("nope"));
            assertTrue(missing.getMessage().contains("nope"));
        }
    }

    @Test
    void unsupportedDtypeIsNamed() throws Exception {
        Path p = new SafetensorsWriter().add("w", "F64", new long[]{1}, new byte[8]).write(tmp.resolve("x.safetensors"));
        var e = assertThrows(HfFormatException.class, () -> SafetensorsFile.open(p));
        assertTrue(e.getMessage().contains("unsupported dtype F64 for tensor 'w'"), e.getMessage());
        assertTrue(e.getMessage().contains(p.toString()));
    }

    private Path raw(String json, int dataBytes) throws Exception {
        byte[] j = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + j.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(j.length).put(j);
        return Files.write(tmp.resolve("r" + System.nanoTime() + ".safetensors"), b.array());
    }

    private void bad(String json, int dataBytes, String expected) throws Exception {
        Path p = raw(json, dataBytes);
        var e = assertThrows(HfFormatException.class, () -> SafetensorsFile.open(p).close(), json);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
    }

    @Test
    void rejectsBadHeaders() throws Exception {
        bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", 8, "malformed JSON");
        bad("[1,2]", 0, "not a JSON object");
        bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "needs 12");
        bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4, "out of the data section");
        bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8, "out of the data section");
        bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"v\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "overlaps");
        bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,8]}}", 8, "absurdly large");
        bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, "non-negative");
        bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", 8, "non-negative");
        bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, "data_offsets");
        bad("{\"w\":{\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "dtype");
        bad("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "Duplicate");
        bad("{\"__metadata__\":{\"a\":1}}", 0, "not a string");
        bad("{} {}", 0, "malformed JSON");
        // header length larger than the file
        Path p = tmp.resolve("len.safetensors");
        Files.write(p, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array());
        var e = assertThrows(HfFormatException.class, () -> SafetensorsFile.open(p));
        assertTrue(e.getMessage().contains("does not fit"), e.getMessage());
        Path neg = tmp.resolve("neg.safetensors");
        Files.write(neg, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(-1).array());
        assertThrows(HfFormatException.class, () -> SafetensorsFile.open(neg));
        Path shortFile = Files.write(tmp.resolve("short.safetensors"), new byte[3]);
        assertThrows(HfFormatException.class, () -> SafetensorsFile.open(shortFile));
    }

    /**
     * Seeded mutations of a valid file (byte flips, truncation, header-length changes, spliced JSON):
     * each either opens, and then every tensor reads without error, or fails with the documented exception.
     */
    @Test
    void mutationFuzzOnlyThrowsTheDocumentedException() throws Exception {
        float[] v = new float[24];
        for (int i = 0; i < v.length; i++) v[i] = i * 0.5f - 3;
        byte[] good = new SafetensorsWriter().metadata("format", "pt")
                .addF32("model.layers.0.w", new long[]{4, 6}, v)
                .addBF16("model.norm.weight", new long[]{6}, new float[]{1, 2, 3, 4, 5, 6})
                .add("q", "I8", new long[]{3}, new byte[]{1, 2, 3})
                .toBytes();
        Random r = new Random(20261125L);
        Path p = tmp.resolve("fuzz.safetensors");
        int opened = 0, rejected = 0;
        for (int c = 0; c < 400; c++) {
            byte[] b = good.clone();
            switch (c % 5) {
                case 0 -> { for (int k = 1 + r.nextInt(4); k > 0; k--) b[r.nextInt(b.length)] ^= (byte) (1 << r.nextInt(8)); }
                case 1 -> b = java.util.Arrays.copyOf(b, r.nextInt(b.length));
                case 2 -> ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putLong(0, r.nextLong(-4, b.length + 8));
                case 3 -> { // replace a digit in the JSON header with another digit
                    int i = 8 + r.nextInt(b.length - 8 - 36);
                    while (i < b.length && !Character.isDigit(b[i])) i++;
                    if (i < b.length) b[i] = (byte) ('0' + r.nextInt(10));
                }
                default -> b[8 + r.nextInt(20)] = (byte) "{}[],:\"x9-".charAt(r.nextInt(10));
            }
            Files.write(p, b);
            try (SafetensorsFile s = SafetensorsFile.open(p)) {
                for (SafetensorsTensor t : s.tensors()) {
                    if (t.elementCount() < 1_000) t.toFloats();
                }
                opened++;
            } catch (HfFormatException e) {
                assertNotNull(e.getMessage());
                rejected++;
            }
        }
        assertTrue(rejected > 100, "most mutations must be rejected, got " + rejected);
        assertTrue(opened > 0, "some mutations (e.g. in data bytes) must still open");
    }
}
