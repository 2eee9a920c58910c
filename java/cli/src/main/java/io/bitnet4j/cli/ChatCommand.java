package io.bitnet4j.cli;

import io.bitnet4j.engine.LoadedModel;
import io.bitnet4j.generation.ChatFormat;
import io.bitnet4j.generation.GenerationResult;
import io.bitnet4j.generation.Generator;
import io.bitnet4j.generation.Sampler;
import io.bitnet4j.graph.Forward;
import io.bitnet4j.graph.KvCache;
import io.bitnet4j.tokenizer.Tokenizer;
import io.bitnet4j.tokenizer.Utf8StreamDecoder;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code chat}: an interactive conversation in the model's chat template. Each turn continues the
 * same KV cache, so only the new text is processed. Type /exit (or Ctrl-D) to leave, /reset to start over.
 */
@Command(name = "chat", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Chat with a model interactively (its chat template; the KV cache is reused across turns).")
final class ChatCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Option(names = {"-sys", "--system"}, paramLabel = "TEXT", description = "system message")
    String system = "You are a helpful assistant.";

    @Option(names = {"-n", "--n-predict"}, paramLabel = "N",
            description = "max tokens per answer, -1 = until end of text, -2 = until the context is full (default: ${DEFAULT-VALUE})")
    int nPredict = 512;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    ReasoningOption reasoning;

    /** Reads the user's lines: JLine (history, editing) on a terminal, plain lines from a pipe. */
    private interface Input extends AutoCloseable {
        /** The next line, or null at the end of input. */
        String readLine(String prompt) throws java.io.IOException;

        java.io.PrintWriter writer();

        @Override
        void close() throws java.io.IOException;
    }

    private static Input openInput() throws java.io.IOException {
        if (System.console() != null) {
            Terminal terminal = TerminalBuilder.builder().system(true).build();
            LineReader reader = LineReaderBuilder.builder().terminal(terminal).build();
            return new Input() {
                public String readLine(String prompt) {
                    try {
                        return reader.readLine(prompt);
                    } catch (EndOfFileException | UserInterruptException e) {
                        return null;
                    }
                }

                public java.io.PrintWriter writer() {
                    return terminal.writer();
                }

                public void close() throws java.io.IOException {
                    terminal.close();
                }
            };
        }
        java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in, java.nio.charset.StandardCharsets.UTF_8));
        java.io.PrintWriter out = new java.io.PrintWriter(new java.io.OutputStreamWriter(System.out, java.nio.charset.StandardCharsets.UTF_8), true);
        return new Input() {
            public String readLine(String prompt) throws java.io.IOException {
                return in.readLine();
            }

            public java.io.PrintWriter writer() {
                return out;
            }

            public void close() {
                out.flush();
            }
        };
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        NPredict.check(nPredict);
        try (LoadedModel m = model.open(err);
             Forward forward = m.newForward(model.contextFor(m, err));
             KvCache cache = m.newKvCache(forward.contextSize());
             Input input = openInput()) {
            m.notes().forEach(n -> err.println("note: " + n));
            Tokenizer tok = m.tokenizer();
            ChatFormat format = ChatFormat.forModel(m.config().architectureName(), tok).thinking(reasoning.on());
            err.println(m.kernelExplanation() + ", " + m.threads() + " threads; chat format " + format.name()
                    + "; /exit to quit, /reset to start over");
            err.flush();
            PrintWriter out = input.writer();
            Generator generator = new Generator(forward, cache);
            Sampler sampler = new Sampler(sampling.params(), m.config().vocabSize());
            List<ChatFormat.Message> pending = new ArrayList<>();
            if (system != null && !system.isBlank()) pending.add(new ChatFormat.Message("system", system));
            int endToken = Tokenizer.NO_TOKEN; // the end-of-turn token that stopped the last answer, fed back next turn
            while (true) {
                String line = input.readLine("> ");
                if (line == null || line.strip().equals("/exit")) break;
                if (line.strip().equals("/reset")) {
                    cache.rewind(0);
                    pending.clear();
                    if (system != null && !system.isBlank()) pending.add(new ChatFormat.Message("system", system));
                    endToken = Tokenizer.NO_TOKEN;
                    continue;
                }
                if (line.isBlank()) continue;
                pending.add(new ChatFormat.Message("user", line));
                String text = format.render(pending, cache.position() == 0, tok);
                pending.clear();
                int[] turn = tok.encode(text, false, true);
                if (endToken != Tokenizer.NO_TOKEN) {
                    int[] withEnd = new int[turn.length + 1];
                    withEnd[0] = endToken;
                    System.arraycopy(turn, 0, withEnd, 1, turn.length);
                    turn = withEnd;
                }
                int room = cache.contextSize() - cache.position() - turn.length;
                if (room <= 0) {
                    err.println("error: the context is full (" + cache.contextSize() + " tokens); /reset to start over or raise -c");
                    err.flush();
                    continue;
                }
                Utf8StreamDecoder decoder = new Utf8StreamDecoder();
                int[] last = {Tokenizer.NO_TOKEN};
                GenerationResult r = generator.generate(turn, NPredict.limit(nPredict, room), sampler,
                        id -> {
                            boolean end = tok.isEndOfGeneration(id);
                            if (end) last[0] = id;
                            return end;
                        },
                        id -> {
                            out.print(decoder.accept(tok, id));
                            out.flush();
                            return true;
                        }, null);
                out.println(decoder.flush());
                out.flush();
                endToken = r.stopReason() == GenerationResult.StopReason.END_OF_GENERATION ? last[0] : Tokenizer.NO_TOKEN;
                err.printf("[%d tokens, %.1f tokens/s]%n", r.generated().length, r.generationTokensPerSecond());
                err.flush();
            }
        }
        return 0;
    }
}
