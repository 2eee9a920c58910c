package io.bitnet4j.gguf;

import io.bitnet4j.tensor.Tensor;
import io.bitnet4j.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.*;

class GgufFileTest {

    @ParameterizedTest
    @ValueSource(strings = {"tiny-bitnet-b1.58-f32.gguf", "tiny-bitnet-b1.58-i2_s.gguf", "tiny-bitnet-b1.58-tq2_0.gguf",
            "tiny-bitnet-f32.gguf", "tiny-bitnet-tq1_0.gguf", "tiny-bitnet-tq2_0.gguf"})
    void referenceModelsHaveTheDocumentedShape(String file) throws Exception {
        try (GgufFile f = GgufFile.open(TestData.reference(file))) {
            assertEquals(3, f.version());
            assertEquals(32, f.alignment());
            assertEquals(0, f.dataOffset() % 32);
            String arch = f.architecture();
            assertTrue(arch.equals("bitnet") || arch.equals("bitnet-b1.58"), arch);
            // README: n_embd 256, 4 layers, 4 heads, 2 KV heads, n_ff 512, vocab 512, context 256, theta 500000, eps 1e-5
            assertEquals(256, f.getInt(arch + ".embedding_length"));
            assertEquals(4, f.getInt(arch + ".block_count"));
            assertEquals(4, f.getInt(arch + ".attention.head_count"));
            assertEquals(2, f.getInt(arch + ".attention.head_count_kv"));
            assertEquals(512, f.getInt(arch + ".feed_forward_length"));
            assertEquals(256, f.getInt(arch + ".context_length"));
            assertEquals(500000f, f.getFloat(arch + ".rope.freq_base"));
            assertEquals(1e-5f, f.getFloat(arch + ".attention.layer_norm_rms_epsilon"));
            assertEquals("llama", f.getString("tokenizer.ggml.model"));
            String[] tokens = f.getStringArray("tokenizer.ggml.tokens");
            assertEquals(512, tokens.length);
            assertEquals("<unk>", tokens[0]);
            assertEquals("<s>", tokens[1]);
            assertEquals("</s>", tokens[2]);
            assertEquals("<0x00>", tokens[3]);
            assertEquals("<0xFF>", tokens[258]);
            assertEquals(512, f.getFloatArray("tokenizer.ggml.scores").length);
            assertEquals(512, f.getIntArray("tokenizer.ggml.token_type").length);
            assertEquals(1, f.getInt("tokenizer.ggml.bos_token_id"));
            assertTrue(f.getBool("tokenizer.ggml.add_bos_token"));
            assertEquals(7, f.getInt("missing.key", 7));
            assertEquals("x", f.getString("missing.key", "x"));

            // 4 layers × (2 norms + 2 sub-norms + 7 linear) + token_embd + output_norm; output tied (none)
            assertEquals(4 * 11 + 2, f.tensorInfos().size());
            assertFalse(f.hasTensor("output.weight"));
            Tensor emb = f.tensor("token_embd.weight");
            assertEquals(256, emb.cols());
            assertEquals(512, emb.rows());
            assertEquals(file.contains("f32") ? TensorType.F32 : TensorType.F16, emb.type());
            TensorType linear = file.contains("i2_s") ? TensorType.I2_S : file.contains("tq2_0") ? TensorType.TQ2_0
                    : file.contains("tq1_0") ? TensorType.TQ1_0 : TensorType.F32;
            for (int l = 0; l < 4; l++) {
                for (String w : List.of("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down")) {
                    Tensor t = f.tensor("blk." + l + "." + w + ".weight");
                    assertEquals(linear, t.type(), t.name());
                    long rows = switch (w) {
                        case "attn_q", "attn_output", "ffn_down" -> 256;
                        case "attn_k", "attn_v" -> 128;
                        default -> 512;
                    };
                    assertEquals(rows, t.rows(), t.name());
                    assertEquals(w.equals("ffn_down") ? 512 : 256, t.cols(), t.name());
                }
                assertEquals(TensorType.F32, f.tensor("blk." + l + ".attn_norm.weight").type());
            }
            // every tensor is a slice inside the mapping, tensors do not overlap
            Set<Long> offsets = new HashSet<>();
            for (Tensor t : f.tensors()) {
                assertTrue(t.data().byteSize() > 0);
                t.data().get(java.lang.foreign.ValueLayout.JAVA_BYTE, t.data().byteSize() - 1);
            }
            for (GgufTensorInfo i : f.tensorInfos()) assertTrue(offsets.add(i.offset()));
        }
    }

    @Test
    void i2sTensorsTakeQuarterBytesPlusTail() throws Exception {
        try (GgufFile f = GgufFile.open(TestData.reference("tiny-bitnet-b1.58-i2_s.gguf"))) {
            Tensor q = f.tensor("blk.0.attn_q.weight");
            assertEquals(256 * 256 / 4 + 32, q.data().byteSize());
            assertEquals(64, q.rowBytes());
            assertEquals(1f / 32, q.i2sScale()); // README: weights are s·t with s = 1/32
        }
    }

    @Test
    void largeVocabularyDecodesQuickly() throws Exception {
        try (GgufFile f = GgufFile.open(TestData.tokenizer("ggml-vocab-llama-bpe.gguf"))) {
            long t0 = System.nanoTime();
            String[] tokens = f.getStringArray("tokenizer.ggml.tokens");
            String[] merges = f.getStringArray("tokenizer.ggml.merges");
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertEquals(f.getInt("llama.vocab_size"), tokens.length);
            assertEquals(128256, tokens.length);
            assertEquals(280147, merges.length);
            assertEquals("!", tokens[0]);
            assertEquals("<|begin_of_text|>", tokens[f.getInt("tokenizer.ggml.bos_token_id")]);
            assertEquals("Ġ Ġ", merges[0]);
            assertEquals(128256, f.getIntArray("tokenizer.ggml.token_type").length);
            assertTrue(ms < 3000, "decoding took " + ms + " ms");
            assertTrue(f.tensorInfos().isEmpty());
        }
    }

    @Test
    void wrongTypeAndMissingKeysThrowTheFormatException() throws Exception {
        try (GgufFile f = GgufFile.open(TestData.reference("tiny-bitnet-tq1_0.gguf"))) {
            var e = assertThrows(GgufFormatException.class, () -> f.getInt("general.architecture"));
            assertTrue(e.getMessage().contains("general.architecture"), e.getMessage());
            assertTrue(e.getMessage().contains("tiny-bitnet-tq1_0.gguf"), e.getMessage());
            assertThrows(GgufFormatException.class, () -> f.getString("no.such.key"));
            assertThrows(GgufFormatException.class, () -> f.getIntArray("tokenizer.ggml.tokens"));
            assertThrows(GgufFormatException.class, () -> f.getStringArray("tokenizer.ggml.scores"));
            assertThrows(GgufFormatException.class, () -> f.tensor("no.such.tensor"));
        }
    }

    /**
     * A tensor count that passes the "absurd for this file size" test but not int range: a file over 64 GB
     * (here sparse) whose count is 2^31 once made {@code new ArrayList<>((int) count)} throw
     * IllegalArgumentException; it is now read as any count, and the first tensor info is what is wrong.
     */
    @Test
    void aTensorCountBeyondIntRangeIsAFormatError(@TempDir Path tmp) throws Exception {
        Path p = tmp.resolve("sparse.gguf");
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
            header.putInt(GgufFile.MAGIC).putInt(3).putLong(1L << 31).putLong(0).flip();
            ch.write(header);
            ch.write(ByteBuffer.wrap(new byte[] {1}), (1L << 36) + 4096); // 64 GB, all but two blocks holes
        }
        GgufFormatException e = assertThrows(GgufFormatException.class, () -> GgufFile.open(p).close());
        assertTrue(e.getMessage().contains("tensor info 0") || e.getMessage().contains("n_dims"), e.getMessage());
    }
}
