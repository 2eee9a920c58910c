package io.bitnet4j.graph;

import io.bitnet4j.engine.LoadOptions;
import io.bitnet4j.engine.LoadedModel;
import io.bitnet4j.generation.GenerationResult;
import io.bitnet4j.generation.Generator;
import io.bitnet4j.generation.Sampler;
import io.bitnet4j.generation.SamplerParams;
import io.bitnet4j.kernels.KernelSelector;
import io.bitnet4j.kernels.KernelTier;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The acceptance test of the generation path: for every reference model and every kernel tier, the
 * same prompt ids, logits within {@link #TOLERANCE} × max|logit| at each of the 16 greedy steps, and the
 * same greedy ids as bitnet.cpp / llama.cpp.
 */
class FidelityTest {

    /**
     * The llama.cpp files (an older build, b4747): about twice their worst step over the tiers (1.07e-4 ×
     * max|logit|, the TQ files; most steps agree to ~1e-7). The acceptance bound of the issue was 0.005: this
     * one keeps a regression from hiding under it. bitnet.cpp's files are held to 0: bit-identical.
     */
    static final float TOLERANCE = 2.5e-4f;

    static float tolerance(String name) {
        return name.startsWith("bitnetcpp-") ? 0f : TOLERANCE;
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (KernelTier tier : KernelTier.values()) {
            for (String name : ReferenceData.CASES) out.add(Arguments.of(name, tier));
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} [{1}]")
    @MethodSource("cases")
    void matchesReference(String name, KernelTier tier) throws Exception {
        assumeTrue(KernelSelector.isAvailable(tier), "tier " + tier + " unavailable in this JVM");
        assertMatchesReference(ReferenceData.load(name), tier, tolerance(name));
    }

    /**
     * The acceptance check of a reference file under one tier: the same prompt ids, each of the greedy steps'
     * logits within {@code relTolerance} × max|logit| of the reference's, and the same greedy ids.
     */
    static void assertMatchesReference(ReferenceData ref, KernelTier tier, float relTolerance) throws Exception {
        LoadOptions opts = LoadOptions.defaults().withThreads(2).withKernels(tier);
        try (LoadedModel m = LoadedModel.open(ref.model(), opts); Forward f = m.newForward(256); KvCache cache = m.newKvCache(256)) {
            int[] ids = m.tokenizer().encode(ref.prompt(), true, false);
            assertArrayEquals(ref.promptIds(), ids, "prompt token ids");
            assertEquals(ref.vocab(), m.config().vocabSize());

            int steps = ref.stepLogits().length;
            float[][] got = new float[steps][];
            Generator g = new Generator(f, cache);
            GenerationResult r = g.generate(ids, steps, new Sampler(SamplerParams.GREEDY, ref.vocab()),
                    id -> false, id -> true, (step, logits) -> got[step] = logits.clone());
            for (int step = 0; step < steps; step++) {
                float[] want = ref.stepLogits()[step];
                float max = 0;
                for (float v : want) max = Math.max(max, Math.abs(v));
                float tol = relTolerance * max;
                float worst = 0;
                int worstAt = -1;
                for (int i = 0; i < want.length; i++) {
                    float d = Math.abs(want[i] - got[step][i]);
                    if (!(d <= Float.MAX_VALUE)) fail("step " + step + ": logit " + i + " is " + got[step][i] + ", want " + want[i]);
                    if (d > worst) {
                        worst = d;
                        worstAt = i;
                    }
                }
                int at = worstAt, s = step;
                float w = worst;
                // the message is built only on failure: a bit-identical step has no worst logit
                assertTrue(worst <= tol, () -> "step " + s + ": logit " + at + " differs by " + w
                        + " (tolerance " + tol + "): want " + want[at] + ", got " + got[s][at]);
            }
            assertArrayEquals(ref.greedyIds(), r.generated(), "greedy ids");
        }
    }
}
