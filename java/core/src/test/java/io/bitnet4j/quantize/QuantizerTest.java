package io.bitnet4j.quantize;

import io.bitnet4j.dummy.DummyModel;
import io.bitnet4j.dummy.DummyShape;
import io.bitnet4j.engine.LoadOptions;
import io.bitnet4j.engine.LoadedModel;
import io.bitnet4j.generation.GenerationResult;
import io.bitnet4j.generation.Generator;
import io.bitnet4j.generation.Sampler;
import io.bitnet4j.generation.SamplerParams;
import io.bitnet4j.gguf.GgufFile;
import io.bitnet4j.gguf.GgufFileType;
import io.bitnet4j.gguf.GgufTensorInfo;
import io.bitnet4j.gguf.GgufWriter;
import io.bitnet4j.gguf.TestData;
import io.bitnet4j.graph.Forward;
import io.bitnet4j.graph.KvCache;
import io.bitnet4j.kernels.KernelTier;
import io.bitnet4j.model.ModelException;
import io.bitnet4j.tensor.I2sCodec;
import io.bitnet4j.tensor.Tensor;
import io.bitnet4j.tensor.TensorCodecs;
import io.bitnet4j.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Quantizing the reference F32 models must reproduce the files the reference engines' llama-quantize
 * wrote — header, metadata, tensor infos and every tensor byte (except the 28 uninitialised bytes of
 * each I2_S tail) — and the result must run to the same logits and greedy tokens as the reference file.
 */
class QuantizerTest {

    private static final String PROMPT = "The quick brown fox jumps over the lazy dog";

    @ParameterizedTest(name = "{0} -> {2}")
    @CsvSource({
            "tiny-bitnet-b1.58-f32.gguf, I2_S, tiny-bitnet-b1.58-i2_s.gguf, ref-bitnetcpp-tiny-bitnet-b1.58-i2_s.txt",
            "tiny-bitnet-b1.58-f32.gguf, TQ2_0, tiny-bitnet-b1.58-tq2_0.gguf, ref-bitnetcpp-tiny-bitnet-b1.58-tq2_0.txt",
            "tiny-bitnet-f32.gguf, TQ2_0, tiny-bitnet-tq2_0.gguf, ref-mainline-tiny-bitnet-tq2_0.txt",
            "tiny-bitnet-f32.gguf, TQ1_0, tiny-bitnet-tq1_0.gguf, ref-mainline-tiny-bitnet-tq1_0.txt"})
    void reproducesTheReferenceFileAndItsTokens(String f32, TensorType type, String refName, String refTxt,
                                                @TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("q.gguf");
        List<long[]> progress = new ArrayList<>();
        Quantizer.Result r = Quantizer.quantize(TestData.reference(f32), out, Quantizer.Options.of(type),
                (d, t) -> progress.add(new long[]{d, t}));
        assertEquals(46, r.tensorCount());
        assertEquals(28, r.quantizedCount() - 1, "28 projections + token_embd converted");
        long[] last = progress.getLast();
        assertEquals(last[1], last[0], "progress ends at 100%");
        for (int i = 1; i < progress.size(); i++) assertTrue(progress.get(i)[0] >= progress.get(i - 1)[0], "progress is monotonic");

        Path ref = TestData.reference(refName);
        byte[] want = Files.readAllBytes(ref);
        byte[] got = Files.readAllBytes(out);
        assertEquals(want.length, got.length, "file size");
        try (GgufFile g = GgufFile.open(ref); GgufFile mine = GgufFile.open(out)) {
            assertEquals(GgufFileType.of(type), mine.getInt("general.file_type"));
            assertEquals(g.keys().stream().toList(), mine.keys().stream().toList(), "metadata keys in order");
            for (GgufTensorInfo ti : g.tensorInfos()) {
                GgufTensorInfo mi = mine.findTensorInfo(ti.name()).orElseThrow();
                assertEquals(ti.type(), mi.type(), ti.name());
                assertArrayEquals(ti.shape(), mi.shape(), ti.name());
                if (ti.type() == TensorType.I2_S) {
                    // bitnet.cpp leaves the tail after the 4-byte scale uninitialised: mask it out of the comparison
                    long tail = g.dataOffset() + ti.offset() + ti.elementCount() / 4 + 4;
                    Arrays.fill(want, (int) tail, (int) tail + I2sCodec.TAIL_BYTES - 4, (byte) 0);
                    Arrays.fill(got, (int) tail, (int) tail + I2sCodec.TAIL_BYTES - 4, (byte) 0);
                }
            }
        }
        int at = Arrays.mismatch(want, got);
        assertEquals(-1, at, "first differing byte of " + refName + " at offset " + at);

        // the same tokens and logits as the reference file under the scalar tier, and the reference engine's greedy ids
        int[] wantIds = greedyIds(refTxt);
        Run a = run(ref), b = run(out);
        assertArrayEquals(wantIds, a.ids(), "our engine on the reference file");
        assertArrayEquals(a.ids(), b.ids(), "greedy ids");
        for (int i = 0; i < a.logits().length; i++) assertArrayEquals(a.logits()[i], b.logits()[i], "logits of step " + i);
    }

    /**
     * A Q6_K token embedding, which is also the tied output head: the embedding lookup dequantizes Q6_K
     * rows and the head runs on the dequantizing float path. The logits stay near the F16-embedding
     * model's (6-bit weights, ~1.8 % RMS error each; this tiny random model amplifies small changes).
     */
    @Test
    void q6kEmbeddingAndTiedHeadRun(@TempDir Path tmp) throws Exception {
        Path f16 = tmp.resolve("f16.gguf"), q6 = tmp.resolve("q6.gguf");
        Path in = TestData.reference("tiny-bitnet-f32.gguf");
        Quantizer.quantize(in, f16, Quantizer.Options.of(TensorType.TQ2_0), GgufWriter.Progress.NONE);
        Quantizer.quantize(in, q6, new Quantizer.Options(TensorType.TQ2_0, TensorType.Q6_K, null), GgufWriter.Progress.NONE);
        try (GgufFile g = GgufFile.open(q6)) {
            assertEquals(TensorType.Q6_K, g.tensor("token_embd.weight").type());
        }
        Run a = run(f16), b = run(q6);
        float max = 0, diff = 0;
        for (int i = 0; i < a.logits()[0].length; i++) {
            assertTrue(Float.isFinite(b.logits()[0][i]));
            max = Math.max(max, Math.abs(a.logits()[0][i]));
            diff = Math.max(diff, Math.abs(a.logits()[0][i] - b.logits()[0][i]));
        }
        assertTrue(diff > 0 && diff < 0.1 * max, "max |logit diff| " + diff + " of max |logit| " + max);

        // the same model with token_embd stored as the F32 values the Q6_K blocks decode to: the engine's
        // Q6_K lookup and head must compute the same first logits as its F32 paths
        Path deq = tmp.resolve("deq.gguf");
        try (GgufFile src = GgufFile.open(q6)) {
            GgufWriter w = new GgufWriter().putAll(src);
            for (Tensor t : src.tensors()) {
                if (t.type() == TensorType.Q6_K) {
                    MemorySegment f = TensorCodecs.quantize(TensorType.F32, TensorCodecs.dequantize(t), (int) t.rows(), (int) t.cols());
                    w.addTensor(t.name(), TensorType.F32, t.shape(), f);
                } else {
                    w.addTensor(t.name(), t.type(), t.shape(), t.data());
                }
            }
            w.write(deq);
        }
        Run c = run(deq);
        for (int i = 0; i < c.logits()[0].length; i++) {
            assertEquals(c.logits()[0][i], b.logits()[0][i], 1e-4f, "logit " + i);
        }
    }

    private record Run(int[] ids, float[][] logits) {}

    private static Run run(Path model) throws Exception {
        LoadOptions opts = LoadOptions.defaults().withThreads(1).withKernels(KernelTier.SCALAR);
        try (LoadedModel m = LoadedModel.open(model, opts); Forward f = m.newForward(256); KvCache cache = m.newKvCache(256)) {
            int[] prompt = m.tokenizer().encode(PROMPT, true, false);
            float[][] logits = new float[16][];
            GenerationResult r = new Generator(f, cache).generate(prompt, 16,
                    new Sampler(SamplerParams.GREEDY, m.config().vocabSize()), id -> false, id -> true,
                    (step, l) -> logits[step] = l.clone());
            return new Run(r.generated(), logits);
        }
    }

    private static int[] greedyIds(String txt) throws Exception {
        String line = Files.readAllLines(TestData.reference(txt), StandardCharsets.ISO_8859_1).stream()
                .filter(l -> l.startsWith("greedy_ids ")).findFirst().orElseThrow();
        return Arrays.stream(line.substring(11).trim().split("\\s+")).mapToInt(Integer::parseInt).toArray();
    }

    @ParameterizedTest
    @CsvSource({"TQ1_0, Q8_0, F32", "TQ2_0, Q6_K, Q6_K", "I2_S, F16, Q6_K", "TQ1_0, Q6_K, Q8_0"})
    void embeddingAndOutputTypesAndCopiedTensors(TensorType type, TensorType embd, TensorType output, @TempDir Path tmp) throws Exception {
        // a model with its own output head, quantized with the given embedding and output types
        Path in = tmp.resolve("in.gguf");
        try (GgufFile src = GgufFile.open(TestData.reference("tiny-bitnet-b1.58-f32.gguf"))) {
            GgufWriter w = new GgufWriter().putAll(src);
            for (Tensor t : src.tensors()) w.addTensor(t.name(), t.type(), t.shape(), t.data());
            Tensor e = src.tensor("token_embd.weight");
            w.addTensor("output.weight", e.type(), e.shape(), e.data());
            w.write(in);
        }
        Path out = tmp.resolve("out.gguf");
        Quantizer.quantize(in, out, new Quantizer.Options(type, embd, output), GgufWriter.Progress.NONE);
        try (GgufFile src = GgufFile.open(in); GgufFile q = GgufFile.open(out)) {
            assertEquals(GgufFileType.of(type), q.getInt("general.file_type"));
            assertEquals(2, q.getInt("general.quantization_version"));
            assertEquals(src.tensorInfos().stream().map(GgufTensorInfo::name).toList(),
                    q.tensorInfos().stream().map(GgufTensorInfo::name).toList(), "tensor order");
            for (Tensor t : q.tensors()) {
                Tensor s = src.tensor(t.name());
                TensorType expected = Quantizer.isLinear(t.name()) ? type
                        : t.name().equals("token_embd.weight") ? embd : t.name().equals("output.weight") ? output : TensorType.F32;
                assertEquals(expected, t.type(), t.name());
                if (expected == TensorType.I2_S) continue;   // per-tensor scale: covered by the reference-file tests
                float[] x = TensorCodecs.dequantize(s);
                if (expected == TensorType.F32) {
                    assertEquals(-1, s.data().mismatch(t.data()), t.name() + " copied unchanged");
                } else {
                    MemorySegment direct = TensorCodecs.quantize(expected, x, (int) s.rows(), (int) s.cols());
                    assertEquals(-1, direct.mismatch(t.data()), t.name() + " as the codec quantizes it");
                }
            }
        }
        try (LoadedModel m = LoadedModel.open(out, LoadOptions.defaults().withThreads(1).withKernels(KernelTier.SCALAR))) {
            assertNotNull(m.weights());
        }
    }

    /** Q1_0 / Q2_0 projections (mainline types): the codec's bytes, mainline's file_type, and a loadable model. */
    @ParameterizedTest
    @CsvSource({"Q1_0", "Q2_0"})
    void q1_0AndQ2_0Projections(TensorType type, @TempDir Path tmp) throws Exception {
        Path in = TestData.reference("tiny-bitnet-f32.gguf"), out = tmp.resolve("q.gguf");
        Quantizer.quantize(in, out, Quantizer.Options.of(type), GgufWriter.Progress.NONE);
        int linear = 0;
        try (GgufFile src = GgufFile.open(in); GgufFile q = GgufFile.open(out)) {
            assertEquals(GgufFileType.of(type), q.getInt("general.file_type"));
            for (Tensor t : q.tensors()) {
                if (!Quantizer.isLinear(t.name())) continue;
                Tensor s = src.tensor(t.name());
                assertEquals(type, t.type(), t.name());
                MemorySegment direct = TensorCodecs.quantize(type, TensorCodecs.dequantize(s), (int) s.rows(), (int) s.cols());
                assertEquals(-1, direct.mismatch(t.data()), t.name());
                linear++;
            }
        }
        assertEquals(28, linear);
        try (LoadedModel m = LoadedModel.open(out, LoadOptions.defaults().withThreads(1).withKernels(KernelTier.SCALAR))) {
            assertNotNull(m.weights());
        }
        ModelException e = assertThrows(ModelException.class, () -> Quantizer.check(TestData.reference("tiny-bitnet-b1.58-f32.gguf"),
                Quantizer.Options.of(type)));
        assertTrue(e.getMessage().contains("bitnet.cpp's"), e.getMessage());
    }

    @ParameterizedTest
    @CsvSource({"F16", "BF16"})
    void halfPrecisionInputGivesTheSameResultAsF32(TensorType half16, @TempDir Path tmp) throws Exception {
        // the weights are s·t with s = 1/32 and the embedding is F16 in the output anyway: an F16 or BF16
        // model quantizes to the same projection bytes as the F32 one
        Path in = tmp.resolve("half.gguf");
        try (GgufFile src = GgufFile.open(TestData.reference("tiny-bitnet-f32.gguf"))) {
            GgufWriter w = new GgufWriter().putAll(src);
            for (Tensor t : src.tensors()) {
                boolean half = t.dims() == 2;
                TensorType type = half ? half16 : t.type();
                MemorySegment data = half ? TensorCodecs.quantize(half16, TensorCodecs.dequantize(t), (int) t.rows(), (int) t.cols()) : t.data();
                w.addTensor(t.name(), type, t.shape(), data);
            }
            w.write(in);
        }
        Path a = tmp.resolve("a.gguf"), b = tmp.resolve("b.gguf");
        Quantizer.quantize(in, a, Quantizer.Options.of(TensorType.TQ2_0), GgufWriter.Progress.NONE);
        Quantizer.quantize(TestData.reference("tiny-bitnet-f32.gguf"), b, Quantizer.Options.of(TensorType.TQ2_0), GgufWriter.Progress.NONE);
        try (GgufFile ga = GgufFile.open(a); GgufFile gb = GgufFile.open(b)) {
            for (Tensor t : gb.tensors()) {
                if (t.name().equals("token_embd.weight") && half16 == TensorType.BF16) continue; // BF16 → F16 loses bits
                assertEquals(-1, t.data().mismatch(ga.tensor(t.name()).data()), t.name());
            }
        }
    }

    @Test
    void mainlineOrderSortsByLayerNumberThenName() {
        List<String> names = new ArrayList<>(List.of("blk.10.attn_q.weight", "token_embd.weight", "blk.9.ffn_up.weight",
                "blk.9.attn_q.weight", "output_norm.weight", "blk.0.attn_norm.weight", "blk.0.attn_k.weight", "output.weight"));
        names.sort(Quantizer.MAINLINE_ORDER);
        assertEquals(List.of("output.weight", "output_norm.weight", "token_embd.weight", "blk.0.attn_k.weight",
                "blk.0.attn_norm.weight", "blk.9.attn_q.weight", "blk.9.ffn_up.weight", "blk.10.attn_q.weight"), names);
    }

    @Test
    void refusesAnUnknownArchitecture(@TempDir Path tmp) throws Exception {
        Path in = tmp.resolve("gpt2.gguf");
        try (GgufFile src = GgufFile.open(TestData.reference("tiny-bitnet-f32.gguf"))) {
            GgufWriter w = new GgufWriter().putString("general.architecture", "gpt2");
            src.entries().stream().filter(x -> !x.key().equals("general.architecture")).forEach(w::put);
            for (Tensor t : src.tensors()) w.addTensor(t.name(), t.type(), t.shape(), t.data());
            w.write(in);
        }
        ModelException e = assertThrows(ModelException.class, () -> Quantizer.check(in, Quantizer.Options.of(TensorType.TQ2_0)));
        assertTrue(e.getMessage().contains("architecture 'gpt2' is not supported"), e.getMessage());
    }

    @Test
    void refusesQuantizedInputAndBadShapes(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("o.gguf");
        ModelException e = assertThrows(ModelException.class, () -> Quantizer.quantize(TestData.reference("tiny-bitnet-tq1_0.gguf"),
                out, Quantizer.Options.of(TensorType.TQ2_0), GgufWriter.Progress.NONE));
        assertTrue(e.getMessage().contains("already quantized") && e.getMessage().contains("TQ1_0"), e.getMessage());

        // hidden 256 fits TQ (256) and I2_S (128); an FFN of 384 fits I2_S but not TQ
        Path odd = tmp.resolve("odd.gguf");
        DummyShape shape = DummyShape.preset("tiny").withLayers(1).withVocab(512).withFfn(384);
        DummyModel.write(odd, shape, TensorType.I2_S, 1, GgufWriter.Progress.NONE);
        Path f32 = tmp.resolve("odd-f32.gguf");
        try (GgufFile src = GgufFile.open(odd)) {
            GgufWriter w = new GgufWriter();
            src.entries().stream().filter(x -> !x.key().equals("general.file_type")).forEach(w::put);
            for (Tensor t : src.tensors()) {
                w.addTensor(t.name(), TensorType.F32, t.shape(), TensorCodecs.quantize(TensorType.F32, TensorCodecs.dequantize(t), (int) t.rows(), (int) t.cols()));
            }
            w.write(f32);
        }
        e = assertThrows(ModelException.class, () -> Quantizer.quantize(f32, out, Quantizer.Options.of(TensorType.TQ2_0), GgufWriter.Progress.NONE));
        assertTrue(e.getMessage().contains("blk.0.ffn_down.weight") && e.getMessage().contains("[384, 256]")
                && e.getMessage().contains("256"), e.getMessage());
        assertFalse(Files.exists(out));
        Quantizer.quantize(f32, out, Quantizer.Options.of(TensorType.I2_S), GgufWriter.Progress.NONE);
        try (GgufFile q = GgufFile.open(out)) {
            assertEquals(TensorType.I2_S, q.tensor("blk.0.ffn_down.weight").type());
        }
        assertThrows(IllegalArgumentException.class, () -> Quantizer.Options.of(TensorType.Q8_0));
    }
}
