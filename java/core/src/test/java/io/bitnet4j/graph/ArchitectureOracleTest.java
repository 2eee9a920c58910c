package io.bitnet4j.graph;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitnet4j.engine.LoadOptions;
import io.bitnet4j.engine.LoadedModel;
import io.bitnet4j.graph.TinyModel.Scales;
import io.bitnet4j.graph.TinyModel.Spec;
import io.bitnet4j.kernels.KernelSelector;
import io.bitnet4j.kernels.KernelTier;
import io.bitnet4j.tensor.TensorType;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Our transformer graph, for every architecture and optional path, against {@link ReferenceTransformer}
 * (double precision, Hugging Face semantics on the unpermuted weights) on tiny random F32 models. Scalar
 * kernels and an f32 KV cache, so only the graph is under test; qwen3, the newest graph step, also on
 * every available kernel tier.
 */
class ArchitectureOracleTest {

    private static final int[] PROMPT = {1, 17, 260, 5, 299, 42, 42, 100, 3, 271};
    private static final int[] STEPS = {7, 288, 1, 150};

    @TempDir
    Path dir;

    static Stream<Arguments> cases() {
        return Stream.of(
                // tolerance relative to max|logit|: 1e-3 for f32 everywhere
                Arguments.of("llama GQA 4/2", Spec.of("llama", 4, 2), 1e-3),
                Arguments.of("llama GQA 4/1", Spec.of("llama", 4, 1), 1e-3),
                Arguments.of("llama MHA 4/4", Spec.of("llama", 4, 4), 1e-3),
                Arguments.of("llama 8 heads GQA 8/2", Spec.of("llama", 8, 2), 1e-3),
                Arguments.of("llama partial rotary", Spec.of("llama", 4, 2).withRopeDim(8), 1e-3),
                Arguments.of("llama rope_freqs", Spec.of("llama", 4, 2).withRopeFreqs(), 1e-3),
                Arguments.of("llama partial rotary + rope_freqs", Spec.of("llama", 4, 2).withRopeDim(8).withRopeFreqs(), 1e-3),
                Arguments.of("llama untied head", Spec.of("llama", 4, 2).withUntied(), 1e-3),
                Arguments.of("bitnet SiLU", Spec.of("bitnet", 4, 4), 1e-3),
                Arguments.of("bitnet scalar scales", Spec.of("bitnet", 4, 4).withScales(Scales.SCALAR), 1e-3),
                Arguments.of("bitnet per-row scales", Spec.of("bitnet", 4, 2).withScales(Scales.PER_ROW), 1e-3),
                Arguments.of("bitnet relu2", Spec.of("bitnet", 4, 4).withActivation("relu2"), 1e-3),
                Arguments.of("bitnet partial rotary", Spec.of("bitnet", 4, 4).withRopeDim(8), 1e-3),
                Arguments.of("bitnet-b1.58 GQA 4/1", Spec.of("bitnet-b1.58", 4, 1), 1e-3),
                Arguments.of("bitnet-25", Spec.of("bitnet-25", 4, 2), 1e-3),
                Arguments.of("bitnet-b1.58 with an output.weight (not read: token_embd projects)", Spec.of("bitnet-b1.58", 4, 2).withUntied(), 1e-3),
                // F16/BF16/Q8_0 embeddings with an untied f32 head: the oracle reads the same stored values, so f32 tolerance
                Arguments.of("llama F16 embedding", Spec.of("llama", 4, 2).withUntied().withTypes(TensorType.F16, TensorType.F32), 1e-3),
                Arguments.of("llama BF16 embedding", Spec.of("llama", 4, 2).withUntied().withTypes(TensorType.BF16, TensorType.F32), 1e-3),
                Arguments.of("llama Q8_0 embedding", Spec.of("llama", 4, 2).withUntied().withTypes(TensorType.Q8_0, TensorType.F32), 1e-3),
                // quantized heads: the engine rounds the head's input activations like llama.cpp (to f16 for an
                // F16 head, to Q8_0 blocks for a Q8_0 head); the oracle does not, hence the wider tolerance
                Arguments.of("tied F16 embedding/head", Spec.of("bitnet-b1.58", 4, 2).withTypes(TensorType.F16, TensorType.F16), 5e-3),
                Arguments.of("tied BF16 embedding/head", Spec.of("bitnet-b1.58", 4, 2).withTypes(TensorType.BF16, TensorType.BF16), 1e-2),
                Arguments.of("tied Q8_0 embedding/head", Spec.of("llama", 4, 2).withTypes(TensorType.Q8_0, TensorType.Q8_0), 2e-2),
                Arguments.of("untied F16 head", Spec.of("llama", 4, 2).withUntied().withTypes(TensorType.F32, TensorType.F16), 5e-3),
                Arguments.of("untied Q8_0 head", Spec.of("llama", 4, 2).withUntied().withTypes(TensorType.F32, TensorType.Q8_0), 2e-2));
    }

    /** qwen3: per-head q/k norm before NEOX RoPE, head sizes other than embd / heads, tied and untied heads. */
    static Stream<Arguments> qwen3Cases() {
        List<Arguments> a = new ArrayList<>();
        for (KernelTier tier : KernelTier.values()) {
            if (!KernelSelector.isAvailable(tier)) continue;
            a.add(Arguments.of(tier, "qwen3 GQA 4/2", Spec.of("qwen3", 4, 2), 1e-3));
            a.add(Arguments.of(tier, "qwen3 MHA 4/4", Spec.of("qwen3", 4, 4), 1e-3));
            a.add(Arguments.of(tier, "qwen3 GQA 8/2, head 16 (q dim 128 > embd 64)", Spec.of("qwen3", 8, 2).withHeadDim(16), 1e-3));
            a.add(Arguments.of(tier, "qwen3 GQA 4/1, head 32 (q dim 128)", Spec.of("qwen3", 4, 1).withHeadDim(32), 1e-3));
            a.add(Arguments.of(tier, "qwen3 MHA 2/2, head 8 (q dim 16 < embd 64)", Spec.of("qwen3", 2, 2).withHeadDim(8), 1e-3));
            a.add(Arguments.of(tier, "qwen3 untied, head 32", Spec.of("qwen3", 4, 2).withHeadDim(32).withUntied(), 1e-3));
            a.add(Arguments.of(tier, "qwen3 untied Q8_0 head", Spec.of("qwen3", 4, 2).withUntied().withTypes(TensorType.F32, TensorType.Q8_0), 2e-2));
            a.add(Arguments.of(tier, "qwen3 tied F16 embedding/head, head 32",
                    Spec.of("qwen3", 4, 2).withHeadDim(32).withTypes(TensorType.F16, TensorType.F16), 5e-3));
        }
        return a.stream();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("qwen3Cases")
    void qwen3LogitsMatchTheOracle(KernelTier tier, String name, Spec spec, double tolerance) throws Exception {
        checkAgainstOracle(name, spec, tolerance, options().withKernels(tier));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void logitsMatchTheOracle(String name, Spec spec, double tolerance) throws Exception {
        checkAgainstOracle(name, spec, tolerance, options());
    }

    /** A prompt longer than the batch size runs in chunks that attend to the cache of earlier chunks. */
    @Test
    void chunkedPromptMatchesTheOracle() throws Exception {
        checkAgainstOracle("llama GQA 4/2, batch 3", Spec.of("llama", 4, 2), 1e-3, options().withBatchSize(3));
        checkAgainstOracle("bitnet-b1.58 GQA 4/2, batch 4", Spec.of("bitnet-b1.58", 4, 2), 1e-3, options().withBatchSize(4));
        // two threads: the q/k head norms of a batch are split over the pool
        checkAgainstOracle("qwen3 GQA 8/2 head 16, batch 4", Spec.of("qwen3", 8, 2).withHeadDim(16), 1e-3,
                options().withBatchSize(4).withThreads(2));
    }

    private void checkAgainstOracle(String name, Spec spec, double tolerance, LoadOptions options) throws Exception {
        TinyModel model = new TinyModel(spec, name.hashCode());
        Path file = write(model);
        ReferenceTransformer oracle = new ReferenceTransformer(model);
        try (LoadedModel m = LoadedModel.open(file, options); Forward f = m.newForward(0); KvCache cache = m.newKvCache(0)) {
            int[] seq = Arrays.copyOf(PROMPT, PROMPT.length + STEPS.length);
            f.run(cache, PROMPT, 0, PROMPT.length, false);
            compare(name + " prompt", f, oracle.logits(PROMPT), tolerance);
            for (int i = 0; i < STEPS.length; i++) {
                seq[PROMPT.length + i] = STEPS[i];
                f.run(cache, STEPS, i, 1, false);
                compare(name + " step " + i, f, oracle.logits(Arrays.copyOf(seq, PROMPT.length + i + 1)), tolerance);
            }
        }
    }

    /** The model as a GGUF file in the test's directory. */
    private Path write(TinyModel model) throws IOException {
        Path file = dir.resolve("m.gguf");
        model.write(file);
        return file;
    }

    private static LoadOptions options() {
        return LoadOptions.defaults().withThreads(1).withKernels(KernelTier.SCALAR).withKvType(KvCacheType.F32);
    }

    private static void compare(String what, Forward f, double[] expected, double tolerance) {
        float[] got = new float[expected.length];
        f.copyLogits(0, got);
        double maxAbs = 0, maxDiff = 0;
        int worst = -1;
        for (int i = 0; i < expected.length; i++) {
            maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
            double d = Math.abs(expected[i] - got[i]);
            if (d > maxDiff) {
                maxDiff = d;
                worst = i;
            }
        }
        assertTrue(maxAbs > 0.1, what + ": degenerate logits");
        assertTrue(maxDiff <= tolerance * maxAbs, what + ": max |diff| " + maxDiff + " at logit " + worst
                + " (engine " + (worst >= 0 ? got[worst] : 0) + ", oracle " + (worst >= 0 ? expected[worst] : 0)
                + "), allowed " + tolerance * maxAbs);
    }

    /** The comparison must be able to fail: a llama file converted without the q/k permutation disagrees. */
    @Test
    void unpermutedLlamaFileDisagreesWithTheOracle() throws Exception {
        TinyModel model = new TinyModel(Spec.of("llama", 4, 2), 11);
        Path file = dir.resolve("m.gguf");
        model.write(file, false);
        double[] expected = new ReferenceTransformer(model).logits(PROMPT);
        try (LoadedModel m = LoadedModel.open(file, options()); Forward f = m.newForward(0); KvCache cache = m.newKvCache(0)) {
            f.run(cache, PROMPT, 0, PROMPT.length, false);
            float[] got = new float[expected.length];
            f.copyLogits(0, got);
            double maxAbs = 0, maxDiff = 0;
            for (int i = 0; i < got.length; i++) {
                maxAbs = Math.max(maxAbs, Math.abs(expected[i]));
                maxDiff = Math.max(maxDiff, Math.abs(expected[i] - got[i]));
            }
            assertTrue(maxDiff > 1e-2 * maxAbs, "unpermuted q/k went unnoticed: max |diff| " + maxDiff);
        }
    }

    /** The comparison must be able to fail: the same qwen3 model against an oracle without the q/k norm disagrees. */
    @Test
    void qwen3WithoutTheQkNormDisagreesWithTheOracle() throws Exception {
        TinyModel model = new TinyModel(Spec.of("qwen3", 4, 2).withHeadDim(32), 13);
        Path file = write(model);
        try (LoadedModel m = LoadedModel.open(file, options()); Forward f = m.newForward(0); KvCache cache = m.newKvCache(0)) {
            f.run(cache, PROMPT, 0, PROMPT.length, false);
            compare("qwen3 with q/k norm", f, new ReferenceTransformer(model).logits(PROMPT), 1e-3);
            double[] wrong = new ReferenceTransformer(model, false).logits(PROMPT);
            assertThrows(AssertionError.class, () -> compare("qwen3 against an oracle without q/k norm", f, wrong, 1e-2));
        }
    }

    /** A qwen3 file without a q/k norm tensor, or with one of the wrong length, is refused at load, naming the tensor. */
    @Test
    void qwen3MissingOrMisshapenQkNormIsAClearError() throws Exception {
        TinyModel model = new TinyModel(Spec.of("qwen3", 4, 2).withHeadDim(32), 17);
        TinyModel.Layer l = model.layers.get(1);
        model.layers.set(1, new TinyModel.Layer(l.attnNorm(), l.wq(), l.wk(), l.wv(), l.qNorm(), null, l.wo(),
                l.attnSubNorm(), l.ffnNorm(), l.gate(), l.up(), l.down(), l.ffnSubNorm(), l.scales()));
        Path file = write(model);
        Exception e = assertThrows(Exception.class, () -> LoadedModel.open(file, options()).close());
        assertTrue(e.getMessage().contains("blk.1.attn_k_norm.weight") && e.getMessage().contains("missing"), e.getMessage());

        model.layers.set(1, new TinyModel.Layer(l.attnNorm(), l.wq(), l.wk(), l.wv(), Arrays.copyOf(l.qNorm(), 16), l.kNorm(),
                l.wo(), l.attnSubNorm(), l.ffnNorm(), l.gate(), l.up(), l.down(), l.ffnSubNorm(), l.scales()));
        Path misshapen = write(model);
        e = assertThrows(Exception.class, () -> LoadedModel.open(misshapen, options()).close());
        assertTrue(e.getMessage().contains("blk.1.attn_q_norm.weight: 16 values, expected 32"), e.getMessage());
    }

    @Test
    void promptLongerThanTheContextIsAClearError() throws Exception {
        TinyModel model = new TinyModel(Spec.of("llama", 4, 2), 3);
        Path file = write(model);
        try (LoadedModel m = LoadedModel.open(file, options()); Forward f = m.newForward(8); KvCache cache = m.newKvCache(8)) {
            int[] longPrompt = new int[9];
            Arrays.fill(longPrompt, 5);
            assertThrows(ContextOverflowException.class, () -> f.run(cache, longPrompt, 0, longPrompt.length, false));
            assertEquals(0, cache.position());
            f.run(cache, longPrompt, 0, 8, false);
            assertThrows(ContextOverflowException.class, () -> f.run(cache, longPrompt, 0, 1, false));
        }
    }

    @Test
    void rewindAndRerunGivesIdenticalLogits() throws Exception {
        TinyModel model = new TinyModel(Spec.of("bitnet-b1.58", 4, 2), 5);
        Path file = write(model);
        try (LoadedModel m = LoadedModel.open(file, options()); Forward f = m.newForward(0); KvCache cache = m.newKvCache(0)) {
            f.run(cache, PROMPT, 0, PROMPT.length, false);
            f.run(cache, STEPS, 0, 2, false);
            float[] first = new float[model.spec.vocab()];
            f.copyLogits(0, first);
            cache.rewind(PROMPT.length);
            f.run(cache, STEPS, 0, 2, false);
            float[] again = new float[first.length];
            f.copyLogits(0, again);
            assertArrayEquals(first, again, "rewind to the prompt and re-run the same tokens");
            // a different continuation after rewind must not see the stale cache entries
            cache.rewind(PROMPT.length);
            f.run(cache, STEPS, 2, 2, false);
            float[] other = new float[first.length];
            f.copyLogits(0, other);
            int[] fresh = Arrays.copyOf(PROMPT, PROMPT.length + 2);
            fresh[PROMPT.length] = STEPS[2];
            fresh[PROMPT.length + 1] = STEPS[3];
            try (Forward f2 = m.newForward(0); KvCache cache2 = m.newKvCache(0)) {
                f2.run(cache2, fresh, 0, fresh.length, false);
                float[] direct = new float[first.length];
                f2.copyLogits(0, direct);
                for (int i = 0; i < direct.length; i++) {
                    assertEquals(direct[i], other[i], 1e-4f * Math.max(1f, Math.abs(direct[i])), "logit " + i);
                }
            }
        }
    }
}
