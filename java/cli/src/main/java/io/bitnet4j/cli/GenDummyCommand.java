package io.bitnet4j.cli;

import io.bitnet4j.dummy.DummyModel;
import io.bitnet4j.dummy.DummyShape;
import io.bitnet4j.gguf.GgufWriter;
import io.bitnet4j.tensor.TensorType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code gen-dummy}: a BitNet b1.58 or Qwen3 model of any size with random weights, for tests and benchmarks. */
@Command(name = "gen-dummy", mixinStandardHelpOptions = true,
        description = {"Write a bitnet-b1.58 (or qwen3) GGUF model with random low-bit weights (gibberish output) of a given size,",
                "streamed tensor by tensor (a 100B model needs little memory, but ~25 GB of disk in I2_S)."})
final class GenDummyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--arch", paramLabel = "ARCH", description = "bitnet-b1.58 or qwen3 (default: ${DEFAULT-VALUE})")
    String arch = DummyModel.ARCHITECTURE;

    @Option(names = "--size", required = true, paramLabel = "SIZE",
            description = {"bitnet-b1.58: 125M, 350M, 1B, 1.5B, 2.7B, 3.8B, 7B, 13B, 30B, 70B, 100B (bitnet.cpp's dummy table), 2B-4T or tiny;",
                    "qwen3: 1.7B, 4B, 8B (the Bonsai shapes) or tiny"})
    String size;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "the GGUF file to write")
    Path output;

    @Option(names = "--type", paramLabel = "TYPE",
            description = "projection type: i2_s, tq2_0 or tq1_0 for bitnet-b1.58; q1_0, q2_0, tq2_0 or tq1_0 for qwen3 (default: i2_s; q1_0 for qwen3)")
    String type;

    @Option(names = "--seed", paramLabel = "N", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed = 42;

    @Option(names = "--layers", paramLabel = "N", description = "override the layer count (e.g. 2 for a quick test)")
    Integer layers;

    @Option(names = "--vocab", paramLabel = "N", description = "override the vocabulary size (512 … 1048576)")
    Integer vocab;

    @Option(names = "--hidden", paramLabel = "N", description = "override the hidden size")
    Integer hidden;

    @Option(names = "--ffn", paramLabel = "N", description = "override the FFN size")
    Integer ffn;

    @Option(names = "--heads", paramLabel = "N", description = "override the attention head count")
    Integer heads;

    @Option(names = "--kv-heads", paramLabel = "N", description = "override the K/V head count (default: as the size, or --heads)")
    Integer kvHeads;

    @Option(names = "--context", paramLabel = "N", description = "override the context length")
    Integer context;

    @Mixin
    OutputFileOptions outputFile;

    @Override
    public Integer call() throws Exception {
        DummyShape shape = shape();
        List<TensorType> types = shape.types();
        TensorType t = type == null ? types.getFirst() : TypeOption.parse("--type", type, types.toArray(TensorType[]::new));
        String problem = shape.problem(t);
        if (problem != null) throw new Errors.UsageException(problem);
        outputFile.checkTarget(output);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        err.printf("gen-dummy: %s %s, %s, %d layers, hidden %d, FFN %d, heads %d/%d of %d, vocab %d, context %d, seed %d%n",
                shape.architecture().name(), shape.size(), t, shape.layers(), shape.hidden(), shape.ffn(), shape.heads(),
                shape.kvHeads(), shape.headSize(), shape.vocab(), shape.context(), seed);
        err.flush();
        ProgressBar bar = outputFile.progressBar(err);
        DummyModel.Result r = DummyModel.write(output, shape, t, seed, bar);
        bar.finish();
        out.printf("wrote %s: %,d bytes (%s), %,d parameters (%s), %d tensors, %s%n", r.path(), r.fileBytes(),
                bytes(r.fileBytes()), r.parameters(), count(r.parameters()), r.tensorCount(), t);
        return 0;
    }

    private DummyShape shape() {
        DummyShape s;
        try {
            s = DummyShape.preset(arch, size);
        } catch (IllegalArgumentException e) {
            throw new Errors.UsageException(e.getMessage());
        }
        if (layers != null) s = s.withLayers(positive("--layers", layers));
        if (vocab != null) s = s.withVocab(positive("--vocab", vocab));
        if (hidden != null) s = s.withHidden(positive("--hidden", hidden));
        if (ffn != null) s = s.withFfn(positive("--ffn", ffn));
        if (context != null) s = s.withContext(positive("--context", context));
        if (heads != null || kvHeads != null) {
            int h = heads != null ? positive("--heads", heads) : s.heads();
            int kv = kvHeads != null ? positive("--kv-heads", kvHeads) : heads != null ? h : s.kvHeads();
            s = s.withHeads(h, kv);
        }
        return s;
    }

    private static int positive(String name, int v) {
        if (v <= 0) throw new Errors.UsageException(name + " must be positive, got " + v);
        return v;
    }

    static String bytes(long b) {
        if (b >= 1L << 30) return String.format("%.2f GiB", b / (double) (1L << 30));
        if (b >= 1L << 20) return String.format("%.1f MiB", b / (double) (1L << 20));
        return String.format("%.1f KiB", b / 1024.0);
    }

    static String count(long n) {
        if (n >= 1_000_000_000L) return String.format("%.2f B", n / 1e9);
        if (n >= 1_000_000L) return String.format("%.1f M", n / 1e6);
        return String.format("%.1f K", n / 1e3);
    }

    /** A one-line bar on stderr, redrawn at most 5 times a second: percent, bytes, rate, ETA. */
    static final class ProgressBar implements GgufWriter.Progress {
        private final PrintWriter err;
        private final boolean quiet;
        private final long start = System.nanoTime();
        private long lastDraw;
        private long lastDone = -1;
        private boolean drawn;

        ProgressBar(PrintWriter err, boolean quiet) {
            this.err = err;
            this.quiet = quiet;
        }

        @Override
        public void update(long done, long total) {
            if (quiet) return;
            long now = System.nanoTime();
            if (drawn && (done == lastDone || (now - lastDraw < 200_000_000L && done < total))) return;
            lastDone = done;
            lastDraw = now;
            drawn = true;
            double frac = total == 0 ? 1 : done / (double) total;
            int width = 30, filled = (int) (frac * width);
            double secs = (now - start) / 1e9;
            double rate = secs > 0 ? done / secs : 0;
            String eta = rate > 0 && done < total ? time((total - done) / rate) : done >= total ? "done" : "--:--";
            err.printf("\r[%s%s] %3d%% %s / %s  %s/s  ETA %s   ", "#".repeat(filled), ".".repeat(width - filled),
                    (int) (frac * 100), bytes(done), bytes(total), bytes((long) rate), eta);
            err.flush();
        }

        void finish() {
            if (quiet || !drawn) return;
            err.printf("%n");
            err.flush();
        }

        private static String time(double s) {
            long t = Math.round(s);
            return t >= 3600 ? String.format("%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String.format("%d:%02d", t / 60, t % 60);
        }
    }
}
