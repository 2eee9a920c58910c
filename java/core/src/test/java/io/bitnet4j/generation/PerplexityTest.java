package io.bitnet4j.generation;

import io.bitnet4j.engine.LoadOptions;
import io.bitnet4j.engine.LoadedModel;
import io.bitnet4j.graph.Forward;
import io.bitnet4j.graph.KvCache;
import io.bitnet4j.graph.KvCacheType;
import io.bitnet4j.tokenizer.TokenizerOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@link Perplexity}: the log-likelihood arithmetic, chunking, and its independence from the batch size. */
class PerplexityTest {

    static Path model;
    static Path text;

    @BeforeAll
    static void files() throws Exception {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("models"))) p = p.getParent();
        assumeTrue(p != null, "checkout root not found");
        try (Stream<Path> s = Files.list(p.resolve("models"))) {
            model = s.filter(f -> f.getFileName().toString().startsWith("bitnet4j-brown")).findFirst().orElse(null);
        }
        text = p.resolve("scripts/train/heldout.txt");
        assumeTrue(model != null && Files.isRegularFile(text), "shipped model or held-out text missing");
    }

    @Test
    void negativeLogLikelihoodIsLogSoftmax() {
        float[] uniform = new float[1000];
        assertEquals(Math.log(1000), Perplexity.negativeLogLikelihood(uniform, 7), 1e-12);
        float[] l = {1f, 2f, 3f};
        double z = Math.exp(1) + Math.exp(2) + Math.exp(3);
        assertEquals(-Math.log(Math.exp(3) / z), Perplexity.negativeLogLikelihood(l, 2), 1e-12);
        float[] big = {1000f, 0f}; // no overflow: the maximum is subtracted first
        assertEquals(Math.log1p(Math.exp(-1000)), Perplexity.negativeLogLikelihood(big, 0), 1e-12);
    }

    @Test
    void scoresTheSecondHalfOfEveryChunkAndSplitsChunksIntoBatchesTransparently() throws Exception {
        int ctx = 64;
        double[] ppl = new double[2];
        int[] batch = {64, 16};
        for (int i = 0; i < 2; i++) {
            LoadOptions o = new LoadOptions(1, null, KvCacheType.F16, batch[i], TokenizerOptions.defaults());
            try (LoadedModel m = LoadedModel.open(model, o); Forward f = m.newForward(ctx); KvCache cache = m.newKvCache(ctx)) {
                int[] ids = m.tokenizer().encode(Files.readString(text).substring(0, 3000), true, false);
                List<Integer> seen = new ArrayList<>();
                Perplexity.Result r = Perplexity.measure(f, cache, ids, ctx, 3, m.tokenizer().bosId(),
                        (c, total, running) -> seen.add(c * 1000 + total));
                assertEquals(List.of(1003, 2003, 3003), seen);
                assertEquals(3, r.chunks());
                assertEquals(3 * (ctx / 2 - 1), r.scoredTokens());
                assertEquals(Math.exp(r.nll()), r.ppl(), 1e-9 * r.ppl());
                assertTrue(r.ppl() > 1 && r.ppl() < m.config().vocabSize(), "ppl " + r.ppl());
                ppl[i] = r.ppl();
            }
        }
        // pieces of 16 tokens do the prompt-batch arithmetic as one piece of 64 does (no single-token step)
        assertEquals(ppl[0], ppl[1], 1e-3 * ppl[0]);
    }

    @Test
    void badArgumentsAreNamed() throws Exception {
        LoadOptions o = new LoadOptions(1, null, KvCacheType.F16, 32, TokenizerOptions.defaults());
        try (LoadedModel m = LoadedModel.open(model, o); Forward f = m.newForward(32); KvCache cache = m.newKvCache(32)) {
            int bos = m.tokenizer().bosId();
            var shortInput = assertThrows(IllegalArgumentException.class, () -> Perplexity.measure(f, cache, new int[10], 32, 0, bos, null));
            assertTrue(shortInput.getMessage().contains("at least one chunk"), shortInput.getMessage());
            var tooLong = assertThrows(IllegalArgumentException.class, () -> Perplexity.measure(f, cache, new int[100], 64, 0, bos, null));
            assertTrue(tooLong.getMessage().contains("exceeds the session's context"), tooLong.getMessage());
            var badBos = assertThrows(IllegalArgumentException.class, () -> Perplexity.measure(f, cache, new int[100], 32, 0, -1, null));
            assertTrue(badBos.getMessage().contains("BOS"), badBos.getMessage());
        }
    }
}
