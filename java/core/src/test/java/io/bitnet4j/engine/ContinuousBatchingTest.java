package io.bitnet4j.engine;

import static org.junit.jupiter.api.Assertions.*;

import io.bitnet4j.engine.TinyModel.Spec;
import io.bitnet4j.kernels.KernelTier;
import io.bitnet4j.kernels.NativeKernels;
import io.bitnet4j.tensor.TensorType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Forward#step} and {@link ContinuousBatcher}: a sequence decoded in a batch with others gets
 * bit-identical logits, and therefore the same sampled tokens, as the same sequence run alone.
 */
class ContinuousBatchingTest {

    @TempDir
    Path dir;

    static final int[][] PROMPTS = {
            {1, 17, 300, 42, 7, 99, 1000, 5, 64, 3},
            {1, 250},
            {1, 1234, 77, 8, 2048, 301, 15},
            {1, 9},
    };
    static final int STEPS = 6;

    static Path demoModel() {
        Path p = Path.of(System.getProperty("user.dir")).resolve("../../models/bitnet4j-brown-6m-i2_s.gguf").normalize();
        org.junit.jupiter.api.Assertions.assertTrue(Files.exists(p), "shipped model not found at " + p);
        return p;
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
        try (LoadedModel m = LoadedModel.open(demoModel(), LoadOptions.defaults().withThreads(1));
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

    /** What a request produced, collected from its listener. */
    static final class Collector implements ContinuousBatcher.Listener {
        final List<Integer> tokens = new ArrayList<>();
        final CountDownLatch done = new CountDownLatch(1);
        volatile GenerationResult.StopReason reason;
        volatile Throwable error;

        public boolean onToken(int id) {
            tokens.add(id);
            return true;
        }

        public void onFinish(GenerationResult.StopReason r, int promptTokens, int generated) {
            reason = r;
            done.countDown();
        }

        public void onError(Throwable e) {
            error = e;
            done.countDown();
        }

        void await() throws InterruptedException {
            assertTrue(done.await(60, TimeUnit.SECONDS), "request did not finish");
            assertNull(error);
        }
    }

    /** Eight sampled requests through three slots: each gets the tokens of a single Generator run. */
    @Test
    void batcherReproducesSingleRuns() throws Exception {
        try (LoadedModel m = LoadedModel.open(demoModel(), LoadOptions.defaults().withThreads(2))) {
            int n = 8;
            int[][] prompts = new int[n][];
            SamplerParams[] params = new SamplerParams[n];
            int[] limits = new int[n];
            for (int i = 0; i < n; i++) {
                prompts[i] = Arrays.copyOf(PROMPTS[i % PROMPTS.length], PROMPTS[i % PROMPTS.length].length + 1);
                prompts[i][prompts[i].length - 1] = 100 + i;
                params[i] = new SamplerParams(i % 4 == 0 ? 0f : 0.9f, 40, 0.95f, 0.05f, i % 3 == 0 ? 1.1f : 1f, 64, 1000 + i);
                limits[i] = 5 + 3 * i;
            }
            // token 13 as "end of generation", so some requests stop early
            java.util.function.IntPredicate eog = id -> id == 13;
            List<List<Integer>> expected = new ArrayList<>();
            List<GenerationResult.StopReason> expectedReasons = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                try (Forward f = m.newForward(128); KvCache cache = m.newKvCache(128)) {
                    List<Integer> t = new ArrayList<>();
                    GenerationResult r = new Generator(f, cache).generate(prompts[i], limits[i],
                            new Sampler(params[i], m.config().vocabSize()), eog, id -> t.add(id), null);
                    expected.add(t);
                    expectedReasons.add(r.stopReason());
                }
            }
            try (ContinuousBatcher b = new ContinuousBatcher(m, 3, 128, 16)) {
                Collector[] c = new Collector[n];
                for (int i = 0; i < n; i++) {
                    c[i] = new Collector();
                    b.submit(new ContinuousBatcher.Request(prompts[i], limits[i], params[i], eog, c[i]));
                }
                for (int i = 0; i < n; i++) {
                    c[i].await();
                    assertEquals(expected.get(i), c[i].tokens, "request " + i);
                    assertEquals(expectedReasons.get(i), c[i].reason, "request " + i);
                }
                ContinuousBatcher.Stats st = b.stats();
                assertEquals(0, st.processing());
                assertEquals(n, st.completed());
                assertTrue(st.steps() < st.generatedTokens(), "steps should have carried several rows: " + st);
            }
        }
    }

    @Test
    void fullQueueIsRejectedAndCancelFreesTheSlot() throws Exception {
        try (LoadedModel m = LoadedModel.open(demoModel(), LoadOptions.defaults().withThreads(1));
             ContinuousBatcher b = new ContinuousBatcher(m, 1, 64, 1)) {
            Semaphore permits = new Semaphore(0);
            b.onIteration(permits::acquireUninterruptibly);
            SamplerParams greedy = new SamplerParams(0f, 40, 0.95f, 0.05f, 1f, 64, 1);
            Collector first = new Collector(), second = new Collector(), third = new Collector();
            ContinuousBatcher.Job j1 = b.submit(new ContinuousBatcher.Request(new int[] {1, 2, 3}, 50, greedy, id -> false, first));
            permits.release(2); // admit the first request, one step
            ConcurrentHashMap<String, Boolean> seen = new ConcurrentHashMap<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (b.stats().processing() == 0 || b.stats().queued() > 0) {
                assertTrue(System.nanoTime() < deadline, "first request not admitted");
                Thread.sleep(5);
            }
            b.submit(new ContinuousBatcher.Request(new int[] {1, 4}, 3, greedy, id -> false, second)); // waits in the queue
            assertThrows(ContinuousBatcher.QueueFullException.class,
                    () -> b.submit(new ContinuousBatcher.Request(new int[] {1, 5}, 3, greedy, id -> false, third)));
            j1.cancel();
            b.onIteration(null);
            permits.release(100);
            first.await();
            assertEquals(GenerationResult.StopReason.LISTENER, first.reason);
            assertTrue(first.tokens.size() < 50, "cancel did not stop the first request");
            second.await();
            assertEquals(GenerationResult.StopReason.LENGTH, second.reason);
            assertEquals(3, second.tokens.size());
            assertEquals(1, b.stats().cancelled());
            assertTrue(seen.isEmpty());
        }
    }
}
