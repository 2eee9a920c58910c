package io.bitnet4j.bench;

import io.bitnet4j.kernels.Kernels;
import io.bitnet4j.kernels.MatmulOrder;
import io.bitnet4j.kernels.MatmulFormat;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * Single-threaded ternary matmuls on BitNet-b1.58-2B-4T shapes ("rows x k"): 2560x2560 (q/o proj),
 * 640x2560 (k/v proj), 6912x2560 (gate/up), 2560x6912 (down). ntok=1 is generation (GEMV); the
 * GEMM run uses ntok=128 on the square shape. Weight bytes streamed per op = rows * rowBytes
 * (I2_S k/4, TQ2_0 k/256*66), so GB/s = bytes / score.
 *
 * <pre>
 * java -jar java/bench/target/benchmarks.jar TernaryMatmulBench -p tier=native,vector -p ntok=1
 * </pre>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class TernaryMatmulBench {
    @Param({"native", "native-avx2", "vector", "scalar"})
    public String tier;

    @Param({"I2_S", "TQ2_0"})
    public String format;

    @Param({"2560x2560", "640x2560", "6912x2560", "2560x6912"})
    public String shape;

    @Param({"1"})
    public int ntok;

    private Arena arena;
    private Kernels kernels;
    private int rows, k;
    private MemorySegment w, act, scales, sums, q8k, out;

    @Setup
    public void setup() {
        kernels = BenchData.kernels(tier);
        int[] s = BenchData.shape(shape);
        rows = s[0];
        k = s[1];
        arena = Arena.ofShared();
        if (format.equals("I2_S")) {
            w = BenchData.randomBytes(arena, rows * MatmulFormat.I2_S.weightRowBytes(k), 1);
            MemorySegment[] a = BenchData.i8(arena, ntok, k, 2);
            act = a[0];
            scales = a[1];
            sums = a[2];
        } else {
            w = BenchData.tq20(arena, rows, k, 1);
            q8k = BenchData.q8k(arena, ntok, k, 2);
        }
        out = arena.allocate(4L * rows * ntok, 64);
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public MemorySegment matmul() {
        if (q8k == null) {
            kernels.gemmI2S(w, k, 0, rows, 0.5f, act, scales, sums, ntok, out, rows);
        } else {
            kernels.gemmTQ20(w, k, 0, rows, q8k, ntok, out, rows, MatmulOrder.LLAMA_CPP_SINGLE);
        }
        return out;
    }
}
