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

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

import static io.bitnet4j.hf.RoundTrip.*;
import static org.junit.jupiter.api.Assertions.*;

/**
 * Round trips per family and weight layout: a tiny HF checkpoint written here (latent BF16 weights, or
 * ternary weights packed by this test the way transformers' {@code pack_weights} does, with a
 * {@code weight_scale}) converts to a GGUF whose logits equal those of the same ternary weights written
 * directly by this test as an F32 GGUF (its own name mapping, ternarization and — for {@code llama} —
 * q/k permutation); the ternary types hold exactly the same values (byte-equal to quantizing that F32 file).
 */
class HfFamiliesTest {
    static final int VOCAB = 64, CTX = 32;

    @TempDir
    Path tmp;

    /** A checkpoint layout under test. */
    enum Layout {
        /** microsoft/BitNet-b1.58-2B-4T: packed, AutoBitLinear (multiplies by weight_scale). */
        BITNET_B158_PACKED("BitNetForCausalLM", "bitnet-b1.58", "relu2", "self_attn.attn_sub_norm", "mlp.ffn_sub_norm", true, "autobitlinear", false, true),
        /** microsoft/BitNet-b1.58-2B-4T-bf16: latent master weights. */
        BITNET_B158_LATENT("BitNetForCausalLM", "bitnet-b1.58", "relu2", "self_attn.attn_sub_norm", "mlp.ffn_sub_norm", false, null, false, true),
        /** 1bitLLM/bitnet_b1_58-large: latent weights, SiLU, untied head, its own sub-norm names. */
        BITNET_LATENT("BitnetForCausalLM", "bitnet", "silu", "self_attn.inner_attn_ln", "mlp.ffn_layernorm", false, null, false, false),
        /** HF1BitLLM/Llama3-8B-1.58, Falcon3-1.58bit: packed, BitLinear (divides by weight_scale), q/k permuted. */
        LLAMA_PACKED("LlamaForCausalLM", "llama", "silu", null, null, true, "bitlinear", true, false),
        /** Falcon-E style: as above with no linear_class (BitLinear's default) and a tied embedding. */
        LLAMA_PACKED_TIED("LlamaForCausalLM", "llama", "silu", null, null, true, null, true, true),
        /** AutoBitLinear "online": latent weights in the checkpoint, ternarized by absmean. */
        LLAMA_ONLINE("LlamaForCausalLM", "llama", "silu", null, null, false, "autobitlinear", true, false);

        final String hfClass, gguf, act, attnSub, ffnSub, linearClass;
        final boolean packed, permute, tied;

        Layout(String hfClass, String gguf, String act, String attnSub, String ffnSub, boolean packed, String linearClass,
               boolean permute, boolean tied) {
            this.hfClass = hfClass;
            this.gguf = gguf;
            this.act = act;
            this.attnSub = attnSub;
            this.ffnSub = ffnSub;
            this.packed = packed;
            this.linearClass = linearClass;
            this.permute = permute;
            this.tied = tied;
        }

        boolean multiplies() { return "autobitlinear".equals(linearClass); }
    }

    /** One HF tensor: its shape, and the float values the model means (for projections: the effective ternary·scale). */
    record W(long[] shape, float[] v) {}

    /** A projection as stored: ternary codes and scale (packed) or latent values. */
    record Proj(int[] ternary, float scale, float[] latent) {}

    /** transformers' pack_weights: row r of [rows, cols] goes to packed row r mod rows/4, bits 2·(r div rows/4). */
    static byte[] pack(int[] t, int rows, int cols) {
        int p = rows / 4;
        byte[] out = new byte[p * cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) out[(r % p) * cols + c] |= (byte) ((t[r * cols + c] + 1) << (2 * (r / p)));
        }
        return out;
    }

    /** The test's own llama.cpp permutation: GGUF row h·d + 2i + j ← HF row h·d + j·d/2 + i. */
    static float[] permute(float[] w, int heads, int cols) {
        float[] out = new float[w.length];
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < HEAD / 2; i++)
                for (int j = 0; j < 2; j++)
                    System.arraycopy(w, (h * HEAD + j * HEAD / 2 + i) * cols, out, (h * HEAD + 2 * i + j) * cols, cols);
        return out;
    }

    /** The checkpoint directory and, by GGUF name, the F32 values (ternary·scale for projections) the GGUF must hold. */
    record Model(Path dir, Map<String, W> gguf) {}

    private Model write(Layout l, long seed, String name) throws Exception {
        return write(l, seed, name, FFN);
    }

    private Model write(Layout l, long seed, String name, int ffn) throws Exception {
        Random r = new Random(seed);
        Path dir = Files.createDirectories(tmp.resolve(name));
        SafetensorsWriter st = new SafetensorsWriter().metadata("format", "pt");
        Map<String, W> g = new LinkedHashMap<>();
        float[] emb = f16(gauss(r, VOCAB * H, 1, 0));
        st.addF32("model.embed_tokens.weight", new long[]{VOCAB, H}, emb);
        g.put("token_embd.weight", new W(new long[]{H, VOCAB}, emb));
        for (int i = 0; i < LAYERS; i++) {
            String p = "model.layers." + i + ".", b = "blk." + i + ".";
            norm(st, g, r, p + "input_layernorm.weight", b + "attn_norm.weight", H);
            proj(l, st, g, r, p + "self_attn.q_proj.weight", b + "attn_q.weight", HEADS * HEAD, H, l.permute ? HEADS : 0);
            proj(l, st, g, r, p + "self_attn.k_proj.weight", b + "attn_k.weight", KV_HEADS * HEAD, H, l.permute ? KV_HEADS : 0);
            proj(l, st, g, r, p + "self_attn.v_proj.weight", b + "attn_v.weight", KV_HEADS * HEAD, H, 0);
            proj(l, st, g, r, p + "self_attn.o_proj.weight", b + "attn_output.weight", H, HEADS * HEAD, 0);
            if (l.attnSub != null) norm(st, g, r, p + l.attnSub + ".weight", b + "attn_sub_norm.weight", HEADS * HEAD);
            norm(st, g, r, p + "post_attention_layernorm.weight", b + "ffn_norm.weight", H);
            proj(l, st, g, r, p + "mlp.gate_proj.weight", b + "ffn_gate.weight", ffn, H, 0);
            proj(l, st, g, r, p + "mlp.up_proj.weight", b + "ffn_up.weight", ffn, H, 0);
            proj(l, st, g, r, p + "mlp.down_proj.weight", b + "ffn_down.weight", H, ffn, 0);
            if (l.ffnSub != null) norm(st, g, r, p + l.ffnSub + ".weight", b + "ffn_sub_norm.weight", ffn);
        }
        norm(st, g, r, "model.norm.weight", "output_norm.weight", H);
        if (!l.tied) {
            float[] head = f16(gauss(r, VOCAB * H, 0.5, 0));
            st.addF32("lm_head.weight", new long[]{VOCAB, H}, head);
            g.put("output.weight", new W(new long[]{H, VOCAB}, head));
        }
        st.write(dir.resolve("model.safetensors"));
        String qc = l.packed || l.linearClass != null ? ", \"quantization_config\": {\"quant_method\": \"bitnet\", \"quantization_mode\": \""
                + (l.packed ? "offline" : "online") + "\""
                + (l.linearClass == null ? "" : ", \"linear_class\": \"" + l.linearClass + "\"") + "}" : "";
        Files.writeString(dir.resolve("config.json"), """
                {"architectures": ["%s"], "hidden_act": "%s", "hidden_size": %d, "intermediate_size": %d,
                 "max_position_embeddings": %d, "num_attention_heads": %d, "num_hidden_layers": %d, "num_key_value_heads": %d,
                 "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "tie_word_embeddings": %s, "vocab_size": %d%s}
                """.formatted(l.hfClass, l.act, H, ffn, CTX, HEADS, LAYERS, KV_HEADS, l.tied, VOCAB, qc));
        return new Model(dir, g);
    }

    private static void norm(SafetensorsWriter st, Map<String, W> g, Random r, String hf, String gguf, int n) {
        float[] v = gauss(r, n, 0.1, 1);
        st.addF32(hf, new long[]{n}, v);
        g.put(gguf, new W(new long[]{n}, v));
    }

    private static void proj(Layout l, SafetensorsWriter st, Map<String, W> g, Random r, String hf, String gguf,
                             int rows, int cols, int permuteHeads) {
        float[] eff;
        if (l.packed) {
            int[] t = new int[rows * cols];
            for (int i = 0; i < t.length; i++) t[i] = r.nextInt(3) - 1;
            // AutoBitLinear stores mean|W| (multiplied), BitLinear its inverse (divided by); large weights make
            // attention sharp, so that positions (RoPE, the q/k permutation) matter to the logits
            float scale = bf16(l.multiplies() ? 0.2f + 0.3f * r.nextFloat() : 2f + 3f * r.nextFloat());
            st.add(hf, "U8", new long[]{rows / 4, cols}, pack(t, rows, cols));
            st.addBF16(hf.replace(".weight", ".weight_scale"), new long[]{1}, new float[]{scale});
            eff = new float[t.length];
            for (int i = 0; i < t.length; i++) eff[i] = l.multiplies() ? t[i] * scale : t[i] / scale;
        } else {
            float[] w = bf16(gauss(r, rows * cols, 0.05, 0));
            st.addBF16(hf, new long[]{rows, cols}, w);
            eff = ternarized(w);
        }
        if (permuteHeads > 0) eff = permute(eff, permuteHeads, cols);
        g.put(gguf, new W(new long[]{cols, rows}, eff));
    }

    /** The same model written directly by the test as an all-F32 GGUF. */
    private Path reference(Layout l, Model m, String name) throws Exception {
        GgufWriter w = RoundTrip.reference(l.gguf, CTX, 10000f);
        for (var e : m.gguf().entrySet()) addF32(w, e.getKey(), e.getValue().shape(), e.getValue().v());
        Path p = tmp.resolve(name);
        w.write(p);
        return p;
    }

    static float[][] logits(Path gguf, int[] tokens) throws Exception {
        return RoundTrip.logits(gguf, tokens, CTX, VOCAB);
    }

    /** max |a − b| relative to max |b|. */
    static double relDiff(float[][] a, float[][] b) {
        double maxAbs = 0, maxDiff = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                maxAbs = Math.max(maxAbs, Math.abs(b[i][j]));
                maxDiff = Math.max(maxDiff, Math.abs(a[i][j] - b[i][j]));
            }
        }
        assertTrue(maxAbs > 0.1, "logits are not trivially zero: " + maxAbs);
        return maxDiff / maxAbs;
    }

    static final int[] TOKENS = {1, 17, 42, 5, 63, 30, 3, 11};

    @ParameterizedTest
    @EnumSource(Layout.class)
    void f32ConversionHasTheLogitsOfTheTernaryModel(Layout l) throws Exception {
        Model m = write(l, 100 + l.ordinal(), "hf");
        Path out = tmp.resolve("out.gguf");
        HfConverter.Result r = HfConverter.convert(m.dir(), out, new HfConverter.Options(TensorType.F32, true), GgufWriter.Progress.NONE);
        assertEquals(l.gguf, r.architecture());
        assertEquals(l.packed ? 7 * LAYERS : 0, r.packedCount());
        assertEquals(m.gguf().size(), r.tensorCount());
        try (GgufFile g = GgufFile.open(out)) {
            assertEquals(l.gguf, g.getString("general.architecture"));
            for (var e : m.gguf().entrySet()) {
                Tensor t = g.tensor(e.getKey());
                assertArrayEquals(e.getValue().shape(), t.shape(), e.getKey());
                if (l.packed && Quantizer.isLinear(e.getKey())) {
                    // unpacking is exact: the stored tensor is the test's ternary·scale (after its permutation) bit for bit
                    assertArrayEquals(e.getValue().v(), TensorCodecs.dequantize(t), e.getKey());
                }
            }
        }
        assertTrue(relDiff(logits(out, TOKENS), logits(reference(l, m, "ref.gguf"), TOKENS)) <= 1e-4);
    }

    /** The ternary types hold exactly the ternary values: byte-equal to quantizing the test's own F32 file. */
    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"I2_S", "TQ2_0", "TQ1_0"})
    void packedTypesEqualQuantizingTheReference(TensorType type) throws Exception {
        for (Layout l : new Layout[]{Layout.BITNET_B158_PACKED, Layout.LLAMA_PACKED}) {
            Model m = write(l, 7, "hf-" + l);
            Path conv = tmp.resolve("c-" + l + ".gguf"), q = tmp.resolve("q-" + l + ".gguf");
            HfConverter.convert(m.dir(), conv, new HfConverter.Options(type, true), GgufWriter.Progress.NONE);
            Quantizer.quantize(reference(l, m, "ref-" + l + ".gguf"), q, Quantizer.Options.of(type), GgufWriter.Progress.NONE);
            try (GgufFile a = GgufFile.open(conv); GgufFile b = GgufFile.open(q)) {
                assertEquals(b.tensorInfos().size(), a.tensorInfos().size());
                for (GgufTensorInfo info : b.tensorInfos()) {
                    Tensor want = b.tensor(info), got = a.tensor(info.name());
                    assertEquals(want.type(), got.type(), info.name());
                    assertEquals(-1, got.data().mismatch(want.data()), l + " " + info.name());
                }
            }
        }
    }

    /** Negative control: without the q/k permutation the llama reference gives other logits, so the check above can fail. */
    @Test
    void theLlamaPermutationMatters() throws Exception {
        Model m = write(Layout.LLAMA_PACKED, 5, "hf");
        Map<String, W> unpermuted = new LinkedHashMap<>(m.gguf());
        for (var e : m.gguf().entrySet()) {
            if (e.getKey().endsWith("attn_q.weight") || e.getKey().endsWith("attn_k.weight")) {
                int heads = e.getKey().endsWith("attn_q.weight") ? HEADS : KV_HEADS;
                float[] v = e.getValue().v(), back = new float[v.length];
                for (int h = 0; h < heads; h++)
                    for (int i = 0; i < HEAD / 2; i++)
                        for (int j = 0; j < 2; j++)
                            System.arraycopy(v, (h * HEAD + 2 * i + j) * H, back, (h * HEAD + j * HEAD / 2 + i) * H, H);
                assertFalse(Arrays.equals(v, back));
                unpermuted.put(e.getKey(), new W(e.getValue().shape(), back));
            }
        }
        Path out = tmp.resolve("out.gguf");
        HfConverter.convert(m.dir(), out, new HfConverter.Options(TensorType.F32, true), GgufWriter.Progress.NONE);
        double d = relDiff(logits(out, TOKENS), logits(reference(Layout.LLAMA_PACKED, new Model(m.dir(), unpermuted), "bad.gguf"), TOKENS));
        assertTrue(d > 1e-2, "relative logit difference without the permutation: " + d);
    }

    /**
     * 1bitLLM ships a SentencePiece tokenizer.model: the full conversion (no --model-only) writes it, padded to
     * vocab_size, and the converted file tokenizes by the pieces' scores and runs.
     */
    @Test
    void bitnetWithSentencePieceTokenizerConvertsTokenizesAndRuns() throws Exception {
        Model m = write(Layout.BITNET_LATENT, 12, "hf");
        java.util.List<String> pieces = new java.util.ArrayList<>(java.util.List.of("<unk>", "<s>", "</s>", "\u2581", "\u2581th", "th", "he", "\u2581the"));
        for (char c = 'a'; c <= 'z'; c++) pieces.add(String.valueOf(c));
        float[] scores = new float[pieces.size()];
        int[] types = new int[pieces.size()];
        Arrays.fill(types, 1);
        types[0] = 2;
        types[1] = types[2] = 3;
        // llama.cpp's SPM merges the best-scoring pair whose result is a piece: th (−1), then ▁th (−1.5), then ▁the (−3)
        scores[4] = -1.5f;
        scores[5] = -1f;
        scores[6] = -2f;
        scores[7] = -3f;
        for (int i = 8; i < scores.length; i++) scores[i] = -10f - i;
        Files.write(m.dir().resolve("tokenizer.model"), TokenizerFiles.sentencePiece(pieces, scores, types, 2));
        TokenizerFiles.write(m.dir().resolve("tokenizer_config.json"), Map.of("add_bos_token", true, "add_eos_token", false,
                "added_tokens_decoder", Map.of("63", Map.of("content", "<pad>", "special", true))));
        Files.writeString(m.dir().resolve("config.json"), Files.readString(m.dir().resolve("config.json"))
                .replace("\"vocab_size\"", "\"bos_token_id\": 1, \"eos_token_id\": 2, \"pad_token_id\": 63, \"vocab_size\""));
        Path out = tmp.resolve("out.gguf");
        HfConverter.Result r = HfConverter.convert(m.dir(), out, new HfConverter.Options(TensorType.I2_S, false), GgufWriter.Progress.NONE);
        assertEquals("llama", r.tokenizer().model());
        try (GgufFile g = GgufFile.open(out)) {
            assertEquals(VOCAB, g.getStringArray("tokenizer.ggml.tokens").length);
            assertEquals("[PAD40]", g.getStringArray("tokenizer.ggml.tokens")[40]);
            assertEquals("<pad>", g.getStringArray("tokenizer.ggml.tokens")[63]);
            assertEquals(63, g.getLong("tokenizer.ggml.padding_token_id"));
            var tok = io.bitnet4j.tokenizer.Tokenizers.fromGguf(g);
            assertArrayEquals(new int[]{1, 7, 7}, tok.encode("the the", true, false));
            assertArrayEquals(new int[]{4, 8 + 'i' - 'a'}, tok.encode("thi", false, false)); // ▁th + i
            assertEquals("the the", new String(tok.decodeBytes(new int[]{7, 7}, false, false), java.nio.charset.StandardCharsets.UTF_8).strip());
        }
        float[][] l = logits(out, new int[]{1, 7, 7});
        assertTrue(Float.isFinite(l[2][0]));
    }

    /** TQ1_0/TQ2_0 rows are whole blocks of 256, I2_S rows whole groups of 128; the error names the tensor. */
    @Test
    void tqRowsMustBeMultiplesOf256() throws Exception {
        // bitnet_b1_58-3B's hidden size 3200 is not a multiple of 256 (nor its FFN 8640 of 128): an FFN of 320 is
        // the same situation for ffn_down
        Model m = write(Layout.BITNET_LATENT, 3, "hf", 320);
        for (TensorType t : new TensorType[]{TensorType.TQ1_0, TensorType.TQ2_0, TensorType.I2_S}) {
            var e = assertThrows(ModelException.class, () -> HfConverter.convert(m.dir(), tmp.resolve("x.gguf"),
                    new HfConverter.Options(t, true), GgufWriter.Progress.NONE));
            assertTrue(e.getMessage().contains("tensor model.layers.0.mlp.down_proj.weight of shape [256, 320] cannot be " + t)
                    && e.getMessage().contains("row length 320 is not a multiple of")
                    && e.getMessage().contains("block size " + (t == TensorType.I2_S ? 128 : 256)), e.getMessage());
        }
        assertFalse(Files.exists(tmp.resolve("x.gguf")));
    }

    @Test
    void badPackedCheckpointsGetClearErrors() throws Exception {
        Model m = write(Layout.LLAMA_PACKED, 9, "hf");
        Path cfg = m.dir().resolve("config.json"), st = m.dir().resolve("model.safetensors"), out = tmp.resolve("x.gguf");
        String config = Files.readString(cfg);
        HfConverter.Options o = new HfConverter.Options(TensorType.I2_S, true);

        Files.writeString(cfg, config.replaceAll(", \"quantization_config\": \\{[^}]*}", ""));
        var plain = assertThrows(ModelException.class, () -> HfConverter.convert(m.dir(), out, o, GgufWriter.Progress.NONE));
        assertTrue(plain.getMessage().contains("without quantization_config.quant_method = \"bitnet\""), plain.getMessage());

        Files.writeString(cfg, config.replace("LlamaForCausalLM", "BitNetForCausalLM").replace("\"silu\"", "\"relu2\"")
                .replaceAll(", \"quantization_config\": \\{[^}]*}", ""));
        var noQc = assertThrows(ModelException.class, () -> HfConverter.convert(m.dir(), out, o, GgufWriter.Progress.NONE));
        assertTrue(noQc.getMessage().contains("is packed (U8) but config.json has no quantization_config"), noQc.getMessage());

        Files.writeString(cfg, config.replace("\"num_attention_heads\": 4", "\"num_attention_heads\": 8").replace("\"num_key_value_heads\": 2", "\"num_key_value_heads\": 4")
                .replace("\"hidden_size\": 256", "\"hidden_size\": 256, \"head_dim\": 64"));
        var shape = assertThrows(ModelException.class, () -> HfConverter.convert(m.dir(), out, o, GgufWriter.Progress.NONE));
        assertTrue(shape.getMessage().contains("q_proj.weight has shape [64, 256], config.json implies [128, 256] for weights packed 4 per byte"),
                shape.getMessage());
        Files.writeString(cfg, config);

        // drop a weight_scale; then a zero scale; then a 2-bit code 3
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsFile f = SafetensorsFile.open(st)) {
            for (String n : f.names()) {
                SafetensorsTensor t = f.tensor(n);
                if (n.equals("model.layers.1.mlp.up_proj.weight_scale")) continue;
                w.add(n, t.dtype().name(), t.shape(), t.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            }
        }
        w.write(st);
        var scale = assertThrows(ModelException.class, () -> HfConverter.convert(m.dir(), out, o, GgufWriter.Progress.NONE));
        assertTrue(scale.getMessage().contains("missing tensor model.layers.1.mlp.up_proj.weight_scale (the scale of packed"), scale.getMessage());

        w.addF32("model.layers.1.mlp.up_proj.weight_scale", new long[]{1}, new float[]{0f});
        w.write(st);
        var zero = assertThrows(ModelException.class, () -> HfConverter.convert(m.dir(), out, o, GgufWriter.Progress.NONE));
        assertTrue(zero.getMessage().contains("up_proj.weight_scale holds 0.0, not a positive scale"), zero.getMessage());
        assertFalse(Files.exists(out));
    }

    /**
     * The packed 2B-4T checkpoint is its master weights ternarized and packed offline (weight_scale = mean|W|):
     * both convert to the same ternary codes, with scales equal to rounding.
     */
    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"I2_S", "TQ2_0"})
    void packedAndMasterWeightsGiveTheSameModel(TensorType type) throws Exception {
        Model master = write(Layout.BITNET_B158_LATENT, 21, "master");
        Path packedDir = Files.createDirectories(tmp.resolve("packed"));
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsFile f = SafetensorsFile.open(master.dir().resolve("model.safetensors"))) {
            for (String n : f.names()) {
                SafetensorsTensor t = f.tensor(n);
                if (!n.endsWith("_proj.weight")) {
                    w.add(n, t.dtype().name(), t.shape(), t.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
                    continue;
                }
                float[] x = t.toFloats();
                double sum = 0;
                for (float v : x) sum += Math.abs(v);
                float mean = (float) (sum / x.length);
                int[] q = new int[x.length];
                for (int i = 0; i < x.length; i++) q[i] = (int) Math.max(-1, Math.min(1, Math.rint(x[i] / mean)));
                int rows = (int) t.shape()[0], cols = (int) t.shape()[1];
                w.add(n, "U8", new long[]{rows / 4, cols}, pack(q, rows, cols));
                w.addF32(n.replace(".weight", ".weight_scale"), new long[]{1}, new float[]{mean});
            }
        }
        w.write(packedDir.resolve("model.safetensors"));
        Files.writeString(packedDir.resolve("config.json"), Files.readString(master.dir().resolve("config.json")).replace("\"vocab_size\"",
                "\"quantization_config\": {\"quant_method\": \"bitnet\", \"linear_class\": \"autobitlinear\", \"quantization_mode\": \"offline\"}, \"vocab_size\""));

        Path a = tmp.resolve("a.gguf"), b = tmp.resolve("b.gguf");
        HfConverter.convert(master.dir(), a, new HfConverter.Options(type, true), GgufWriter.Progress.NONE);
        assertEquals(7 * LAYERS, HfConverter.convert(packedDir, b, new HfConverter.Options(type, true), GgufWriter.Progress.NONE).packedCount());
        try (GgufFile ga = GgufFile.open(a); GgufFile gb = GgufFile.open(b)) {
            for (GgufTensorInfo info : ga.tensorInfos()) {
                Tensor ta = ga.tensor(info), tb = gb.tensor(info.name());
                assertEquals(ta.type(), tb.type());
                if (!Quantizer.isLinear(info.name())) {
                    assertEquals(-1, ta.data().mismatch(tb.data()), info.name());
                    continue;
                }
                float[] x = TensorCodecs.dequantize(ta), y = TensorCodecs.dequantize(tb);
                float max = 0;
                for (float v : x) max = Math.max(max, Math.abs(v));
                for (int i = 0; i < x.length; i++) {
                    assertEquals(Math.signum(x[i]), Math.signum(y[i]), info.name() + "[" + i + "]");
                    assertEquals(x[i], y[i], 1e-3 * max, info.name() + "[" + i + "]");
                }
            }
        }
    }

    @Test
    void unsupportedRopeScalingAndBiasesAreNamed() throws Exception {
        Model m = write(Layout.LLAMA_PACKED, 13, "hf");
        Path cfg = m.dir().resolve("config.json"), out = tmp.resolve("x.gguf");
        String config = Files.readString(cfg);
        HfConverter.Options o = new HfConverter.Options(TensorType.F32, true);
        Files.writeString(cfg, config.replace("\"vocab_size\"", "\"rope_scaling\": {\"rope_type\": \"llama3\", \"factor\": 8.0}, \"vocab_size\""));
        var rope = assertThrows(ModelException.class, () -> HfConverter.convert(m.dir(), out, o, GgufWriter.Progress.NONE));
        assertTrue(rope.getMessage().contains("rope_scaling") && rope.getMessage().contains("llama3"), rope.getMessage());
        Files.writeString(cfg, config.replace("\"vocab_size\"", "\"rope_scaling\": {\"type\": \"linear\", \"factor\": 1.0}, \"vocab_size\""));
        HfConverter.convert(m.dir(), out, o, GgufWriter.Progress.NONE); // the identity scaling (1bitLLM's GGUF writes it) is fine

        Path st = m.dir().resolve("model.safetensors");
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsFile f = SafetensorsFile.open(st)) {
            for (String n : f.names()) {
                SafetensorsTensor t = f.tensor(n);
                w.add(n, t.dtype().name(), t.shape(), t.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
            }
        }
        w.addF32("model.layers.0.self_attn.v_proj.bias", new long[]{KV_HEADS * HEAD}, new float[KV_HEADS * HEAD]);
        w.write(st);
        var bias = assertThrows(ModelException.class, () -> HfConverter.convert(m.dir(), out, o, GgufWriter.Progress.NONE));
        assertTrue(bias.getMessage().contains("model.layers.0.self_attn.v_proj.bias: projection biases are not supported"), bias.getMessage());
    }

    @Test
    void pickleOnlyCheckpointsAreNamed() throws Exception {
        Model m = write(Layout.BITNET_LATENT, 14, "hf");
        Files.move(m.dir().resolve("model.safetensors"), m.dir().resolve("pytorch_model.bin"));
        var e = assertThrows(HfFormatException.class, () -> HfConverter.convert(m.dir(), tmp.resolve("x.gguf"),
                new HfConverter.Options(TensorType.I2_S, true), GgufWriter.Progress.NONE));
        assertTrue(e.getMessage().contains("neither model.safetensors.index.json nor model.safetensors found (only PyTorch pickle"), e.getMessage());
    }

    @Test
    void offlineLlamaNeedsPackedProjections() throws Exception {
        Model m = write(Layout.LLAMA_ONLINE, 8, "hf");
        Path cfg = m.dir().resolve("config.json");
        Files.writeString(cfg, Files.readString(cfg).replace("\"online\"", "\"offline\""));
        var e = assertThrows(ModelException.class, () -> HfConverter.convert(m.dir(), tmp.resolve("x.gguf"),
                new HfConverter.Options(TensorType.I2_S, true), GgufWriter.Progress.NONE));
        assertTrue(e.getMessage().contains("q_proj.weight is BF16, not packed; an offline bitnet-quantized LlamaForCausalLM"), e.getMessage());
    }

    @Test
    void packedCodeThreeIsRejected() throws Exception {
        Model m = write(Layout.BITNET_B158_PACKED, 4, "hf");
        Path st = m.dir().resolve("model.safetensors");
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsFile f = SafetensorsFile.open(st)) {
            for (String n : f.names()) {
                SafetensorsTensor t = f.tensor(n);
                byte[] b = t.data().toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
                if (n.equals("model.layers.0.mlp.gate_proj.weight")) b[5] = (byte) 0xFF;
                w.add(n, t.dtype().name(), t.shape(), b);
            }
        }
        w.write(st);
        var e = assertThrows(ModelException.class, () -> HfConverter.convert(m.dir(), tmp.resolve("x.gguf"),
                new HfConverter.Options(TensorType.TQ2_0, true), GgufWriter.Progress.NONE));
        assertTrue(e.getMessage().contains("model.layers.0.mlp.gate_proj.weight: 2-bit code 3 at packed row 0, column 5"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("x.gguf")));
    }
}
