package io.bitnet4j.graph;

import static org.junit.jupiter.api.Assertions.*;

import io.bitnet4j.engine.LoadOptions;
import io.bitnet4j.engine.LoadedModel;
import io.bitnet4j.graph.TinyModel.Spec;
import io.bitnet4j.kernels.KernelTier;
import io.bitnet4j.kernels.NativeKernels;
import io.bitnet4j.tensor.TensorType;
import java.io.IOException;
import java.nio.file.Files;
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
 * {@link Forward#step}: a sequence decoded in a batch with others gets bit-identical logits as the same
 * sequence run alone (what {@code ContinuousBatcherTest} relies on for the sampled tokens).
 */
public class BatchedStepTest {

    @TempDir
    Path dir;

    public static final int[][] PROMPTS = {
            {1, 17, 300, 42, 7, 99, 1000, 5, 64, 3},
            {1, 250},
            {1, 1234, 77, 8, 2048, 301, 15},
            {1, 9},
    };
    static final int STEPS = 6;

    /** The shipped demo model (I2_S, f16 tied head). */
    public static Path demoModel() {
        Path p = Path.of(System.getProperty("user.dir")).resolve("../../models/bitnet4j-brown-6m-i2_s.gguf").normalize();
        org.junit.jupiter.api.Assertions.assertTrue(Files.exists(p), "shipped model not found at " + p);
        return p;
    }

    /** {@link #demoModel()} opened with the default options and {@code threads} threads. */
    public static LoadedModel openDemoModel(int threads) throws IOException {
        return LoadedModel.open(demoModel(), LoadOptions.defaults().withThreads(threads));
    }

    static Stream<Arguments> tiers() {
        List<Arguments> a = new ArrayList<>();
        a.add(Arguments.of(KernelTier.SCALAR));
        a.add(Arguments.of(KernelTier.VECTOR));
        if (NativeKernels.available()) a.add(Arguments.of(KernelTier.NATIVE));
        return a.stream();
    }

    /**
     * The demo model (I2_S projections, f16 tied head, f16 KV cache: bitnet.cpp numerics, where a
     * one-token step rounds the attention weights and a prompt chunk does not), with a batch size of 4
     * so the longest prompt is read in chunks. Sequences join the batch at different steps.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("tiers")
    void batchedStepsGiveTheLogitsOfSingleRuns(KernelTier tier) throws Exception {
        LoadOptions o = LoadOptions.defaults().withThreads(2).withKernels(tier).withBatchSize(4);
        checkBatchedLogits(demoModel(), o, 4096);
    }

    /** llama.cpp numerics (always rounded weights), a Q8_0 output head, f32 KV cache. */
    @Test
    void batchedStepsWithAQ80HeadAndF32Cache() throws Exception {
        TinyModel model = new TinyModel(Spec.of("llama", 4, 2).withUntied().withTypes(TensorType.F32, TensorType.Q8_0), 5);
        Path file = dir.resolve("m.gguf");
        model.write(file);
        checkBatchedLogits(file, LoadOptions.defaults().withThreads(1).withKvType(KvCacheType.F32), 300);
    }

    /** qwen3 (per-head q/k norm, head size 16 ≠ embd / heads), two threads so the head norms of a step run on the pool. */
    @Test
    void batchedStepsOfQwen3() throws Exception {
        TinyModel model = new TinyModel(Spec.of("qwen3", 8, 2).withHeadDim(16), 6);
        Path file = dir.resolve("m.gguf");
        model.write(file);
        checkBatchedLogits(file, LoadOptions.defaults().withThreads(2).withKvType(KvCacheType.F32), 300);
    }

    private static void checkBatchedLogits(Path file, LoadOptions o, int vocabLimit) throws Exception {
        try (LoadedModel m = LoadedModel.open(file, o)) {
            int vocab = m.config().vocabSize();
            int ctx = Math.min(64, m.config().contextLength());
            int n = PROMPTS.length;
            int[][] prompts = new int[n][];
            for (int i = 0; i < n; i++) prompts[i] = Arrays.stream(PROMPTS[i]).map(id -> id % Math.min(vocab, vocabLimit)).toArray();
            // forced continuations, different per sequence
            int[][] cont = new int[n][STEPS];
            for (int i = 0; i < n; i++) for (int s = 0; s < STEPS; s++) cont[i][s] = (31 * i + 7 * s + 2) % vocab;
            // alone: logits after the prompt (index 0) and after each forced token
            float[][][] alone = new float[n][STEPS + 1][vocab];
            for (int i = 0; i < n; i++) {
                try (Forward f = m.newForward(ctx); KvCache cache = m.newKvCache(ctx)) {
                    f.run(cache, prompts[i], 0, prompts[i].length, false);
                    f.copyLogits(0, alone[i][0]);
                    for (int st = 0; st < STEPS; st++) {
                        f.run(cache, cont[i], st, 1, false);
                        f.copyLogits(0, alone[i][st + 1]);
                    }
                }
            }
            // batched: sequence i joins at step i (its prompt read alone first), then steps with the others
            try (Forward f = m.newForward(ctx)) {
                KvCache[] caches = new KvCache[n];
                int[] done = new int[n];
                float[] got = new float[vocab];
                for (int i = 0; i < n; i++) caches[i] = new KvCache(m.config(), ctx, o.kvType());
                try {
                    for (int round = 0; ; round++) {
                        if (round < n) {
                            f.run(caches[round], prompts[round], 0, prompts[round].length, false);
                            f.copyLogits(0, got);
                            assertArrayEquals(alone[round][0], got, "sequence " + round + " prompt");
                        }
                        KvCache[] rowCaches = new KvCache[n];
                        int[] rowTokens = new int[n];
                        int[] rowSeq = new int[n];
                        int rows = 0;
                        for (int i = 0; i <= Math.min(round, n - 1); i++) {
                            if (done[i] == STEPS) continue;
                            rowCaches[rows] = caches[i];
                            rowTokens[rows] = cont[i][done[i]];
                            rowSeq[rows++] = i;
                        }
                        if (rows == 0) break;
                        f.step(rowCaches, rowTokens, rows);
                        for (int r = 0; r < rows; r++) {
                            int i = rowSeq[r];
                            f.copyLogits(r, got);
                            done[i]++;
                            assertArrayEquals(alone[i][done[i]], got, "sequence " + i + " step " + done[i] + " in a batch of " + rows);
                            assertEquals(prompts[i].length + done[i], caches[i].position());
                        }
                    }
                } finally {
                    for (KvCache c : caches) c.close();
                }
            }
        }
    }

    @Test
    void aStepRejectsTheSameCacheTwiceAndAFullCache() throws Exception {
        try (LoadedModel m = openDemoModel(1);
             Forward f = m.newForward(8);
             KvCache a = new KvCache(m.config(), 8, KvCacheType.F16);
             KvCache small = new KvCache(m.config(), 2, KvCacheType.F16)) {
            assertThrows(IllegalArgumentException.class, () -> f.step(new KvCache[] {a, a}, new int[] {1, 2}, 2));
            f.run(small, new int[] {1, 2}, 0, 2, false);
            assertThrows(ContextOverflowException.class, () -> f.step(new KvCache[] {small}, new int[] {3}, 1));
            try (KvCache f32 = new KvCache(m.config(), 8, KvCacheType.F32)) {
                assertThrows(IllegalArgumentException.class, () -> f.step(new KvCache[] {f32}, new int[] {1}, 1));
            }
            assertThrows(IllegalArgumentException.class, () -> f.step(new KvCache[] {a}, new int[] {-1}, 1));
            assertEquals(0, a.position(), "a rejected step must not touch the caches");
        }
    }
}
