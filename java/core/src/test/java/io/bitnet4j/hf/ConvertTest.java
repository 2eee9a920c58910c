package io.bitnet4j.hf;

import io.bitnet4j.gguf.GgufFile;
import io.bitnet4j.gguf.GgufTensorInfo;
import io.bitnet4j.gguf.GgufWriter;
import io.bitnet4j.model.ModelConfig;
import io.bitnet4j.model.ModelException;
import io.bitnet4j.quantize.Quantizer;
import io.bitnet4j.tensor.Tensor;
import io.bitnet4j.tensor.TensorCodecs;
import io.bitnet4j.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static io.bitnet4j.hf.RoundTrip.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * A tiny HF-layout BitNet checkpoint written here converts to a GGUF whose logits equal those of the
 * same absmean-ternarized weights written directly (by this test, with its own name mapping and
 * ternarization) as an F32 GGUF; the packed types hold exactly those ternary weights.
 */
class ConvertTest {
    static final int VOCAB = 96, CTX = 64;

    @TempDir
    Path tmp;

    /** HF name → values (row-major) and shape. */
    record W(long[] shape, float[] v) {}

    /** The checkpoint: projections BF16 (as the -bf16 master weights), norms F32, embedding F16-exact F32. */
    private Map<String, W> weights(long seed) {
        Random r = new Random(seed);
        Map<String, W> m = new LinkedHashMap<>();
        m.put("model.embed_tokens.weight", new W(new long[]{VOCAB, H}, f16(gauss(r, VOCAB * H, 1, 0))));
        for (int i = 0; i < LAYERS; i++) {
            String p = "model.layers." + i + ".";
            m.put(p + "input_layernorm.weight", new W(new long[]{H}, gauss(r, H, 0.1, 1)));
            m.put(p + "self_attn.q_proj.weight", new W(new long[]{HEADS * HEAD, H}, bf16(gauss(r, H * H, 0.05, 0))));
            m.put(p + "self_attn.k_proj.weight", new W(new long[]{KV_HEADS * HEAD, H}, bf16(gauss(r, KV_HEADS * HEAD * H, 0.05, 0))));
            m.put(p + "self_attn.v_proj.weight", new W(new long[]{KV_HEADS * HEAD, H}, bf16(gauss(r, KV_HEADS * HEAD * H, 0.05, 0))));
            m.put(p + "self_attn.o_proj.weight", new W(new long[]{H, HEADS * HEAD}, bf16(gauss(r, H * H, 0.05, 0))));
            m.put(p + "self_attn.attn_sub_norm.weight", new W(new long[]{H}, gauss(r, H, 0.1, 1)));
            m.put(p + "post_attention_layernorm.weight", new W(new long[]{H}, gauss(r, H, 0.1, 1)));
            m.put(p + "mlp.gate_proj.weight", new W(new long[]{FFN, H}, bf16(gauss(r, FFN * H, 0.05, 0))));
            m.put(p + "mlp.up_proj.weight", new W(new long[]{FFN, H}, bf16(gauss(r, FFN * H, 0.05, 0))));
            m.put(p + "mlp.down_proj.weight", new W(new long[]{H, FFN}, bf16(gauss(r, FFN * H, 0.05, 0))));
            m.put(p + "mlp.ffn_sub_norm.weight", new W(new long[]{FFN}, gauss(r, FFN, 0.1, 1)));
        }
        m.put("model.norm.weight", new W(new long[]{H}, gauss(r, H, 0.1, 1)));
        return m;
    }

    private static boolean isProjection(String hfName) {
        return hfName.endsWith("_proj.weight");
    }

    static final String CONFIG = """
            {"architectures": ["BitNetForCausalLM"], "hidden_act": "relu2", "hidden_size": %d, "intermediate_size": %d,
             "max_position_embeddings": %d, "num_attention_heads": %d, "num_hidden_layers": %d, "num_key_value_heads": %d,
             "rms_norm_eps": 1e-05, "rope_theta": 500000.0, "tie_word_embeddings": true, "vocab_size": %d}
            """.formatted(H, FFN, CTX, HEADS, LAYERS, KV_HEADS, VOCAB);

    /** Writes the checkpoint as two shards with an index (the projections in BF16). */
    private Path checkpoint(Map<String, W> m) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("hf"));
        Files.writeString(dir.resolve("config.json"), CONFIG);
        SafetensorsWriter a = new SafetensorsWriter().metadata("format", "pt"), b = new SafetensorsWriter();
        StringBuilder idx = new StringBuilder("{\"metadata\": {}, \"weight_map\": {");
        int i = 0;
        for (var e : m.entrySet()) {
            boolean first = i++ % 2 == 0;
            SafetensorsWriter w = first ? a : b;
            if (isProjection(e.getKey())) w.addBF16(e.getKey(), e.getValue().shape(), e.getValue().v());
            else w.addF32(e.getKey(), e.getValue().shape(), e.getValue().v());
            idx.append(i > 1 ? "," : "").append('"').append(e.getKey()).append("\": \"")
                    .append(first ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors").append('"');
        }
        a.write(dir.resolve("model-00001-of-00002.safetensors"));
        b.write(dir.resolve("model-00002-of-00002.safetensors"));
        Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX), idx.append("}}").toString());
        return dir;
    }

    private static final Map<String, String> NAMES = Map.ofEntries(
            Map.entry("input_layernorm", "attn_norm"), Map.entry("self_attn.q_proj", "attn_q"),
            Map.entry("self_attn.k_proj", "attn_k"), Map.entry("self_attn.v_proj", "attn_v"),
            Map.entry("self_attn.o_proj", "attn_output"), Map.entry("self_attn.attn_sub_norm", "attn_sub_norm"),
            Map.entry("post_attention_layernorm", "ffn_norm"), Map.entry("mlp.gate_proj", "ffn_gate"),
            Map.entry("mlp.up_proj", "ffn_up"), Map.entry("mlp.down_proj", "ffn_down"),
            Map.entry("mlp.ffn_sub_norm", "ffn_sub_norm"));

    static String ggufName(String hf) {
        if (hf.equals("model.embed_tokens.weight")) return "token_embd.weight";
        if (hf.equals("model.norm.weight")) return "output_norm.weight";
        String rest = hf.substring("model.layers.".length());
        int dot = rest.indexOf('.');
        String sub = rest.substring(dot + 1, rest.length() - ".weight".length());
        return "blk." + rest.substring(0, dot) + "." + NAMES.get(sub) + ".weight";
    }

    /** The same model, ternarized here and written directly as an all-F32 GGUF. */
    private Path referenceGguf(Map<String, W> m) throws Exception {
        GgufWriter w = RoundTrip.reference("bitnet-b1.58", CTX, 500000f);
        for (var e : m.entrySet()) {
            float[] v = isProjection(e.getKey()) ? ternarized(e.getValue().v()) : e.getValue().v();
            long[] s = e.getValue().shape();
            addF32(w, ggufName(e.getKey()), s.length == 2 ? new long[]{s[1], s[0]} : s, v);
        }
        Path p = tmp.resolve("reference-f32.gguf");
        w.write(p);
        return p;
    }

    private static float[][] logits(Path gguf, int[] tokens) throws Exception {
        return RoundTrip.logits(gguf, tokens, CTX, VOCAB);
    }

    @Test
    void f32ConversionHasTheLogitsOfTheTernarizedModel() throws Exception {
        Map<String, W> m = weights(7);
        Path dir = checkpoint(m);
        Path out = tmp.resolve("out-f32.gguf");
        long[] last = {-1, -2};
        HfConverter.Result r = HfConverter.convert(dir, out, new HfConverter.Options(TensorType.F32, true),
                (d, t) -> { last[0] = d; last[1] = t; });
        assertEquals(2 + LAYERS * 11, r.tensorCount());
        assertEquals(last[1], last[0], "progress ends at 100%");
        int[] tokens = {1, 17, 42, 5, 95, 60, 3, 11};
        float[][] got = logits(out, tokens), want = logits(referenceGguf(m), tokens);
        double maxAbs = 0, maxDiff = 0;
        for (int i = 0; i < tokens.length; i++) {
            for (int j = 0; j < VOCAB; j++) {
                maxAbs = Math.max(maxAbs, Math.abs(want[i][j]));
                maxDiff = Math.max(maxDiff, Math.abs(got[i][j] - want[i][j]));
            }
        }
        assertTrue(maxAbs > 0.1, "logits are not trivially zero: " + maxAbs);
        assertTrue(maxDiff <= 1e-4 * maxAbs, "max |diff| " + maxDiff + " vs max |logit| " + maxAbs);
        try (GgufFile g = GgufFile.open(out)) {
            ModelConfig c = ModelConfig.from(g);
            assertEquals(HEADS, c.headCount());
            assertEquals(KV_HEADS, c.headCountKv());
            assertEquals(CTX, c.contextLength());
            assertEquals(VOCAB, c.vocabSize());
            assertEquals(500000f, c.ropeTheta());
        }
    }

    /** The packed types hold exactly the ternary weights: the same bytes as quantizing the F32 conversion. */
    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"I2_S", "TQ2_0", "TQ1_0"})
    void packedTypesEqualQuantizingTheF32Conversion(TensorType type) throws Exception {
        Path dir = checkpoint(weights(11));
        Path f32 = tmp.resolve("f32.gguf"), packed = tmp.resolve("packed.gguf"), quantized = tmp.resolve("q.gguf");
        HfConverter.convert(dir, f32, new HfConverter.Options(TensorType.F32, true), GgufWriter.Progress.NONE);
        HfConverter.convert(dir, packed, new HfConverter.Options(type, true), GgufWriter.Progress.NONE);
        Quantizer.quantize(f32, quantized, Quantizer.Options.of(type), GgufWriter.Progress.NONE);
        try (GgufFile a = GgufFile.open(packed); GgufFile b = GgufFile.open(quantized)) {
            assertEquals(b.tensorInfos().size(), a.tensorInfos().size());
            for (GgufTensorInfo info : b.tensorInfos()) {
                Tensor want = b.tensor(info), got = a.tensor(info.name());
                assertEquals(want.type(), got.type(), info.name());
                assertArrayEquals(want.shape(), got.shape(), info.name());
                assertEquals(-1, got.data().mismatch(want.data()), info.name());
            }
            assertEquals(ModelConfig.from(b), ModelConfig.from(a));
        }
    }

    /** --embedding-type: convert writes token_embd exactly as quantize makes it from the F32 conversion. */
    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q8_0", "Q6_K"})
    void embeddingTypesEqualQuantizingTheF32Conversion(TensorType embd) throws Exception {
        Path dir = checkpoint(weights(13));
        Path f32 = tmp.resolve("f32.gguf"), converted = tmp.resolve("c.gguf"), quantized = tmp.resolve("q.gguf");
        HfConverter.convert(dir, f32, new HfConverter.Options(TensorType.F32, true), GgufWriter.Progress.NONE);
        HfConverter.convert(dir, converted, new HfConverter.Options(TensorType.TQ2_0, embd, true), GgufWriter.Progress.NONE);
        Quantizer.quantize(f32, quantized, new Quantizer.Options(TensorType.TQ2_0, embd, null), GgufWriter.Progress.NONE);
        try (GgufFile a = GgufFile.open(converted); GgufFile b = GgufFile.open(quantized)) {
            assertEquals(embd, a.tensor("token_embd.weight").type());
            for (GgufTensorInfo info : b.tensorInfos()) {
                assertEquals(-1, a.tensor(info.name()).data().mismatch(b.tensor(info).data()), info.name());
            }
        }
    }

    @Test
    void f16ProjectionsAreTheRoundedTernaryValues() throws Exception {
        Map<String, W> m = weights(3);
        Path out = tmp.resolve("f16.gguf");
        HfConverter.convert(checkpoint(m), out, new HfConverter.Options(TensorType.F16, true), GgufWriter.Progress.NONE);
        try (GgufFile g = GgufFile.open(out)) {
            for (var e : m.entrySet()) {
                Tensor t = g.tensor(ggufName(e.getKey()));
                float[] want = isProjection(e.getKey()) ? f16(ternarized(e.getValue().v())) : e.getValue().v();
                assertEquals(isProjection(e.getKey()) || e.getKey().contains("embed") ? TensorType.F16 : TensorType.F32, t.type(), t.name());
                float[] got = TensorCodecs.dequantize(t);
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], got[i], Math.ulp(want[i]), t.name() + "[" + i + "]");
                }
            }
        }
    }

    @Test
    void refusesAMissingTokenizerAndNamesBadInput() throws Exception {
        Map<String, W> m = weights(5);
        Path dir = checkpoint(m);
        Path out = tmp.resolve("x.gguf");
        var e = assertThrows(HfFormatException.class,
                () -> HfConverter.convert(dir, out, new HfConverter.Options(TensorType.I2_S, false), GgufWriter.Progress.NONE));
        assertTrue(e.getMessage().contains("no tokenizer") && e.getMessage().contains("--model-only"), e.getMessage());
        assertFalse(Files.exists(out));
        assertThrows(IllegalArgumentException.class, () -> new HfConverter.Options(TensorType.Q8_0, true));

        Files.writeString(dir.resolve("config.json"), CONFIG.replace("\"intermediate_size\": 512", "\"intermediate_size\": 768"));
        var shape = assertThrows(ModelException.class,
                () -> HfConverter.convert(dir, out, new HfConverter.Options(TensorType.TQ2_0, true), GgufWriter.Progress.NONE));
        assertTrue(shape.getMessage().contains("model.layers.0.mlp.gate_proj.weight has shape [512, 256], config.json implies [768, 256]"),
                shape.getMessage());
        Files.writeString(dir.resolve("config.json"), CONFIG.replace("BitNetForCausalLM", "LlamaForCausalLM"));
        var arch = assertThrows(ModelException.class,
                () -> HfConverter.convert(dir, out, new HfConverter.Options(TensorType.TQ2_0, true), GgufWriter.Progress.NONE));
        assertTrue(arch.getMessage().contains("LlamaForCausalLM"), arch.getMessage());
        Files.writeString(dir.resolve("config.json"), CONFIG.replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3"));
        var missing = assertThrows(ModelException.class,
                () -> HfConverter.convert(dir, out, new HfConverter.Options(TensorType.TQ2_0, true), GgufWriter.Progress.NONE));
        assertTrue(missing.getMessage().contains("missing tensor model.layers.2.input_layernorm.weight"), missing.getMessage());
        assertFalse(Files.exists(out));
    }
}
