package io.bitnet4j.generation;

import static io.bitnet4j.graph.BatchedStepTest.PROMPTS;
import static io.bitnet4j.graph.BatchedStepTest.demoModel;
import static io.bitnet4j.graph.BatchedStepTest.openDemoModel;
import static org.junit.jupiter.api.Assertions.*;

import io.bitnet4j.engine.LoadOptions;
import io.bitnet4j.engine.LoadedModel;
import io.bitnet4j.graph.Forward;
import io.bitnet4j.graph.KvCache;
import io.bitnet4j.kernels.KernelTier;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

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

    /**
     * The model file truncated while it is mapped (a file replaced in place): reading the lost pages is
     * an InternalError in the Java kernel tiers (the native tier dies of SIGBUS, which no handler can
     * catch). The request fails with an error naming the file, the failure is logged, and the batcher
     * keeps serving: the next request is answered too (with the same error, the weights being gone).
     */
    @ParameterizedTest
    @EnumSource(value = KernelTier.class, names = {"SCALAR", "VECTOR"})
    void aModelFileTruncatedUnderTheBatcherFailsItsRequestsNotTheBatcher(KernelTier tier, @TempDir Path tmp) throws Exception {
        Path copy = tmp.resolve("truncated.gguf");
        Files.copy(demoModel(), copy);
        List<LogRecord> logged = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            public void publish(LogRecord r) {
                logged.add(r);
            }

            public void flush() { }

            public void close() { }
        };
        Logger log = Logger.getLogger(ContinuousBatcher.class.getName());
        log.addHandler(capture);
        try (LoadedModel m = LoadedModel.open(copy, LoadOptions.defaults().withThreads(2).withKernels(tier));
             ContinuousBatcher b = new ContinuousBatcher(m, 2, 64, 4)) {
            Collector intact = new Collector();
            b.submit(new ContinuousBatcher.Request(PROMPTS[0], 4, SamplerParams.GREEDY, id -> false, intact));
            intact.await();
            try (FileChannel ch = FileChannel.open(copy, StandardOpenOption.WRITE)) {
                ch.truncate(4096);
            }
            for (int i = 0; i < 2; i++) {
                Collector c = new Collector();
                b.submit(new ContinuousBatcher.Request(PROMPTS[i], 4, SamplerParams.GREEDY, id -> false, c));
                assertTrue(c.done.await(60, TimeUnit.SECONDS), "request " + i + " not answered: the batcher died");
                assertNotNull(c.error, "request " + i + " should fail");
                assertTrue(c.error.getMessage().contains(copy.toString()), c.error.getMessage());
            }
            assertEquals(0, b.stats().processing());
        } finally {
            log.removeHandler(capture);
        }
        assertTrue(logged.stream().anyMatch(r -> r.getMessage().contains(copy.toString()) && r.getThrown() != null),
                "the failure should be logged with its cause: " + logged.stream().map(LogRecord::getMessage).toList());
    }
}
