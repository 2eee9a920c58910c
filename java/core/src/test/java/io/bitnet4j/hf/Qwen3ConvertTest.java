package io.bitnet4j.hf;

import io.bitnet4j.gguf.GgufFile;
import io.bitnet4j.gguf.GgufTensorInfo;
import io.bitnet4j.gguf.GgufWriter;
import io.bitnet4j.model.ModelException;
import io.bitnet4j.quantize.Quantizer;
import io.bitnet4j.tensor.Tensor;
import io.bitnet4j.tensor.TensorCodecs;
import io.bitnet4j.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static io.bitnet4j.hf.HfFamiliesTest.CTX;
import static io.bitnet4j.hf.HfFamiliesTest.TOKENS;
import static io.bitnet4j.hf.HfFamiliesTest.VOCAB;
import static io.bitnet4j.hf.HfFamiliesTest.relDiff;
import static io.bitnet4j.hf.RoundTrip.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * {@code Qwen3ForCausalLM} → {@code qwen3}: a tiny float checkpoint written here (GQA, {@code head_dim} 128 ≠
 * hidden / heads = 64, per-head {@code q_norm}/{@code k_norm}) converts to an F32 GGUF whose logits equal those
 * of the same weights written directly by this test (its own name mapping, no q/k permutation — Qwen's RoPE is
 * NEOX in GGUF too); the quantized types are byte-equal to quantizing that F32 conversion.
 */
class Qwen3ConvertTest {
    static final int HEAD_DIM = 128;

    @TempDir
    Path tmp;

    /** The checkpoint directory and, by GGUF name, the F32 values and GGUF shape the converted file must hold. */
    record Model(Path dir, Map<String, HfFamiliesTest.W> gguf) {}

    private Model write(long seed, String name, boolean tied, int ffn) throws Exception {
        Random r = new Random(seed);
        Path dir = Files.createDirectories(tmp.resolve(name));
        SafetensorsWriter st = new SafetensorsWriter().metadata("format", "pt");
        Map<String, HfFamiliesTest.W> g = new LinkedHashMap<>();
        float[] emb = bf16(gauss(r, VOCAB * H, 1, 0));
        st.addBF16("model.embed_tokens.weight", new long[]{VOCAB, H}, emb);
        g.put("token_embd.weight", new HfFamiliesTest.W(new long[]{H, VOCAB}, emb));
        int q = HEADS * HEAD_DIM, kv = KV_HEADS * HEAD_DIM;
        for (int i = 0; i < LAYERS; i++) {
            String p = "model.layers." + i + ".", b = "blk." + i + ".";
            norm(st, g, r, p + "input_layernorm.weight", b + "attn_norm.weight", H);
            proj(st, g, r, p + "self_attn.q_proj.weight", b + "attn_q.weight", q, H);
            proj(st, g, r, p + "self_attn.k_proj.weight", b + "attn_k.weight", kv, H);
            norm(st, g, r, p + "self_attn.q_norm.weight", b + "attn_q_norm.weight", HEAD_DIM);
            norm(st, g, r, p + "self_attn.k_norm.weight", b + "attn_k_norm.weight", HEAD_DIM);
            proj(st, g, r, p + "self_attn.v_proj.weight", b + "attn_v.weight", kv, H);
            proj(st, g, r, p + "self_attn.o_proj.weight", b + "attn_output.weight", H, q);
            norm(st, g, r, p + "post_attention_layernorm.weight", b + "ffn_norm.weight", H);
            proj(st, g, r, p + "mlp.gate_proj.weight", b + "ffn_gate.weight", ffn, H);
            proj(st, g, r, p + "mlp.up_proj.weight", b + "ffn_up.weight", ffn, H);
            proj(st, g, r, p + "mlp.down_proj.weight", b + "ffn_down.weight", H, ffn);
        }
        norm(st, g, r, "model.norm.weight", "output_norm.weight", H);
        if (!tied) {
            float[] head = bf16(gauss(r, VOCAB * H, 0.5, 0));
            st.addBF16("lm_head.weight", new long[]{VOCAB, H}, head);
            g.put("output.weight", new HfFamiliesTest.W(new long[]{H, VOCAB}, head));
        }
        st.write(dir.resolve("model.safetensors"));
        // as Qwen/Qwen3-0.6B's config.json spells it (attention_bias false, no rope_scaling, no sliding window)
        Files.writeString(dir.resolve("config.json"), """
                {"architectures": ["Qwen3ForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "head_dim": %d,
                 "hidden_act": "silu", "hidden_size": %d, "intermediate_size": %d, "max_position_embeddings": %d,
                 "max_window_layers": 28, "model_type": "qwen3", "num_attention_heads": %d, "num_hidden_layers": %d,
                 "num_key_value_heads": %d, "rms_norm_eps": 1e-05, "rope_scaling": null, "rope_theta": 1000000,
                 "sliding_window": null, "tie_word_embeddings": %s, "torch_dtype": "bfloat16", "use_cache": true,
                 "use_sliding_window": false, "vocab_size": %d}
                """.formatted(HEAD_DIM, H, ffn, CTX, HEADS, LAYERS, KV_HEADS, tied, VOCAB));
        return new Model(dir, g);
    }

    private static void norm(SafetensorsWriter st, Map<String, HfFamiliesTest.W> g, Random r, String hf, String gguf, int n) {
        float[] v = bf16(gauss(r, n, 0.1, 1));
        st.addBF16(hf, new long[]{n}, v);
        g.put(gguf, new HfFamiliesTest.W(new long[]{n}, v));
    }

    /** A float projection: the GGUF holds these very values (large enough that attention, hence RoPE, matters). */
    private static void proj(SafetensorsWriter st, Map<String, HfFamiliesTest.W> g, Random r, String hf, String gguf, int rows, int cols) {
        float[] w = bf16(gauss(r, rows * cols, 0.1, 0));
        st.addBF16(hf, new long[]{rows, cols}, w);
        g.put(gguf, new HfFamiliesTest.W(new long[]{cols, rows}, w));
    }

    /** The same model written directly by the test as an all-F32 qwen3 GGUF (head size in key_length/value_length). */
    private Path reference(Model m, String name) throws Exception {
        GgufWriter w = RoundTrip.reference("qwen3", CTX, 1e6f);
        w.putUInt32("qwen3.attention.key_length", HEAD_DIM);
        w.putUInt32("qwen3.attention.value_length", HEAD_DIM);
        for (var e : m.gguf().entrySet()) addF32(w, e.getKey(), e.getValue().shape(), e.getValue().v());
        Path p = tmp.resolve(name);
        w.write(p);
        return p;
    }

    private static HfConverter.Result convert(Model m, Path out, TensorType type) throws Exception {
        return HfConverter.convert(m.dir(), out, new HfConverter.Options(type, true), GgufWriter.Progress.NONE);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void f32ConversionHasTheLogitsOfTheCheckpoint(boolean tied) throws Exception {
        Model m = write(31, "hf", tied, FFN);
        Path out = tmp.resolve("out.gguf");
        HfConverter.Result r = convert(m, out, TensorType.F32);
        assertEquals("qwen3", r.architecture());
        assertEquals(m.gguf().size(), r.tensorCount());
        try (GgufFile g = GgufFile.open(out)) {
            assertEquals("qwen3", g.getString("general.architecture"));
            assertEquals(HEAD_DIM, g.getLong("qwen3.attention.key_length"));
            assertEquals(HEAD_DIM, g.getLong("qwen3.attention.value_length"));
            assertEquals(KV_HEADS, g.getLong("qwen3.attention.head_count_kv"));
            assertEquals(1e6f, g.getFloat("qwen3.rope.freq_base"));
            for (var e : m.gguf().entrySet()) {
                Tensor t = g.tensor(e.getKey());
                assertEquals(TensorType.F32, t.type(), e.getKey());
                assertArrayEquals(e.getValue().shape(), t.shape(), e.getKey());
                // BF16 → F32 is exact: every tensor, projections included, is the checkpoint's values bit for bit
                assertArrayEquals(e.getValue().v(), TensorCodecs.dequantize(t), e.getKey());
            }
        }
        assertTrue(relDiff(HfFamiliesTest.logits(out, TOKENS), HfFamiliesTest.logits(reference(m, "ref.gguf"), TOKENS)) <= 1e-4);
    }

    /** Negative control: the reference without its q/k norms gives other logits, so the comparison above sees them. */
    @Test
    void theQkNormsMatter() throws Exception {
        Model m = write(32, "hf", true, FFN);
        Map<String, HfFamiliesTest.W> flat = new LinkedHashMap<>(m.gguf());
        flat.replaceAll((k, w) -> k.endsWith("_q_norm.weight") || k.endsWith("_k_norm.weight")
                ? new HfFamiliesTest.W(w.shape(), filled(w.v().length)) : w);
        Path out = tmp.resolve("out.gguf");
        convert(m, out, TensorType.F32);
        double d = relDiff(HfFamiliesTest.logits(out, TOKENS), HfFamiliesTest.logits(reference(new Model(m.dir(), flat), "bad.gguf"), TOKENS));
        assertTrue(d > 1e-2, "relative logit difference with unit q/k norms: " + d);
    }

    private static float[] filled(int n) {
        float[] x = new float[n];
        java.util.Arrays.fill(x, 1f);
        return x;
    }

    /**
     * Float weights go through ggml's quantizer of the type (not BitNet's absmean): byte-equal to converting to F32
     * and quantizing that with {@code quantize}; norms stay F32, the embedding F16.
     */
    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q1_0", "Q2_0", "TQ2_0", "TQ1_0"})
    void quantizedTypesEqualQuantizingTheF32Conversion(TensorType type) throws Exception {
        for (boolean tied : new boolean[]{true, false}) {
            Model m = write(33, "hf-" + tied, tied, FFN);
            Path f32 = tmp.resolve("f32-" + tied + ".gguf"), conv = tmp.resolve("c-" + tied + ".gguf"), q = tmp.resolve("q-" + tied + ".gguf");
            convert(m, f32, TensorType.F32);
            convert(m, conv, type);
            Quantizer.quantize(f32, q, Quantizer.Options.of(type), GgufWriter.Progress.NONE);
            try (GgufFile a = GgufFile.open(conv); GgufFile b = GgufFile.open(q)) {
                assertEquals(b.getLong("general.file_type"), a.getLong("general.file_type"));
                assertEquals(b.tensorInfos().size(), a.tensorInfos().size());
                for (GgufTensorInfo info : b.tensorInfos()) {
                    Tensor want = b.tensor(info), got = a.tensor(info.name());
                    assertEquals(want.type(), got.type(), info.name());
                    TensorType expected = Quantizer.isLinear(info.name()) ? type
                            : info.name().startsWith("token_embd") || info.name().startsWith("output.") ? TensorType.F16 : TensorType.F32;
                    assertEquals(expected, got.type(), info.name());
                    assertEquals(-1, got.data().mismatch(want.data()), tied + " " + info.name());
                }
            }
            float[][] l = HfFamiliesTest.logits(conv, TOKENS);
            assertTrue(Float.isFinite(l[TOKENS.length - 1][0]));
        }
    }

    @Test
    void i2sIsRefusedForTheMainlineArchitecture() throws Exception {
        Model m = write(34, "hf", true, FFN);
        var e = assertThrows(ModelException.class, () -> convert(m, tmp.resolve("x.gguf"), TensorType.I2_S));
        assertTrue(e.getMessage().contains("Qwen3ForCausalLM → architecture 'qwen3' is mainline llama.cpp's, whose ggml has no I2_S")
                && e.getMessage().contains("use q1_0"), e.getMessage());
        Path f32 = tmp.resolve("f32.gguf");
        convert(m, f32, TensorType.F32);
        var q = assertThrows(ModelException.class, () -> Quantizer.check(f32, Quantizer.Options.of(TensorType.I2_S)));
        assertTrue(q.getMessage().contains("whose ggml has no I2_S"), q.getMessage());
        assertEquals(TensorType.Q1_0, HfConverter.defaultType(m.dir()));
        assertFalse(Files.exists(tmp.resolve("x.gguf")));
    }

    @Test
    void badCheckpointsGetClearErrors() throws Exception {
        Model m = write(35, "hf", true, FFN);
        Path cfg = m.dir().resolve("config.json"), st = m.dir().resolve("model.safetensors"), out = tmp.resolve("x.gguf");
        String config = Files.readString(cfg);

        // head_dim that does not fit the tensors: the shape error names the tensor and what config.json implies
        Files.writeString(cfg, config.replace("\"head_dim\": 128", "\"head_dim\": 64"));
        var shape = assertThrows(ModelException.class, () -> convert(m, out, TensorType.F32));
        assertTrue(shape.getMessage().contains("tensor model.layers.0.self_attn.q_proj.weight has shape [512, 256], config.json implies [256, 256]"),
                shape.getMessage());
        Files.writeString(cfg, config.replace("\"head_dim\": 128", "\"head_dim\": 127"));
        var odd = assertThrows(ModelException.class, () -> convert(m, out, TensorType.F32));
        assertTrue(odd.getMessage().contains("head_dim 127 is odd"), odd.getMessage());
        Files.writeString(cfg, config.replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 3"));
        var gqa = assertThrows(ModelException.class, () -> convert(m, out, TensorType.F32));
        assertTrue(gqa.getMessage().contains("num_attention_heads 4 is not a multiple of num_key_value_heads 3"), gqa.getMessage());
        Files.writeString(cfg, config.replace("\"vocab_size\"", "\"quantization_config\": {\"quant_method\": \"bitnet\"}, \"vocab_size\""));
        var qc = assertThrows(ModelException.class, () -> convert(m, out, TensorType.F32));
        assertTrue(qc.getMessage().contains("is not supported for Qwen3ForCausalLM (convert reads its float weights)"), qc.getMessage());
        Files.writeString(cfg, config);

        // a q_norm missing
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsFile f = SafetensorsFile.open(st)) {
            for (String n : f.names()) {
                SafetensorsTensor t = f.tensor(n);
                if (!n.equals("model.layers.1.self_attn.q_norm.weight")) w.add(n, t.dtype().name(), t.shape(), t.data().toArray(ValueLayout.JAVA_BYTE));
            }
        }
        w.write(st);
        var missing = assertThrows(ModelException.class, () -> convert(m, out, TensorType.F32));
        assertTrue(missing.getMessage().contains("missing tensor model.layers.1.self_attn.q_norm.weight"), missing.getMessage());
        assertFalse(Files.exists(out));
    }

    /**
     * Q1_0 blocks are 128 wide, Q2_0's 64: an FFN of 320 fits Q2_0 but not Q1_0, one of 288 neither; the error
     * names ffn_down's source.
     */
    @Test
    void rowsMustFitTheType() throws Exception {
        Model m = write(36, "hf", true, 320);
        var e = assertThrows(ModelException.class, () -> convert(m, tmp.resolve("x.gguf"), TensorType.Q1_0));
        assertTrue(e.getMessage().contains("tensor model.layers.0.mlp.down_proj.weight of shape [256, 320] cannot be Q1_0")
                && e.getMessage().contains("row length 320 is not a multiple of") && e.getMessage().contains("(use --type f16 or f32"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("x.gguf")));
        assertEquals(TensorType.Q2_0, convert(m, tmp.resolve("y.gguf"), TensorType.Q2_0).type());
        Model odd = write(37, "hf288", true, 288);
        var q2 = assertThrows(ModelException.class, () -> convert(odd, tmp.resolve("z.gguf"), TensorType.Q2_0));
        assertTrue(q2.getMessage().contains("tensor model.layers.0.mlp.down_proj.weight of shape [256, 288] cannot be Q2_0")
                && q2.getMessage().contains("block size 64"), q2.getMessage());
        assertFalse(Files.exists(tmp.resolve("z.gguf")));
    }
}
