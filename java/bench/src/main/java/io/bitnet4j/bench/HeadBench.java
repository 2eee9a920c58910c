package io.bitnet4j.bench;

import io.bitnet4j.kernels.Kernels;
import io.bitnet4j.kernels.MatmulOrder;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/**
 * The BitNet-b1.58-2B-4T output head: 128256 x 2560 f16 weights (656 MB) times one token,
 * single-threaded. GB/s = 656.6e6 bytes / score.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class HeadBench {
    @Param({"native", "native-avx2", "vector", "scalar"})
    public String tier;

    @Param({"128256x2560"})
    public String shape;

    private Arena arena;
    private Kernels kernels;
    private int rows, k;
    private MemorySegment w, x, out;

    @Setup
    public void setup() {
        kernels = BenchData.kernels(tier);
        int[] s = BenchData.shape(shape);
        rows = s[0];
        k = s[1];
        arena = Arena.ofShared();
        w = BenchData.f16(arena, rows, k, 3);
        x = BenchData.gaussian(arena, k, 4);
        out = arena.allocate(4L * rows, 64);
    }

    @TearDown
    public void tearDown() {
        arena.close();
    }

    @Benchmark
    public MemorySegment gemvF16() {
        kernels.gemmF16(w, k, 0, rows, x, 1, out, rows, MatmulOrder.LLAMA_CPP_SINGLE);
        return out;
    }
}
