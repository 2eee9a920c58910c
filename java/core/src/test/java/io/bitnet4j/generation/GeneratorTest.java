package io.bitnet4j.generation;

import io.bitnet4j.engine.LoadedModel;
import io.bitnet4j.graph.BatchedStepTest;
import io.bitnet4j.graph.Forward;
import io.bitnet4j.graph.KvCache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** {@link Generator} keeps its sampler's history to the tokens the KV cache holds. */
class GeneratorTest {

    @Test
    void aRewoundCacheCutsTheSamplersHistory() throws Exception {
        try (LoadedModel m = BatchedStepTest.openDemoModel(1);
             Forward f = m.newForward(64);
             KvCache cache = m.newKvCache(64)) {
            Generator g = new Generator(f, cache);
            // greedy with a penalty over the whole history: the history decides the tokens
            Sampler sampler = new Sampler(new SamplerParams(0f, 0, 1f, 0f, 1.5f, -1, 0), m.config().vocabSize());
            int[] prompt = {1, 17, 300, 42};
            GenerationResult first = g.generate(prompt, 6, sampler, id -> false, id -> true, null);
            assertEquals(cache.position(), sampler.historySize(), "prompt and fed-back tokens");
            cache.rewind(0);
            GenerationResult again = g.generate(prompt, 6, sampler, id -> false, id -> true, null);
            assertArrayEquals(first.generated(), again.generated(), "the first turn's tokens no longer penalised");
            assertEquals(cache.position(), sampler.historySize());
        }
    }
}
