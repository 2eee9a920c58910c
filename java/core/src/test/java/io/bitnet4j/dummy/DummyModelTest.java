package io.bitnet4j.dummy;

import io.bitnet4j.engine.LoadOptions;
import io.bitnet4j.engine.LoadedModel;
import io.bitnet4j.generation.GenerationResult;
import io.bitnet4j.generation.Generator;
import io.bitnet4j.generation.Sampler;
import io.bitnet4j.generation.SamplerParams;
import io.bitnet4j.gguf.GgufFile;
import io.bitnet4j.gguf.GgufTensorInfo;
import io.bitnet4j.gguf.GgufWriter;
import io.bitnet4j.graph.Forward;
import io.bitnet4j.graph.KvCache;
import io.bitnet4j.kernels.KernelSelector;
import io.bitnet4j.kernels.KernelTier;
import io.bitnet4j.model.Architecture;
import io.bitnet4j.model.LayerWeights;
import io.bitnet4j.model.ModelConfig;
import io.bitnet4j.tensor.TensorCodecs;
import io.bitnet4j.tensor.TensorType;
import io.bitnet4j.tokenizer.TokenType;
import io.bitnet4j.tokenizer.Tokenizer;
import io.bitnet4j.tokenizer.Tokenizers;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Dummy models: they load, generate the same tokens on every kernel tier, and hold what the loader expects. */
class DummyModelTest {

    /** Two layers, GQA 4/2, FFN 512 (a multiple of TQ's 256), a small vocabulary. */
    static final DummyShape SMALL = DummyShape.preset("tiny").withLayers(2).withVocab(1024);
    static final long SEED = 1234;

    @TempDir
    static Path dir;
    static final Map<TensorType, Path> FILES = new EnumMap<>(TensorType.class);

    @BeforeAll
    static void generate() throws IOException {
        for (TensorType t : List.of(TensorType.I2_S, TensorType.TQ2_0, TensorType.TQ1_0)) {
            Path p = dir.resolve("small-" + t.typeName() + ".gguf");
            DummyModel.write(p, SMALL, t, SEED, GgufWriter.Progress.NONE);
            FILES.put(t, p);
        }
    }

    static int[] greedy(Path model, KernelTier tier, String prompt, int n) throws IOException {
        try (LoadedModel m = LoadedModel.open(model, LoadOptions.defaults().withThreads(2).withKernels(tier));
             Forward f = m.newForward(128);
             KvCache cache = m.newKvCache(128)) {
            int[] ids = m.tokenizer().encode(prompt, true, false);
            GenerationResult r = new Generator(f, cache).generate(ids, n,
                    new Sampler(SamplerParams.GREEDY, m.config().vocabSize()), id -> false, id -> true, null);
            assertEquals(n, r.generated().length);
            return r.generated();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"i2_s", "tq2_0", "tq1_0"})
    void generatesTheSameGreedyTokensOnEveryTier(String type) throws IOException {
        Path model = FILES.get(TensorType.valueOf(type.toUpperCase()));
        int[] scalar = greedy(model, KernelTier.SCALAR, "Once upon a time", 12);
        int tiers = 0;
        for (KernelTier tier : KernelTier.values()) {
            if (tier == KernelTier.SCALAR || !KernelSelector.isAvailable(tier)) continue;
            assertArrayEquals(scalar, greedy(model, tier, "Once upon a time", 12), type + " on tier " + tier);
            tiers++;
        }
        System.out.println(type + ": greedy ids " + Arrays.toString(scalar) + " identical on scalar + " + tiers + " other tier(s)");
        // random weights must still give a prompt-dependent, not constant, continuation
        assertFalse(Arrays.equals(scalar, greedy(model, KernelTier.SCALAR, "The quick brown fox", 12)));
    }

    @Test
    void tq1AndTq2HoldTheSameWeightsAndGiveTheSameTokens() throws IOException {
        // llama.cpp's TQ1_0 and TQ2_0 paths quantize activations alike, so equal weights give equal tokens
        assertArrayEquals(greedy(FILES.get(TensorType.TQ2_0), KernelTier.SCALAR, "Hello world", 8),
                greedy(FILES.get(TensorType.TQ1_0), KernelTier.SCALAR, "Hello world", 8));
        try (GgufFile a = GgufFile.open(FILES.get(TensorType.I2_S));
             GgufFile b = GgufFile.open(FILES.get(TensorType.TQ2_0));
             GgufFile c = GgufFile.open(FILES.get(TensorType.TQ1_0))) {
            for (String name : List.of("blk.0.attn_q.weight", "blk.1.attn_k.weight", "blk.1.ffn_down.weight")) {
                float[] i2 = TensorCodecs.dequantize(a.tensor(name));
                assertArrayEquals(i2, TensorCodecs.dequantize(b.tensor(name)), name + " I2_S vs TQ2_0");
                assertArrayEquals(i2, TensorCodecs.dequantize(c.tensor(name)), name + " I2_S vs TQ1_0");
                assertTernary(name, i2);
            }
        }
    }

    /** Values s·t with t ∈ {−1, 0, 1}, each trit about a third of the time. */
    static void assertTernary(String name, float[] w) {
        float s = 0;
        for (float v : w) s = Math.max(s, Math.abs(v));
        assertTrue(s > 0, name);
        int[] counts = new int[3];
        for (float v : w) {
            assertTrue(v == 0 || v == s || v == -s, name + ": value " + v + " is not 0 or ±" + s);
            counts[v == 0 ? 1 : v > 0 ? 2 : 0]++;
        }
        for (int c : counts) assertTrue(Math.abs(c - w.length / 3.0) < w.length * 0.02, name + ": trit counts " + Arrays.toString(counts));
    }

    @Test
    void metadataAndTensorsAreWhatTheLoaderReads() throws IOException {
        try (GgufFile g = GgufFile.open(FILES.get(TensorType.I2_S))) {
            ModelConfig c = ModelConfig.from(g);
            assertEquals("bitnet-b1.58", c.architectureName());
            assertEquals(SMALL.hidden(), c.embeddingLength());
            assertEquals(SMALL.layers(), c.blockCount());
            assertEquals(SMALL.heads(), c.headCount());
            assertEquals(SMALL.kvHeads(), c.headCountKv());
            assertEquals(SMALL.ffn(), c.feedForwardLength());
            assertEquals(SMALL.vocab(), c.vocabSize());
            assertEquals(SMALL.context(), c.contextLength());
            assertEquals(SMALL.ropeTheta(), c.ropeTheta());
            assertEquals(SMALL.headSize(), c.ropeDim());
            assertEquals(40, g.getInt("general.file_type"));
            assertEquals(2, g.getInt("general.quantization_version"));
            assertEquals(SMALL.vocab(), g.getInt("bitnet-b1.58.vocab_size"));
            assertTrue(g.findTensor("output.weight").isEmpty(), "output is tied to token_embd");
            assertEquals(TensorType.F16, g.tensor("token_embd.weight").type());
            assertEquals(TensorType.F32, g.tensor("blk.1.ffn_sub_norm.weight").type());
            assertEquals(TensorType.I2_S, g.tensor("blk.1.ffn_down.weight").type());
            assertArrayEquals(new long[] {SMALL.ffn(), SMALL.hidden()}, g.tensor("blk.1.ffn_down.weight").shape());
            assertArrayEquals(new long[] {SMALL.hidden(), SMALL.kvDim()}, g.tensor("blk.0.attn_v.weight").shape());
            assertEquals(2 + 11 * SMALL.layers(), g.tensorInfos().size());
            long params = 0;
            for (GgufTensorInfo t : g.tensorInfos()) params += Arrays.stream(t.shape()).reduce(1, (x, y) -> x * y);
            assertEquals(SMALL.parameters(), params);
        }
        try (GgufFile g = GgufFile.open(FILES.get(TensorType.TQ1_0))) {
            assertEquals(36, g.getInt("general.file_type"));
        }
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherWeights() throws IOException {
        Path again = dir.resolve("again.gguf"), other = dir.resolve("other.gguf");
        DummyModel.write(again, SMALL, TensorType.I2_S, SEED, GgufWriter.Progress.NONE);
        DummyModel.write(other, SMALL, TensorType.I2_S, SEED + 1, GgufWriter.Progress.NONE);
        assertEquals(-1, Files.mismatch(FILES.get(TensorType.I2_S), again));
        try (GgufFile a = GgufFile.open(again); GgufFile b = GgufFile.open(other)) {
            assertFalse(Arrays.equals(TensorCodecs.dequantize(a.tensor("blk.0.attn_q.weight")),
                    TensorCodecs.dequantize(b.tensor("blk.0.attn_q.weight"))));
        }
    }

    @Test
    void tokenizerRoundTripsTextAndKnowsEnglishWords() throws IOException {
        try (GgufFile g = GgufFile.open(FILES.get(TensorType.I2_S))) {
            Tokenizer t = Tokenizers.fromGguf(g);
            assertEquals(SMALL.vocab(), t.vocabSize());
            for (String text : List.of("Once upon a time, there was a little dragon.", "Hello world!\n\n  x = 12345;",
                    "naïve café — 東京 🙂", "I've been told he's there", "")) {
                assertEquals(text, t.decode(t.encode(text), false, false), "round trip of " + text);
            }
            assertEquals(1, t.encode(" the").length, "' the' is one token");
            assertEquals(1, t.encode(" time").length, "' time' is one token");
            int[] withBos = t.encode("Hi", true, false);
            assertEquals(t.bosId(), withBos[0]);
            assertEquals("<|begin_of_text|>", t.tokenText(t.bosId()));
            assertEquals("<|eot_id|>", t.tokenText(t.eotId()));
            assertTrue(t.isEndOfGeneration(t.eotId()));
        }
    }

    @Test
    void llama3SizedVocabularyHasTheSpecialTokensAtLlama3Ids() {
        DummyVocabulary v = DummyVocabulary.build(DummyVocabulary.LLAMA3_SIZE);
        assertEquals(128256, v.size());
        assertEquals(128000, v.bosId());
        assertEquals(128001, v.eosId());
        assertEquals(128009, v.eotId());
        assertEquals("<|start_header_id|>", v.tokens().get(128006));
        assertEquals("<|reserved_special_token_250|>", v.tokens().get(128255));
        assertEquals("!", v.tokens().get(0), "GPT-2 byte order: '!' first");
        Set<String> distinct = new HashSet<>(v.tokens());
        assertEquals(v.size(), distinct.size(), "token texts are distinct");
        for (int i = 0; i < 128000; i++) assertEquals(TokenType.NORMAL.code(), v.tokenTypes()[i], "token " + i);
        // every merge joins two tokens into a token
        for (String m : v.merges()) {
            int sp = m.indexOf(' ', 1);
            String l = m.substring(0, sp), r = m.substring(sp + 1);
            assertTrue(distinct.contains(l) && distinct.contains(r) && distinct.contains(l + r), m);
        }
    }

    @Test
    void shapeProblemsAreNamed() {
        DummyShape s = DummyShape.preset("125M");
        assertNotNull(s.withFfn(3000).problem(TensorType.I2_S));
        assertTrue(s.withFfn(3200).problem(TensorType.TQ2_0).contains("multiple of 256"), s.withFfn(3200).problem(TensorType.TQ2_0));
        assertEquals(null, s.withFfn(3200).problem(TensorType.I2_S), "3200 = 25 × 128 fits I2_S");
        assertTrue(s.withHeads(12, 5).problem(TensorType.I2_S).contains("K/V head count"));
        assertTrue(s.problem(TensorType.F16).contains("not a projection type"));
        assertTrue(s.problem(TensorType.Q1_0).contains("not a projection type"), "Q1_0 is mainline's only");
        assertTrue(DummyShape.preset("qwen3", "tiny").problem(TensorType.I2_S).contains("not a projection type"));
        assertTrue(s.withVocab(100).problem(TensorType.I2_S).contains("vocabulary size"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DummyShape.preset("5B"));
        assertTrue(e.getMessage().contains("2B-4T"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> DummyModel.write(dir.resolve("missing/x.gguf"), SMALL,
                TensorType.I2_S, 1, GgufWriter.Progress.NONE));
        for (String arch : DummyShape.architectures()) {
            for (String size : DummyShape.sizes(arch)) {
                DummyShape shape = DummyShape.preset(arch, size);
                for (TensorType t : shape.types()) assertEquals(null, shape.problem(t), arch + " " + size + " " + t);
            }
        }
        e = assertThrows(IllegalArgumentException.class, () -> DummyShape.preset("qwen3", "125M"));
        assertTrue(e.getMessage().contains("1.7B, 4B, 8B, tiny"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DummyShape.preset("llama", "tiny"));
        assertTrue(e.getMessage().contains("bitnet-b1.58, qwen3"), e.getMessage());
    }

    /** Two qwen3 layers, GQA 4/2, head size 128 (attention width 512 over hidden 256). */
    static final DummyShape QWEN3 = DummyShape.preset("qwen3", "tiny").withLayers(2).withVocab(1024);

    /** A small qwen3 dummy loads as qwen3 (q/k norms, head size apart) and generates the same tokens on every tier. */
    @ParameterizedTest
    @ValueSource(strings = {"q1_0", "q2_0", "tq2_0", "tq1_0"})
    void qwen3DummyLoadsAndGeneratesTheSameTokensOnEveryTier(String type) throws IOException {
        TensorType t = TensorType.valueOf(type.toUpperCase());
        Path model = dir.resolve("qwen3-" + type + ".gguf");
        DummyModel.Result r = DummyModel.write(model, QWEN3, t, SEED, GgufWriter.Progress.NONE);
        assertEquals(QWEN3.parameters(), r.parameters());
        try (LoadedModel m = LoadedModel.open(model, LoadOptions.defaults().withThreads(1))) {
            assertEquals(Architecture.QWEN3, m.config().architecture());
            assertEquals(128, m.config().headSize());
            assertEquals(512, m.config().qDim());
            LayerWeights l = m.weights().layers().get(1);
            assertEquals(128, l.attnQNorm().length);
            assertEquals(128, l.attnKNorm().length);
            assertEquals(null, l.attnSubNorm());
            assertEquals(t, l.wq().type());
            assertEquals(QWEN3.embeddingType(t), m.weights().tokenEmbedding().type(), "embedding (and tied head)");
        }
        int[] scalar = greedy(model, KernelTier.SCALAR, "Once upon a time", 12);
        for (KernelTier tier : KernelTier.values()) {
            if (tier == KernelTier.SCALAR || !KernelSelector.isAvailable(tier)) continue;
            assertArrayEquals(scalar, greedy(model, tier, "Once upon a time", 12), "qwen3 " + type + " on tier " + tier);
        }
        assertFalse(Arrays.equals(scalar, greedy(model, KernelTier.SCALAR, "The quick brown fox", 12)));
    }

    @Test
    void qwen3PresetsHaveTheBonsaiShapes() {
        DummyShape s = DummyShape.preset("qwen3", "8B");
        assertEquals(List.of(4096, 12288, 36, 32, 8, 128, 151669), List.of(s.hidden(), s.ffn(), s.layers(), s.heads(),
                s.kvHeads(), s.headSize(), s.vocab()));
        // Qwen3-1.7B/4B with a tied head of 151669 rows, 8B with its own (as Qwen3-8B: 8.19e9)
        assertEquals(1.72e9, DummyShape.preset("qwen3", "1.7B").parameters(), 0.03e9);
        assertEquals(4.02e9, DummyShape.preset("qwen3", "4B").parameters(), 0.03e9);
        assertEquals(8.19e9, s.parameters(), 0.03e9);
        assertFalse(s.tiedOutput());
        assertTrue(DummyShape.preset("qwen3", "4B").tiedOutput());
        // Bonsai quantizes the whole network: embedding and head in the projection type
        assertEquals(TensorType.Q1_0, s.embeddingType(TensorType.Q1_0));
        assertEquals(TensorType.Q2_0, s.embeddingType(TensorType.Q2_0));
        assertEquals(TensorType.F16, s.embeddingType(TensorType.TQ2_0));
    }

    @Test
    void presetParameterCountsAreNearTheirNames() {
        assertEquals(2.41e9, DummyShape.preset("2B-4T").parameters(), 0.02e9);
        assertEquals(7e9, DummyShape.preset("7B").parameters(), 0.3e9);
        assertEquals(100e9, DummyShape.preset("100B").parameters(), 2e9);
    }

    /**
     * Generates a model whose embedding alone (32000 × 2560 F16 = 164 MB) is far larger than the heap of a
     * JVM limited to 64 MB: it only works if tensors are streamed, never held whole.
     */
    @Test
    void streamsTensorsInLittleHeap() throws Exception {
        Path out = dir.resolve("big.gguf");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx64m", "-cp", System.getProperty("java.class.path"),
                StreamMain.class.getName(), out.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), log);
        try (GgufFile g = GgufFile.open(out)) {
            assertEquals(TensorType.F16, g.tensor("token_embd.weight").type());
            assertEquals(32000L * 2560 * 2, g.tensor("token_embd.weight").data().byteSize());
            assertEquals(2560, ModelConfig.from(g).embeddingLength());
        }
        assertTrue(log.contains("progress 100%"), log);
        Files.delete(out);
    }

    /** Run in a separate, small JVM by {@link #streamsTensorsInLittleHeap}. */
    public static final class StreamMain {
        public static void main(String[] args) throws IOException {
            DummyShape s = DummyShape.preset("2B-4T").withLayers(1).withVocab(32000);
            long[] last = {0, 0};
            DummyModel.Result r = DummyModel.write(Path.of(args[0]), s, TensorType.I2_S, 7, (d, t) -> {
                if (d < last[0]) throw new AssertionError("progress went back");
                last[0] = d;
                last[1] = t;
            });
            if (r.maxBufferBytes() > 4 << 20) throw new AssertionError("buffer " + r.maxBufferBytes());
            System.out.println("progress " + (last[0] * 100 / last[1]) + "% of " + r.tensorBytes() + " bytes, file " + r.fileBytes());
        }
    }
}
