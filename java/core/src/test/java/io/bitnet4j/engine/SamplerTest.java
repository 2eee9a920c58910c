package io.bitnet4j.engine;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;

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
        assertEquals(argmax(l), new Sampler(SamplerParams.GREEDY, 1000).sample(l.clone(), 1000, new int[0], 0));
        float[] tie = {1f, 5f, 5f, 2f};
        assertEquals(1, new Sampler(SamplerParams.GREEDY, 4).sample(tie, 4, new int[0], 0));
    }

    @Test
    void topKOfOneIsGreedyWhateverTheTemperature() {
        for (long seed = 0; seed < 20; seed++) {
            float[] l = randomLogits(500, seed);
            Sampler s = new Sampler(new SamplerParams(2.0f, 1, 1f, 0f, 1f, 0, seed), 500);
            assertEquals(argmax(l), s.sample(l.clone(), 500, new int[0], 0));
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
            da[i] = a.sample(l.clone(), 300, new int[0], 0);
            db[i] = b.sample(l.clone(), 300, new int[0], 0);
            dc[i] = c.sample(l.clone(), 300, new int[0], 0);
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
        for (int i = 0; i < 2000; i++) seen.add(s.sample(l.clone(), 200, new int[0], 0));
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
            for (int i = 0; i < 3000; i++) seen.add(s.sample(l.clone(), 10, new int[0], 0));
            assertEquals(Set.of(0, 1), seen, p.toString());
        }
    }

    @Test
    void repeatPenaltyDemotesRecentTokensOnce() {
        float[] l = {4f, 3.5f, -1f};
        int[] recent = {0, 0, 0, 2};
        new Sampler(new SamplerParams(0f, 0, 1f, 0f, 2f, 64, 0), 3).sample(l, 3, recent, recent.length);
        assertEquals(2f, l[0], "divided once although seen three times");
        assertEquals(3.5f, l[1]);
        assertEquals(-2f, l[2], "negative logits are multiplied");
        float[] l2 = {4f, 3.5f, -1f};
        int picked = new Sampler(new SamplerParams(0f, 0, 1f, 0f, 2f, 64, 0), 3).sample(l2, 3, recent, recent.length);
        assertEquals(1, picked);
        float[] l3 = {4f, 3.5f, -1f};
        int outsideWindow = new Sampler(new SamplerParams(0f, 0, 1f, 0f, 2f, 1, 0), 3).sample(l3, 3, recent, recent.length);
        assertEquals(0, outsideWindow, "token 0 is outside a window of 1");
    }

    @Test
    void badParametersAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> new SamplerParams(1f, -1, 1f, 0f, 1f, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplerParams(1f, 0, 0f, 0f, 1f, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplerParams(1f, 0, 1f, 2f, 1f, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplerParams(1f, 0, 1f, 0f, 0f, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> new SamplerParams(Float.NaN, 0, 1f, 0f, 1f, 0, 0));
    }
}
