package io.bitnet4j.cli;

import io.bitnet4j.kernels.Parallel;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * Streaming read bandwidth of this machine, measured on the model's own mapped weights with the same
 * thread count as the benchmark: the denominator of the generation roofline (a token must read every
 * weight once, so tokens/s cannot beat bandwidth ÷ bytes per token).
 */
final class ReadBandwidth {
    private ReadBandwidth() {}

    /** Best-of-{@code reps} GB/s for reading all of {@code region} with {@code threads} threads. */
    static double measure(MemorySegment region, int threads, int reps) {
        long words = region.byteSize() / Long.BYTES;
        if (words < 1024) return Double.NaN;
        long[] sink = new long[1];
        double best = 0;
        try (Parallel pool = new Parallel(threads)) {
            // rows of 1 MiB, split across the threads like a matmul's output rows
            int rows = (int) Math.max(threads, Math.min(Integer.MAX_VALUE, words / (1 << 17)));
            long wordsPerRow = words / rows;
            Parallel.RowTask task = (r0, r1) -> {
                long a = 0, b = 0, c = 0, d = 0;
                for (long i = r0 * wordsPerRow, end = r1 * wordsPerRow; i + 4 <= end; i += 4) {
                    a += region.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i);
                    b ^= region.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i + 1);
                    c += region.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i + 2);
                    d ^= region.getAtIndex(ValueLayout.JAVA_LONG_UNALIGNED, i + 3);
                }
                synchronized (sink) {
                    sink[0] += a ^ b ^ c ^ d; // keeps the loads alive
                }
            };
            for (int i = 0; i <= reps; i++) {
                long t0 = System.nanoTime();
                pool.forRows(rows, 1, task);
                double gbs = rows * wordsPerRow * (double) Long.BYTES / (System.nanoTime() - t0);
                if (i > 0) best = Math.max(best, gbs); // the first pass warms up the JIT and the page tables
            }
        }
        return best;
    }
}
