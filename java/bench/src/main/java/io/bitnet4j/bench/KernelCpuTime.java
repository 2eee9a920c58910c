package io.bitnet4j.bench;

import io.bitnet4j.kernels.Kernels;
import io.bitnet4j.kernels.MatmulOrder;
import io.bitnet4j.kernels.MatmulFormat;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;

/**
 * One single-threaded kernel timed by the calling thread's CPU time, best of several rounds: a companion
 * to the JMH benchmarks for a machine shared with other jobs, where wall-clock scores swing 2x with the
 * load but a thread's own CPU time does not (much). Also reports the bytes the thread allocated per call
 * in the last round (0 once C2 has compiled the kernel).
 *
 * <pre>
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
 *      -cp java/bench/target/benchmarks.jar io.bitnet4j.bench.KernelCpuTime vector I2_S 2560x2560 300
 * </pre>
 * Arguments: tier (native, vector, scalar, native-avx2), format (I2_S, TQ2_0, F16), shape rows x k,
 * calls per round.
 */
public final class KernelCpuTime {
    private KernelCpuTime() {}

    public static void main(String[] args) {
        if (args.length != 4) {
            System.err.println("usage: KernelCpuTime <tier> <I2_S|TQ2_0|F16> <rows>x<k> <calls per round>");
            System.exit(2);
        }
        Kernels kernels = BenchData.kernels(args[0]);
        String format = args[1];
        int[] shape = BenchData.shape(args[2]);
        int rows = shape[0], k = shape[1], calls = Integer.parseInt(args[3]);
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try (Arena arena = Arena.ofShared()) {
            MemorySegment out = arena.allocate(4L * rows, 64);
            Runnable call;
            double bytes;
            switch (format) {
                case "I2_S" -> {
                    MemorySegment w = BenchData.randomBytes(arena, rows * MatmulFormat.I2_S.weightRowBytes(k), 1);
                    MemorySegment[] a = BenchData.i8(arena, 1, k, 2);
                    call = () -> kernels.gemmI2S(w, k, 0, rows, 0.5f, a[0], a[1], a[2], 1, out, rows);
                    bytes = rows * (double) MatmulFormat.I2_S.weightRowBytes(k);
                }
                case "TQ2_0" -> {
                    MemorySegment w = BenchData.tq20(arena, rows, k, 1), a = BenchData.q8k(arena, 1, k, 2);
                    call = () -> kernels.gemmTQ20(w, k, 0, rows, a, 1, out, rows, MatmulOrder.LLAMA_CPP_SINGLE);
                    bytes = rows * (double) MatmulFormat.TQ2_0.weightRowBytes(k);
                }
                case "F16" -> {
                    MemorySegment w = BenchData.f16(arena, rows, k, 3), x = BenchData.gaussian(arena, k, 4);
                    call = () -> kernels.gemmF16(w, k, 0, rows, x, 1, out, rows, MatmulOrder.LLAMA_CPP_SINGLE);
                    bytes = 2.0 * rows * k;
                }
                default -> throw new IllegalArgumentException("format: I2_S, TQ2_0 or F16, not " + format);
            }
            double best = Double.MAX_VALUE;
            long alloc = 0;
            for (int round = 0; round < 7; round++) {
                long a0 = threads.getCurrentThreadAllocatedBytes(), t0 = threads.getCurrentThreadCpuTime();
                for (int i = 0; i < calls; i++) {
                    call.run();
                }
                long t1 = threads.getCurrentThreadCpuTime(), a1 = threads.getCurrentThreadAllocatedBytes();
                best = Math.min(best, (t1 - t0) / 1e3 / calls);
                alloc = (a1 - a0) / calls;
            }
            System.out.printf("%s %s %s: %.1f us/op (best CPU time of 7 rounds), %.2f GB/s, %d B allocated/op%n",
                    args[0], format, args[2], best, bytes / best / 1e3, alloc);
        }
    }
}
