package io.bitnet4j.bench;

import io.bitnet4j.kernels.Parallel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.*;

/** The fixed cost of one {@link Parallel#forRows} call (a trivial task), i.e. the per-matmul overhead. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class ParallelBench {
    @Param({"1", "2"})
    public int threads;

    private Parallel parallel;
    private final long[] sink = new long[4096];
    private final Parallel.RowTask task = (r0, r1) -> {
        for (int r = r0; r < r1; r++) {
            sink[r] += r;
        }
    };

    @Setup
    public void setup() {
        parallel = new Parallel(threads);
    }

    @TearDown
    public void tearDown() {
        parallel.close();
    }

    @Benchmark
    public long forRows() {
        parallel.forRows(2560, 16, task);
        return sink[0];
    }
}
