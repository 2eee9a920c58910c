package io.bitnet4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bitnet4j.engine.LoadedModel;
import io.bitnet4j.generation.GenerationResult;
import io.bitnet4j.generation.Generator;
import io.bitnet4j.generation.Sampler;
import io.bitnet4j.generation.SamplerParams;
import io.bitnet4j.graph.Forward;
import io.bitnet4j.graph.KvCache;
import io.bitnet4j.tokenizer.Tokenizer;
import io.bitnet4j.tokenizer.Utf8StreamDecoder;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.Callable;

/** {@code run}: generate a continuation of a prompt, streaming it to stdout, like llama-cli. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Generate text from a prompt (tokens stream to stdout; timings to stderr at the end).")
final class RunCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    PromptInput prompt = new PromptInput();

    @Option(names = {"-n", "--n-predict"}, paramLabel = "N",
            description = "tokens to generate, -1 = until end of text, -2 = until the context is full (both stop at either; default: ${DEFAULT-VALUE})")
    int nPredict = 128;

    @Mixin
    SamplingOptions sampling;

    @Option(names = "--parse-special", description = "recognise special-token text such as <|eot_id|> in the prompt")
    boolean parseSpecial;

    @Option(names = "--no-bos", description = "do not add the BOS token even if the model asks for it")
    boolean noBos;

    @Option(names = "--no-display-prompt", description = "do not echo the prompt before the generated text")
    boolean noDisplayPrompt;

    @Option(names = "--json", description = "print one JSON object (ids, text, timings) instead of streaming text")
    boolean json;

    @Option(names = "--logits-out", paramLabel = "FILE",
            description = "write the raw little-endian f32 logits of each generated step (steps x n_vocab)")
    Path logitsOut;

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        NPredict.check(nPredict);
        String text = prompt.read("Once upon a time");
        long t0 = System.nanoTime();
        try (LoadedModel m = model.open(err)) {
            long loadNanos = System.nanoTime() - t0;
            m.notes().forEach(n -> err.println("note: " + n));
            if (!json) err.println(m.kernelExplanation() + ", " + m.threads() + " threads");
            Tokenizer tok = m.tokenizer();
            int[] ids = tok.encode(text, !noBos, parseSpecial);
            if (ids.length == 0) throw new IllegalArgumentException("the prompt is empty (no tokens); give -p TEXT");
            int ctx = model.contextFor(m, err);
            if (ids.length >= ctx) {
                throw new IllegalArgumentException("prompt is " + ids.length + " tokens, the context holds " + ctx
                        + " (raise -c/--ctx-size up to " + m.config().contextLength() + " or shorten the prompt)");
            }
            int limit = NPredict.limit(nPredict, ctx - ids.length);
            SamplerParams params = sampling.params();
            try (Forward forward = m.newForward(ctx);
                 KvCache cache = m.newKvCache(ctx);
                 LogitsWriter logits = logitsOut == null ? null : new LogitsWriter(logitsOut)) {
                Generator g = new Generator(forward, cache);
                OutputStream stdout = new BufferedOutputStream(System.out, 1 << 12);
                Utf8StreamDecoder decoder = new Utf8StreamDecoder();
                if (!json && !noDisplayPrompt) {
                    stdout.write(text.getBytes(StandardCharsets.UTF_8));
                    stdout.flush();
                }
                GenerationResult r = g.generate(ids, limit, new Sampler(params, m.config().vocabSize()),
                        tok::isEndOfGeneration,
                        id -> {
                            if (!json) write(stdout, decoder.accept(tok, id));
                            return true;
                        },
                        logits == null ? null : logits::write);
                if (json) {
                    printJson(m, ids, r, loadNanos, params);
                } else {
                    write(stdout, decoder.flush());
                    stdout.write('\n');
                    stdout.flush();
                    printTimings(err, loadNanos, r);
                }
            }
        }
        return 0;
    }

    private static void write(OutputStream out, String s) {
        if (s.isEmpty()) return;
        try {
            out.write(s.getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static void printTimings(PrintWriter err, long loadNanos, GenerationResult r) {
        int genSteps = Math.max(0, r.generated().length - 1);
        err.printf("%nload time   = %10.2f ms%n", loadNanos / 1e6);
        err.printf("prompt eval = %10.2f ms / %5d tokens (%8.2f ms per token, %8.2f tokens per second)%n",
                r.promptNanos() / 1e6, r.promptTokens(), r.promptNanos() / 1e6 / Math.max(1, r.promptTokens()),
                r.promptTokensPerSecond());
        err.printf("eval time   = %10.2f ms / %5d runs   (%8.2f ms per token, %8.2f tokens per second)%n",
                r.genNanos() / 1e6, genSteps, genSteps == 0 ? 0 : r.genNanos() / 1e6 / genSteps,
                r.generationTokensPerSecond());
        err.printf("stopped by  = %s%n", r.stopReason().name().toLowerCase(java.util.Locale.ROOT));
        err.flush();
    }

    private void printJson(LoadedModel m, int[] ids, GenerationResult r, long loadNanos, SamplerParams params)
            throws IOException {
        ObjectMapper om = new ObjectMapper();
        ObjectNode root = om.createObjectNode();
        root.put("model", model.modelPath().toString());
        root.put("kernels", m.kernelExplanation());
        root.put("threads", m.threads());
        root.putPOJO("prompt_ids", ids);
        root.putPOJO("generated_ids", r.generated());
        root.put("text", m.tokenizer().decode(r.generated(), false, false));
        root.put("stop_reason", r.stopReason().name().toLowerCase(java.util.Locale.ROOT));
        root.put("seed", params.seed());
        ObjectNode t = root.putObject("timings");
        t.put("load_ms", loadNanos / 1e6);
        t.put("prompt_ms", r.promptNanos() / 1e6);
        t.put("prompt_tokens_per_second", r.promptTokensPerSecond());
        t.put("generation_ms", r.genNanos() / 1e6);
        t.put("generation_tokens_per_second", r.generationTokensPerSecond());
        System.out.println(om.writeValueAsString(root));
        System.out.flush();
    }

    /** Streams each step's logits to a file as little-endian f32, the reference dumps' layout. */
    static final class LogitsWriter implements AutoCloseable {
        private final FileChannel ch;
        private ByteBuffer buf;

        LogitsWriter(Path path) throws IOException {
            ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
        }

        void write(int step, float[] logits) {
            if (buf == null || buf.capacity() < logits.length * 4) {
                buf = ByteBuffer.allocate(logits.length * 4).order(ByteOrder.LITTLE_ENDIAN);
            }
            buf.clear();
            buf.asFloatBuffer().put(logits);
            buf.limit(logits.length * 4);
            try {
                while (buf.hasRemaining()) ch.write(buf);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }
}
