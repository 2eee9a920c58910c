package io.bitnet4j.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.bitnet4j.engine.LoadedModel;
import io.bitnet4j.generation.GenerationResult.StopReason;
import io.bitnet4j.graph.BatchedStepTest;
import io.bitnet4j.graph.Forward;
import io.bitnet4j.graph.KvCache;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The order of {@link StopRule}'s checks, which {@link Generator} and {@link ContinuousBatcher} share. */
class StopRuleTest {

    @Test
    void checksRunInTheirOrder() throws Exception {
        try (LoadedModel m = BatchedStepTest.openDemoModel(1);
             Forward forward = m.newForward(3);
             KvCache cache = m.newKvCache(3)) {
            List<Integer> got = new ArrayList<>();
            TokenListener all = id -> got.add(id);

            // a limit of 0 stops before sampling, even when cancelled
            assertEquals(StopReason.LENGTH, new StopRule(0, id -> false, () -> true).beforeSampling());
            AtomicBoolean cancelled = new AtomicBoolean();
            StopRule rule = new StopRule(2, id -> id == 13, cancelled::get);
            assertNull(rule.beforeSampling());
            cancelled.set(true);
            assertEquals(StopReason.LISTENER, rule.beforeSampling());

            // an end-of-generation token is not delivered, and is not counted
            rule = new StopRule(2, id -> id == 13);
            assertEquals(StopReason.END_OF_GENERATION, rule.afterSampling(13, all, cache));
            assertEquals(0, rule.generated());
            assertEquals(List.of(), got);

            // the listener's answer comes before the limit; the limit before a full context
            assertNull(rule.afterSampling(5, all, cache));
            forward.run(cache, new int[] {1, 2}, 0, 2, false); // one place left
            assertEquals(StopReason.LISTENER, new StopRule(1, id -> false).afterSampling(6, id -> false, cache));
            assertEquals(StopReason.LENGTH, rule.afterSampling(7, all, cache));
            assertEquals(2, rule.generated());
            assertEquals(List.of(5, 7), got);

            forward.run(cache, new int[] {3}, 0, 1, false); // full
            StopRule roomy = new StopRule(10, id -> false);
            assertEquals(StopReason.CONTEXT_FULL, roomy.afterSampling(8, all, cache));
            assertEquals(1, roomy.generated(), "the token that filled the context was delivered");
            assertEquals(List.of(5, 7, 8), got);
            assertThrows(IllegalArgumentException.class, () -> new StopRule(-1, id -> false));
        }
    }
}
