package io.bitnet4j.generation;

import static io.bitnet4j.graph.BatchedStepTest.PROMPTS;
import static io.bitnet4j.graph.BatchedStepTest.openDemoModel;
import static org.junit.jupiter.api.Assertions.*;

import io.bitnet4j.engine.LoadedModel;
import io.bitnet4j.graph.Forward;
import io.bitnet4j.graph.KvCache;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@link ContinuousBatcher}: requests decoded together get the tokens each gets alone from a
 * {@link Generator} with the same seed (their logits are those of single runs, see
 * {@code io.bitnet4j.graph.BatchedStepTest}); a full queue is refused, a cancel frees its slot.
 */
class ContinuousBatcherTest {

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
        try (LoadedModel m = openDemoModel(2)) {
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
        try (LoadedModel m = openDemoModel(1);
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
