package io.bitnet4j.kernels;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GgmlMathTest {

    @Test
    void expfIsWithinTwoUlpOfExpAcrossTheFloatRange() {
        SplittableRandom r = new SplittableRandom(7);
        for (int i = 0; i < 200_000; i++) {
            float x = (float) (r.nextDouble() * 170 - 85);
            float want = (float) Math.exp(x);
            float got = GgmlMath.expf(x);
            assertTrue(Math.abs(got - want) <= 2 * Math.ulp(want), "expf(" + x + ") = " + got + ", exp = " + want);
        }
    }

    @Test
    void expfHandlesTheEdges() {
        assertEquals(1f, GgmlMath.expf(0f));
        assertEquals(0f, GgmlMath.expf(Float.NEGATIVE_INFINITY));
        assertEquals(0f, GgmlMath.expf(-200f));
        assertEquals(Float.POSITIVE_INFINITY, GgmlMath.expf(200f));
        // the slow path between |n| = 126 and 192 stays accurate (subnormal results included)
        float x = -100f;
        assertTrue(Math.abs(GgmlMath.expf(x) - (float) Math.exp(x)) <= 2 * Math.ulp((float) Math.exp(x)));
    }

    @Test
    void siluMatchesTheDefinition() {
        for (float x = -20f; x <= 20f; x += 0.37f) {
            double want = x / (1 + Math.exp(-x));
            assertEquals(want, GgmlMath.silu(x), Math.max(1e-6, Math.abs(want) * 1e-6), "silu(" + x + ")");
        }
    }
}
