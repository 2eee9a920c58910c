package io.bitnet4j.kernels;

import static org.junit.jupiter.api.Assertions.*;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ParallelTest {
    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3, 8})
    void everyRowExactlyOnceOnChunkBoundaries(int threads) {
        try (Parallel p = new Parallel(threads)) {
            for (int rows : new int[] {0, 1, 5, 64, 1000, 2560}) {
                for (int grain : new int[] {1, 4, 16, 5000}) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(rows);
                    AtomicInteger badStart = new AtomicInteger();
                    p.forRows(rows, grain, (r0, r1) -> {
                        if (r0 % grain != 0) badStart.incrementAndGet();
                        for (int r = r0; r < r1; r++) hits.incrementAndGet(r);
                    });
                    for (int r = 0; r < rows; r++) {
                        assertEquals(1, hits.get(r), "row " + r + " rows=" + rows + " grain=" + grain);
                    }
                    assertEquals(0, badStart.get());
                }
            }
        }
    }

    @Test
    void usesSeveralThreadsAndManyCallsInARow() {
        try (Parallel p = new Parallel(3)) {
            AtomicIntegerArray out = new AtomicIntegerArray(300);
            Parallel.RowTask task = (r0, r1) -> {
                for (int r = r0; r < r1; r++) out.incrementAndGet(r);
            };
            for (int i = 0; i < 20_000; i++) {
                p.forRange(0, 300, 1, task);
            }
            for (int r = 0; r < 300; r++) {
                assertEquals(20_000, out.get(r));
            }
            java.util.Set<String> names = java.util.concurrent.ConcurrentHashMap.newKeySet();
            for (int i = 0; i < 200 && names.size() < 2; i++) {
                p.forRange(0, 3, 1, (r0, r1) -> {
                    names.add(Thread.currentThread().getName());
                    long until = System.nanoTime() + 200_000;
                    while (System.nanoTime() < until) Thread.onSpinWait();
                });
            }
            assertTrue(names.size() >= 2, "work ran on " + names);
        }
    }

    @Test
    void rethrowsTaskFailuresAndStaysUsable() {
        try (Parallel p = new Parallel(2)) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> p.forRows(100, 1, (r0, r1) -> {
                if (r0 == 0) throw new IllegalStateException("boom");
            }));
            assertEquals("boom", e.getMessage());
            AtomicInteger n = new AtomicInteger();
            p.forRows(100, 1, (r0, r1) -> n.addAndGet(r1 - r0));
            assertEquals(100, n.get());
        }
    }

    @Test
    void rejectsNestingAndBadArguments() {
        try (Parallel p = new Parallel(2)) {
            assertThrows(IllegalStateException.class, () -> p.forRows(10, 1, (r0, r1) -> p.forRows(10, 1, (a, b) -> {})));
            assertThrows(IllegalArgumentException.class, () -> p.forRows(10, 0, (a, b) -> {}));
            assertThrows(IllegalArgumentException.class, () -> p.forRange(5, 4, 1, (a, b) -> {}));
        }
        assertThrows(IllegalArgumentException.class, () -> new Parallel(0));
    }
}
