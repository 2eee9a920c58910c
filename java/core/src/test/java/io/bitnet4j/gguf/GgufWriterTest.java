package io.bitnet4j.gguf;

import io.bitnet4j.tensor.Tensor;
import io.bitnet4j.tensor.TensorCodecs;
import io.bitnet4j.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

class GgufWriterTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"reference/tiny-bitnet-b1.58-i2_s.gguf", "reference/tiny-bitnet-b1.58-tq2_0.gguf",
            "reference/tiny-bitnet-tq1_0.gguf", "reference/tiny-bitnet-f32.gguf",
            "tokenizer/ggml-vocab-llama-bpe.gguf", "tokenizer/ggml-vocab-llama-bpe-nopre.gguf"})
    void rewritingAReferenceFileReproducesItByteForByte(String name) throws Exception {
        Path src = TestData.root().resolve(name);
        Path out = tmp.resolve("copy.gguf");
        try (GgufFile f = GgufFile.open(src)) {
            GgufWriter w = new GgufWriter().putAll(f);
            for (Tensor t : f.tensors()) w.addTensor(t.name(), t.type(), t.shape(), t.data());
            w.write(out);
        }
        assertEquals(-1, Files.mismatch(src, out), "first differing byte");
    }

    @Test
    void everyMetadataTypeRoundTrips() throws Exception {
        var nested = new GgufWriter.ArrayValue(GgufValueType.ARRAY, List.of(
                new GgufWriter.ArrayValue(GgufValueType.INT16, List.of(1, -2, 3)),
                new GgufWriter.ArrayValue(GgufValueType.STRING, List.of("x", "", "ü→😀"))));
        Path out = tmp.resolve("all.gguf");
        new GgufWriter()
                .putUInt8("u8", 255).putInt8("i8", -128).putUInt16("u16", 65535).putInt16("i16", -32768)
                .putUInt32("u32", 0xFFFF_FFFFL).putInt32("i32", Integer.MIN_VALUE)
                .putUInt64("u64", -1L).putInt64("i64", Long.MIN_VALUE)
                .putFloat32("f32", 1.5f).putFloat64("f64", -0.1).putBool("t", true).putBool("f", false)
                .putString("s", "héllo ▁wörld").putString("empty", "")
                .putStringArray("sa", new String[]{"a", "bb", "", "<0x0A>"})
                .putFloat32Array("fa", new float[]{1f, -2.5f, Float.MIN_VALUE})
                .putInt32Array("ia", new int[]{7, -7})
                .putArray("ua8", new GgufWriter.ArrayValue(GgufValueType.UINT8, List.of(0, 200)))
                .putArray("u32a", new GgufWriter.ArrayValue(GgufValueType.UINT32, List.of(4000000000L)))
                .putArray("i64a", new GgufWriter.ArrayValue(GgufValueType.INT64, List.of(Long.MAX_VALUE, -1L)))
                .putArray("f64a", new GgufWriter.ArrayValue(GgufValueType.FLOAT64, List.of(0.25, 1e300)))
                .putArray("ba", new GgufWriter.ArrayValue(GgufValueType.BOOL, List.of(true, false, true)))
                .putArray("ea", new GgufWriter.ArrayValue(GgufValueType.FLOAT32, List.of()))
                .putArray("nested", nested)
                .write(out);
        try (GgufFile f = GgufFile.open(out)) {
            assertEquals(3, f.version());
            assertEquals(255, f.getInt("u8"));
            assertEquals(-128, f.getInt("i8"));
            assertEquals(65535, f.getInt("u16"));
            assertEquals(-32768, f.getInt("i16"));
            assertEquals(0xFFFF_FFFFL, f.getLong("u32"));
            assertThrows(GgufFormatException.class, () -> f.getInt("u32"));
            assertEquals(Integer.MIN_VALUE, f.getInt("i32"));
            assertThrows(GgufFormatException.class, () -> f.getLong("u64"), "2^64-1 does not fit a long");
            assertEquals(-1L, (Long) f.entry("u64").value());
            assertEquals("18446744073709551615", f.entry("u64").valueSummary());
            assertEquals(Long.MIN_VALUE, f.getLong("i64"));
            assertEquals(1.5f, f.getFloat("f32"));
            assertEquals(-0.1, f.getDouble("f64"));
            assertTrue(f.getBool("t"));
            assertFalse(f.getBool("f"));
            assertEquals("héllo ▁wörld", f.getString("s"));
            assertEquals("", f.getString("empty"));
            assertArrayEquals(new String[]{"a", "bb", "", "<0x0A>"}, f.getStringArray("sa"));
            assertArrayEquals(new float[]{1f, -2.5f, Float.MIN_VALUE}, f.getFloatArray("fa"));
            assertArrayEquals(new int[]{7, -7}, f.getIntArray("ia"));
            assertArrayEquals(new int[]{0, 200}, f.getIntArray("ua8"));
            assertArrayEquals(new long[]{4000000000L}, f.getLongArray("u32a"));
            assertThrows(GgufFormatException.class, () -> f.getIntArray("u32a"));
            assertArrayEquals(new long[]{Long.MAX_VALUE, -1L}, f.getLongArray("i64a"));
            assertArrayEquals(new double[]{0.25, 1e300}, f.getArray("f64a").asDoubles());
            assertArrayEquals(new boolean[]{true, false, true}, f.getBoolArray("ba"));
            assertEquals(0, f.getFloatArray("ea").length);
            GgufArray n = f.getArray("nested");
            assertEquals(GgufValueType.ARRAY, n.elementType());
            List<Object> inner = n.asList();
            assertEquals(2, inner.size());
            assertArrayEquals(new int[]{1, -2, 3}, ((GgufArray) inner.get(0)).asInts());
            assertArrayEquals(new String[]{"x", "", "ü→😀"}, ((GgufArray) inner.get(1)).asStrings());
            assertEquals(List.of("u8", "i8", "u16", "i16", "u32", "i32", "u64", "i64", "f32", "f64", "t", "f", "s", "empty",
                    "sa", "fa", "ia", "ua8", "u32a", "i64a", "f64a", "ba", "ea", "nested"), List.copyOf(f.keys()));
            for (GgufEntry e : f.entries()) assertNotNull(e.valueSummary());

            // and a second copy made from the read file is identical
            Path copy = tmp.resolve("all2.gguf");
            new GgufWriter().putAll(f).write(copy);
            assertEquals(-1, Files.mismatch(out, copy));
        }
    }

    @Test
    void tensorsRoundTripWithCustomAlignmentAndStreamingSources() throws Exception {
        Random rnd = new Random(42);
        float[] a = new float[3 * 256];
        for (int i = 0; i < a.length; i++) a[i] = (rnd.nextInt(3) - 1) * 0.5f;
        MemorySegment q8 = TensorCodecs.quantize(TensorType.Q8_0, a, 3, 256);
        MemorySegment tq1 = TensorCodecs.quantize(TensorType.TQ1_0, a, 3, 256);
        MemorySegment i2s = TensorCodecs.quantize(TensorType.I2_S, a, 6, 128);
        MemorySegment f16 = TensorCodecs.quantize(TensorType.F16, a, 1, a.length);
        Path out = tmp.resolve("t.gguf");
        new GgufWriter()
                .putString("general.architecture", "bitnet-b1.58")
                .putUInt32("general.alignment", 64)
                .addTensor("q8", TensorType.Q8_0, new long[]{256, 3}, q8)
                .addTensor("tq1", TensorType.TQ1_0, new long[]{256, 3}, sink -> {
                    // streamed in uneven chunks
                    sink.write(tq1.asSlice(0, 10));
                    sink.write(tq1.asSlice(10, tq1.byteSize() - 10));
                })
                .addTensor("i2s", TensorType.I2_S, new long[]{128, 3, 2}, i2s)
                .addTensor("f16", TensorType.F16, new long[]{a.length}, f16)
                .write(out);
        try (GgufFile f = GgufFile.open(out)) {
            assertEquals(64, f.alignment());
            assertEquals(0, f.dataOffset() % 64);
            for (GgufTensorInfo t : f.tensorInfos()) assertEquals(0, t.offset() % 64, t.name());
            assertEquals(-1, f.tensor("q8").data().mismatch(q8));
            assertEquals(-1, f.tensor("tq1").data().mismatch(tq1));
            assertEquals(-1, f.tensor("i2s").data().mismatch(i2s));
            assertEquals(TensorType.I2_S, f.tensor("i2s").type());
            assertArrayEquals(new long[]{128, 3, 2}, f.tensor("i2s").shape());
            assertEquals(6, f.tensor("i2s").rows());
            assertArrayEquals(a, TensorCodecs.dequantize(f.tensor("i2s")));
            assertArrayEquals(a, TensorCodecs.dequantize(f.tensor("tq1")));
            assertArrayEquals(a, TensorCodecs.dequantize(f.tensor("f16")));
        }
    }

    /**
     * Ids 41/42 are mainline ggml's Q1_0/Q2_0: read in a mainline file, even with file_type 40 (MOSTLY_Q1_0 there,
     * MOSTLY_I2_S in bitnet.cpp); in a file of a bitnet.cpp architecture they are an error naming id and tensor.
     */
    @Test
    void q1_0AndQ2_0IdsAreMainlineOnly() throws Exception {
        float[] a = new float[2 * 128];
        for (int i = 0; i < a.length; i++) a[i] = (i % 3 - 1) * 0.25f;
        MemorySegment q1 = TensorCodecs.quantize(TensorType.Q1_0, a, 2, 128);
        MemorySegment q2 = TensorCodecs.quantize(TensorType.Q2_0, a, 2, 128);
        Path out = tmp.resolve("q12.gguf");
        new GgufWriter().putString("general.architecture", "qwen3").putUInt32("general.file_type", 40)
                .addTensor("q1", TensorType.Q1_0, new long[]{128, 2}, q1)
                .addTensor("q2", TensorType.Q2_0, new long[]{128, 2}, q2)
                .write(out);
        try (GgufFile f = GgufFile.open(out)) {
            assertEquals(TensorType.Q1_0, f.tensor("q1").type());
            assertEquals(TensorType.Q2_0, f.tensor("q2").type());
            assertEquals(-1, f.tensor("q2").data().mismatch(q2));
            assertEquals(-1, f.tensor("q1").data().mismatch(q1));
        }
        Path bitnet = tmp.resolve("q12-bitnet.gguf");
        new GgufWriter().putString("general.architecture", "bitnet-b1.58")
                .addTensor("q2", TensorType.Q2_0, new long[]{128, 2}, q2)
                .write(bitnet);
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.open(bitnet).close());
        assertTrue(e.getMessage().contains("tensor q2") && e.getMessage().contains("type id 42"), e.getMessage());
    }

    /**
     * Id 36 is I2_S in bitnet.cpp's ggml and something else in mainline's: believed in a file of a bitnet.cpp
     * architecture or with bitnet.cpp's file_type 40 (MOSTLY_I2_S: its I2_S llama files), refused otherwise.
     */
    @Test
    void i2sIdIsBelievedOnlyInBitnetCppFiles() throws Exception {
        float[] a = new float[2 * 128];
        for (int i = 0; i < a.length; i++) a[i] = (i % 3 - 1) * 0.25f;
        MemorySegment i2s = TensorCodecs.quantize(TensorType.I2_S, a, 2, 128);
        Path mainline = tmp.resolve("llama-i2s.gguf");
        new GgufWriter().putString("general.architecture", "llama")
                .addTensor("w", TensorType.I2_S, new long[]{128, 2}, i2s)
                .write(mainline);
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.open(mainline).close());
        assertTrue(e.getMessage().contains("tensor w") && e.getMessage().contains("type id 36")
                && e.getMessage().contains("does not identify as a bitnet.cpp model"), e.getMessage());
        Path bitnetCpp = tmp.resolve("llama-i2s-ftype40.gguf");
        new GgufWriter().putString("general.architecture", "llama").putUInt32("general.file_type", 40)
                .addTensor("w", TensorType.I2_S, new long[]{128, 2}, i2s)
                .write(bitnetCpp);
        try (GgufFile f = GgufFile.open(bitnetCpp)) {
            assertEquals(TensorType.I2_S, f.tensor("w").type());
            assertArrayEquals(a, TensorCodecs.dequantize(f.tensor("w")));
        }
    }

    @Test
    void aFailingSourceLeavesNoFileBehind() throws Exception {
        Path out = tmp.resolve("x.gguf");
        Files.writeString(out, "old");
        GgufWriter w = new GgufWriter().addTensor("t", TensorType.F32, new long[]{4},
                sink -> sink.write(MemorySegment.ofArray(new byte[8])));
        IOException e = assertThrows(IOException.class, () -> w.write(out));
        assertTrue(e.getMessage().contains("8 of 16"), e.getMessage());
        assertEquals("old", Files.readString(out));
        try (var s = Files.list(tmp)) {
            assertEquals(List.of(out), s.toList());
        }
    }

    @Test
    void invalidWriterInputIsRejected() {
        GgufWriter w = new GgufWriter().putInt32("k", 1);
        assertThrows(IllegalArgumentException.class, () -> w.putInt32("k", 2));
        assertThrows(IllegalArgumentException.class, () -> w.putUInt8("b", 256));
        assertThrows(IllegalArgumentException.class, () -> w.putUInt32("c", -1));
        assertThrows(IllegalArgumentException.class, () -> w.putArray("d", new GgufWriter.ArrayValue(GgufValueType.INT32, List.of("x"))));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("t", TensorType.TQ2_0, new long[]{100}, MemorySegment.ofArray(new byte[66])));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("t", TensorType.F32, new long[]{4}, MemorySegment.ofArray(new byte[15])));
        w.addTensor("t", TensorType.F32, new long[]{4}, MemorySegment.ofArray(new byte[16]));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("t", TensorType.F32, new long[]{4}, MemorySegment.ofArray(new byte[16])));
        assertThrows(IllegalArgumentException.class, () -> w.addTensor("u", TensorType.TL1, new long[]{4}, MemorySegment.ofArray(new byte[4])));
    }

    /** The *.tmp files in the test directory. */
    private List<Path> temps() throws IOException {
        try (var s = Files.list(tmp)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
        }
    }

    /** While a tensor is written the temp file exists and is tracked; a failing source leaves neither. */
    @Test
    void tempFileIsTrackedWhileWritingAndGoneAfterAFailure() throws Exception {
        Path out = tmp.resolve("fail.gguf");
        List<Path> seen = new java.util.ArrayList<>();
        GgufWriter w = new GgufWriter().putString("general.architecture", "llama");
        w.addTensor("t", TensorType.F32, new long[]{4}, sink -> {
            seen.addAll(temps());
            throw new IOException("source broke");
        });
        IOException e = assertThrows(IOException.class, () -> w.write(out));
        assertEquals("source broke", e.getMessage());
        assertEquals(1, seen.size(), "one temp file while writing: " + seen);
        Path t = seen.getFirst();
        assertTrue(t.getFileName().toString().startsWith("fail.gguf."), t.toString());
        assertFalse(Files.exists(t));
        assertFalse(PendingFiles.pending().contains(t), "untracked after the failure");
        assertFalse(Files.exists(out));
        assertEquals(List.of(), temps());
    }

    @Test
    void aFinishedFileIsNoLongerTracked() throws Exception {
        Path out = tmp.resolve("ok.gguf");
        List<Path> seen = new java.util.ArrayList<>();
        GgufWriter w = new GgufWriter().putString("general.architecture", "llama");
        w.addTensor("t", TensorType.F32, new long[]{4}, sink -> {
            seen.addAll(temps());
            assertTrue(PendingFiles.pending().containsAll(seen), "tracked while writing");
            sink.write(new byte[16], 0, 16);
        });
        w.write(out);
        assertEquals(1, seen.size());
        assertFalse(PendingFiles.pending().contains(seen.getFirst()));
        assertTrue(Files.exists(out));
        assertEquals(List.of(), temps());
    }

    /**
     * What happens on Ctrl-C: the shutdown hook's action runs while a tensor is being written. The temp
     * file is deleted at once, and the writer, which carries on until the JVM halts, cannot then create
     * the target (the rename finds no file).
     */
    @Test
    void theShutdownActionDeletesAFileBeingWritten() throws Exception {
        Path out = tmp.resolve("killed.gguf");
        GgufWriter w = new GgufWriter().putString("general.architecture", "llama");
        w.addTensor("t", TensorType.F32, new long[]{4}, sink -> {
            sink.write(new byte[8], 0, 8);
            assertEquals(1, temps().size());
            PendingFiles.deleteAll();
            assertEquals(List.of(), temps(), "deleted mid-write");
            sink.write(new byte[8], 0, 8);
        });
        assertThrows(IOException.class, () -> w.write(out));
        assertFalse(Files.exists(out));
        assertEquals(List.of(), temps());
    }
}
