package io.bitnet4j.cli;

import io.bitnet4j.kernels.KernelSelector;
import io.bitnet4j.kernels.KernelTier;
import io.bitnet4j.kernels.Kernels;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code selfcheck}: runs every available kernel tier against the scalar oracle on random data and
 * prints which tier would be chosen and its single-thread I2_S GEMV throughput on a 2B-4T FFN shape.
 */
@Command(name = "selfcheck", mixinStandardHelpOptions = true,
        description = "Check each kernel tier against the scalar reference and measure I2_S GEMV throughput.")
final class SelfCheckCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--rows", description = "matrix rows (default: ${DEFAULT-VALUE})")
    int rows = 6912;

    @Option(names = "--cols", description = "matrix columns, a multiple of 256 (default: ${DEFAULT-VALUE})")
    int cols = 2560;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (rows < 1 || cols < 256 || cols % 256 != 0) throw new IllegalArgumentException("--rows >= 1 and --cols a multiple of 256 required");
        out.println(KernelSelector.select().explanation());
        SplittableRandom rnd = new SplittableRandom(42);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment w = arena.allocate((long) rows * cols / 4, 64);
            for (long i = 0; i < w.byteSize(); i++) {
                int b = 0;
                for (int j = 0; j < 4; j++) b |= rnd.nextInt(3) << (2 * j);
                w.set(ValueLayout.JAVA_BYTE, i, (byte) b);
            }
            MemorySegment x = arena.allocate((long) cols * 4, 64);
            for (int i = 0; i < cols; i++) x.setAtIndex(ValueLayout.JAVA_FLOAT, i, (float) rnd.nextGaussian());
            MemorySegment q = arena.allocate(cols, 64);
            MemorySegment scale = arena.allocate(4, 64);
            MemorySegment sum = arena.allocate(4, 64);
            MemorySegment ref = arena.allocate((long) rows * 4, 64);
            MemorySegment got = arena.allocate((long) rows * 4, 64);
            Kernels scalar = KernelSelector.kernels(KernelTier.SCALAR);
            scalar.quantizeI8(x, 1, cols, q, scale, sum);
            scalar.gemmI2S(w, cols, 0, rows, 1f, q, scale, sum, 1, ref, rows);
            boolean ok = true;
            for (KernelTier tier : KernelTier.values()) {
                if (!KernelSelector.isAvailable(tier)) {
                    out.printf("  %-7s unavailable%n", tier.id());
                    continue;
                }
                Kernels k = KernelSelector.kernels(tier);
                k.gemmI2S(w, cols, 0, rows, 1f, q, scale, sum, 1, got, rows);
                float maxDiff = 0;
                for (int r = 0; r < rows; r++) {
                    maxDiff = Math.max(maxDiff, Math.abs(got.getAtIndex(ValueLayout.JAVA_FLOAT, r) - ref.getAtIndex(ValueLayout.JAVA_FLOAT, r)));
                }
                boolean pass = maxDiff <= 1e-3f;
                ok &= pass;
                int reps = tier == KernelTier.SCALAR ? 3 : 30;
                long best = Long.MAX_VALUE;
                for (int i = 0; i < reps; i++) {
                    long t0 = System.nanoTime();
                    k.gemmI2S(w, cols, 0, rows, 1f, q, scale, sum, 1, got, rows);
                    best = Math.min(best, System.nanoTime() - t0);
                }
                out.printf("  %-7s %-5s max|diff| %.2e  I2_S GEMV %dx%d: %8.3f ms, %6.2f GB/s of weights (1 thread, best of %d)%n",
                        tier.id(), pass ? "ok" : "FAIL", maxDiff, rows, cols, best / 1e6, w.byteSize() / (double) best, reps);
            }
            out.flush();
            return ok ? 0 : 1;
        }
    }
}
