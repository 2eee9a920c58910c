package io.bitnet4j.cli;

import io.bitnet4j.engine.LoadedModel;
import io.bitnet4j.generation.Perplexity;
import io.bitnet4j.graph.Forward;
import io.bitnet4j.graph.KvCache;
import io.bitnet4j.tokenizer.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code perplexity}: like llama-perplexity — a text file in, its perplexity out. The text is tokenized
 * with the model's BOS, cut into chunks of the context size, the first token of each chunk replaced by
 * BOS, and the second half of every chunk scored ({@link Perplexity}).
 */
@Command(name = "perplexity", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Perplexity of a text file, measured as llama-perplexity does: chunks of the context size",
                "(-c, default the model's context_length up to 4096), each starting at BOS, the second half of each scored."})
final class PerplexityCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", required = true, description = "the text")
    Path file;

    @Option(names = "--chunks", paramLabel = "N", description = "evaluate at most N chunks (default: all)")
    int chunks = -1;

    @Option(names = "--json", description = "print one JSON object with the result instead of the progress line")
    boolean json;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        if (chunks == 0 || chunks < -1) throw new IllegalArgumentException("--chunks must be >= 1, got " + chunks);
        String text = TextFiles.readUtf8(file);
        try (LoadedModel m = model.open(err)) {
            m.notes().forEach(n -> err.println("note: " + n));
            Tokenizer tok = m.tokenizer();
            int ctx = model.contextFor(m, err);
            long t0 = System.nanoTime();
            int[] ids = tok.encode(text, true, false);
            int bos = tok.bosId();
            if (bos < 0) throw new IllegalArgumentException("the model has no BOS token; perplexity chunks start with BOS");
            if (ids.length < ctx) {
                throw new IllegalArgumentException(file + " has " + ids.length + " tokens; perplexity needs at least one chunk of "
                        + ctx + " (use a smaller --ctx-size or a longer text)");
            }
            if (!json) {
                err.println(m.kernelExplanation() + ", " + m.threads() + " threads");
                err.printf(Locale.ROOT, "%d tokens, %d chunks of %d (second halves scored)%n", ids.length,
                        chunks > 0 ? Math.min(chunks, ids.length / ctx) : ids.length / ctx, ctx);
            }
            Perplexity.Result r;
            try (Forward f = m.newForward(ctx); KvCache cache = m.newKvCache(ctx)) {
                r = Perplexity.measure(f, cache, ids, ctx, chunks, bos, (c, total, running) -> {
                    if (!json) {
                        out.printf(Locale.ROOT, "[%d]%.4f,", c, running.ppl());
                        out.flush();
                    }
                });
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            if (json) {
                out.printf(Locale.ROOT, "{\"ppl\":%.6f,\"std_error\":%.6f,\"nll\":%.8f,\"chunks\":%d,\"ctx\":%d,"
                                + "\"scored_tokens\":%d,\"text_tokens\":%d,\"seconds\":%.3f}%n",
                        r.ppl(), r.stdError(), r.nll(), r.chunks(), ctx, r.scoredTokens(), ids.length, secs);
            } else {
                out.println();
                out.printf(Locale.ROOT, "Final estimate: PPL = %.4f +/- %.5f (%d chunks of %d, %d scored tokens, %.1f s)%n",
                        r.ppl(), r.stdError(), r.chunks(), ctx, r.scoredTokens(), secs);
            }
            out.flush();
        }
        return 0;
    }
}
