package io.bitnet4j.generation;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplerTest {

    static float[] randomLogits(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] l = new float[n];
        for (int i = 0; i < n; i++) l[i] = (float) (r.nextGaussian() * 3);
        return l;
    }

    static int argmax(float[] l) {
        int best = 0;
        for (int i = 1; i < l.length; i++) if (l[i] > l[best]) best = i;
        return best;
    }

    @Test
    void greedyIsArgmaxAndTiesGoToTheLowestId() {
        float[] l = randomLogits(1000, 1);
        assertEquals(argmax(l), new Sampler(SamplerParams.GREEDY, 1000).sample(l.clone(), 1000));
        float[] tie = {1f, 5f, 5f, 2f};
        assertEquals(1, new Sampler(SamplerParams.GREEDY, 4).sample(tie, 4));
    }

    @Test
    void topKOfOneIsGreedyWhateverTheTemperature() {
        for (long seed = 0; seed < 20; seed++) {
            float[] l = randomLogits(500, seed);
            Sampler s = new Sampler(new SamplerParams(2.0f, 1, 1f, 0f, 1f, 0, seed), 500);
            assertEquals(argmax(l), s.sample(l.clone(), 500));
        }
    }

    @Test
    void sameSeedSameDrawsDifferentSeedDifferentDraws() {
        float[] l = new float[300]; // flat: every token equally likely
        Sampler a = new Sampler(new SamplerParams(1f, 0, 1f, 0f, 1f, 0, 7), 300);
        Sampler b = new Sampler(new SamplerParams(1f, 0, 1f, 0f, 1f, 0, 7), 300);
        Sampler c = new Sampler(new SamplerParams(1f, 0, 1f, 0f, 1f, 0, 8), 300);
        int[] da = new int[50], db = new int[50], dc = new int[50];
        for (int i = 0; i < 50; i++) {
            da[i] = a.sample(l.clone(), 300);
            db[i] = b.sample(l.clone(), 300);
            dc[i] = c.sample(l.clone(), 300);
        }
        assertEquals(java.util.Arrays.toString(da), java.util.Arrays.toString(db));
        assertNotEquals(java.util.Arrays.toString(da), java.util.Arrays.toString(dc));
    }

    @Test
    void topKKeepsOnlyTheKBest() {
        float[] l = randomLogits(200, 3);
        int[] order = java.util.stream.IntStream.range(0, 200).boxed()
                .sorted((x, y) -> Float.compare(l[y], l[x])).mapToInt(Integer::intValue).toArray();
        Set<Integer> allowed = Set.of(order[0], order[1], order[2], order[3], order[4]);
        Sampler s = new Sampler(new SamplerParams(5f, 5, 1f, 0f, 1f, 0, 11), 200);
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 2000; i++) seen.add(s.sample(l.clone(), 200));
        assertTrue(allowed.containsAll(seen), "drew outside the top 5: " + seen);
        assertEquals(5, seen.size(), "a high temperature reaches all five");
    }

    @Test
    void topPAndMinPCutTheTail() {
        // probabilities ~ 0.5, 0.25, 0.125, ... : top-p 0.7 keeps two, min-p 0.3 keeps two
        float[] l = new float[10];
        for (int i = 0; i < 10; i++) l[i] = (float) -(i * Math.log(2));
        for (SamplerParams p : new SamplerParams[] {
                new SamplerParams(1f, 0, 0.7f, 0f, 1f, 0, 5), new SamplerParams(1f, 0, 1f, 0.3f, 1f, 0, 5)}) {
            Sampler s = new Sampler(p, 10);
            Set<Integer> seen = new HashSet<>();
            for (int i = 0; i < 3000; i++) seen.add(s.sample(l.clone(), 10));
            assertEquals(Set.of(0, 1), seen, p.toString());
        }
    }

    @Test
    void repeatPenaltyDemotesRecentTokensOnce() {
        float[] l = {4f, 3.5f, -1f};
        int[] recent = {0, 0, 0, 2};
        withHistory(new SamplerParams(0f, 0, 1f, 0f, 2f, 64, 0), 3, recent).sample(l, 3);
        assertEquals(2f, l[0], "divided once although seen three times");
        assertEquals(3.5f, l[1]);
        assertEquals(-2f, l[2], "negative logits are multiplied");
        float[] l2 = {4f, 3.5f, -1f};
        int picked = withHistory(new SamplerParams(0f, 0, 1f, 0f, 2f, 64, 0), 3, recent).sample(l2, 3);
        assertEquals(1, picked);
        float[] l3 = {4f, 3.5f, -1f};
        int outsideWindow = withHistory(new SamplerParams(0f, 0, 1f, 0f, 2f, 1, 0), 3, recent).sample(l3, 3);
        assertEquals(0, outsideWindow, "token 0 is outside a window of 1");
    }

    static Sampler withHistory(SamplerParams p, int vocab, int[] recent) {
        Sampler s = new Sampler(p, vocab);
        s.accept(recent, 0, recent.length);
        return s;
    }

    @Test
    void theHistoryGrowsByAcceptAndShrinksByRewind() {
        Sampler s = new Sampler(new SamplerParams(0f, 0, 1f, 0f, 2f, -1, 0), 3);
        for (int i = 0; i < 100; i++) s.accept(i % 2); // grows past any first capacity
        s.accept(new int[] {9, 2, 9}, 1, 1);
        assertEquals(101, s.historySize());
        assertArrayEquals(new float[] {2f, 1.75f, -2f}, penalised(s));
        s.rewind(1); // only token 0 is left
        s.rewind(50); // a rewind never adds tokens
        assertEquals(1, s.historySize());
        assertArrayEquals(new float[] {2f, 3.5f, -1f}, penalised(s));
        s.reset();
        assertEquals(0, s.historySize());
        assertArrayEquals(new float[] {4f, 3.5f, -1f}, penalised(s));
        assertThrows(IllegalArgumentException.class, () -> s.rewind(-1));
    }

    /** The logits {4, 3.5, -1} after the sampler's repetition penalty. */
    static float[] penalised(Sampler s) {
        float[] l = {4f, 3.5f, -1f};
        s.sample(l, 3);
        return l;
    }

    /**
     * llama.cpp's top-p keeps tokens until their cumulative probability reaches p, the first one
     * always: top-p 0 keeps the most probable token only, whatever the temperature.
     */
    @Test
    void topPZeroKeepsTheMostProbableTokenOnly() {
        for (long seed = 0; seed < 20; seed++) {
            float[] l = randomLogits(300, seed);
            Sampler s = new Sampler(new SamplerParams(1.5f, 0, 0f, 0f, 1f, 0, seed), 300);
            for (int i = 0; i < 50; i++) assertEquals(argmax(l), s.sample(l.clone(), 300), "seed " + seed);
        }
    }

    @Test
    void badParametersAreRejectedNamingTheParameter() {
        assertInvalid("top-k", () -> new SamplerParams(1f, -1, 1f, 0f, 1f, 0, 0));
        assertInvalid("top-p", () -> new SamplerParams(1f, 0, -0.1f, 0f, 1f, 0, 0));
        assertInvalid("top-p", () -> new SamplerParams(1f, 0, 1.1f, 0f, 1f, 0, 0));
        assertInvalid("min-p", () -> new SamplerParams(1f, 0, 1f, 2f, 1f, 0, 0));
        assertInvalid("temperature", () -> new SamplerParams(Float.NaN, 0, 1f, 0f, 1f, 0, 0));
        assertInvalid("repeat-last-n", () -> new SamplerParams(1f, 0, 1f, 0f, 1f, -2, 0));
        // llama.cpp's common_sampler_init: finite, > 0, and 1/penalty finite (positive logits are divided by it)
        for (float penalty : new float[] {0f, -1f, Float.NaN, Float.POSITIVE_INFINITY, Float.MIN_VALUE}) {
            assertInvalid("repeat penalty", () -> new SamplerParams(1f, 0, 1f, 0f, penalty, 0, 0));
        }
    }

    static void assertInvalid(String parameter, org.junit.jupiter.api.function.Executable construction) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, construction);
        assertTrue(e.getMessage().startsWith(parameter + " "), e.getMessage());
    }
}
