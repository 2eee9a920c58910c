package io.bitnet4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bitnet4j.engine.LoadOptions;
import io.bitnet4j.engine.LoadedModel;
import io.bitnet4j.gguf.GgufKeys;
import io.bitnet4j.graph.Forward;
import io.bitnet4j.graph.KvCache;
import io.bitnet4j.model.ModelConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code bench}: prompt-processing and generation speed in llama-bench's format (tests {@code pp512},
 * {@code tg128}, {@code t/s} as mean ± sd over the repetitions, a warm-up run excluded), plus the kernel
 * tier and the process's peak RSS.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Measure prompt processing (pp) and generation (tg) tokens/s, like llama-bench.")
final class BenchCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, paramLabel = "FILE", required = true, description = "GGUF model file")
    Path model;

    @Option(names = {"-p", "--n-prompt"}, paramLabel = "N", split = ",", description = "prompt lengths (default: ${DEFAULT-VALUE})")
    List<Integer> prompt = List.of(512);

    @Option(names = {"-n", "--n-gen"}, paramLabel = "N", split = ",", description = "generation lengths (default: ${DEFAULT-VALUE})")
    List<Integer> gen = List.of(128);

    @Option(names = {"-t", "--threads"}, paramLabel = "N", split = ",", description = "thread counts (default: all cores)")
    List<Integer> threads = List.of(LoadOptions.defaultThreads());

    @Option(names = {"-r", "--repetitions"}, paramLabel = "N", description = "repetitions per test (default: ${DEFAULT-VALUE})")
    int reps = 5;

    @Option(names = "--kernels", paramLabel = "TIER", description = "auto, native, vector or scalar (default: ${DEFAULT-VALUE})")
    String kernels = "auto";

    @Option(names = {"-b", "--batch-size"}, paramLabel = "N", description = "prompt batch (default: ${DEFAULT-VALUE})")
    int batch = 512;

    @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", description = "md or json (default: ${DEFAULT-VALUE})")
    String output = "md";

    @Option(names = "--output-type", paramLabel = "TYPE",
            description = "re-encode a float output head at load (q8_0), as run/chat --output-type")
    String outputType;

    @Option(names = "--json", description = "same as -o json")
    boolean json;

    @Option(names = {"-v", "--verbose"}, description = "print stack traces of errors")
    void verbose(boolean v) {
        Errors.verbose = v;
    }

    record Row(String modelName, long fileBytes, long params, String backend, int threads, String test, int tokens,
               double mean, double sd, double[] samples) {}

    /** Generation's upper bound at one thread count: weights read per token against the read bandwidth. */
    record Roofline(int threads, long bytesPerToken, double readGBs) {
        double tokensPerSecond() {
            return readGBs * 1e9 / bytesPerToken;
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!Files.isRegularFile(model)) throw new java.nio.file.NoSuchFileException(model.toString());
        if (reps < 1) throw new IllegalArgumentException("--repetitions must be >= 1");
        for (int p : prompt) if (p < 0) throw new IllegalArgumentException("-p values must be >= 0");
        for (int n : gen) if (n < 0) throw new IllegalArgumentException("-n values must be >= 0");
        for (int t : threads) if (t < 1) throw new IllegalArgumentException("-t values must be >= 1");
        threads.stream().max(Integer::compare).ifPresent(t -> ModelOptions.warnIfOversubscribed(t, err));
        boolean asJson = json || output.equalsIgnoreCase("json");
        if (!asJson && !output.equalsIgnoreCase("md")) throw new IllegalArgumentException("-o must be md or json");

        List<Row> rows = new ArrayList<>();
        List<Roofline> rooflines = new ArrayList<>();
        String backend = null;
        for (int t : threads) {
            LoadOptions opts = new LoadOptions(t, kernels.equalsIgnoreCase("auto") ? null
                    : io.bitnet4j.kernels.KernelTier.fromId(kernels), null, batch, null)
                    .withOutputType(outputType == null ? null
                            : TypeOption.parse("--output-type", outputType, io.bitnet4j.tensor.TensorType.Q8_0));
            try (LoadedModel m = LoadedModel.open(model, opts)) {
                ModelConfig c = m.config();
                backend = m.kernels().description() + (opts.outputType() != null ? ", q8_0 head" : "");
                String name = m.gguf().getString(GgufKeys.NAME, model.getFileName().toString());
                long params = parameterCount(m);
                int maxCtx = 0;
                for (int p : prompt) maxCtx = Math.max(maxCtx, p);
                for (int n : gen) maxCtx = Math.max(maxCtx, n + 1);
                if (maxCtx > c.contextLength()) {
                    throw new IllegalArgumentException("test length " + maxCtx + " exceeds the model's context_length " + c.contextLength());
                }
                try (Forward f = m.newForward(Math.max(1, maxCtx)); KvCache cache = m.newKvCache(f.contextSize())) {
                    SplittableRandom rnd = new SplittableRandom(1);
                    for (int p : prompt) {
                        if (p == 0) continue;
                        int[] ids = randomTokens(rnd, p, c.vocabSize());
                        rows.add(measure(name, m, params, backend, t, "pp" + p, p, () -> {
                            cache.rewind(0);
                            f.run(cache, ids, 0, ids.length, false);
                        }, err));
                    }
                    if (gen.stream().anyMatch(n -> n > 0)) {
                        MemorySegment weights = bandwidthRegion(m);
                        rooflines.add(new Roofline(t, m.weights().bytesPerToken(), ReadBandwidth.measure(weights, t, 3)));
                    }
                    for (int n : gen) {
                        if (n == 0) continue;
                        int[] one = new int[1];
                        rows.add(measure(name, m, params, backend, t, "tg" + n, n, () -> {
                            cache.rewind(0);
                            for (int i = 0; i < n; i++) {
                                one[0] = rnd.nextInt(c.vocabSize());
                                f.run(cache, one, 0, 1, false);
                            }
                        }, err));
                    }
                }
            }
        }
        long rss = peakRssBytes();
        if (asJson) printJson(out, rows, rooflines, rss);
        else printTable(out, rows, rooflines, backend, rss);
        out.flush();
        return 0;
    }

    private Row measure(String name, LoadedModel m, long params, String backend, int threads, String test, int tokens,
                        Runnable body, PrintWriter err) {
        // warm-up, not counted: at least one run and a second of work, so that the JIT has compiled the
        // kernels (the Vector API tier needs C2 to reach its speed)
        long warmUntil = System.nanoTime() + 1_000_000_000L;
        do {
            body.run();
        } while (System.nanoTime() < warmUntil);
        double[] tps = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t0 = System.nanoTime();
            body.run();
            tps[i] = tokens * 1e9 / (System.nanoTime() - t0);
        }
        double mean = 0;
        for (double v : tps) mean += v;
        mean /= reps;
        double var = 0;
        for (double v : tps) var += (v - mean) * (v - mean);
        double sd = reps > 1 ? Math.sqrt(var / (reps - 1)) : 0;
        err.printf(Locale.ROOT, "%s t=%d: %.2f ± %.2f t/s%n", test, threads, mean, sd);
        err.flush();
        return new Row(name, m.gguf().fileSize(), params, backend, threads, test, tokens, mean, sd, tps);
    }

    private static int[] randomTokens(SplittableRandom rnd, int n, int vocab) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) ids[i] = rnd.nextInt(vocab);
        return ids;
    }

    private static long parameterCount(LoadedModel m) {
        long sum = 0;
        for (var t : m.gguf().tensorInfos()) sum += t.elementCount();
        return sum;
    }

    /** Peak resident set size of this process (VmHWM), or -1 where /proc is not available. */
    static long peakRssBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException ignored) {
            // not Linux
        }
        return -1;
    }

    /**
     * The part of the mapped file the bandwidth probe reads: the tensor data on the larger side of the
     * token embedding. The layers' weights are resident anyway; the embedding is not read whole per token
     * (and with --output-type its float copy as head was released), so reading it would only inflate RSS.
     */
    private static MemorySegment bandwidthRegion(LoadedModel m) {
        MemorySegment data = m.gguf().segment().asSlice(m.gguf().dataOffset());
        MemorySegment emb = m.weights().tokenEmbedding().data();
        long start = emb.address() - data.address(), end = start + emb.byteSize();
        if (start < 0 || end > data.byteSize()) return data;
        return start >= data.byteSize() - end ? data.asSlice(0, start) : data.asSlice(end);
    }

    private static Roofline rooflineFor(List<Roofline> rooflines, int threads) {
        for (Roofline r : rooflines) if (r.threads() == threads) return r;
        return null;
    }

    private static void printTable(PrintWriter out, List<Row> rows, List<Roofline> rooflines, String backend, long rss) {
        out.println("| model                          |       size |     params | backend                        | threads |          test |                  t/s |");
        out.println("| ------------------------------ | ---------: | ---------: | ------------------------------ | ------: | ------------: | -------------------: |");
        for (Row r : rows) {
            out.printf(Locale.ROOT, "| %-30s | %6.2f GiB | %8.2f B | %-30s | %7d | %13s | %20s |%n",
                    truncate(r.modelName(), 30), r.fileBytes() / (double) (1L << 30), r.params() / 1e9,
                    truncate("bitnet4j " + r.backend(), 30), r.threads(), r.test(),
                    String.format(Locale.ROOT, "%.2f ± %.2f", r.mean(), r.sd()));
        }
        out.println();
        out.printf(Locale.ROOT, "kernels: %s; peak RSS %.1f MiB%n", backend, rss / (double) (1 << 20));
        for (Roofline rf : rooflines) {
            if (Double.isNaN(rf.readGBs())) {
                out.printf(Locale.ROOT, "roofline t=%d: %.1f MB of weights per token fit in the caches: no memory roofline%n",
                        rf.threads(), rf.bytesPerToken() / 1e6);
                continue;
            }
            StringBuilder tg = new StringBuilder();
            for (Row r : rows) {
                if (r.threads() == rf.threads() && r.test().startsWith("tg")) {
                    tg.append(String.format(Locale.ROOT, "; %s at %.0f %% of it", r.test(), 100 * r.mean() / rf.tokensPerSecond()));
                }
            }
            out.printf(Locale.ROOT, "roofline t=%d: %.3f GB of weights per token, read bandwidth %.1f GB/s -> %.1f t/s%s%n",
                    rf.threads(), rf.bytesPerToken() / 1e9, rf.readGBs(), rf.tokensPerSecond(), tg);
        }
    }

    private static String truncate(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n);
    }

    private static void printJson(PrintWriter out, List<Row> rows, List<Roofline> rooflines, long rss) throws IOException {
        ObjectMapper om = new ObjectMapper();
        ObjectNode root = om.createObjectNode();
        ArrayNode tests = root.putArray("tests");
        for (Row r : rows) {
            ObjectNode o = tests.addObject();
            o.put("model", r.modelName());
            o.put("model_size", r.fileBytes());
            o.put("model_n_params", r.params());
            o.put("backend", "bitnet4j " + r.backend());
            o.put("n_threads", r.threads());
            o.put("test", r.test());
            o.put(r.test().startsWith("pp") ? "n_prompt" : "n_gen", r.tokens());
            o.put("avg_ts", r.mean());
            Roofline rf = rooflineFor(rooflines, r.threads());
            if (rf != null && !Double.isNaN(rf.readGBs()) && r.test().startsWith("tg")) {
                o.put("weight_bytes_per_token", rf.bytesPerToken());
                o.put("read_bandwidth_gbs", rf.readGBs());
                o.put("roofline_ts", rf.tokensPerSecond());
            }
            o.put("stddev_ts", r.sd());
            o.putPOJO("samples_ts", r.samples());
        }
        root.put("peak_rss_bytes", rss);
        out.println(om.writerWithDefaultPrettyPrinter().writeValueAsString(root));
    }
}
