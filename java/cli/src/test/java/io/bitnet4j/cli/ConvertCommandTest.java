package io.bitnet4j.cli;

import io.bitnet4j.gguf.GgufFile;
import io.bitnet4j.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static io.bitnet4j.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.*;

/** {@code convert} end to end on a one-layer HF checkpoint written here; the --model-only gate; clear errors. */
class ConvertCommandTest {
    static final int H = 256, F = 256, V = 260;

    /** A single-file safetensors checkpoint of F32 tensors (header as documented: u64 length, JSON, data). */
    static void writeCheckpoint(Path dir) throws Exception {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        shapes.put("model.embed_tokens.weight", new long[]{V, H});
        String p = "model.layers.0.";
        for (String n : new String[]{"input_layernorm", "self_attn.attn_sub_norm", "post_attention_layernorm"}) shapes.put(p + n + ".weight", new long[]{H});
        for (String n : new String[]{"q_proj", "k_proj", "v_proj", "o_proj"}) shapes.put(p + "self_attn." + n + ".weight", new long[]{H, H});
        shapes.put(p + "mlp.gate_proj.weight", new long[]{F, H});
        shapes.put(p + "mlp.up_proj.weight", new long[]{F, H});
        shapes.put(p + "mlp.down_proj.weight", new long[]{H, F});
        shapes.put(p + "mlp.ffn_sub_norm.weight", new long[]{F});
        shapes.put("model.norm.weight", new long[]{H});
        StringBuilder json = new StringBuilder("{");
        ByteArrayOutputStream data = new ByteArrayOutputStream();
        Random r = new Random(1);
        for (var e : shapes.entrySet()) {
            long n = 1;
            for (long d : e.getValue()) n *= d;
            ByteBuffer b = ByteBuffer.allocate((int) n * 4).order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) b.putFloat((float) (e.getValue().length == 1 ? 1 : 0.05 * r.nextGaussian()));
            json.append(json.length() > 1 ? "," : "").append("\"").append(e.getKey()).append("\":{\"dtype\":\"F32\",\"shape\":[")
                    .append(e.getValue().length == 1 ? "" + e.getValue()[0] : e.getValue()[0] + "," + e.getValue()[1])
                    .append("],\"data_offsets\":[").append(data.size()).append(",").append(data.size() + n * 4).append("]}");
            data.writeBytes(b.array());
        }
        byte[] header = json.append("}").toString().getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream file = new ByteArrayOutputStream();
        file.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
        file.writeBytes(header);
        file.writeBytes(data.toByteArray());
        Files.write(dir.resolve("model.safetensors"), file.toByteArray());
        Files.writeString(dir.resolve("config.json"), """
                {"architectures": ["BitNetForCausalLM"], "hidden_act": "relu2", "hidden_size": 256, "intermediate_size": 256,
                 "max_position_embeddings": 32, "num_attention_heads": 2, "num_hidden_layers": 1, "num_key_value_heads": 2,
                 "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "vocab_size": 260}""");
    }

    @Test
    void convertsWithModelOnlyAndRefusesWithout(@TempDir Path tmp) throws Exception {
        Path hf = Files.createDirectories(tmp.resolve("hf"));
        writeCheckpoint(hf);
        Path out = tmp.resolve("m.gguf");

        CliTest.Result refused = run("convert", hf.toString(), "-o", out.toString(), "--type", "tq2_0");
        assertEquals(1, refused.code());
        assertTrue(refused.err().contains("no tokenizer") && refused.err().contains("--model-only"), refused.err());
        assertFalse(Files.exists(out));

        CliTest.Result r = run("convert", hf.toString(), "-o", out.toString(), "--type", "tq2_0", "--model-only");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("wrote " + out) && r.out().contains("13 tensors"), r.out());
        assertTrue(r.err().contains("100%") && r.err().contains(" ETA "), "a progress bar with bytes and the ETA: " + r.err());
        CliTest.Result noTokenizer = run("run", "-m", out.toString(), "-p", "x", "-n", "1");
        assertEquals(1, noTokenizer.code(), "a --model-only file cannot be run: " + noTokenizer.err());
        assertTrue(noTokenizer.err().startsWith("error: ") && noTokenizer.err().contains("tokenizer"), noTokenizer.err());
        try (GgufFile g = GgufFile.open(out)) {
            assertEquals("bitnet-b1.58", g.getString("general.architecture"));
            assertEquals(37, g.getInt("general.file_type"));
            assertEquals(TensorType.TQ2_0, g.tensor("blk.0.ffn_down.weight").type());
            assertEquals(TensorType.F16, g.tensor("token_embd.weight").type());
            assertEquals(TensorType.F32, g.tensor("blk.0.ffn_sub_norm.weight").type());
        }
        CliTest.Result again = run("convert", hf.toString(), "-o", out.toString(), "--model-only");
        assertEquals(2, again.code());
        assertTrue(again.err().contains("--force"), again.err());
        CliTest.Result forced = run("convert", hf.toString(), "-o", out.toString(), "--model-only", "-f", "-q", "--embedding-type", "Q6_K");
        assertEquals(0, forced.code(), forced.err());
        try (GgufFile g = GgufFile.open(out)) {
            assertEquals(TensorType.I2_S, g.tensor("blk.0.attn_q.weight").type(), "i2_s is the default");
            assertEquals(TensorType.Q6_K, g.tensor("token_embd.weight").type());
        }
    }

    /** A byte-level BPE tokenizer.json: GPT-2's 256 byte characters, "he", "the", "Ġthe", and the special "<|end|>". */
    static void writeTokenizer(Path dir) throws Exception {
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        var root = json.createObjectNode();
        root.putArray("added_tokens").addObject().put("id", 259).put("content", "<|end|>").put("special", true);
        root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false).put("use_regex", true);
        root.putObject("decoder").put("type", "ByteLevel");
        var model = root.putObject("model").put("type", "BPE");
        var vocab = model.putObject("vocab");
        java.util.TreeSet<Character> chars = new java.util.TreeSet<>();
        for (int b = 0, next = 256; b < 256; b++) {
            boolean printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            chars.add(printable ? (char) b : (char) next++);
        }
        int id = 0;
        for (char c : chars) vocab.put(String.valueOf(c), id++);
        for (String t : new String[]{"he", "the", "\u0120the"}) vocab.put(t, id++);
        model.putArray("merges").add("h e").add("t he").add("\u0120 the");
        Files.writeString(dir.resolve("tokenizer.json"), json.writeValueAsString(root));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"eos_token\": \"<|end|>\", \"add_bos_token\": false}");
    }

    @Test
    void convertsWithTheTokenizerAndRunsTheResult(@TempDir Path tmp) throws Exception {
        Path hf = Files.createDirectories(tmp.resolve("hf"));
        writeCheckpoint(hf);
        writeTokenizer(hf);
        Path out = tmp.resolve("m.gguf");
        CliTest.Result r = run("convert", hf.toString(), "-o", out.toString(), "--type", "i2_s", "--embedding-type", "q8_0");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("tokenizer: tokenizer.json, gpt2, 260 tokens, 3 merges, pre-tokenizer gpt-2"), r.err());
        try (GgufFile g = GgufFile.open(out)) {
            assertEquals(259, g.getInt("tokenizer.ggml.eos_token_id"));
            assertEquals(TensorType.Q8_0, g.tensor("token_embd.weight").type());
        }
        CliTest.Result tok = run("tokenize", "-m", out.toString(), "--ids", "-p", "the the");
        assertEquals(0, tok.code(), tok.err());
        assertTrue(tok.out().contains("[257, 258]"), tok.out());
        CliTest.Result gen = run("run", "-m", out.toString(), "-p", "the the", "-n", "3", "--json");
        assertEquals(0, gen.code(), gen.err());
    }

    @Test
    void errorsGiveOneClearLine(@TempDir Path tmp) throws Exception {
        Path hf = Files.createDirectories(tmp.resolve("hf"));
        writeCheckpoint(hf);
        String o = tmp.resolve("x.gguf").toString();
        expect(2, "unknown --type 'q4_0'", "convert", hf.toString(), "-o", o, "--type", "q4_0", "--model-only");
        expect(2, "is not a directory", "convert", tmp.resolve("nope").toString(), "-o", o, "--model-only");
        Files.write(hf.resolve("model.safetensors"), new byte[]{1, 2, 3});
        expect(1, "too short", "convert", hf.toString(), "-o", o, "--model-only");
        Files.delete(hf.resolve("config.json"));
        expect(1, "config.json: no such file", "convert", hf.toString(), "-o", o, "--model-only");
        assertFalse(Files.exists(Path.of(o)));
    }

    private static void expect(int code, String message, String... args) {
        CliTest.Result r = run(args);
        assertEquals(code, r.code(), r.err());
        String last = r.err().strip().lines().reduce((a, b) -> b).orElse("");
        assertTrue(last.startsWith("error: ") && last.contains(message), r.err());
        assertFalse(r.err().contains("Exception"), "no exception class names: " + r.err());
    }
}
