package io.bitnet4j.cli;

import io.bitnet4j.engine.LoadedModel;
import io.bitnet4j.generation.ContinuousBatcher;
import io.bitnet4j.server.OpenAiServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code serve}: an OpenAI-compatible HTTP server (chat/completions, completions, models, health) with
 * streaming, decoding up to {@code --parallel} requests together (continuous batching).
 */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serve the model over an OpenAI-compatible HTTP API (/v1/chat/completions, /v1/completions,",
                "/v1/models, /health), streaming with server-sent events; --parallel requests decode as one batch."})
final class ServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Mixin
    ReasoningOption reasoning;

    @Option(names = "--host", paramLabel = "ADDR", description = "address to listen on (default: ${DEFAULT-VALUE}, loopback only)")
    String host = "127.0.0.1";

    @Option(names = "--port", paramLabel = "N", description = "port (default: ${DEFAULT-VALUE}; 0 = any free port)")
    int port = 8080;

    @Option(names = {"-np", "--parallel"}, paramLabel = "N",
            description = "requests decoded together, each with its own KV cache of -c tokens (default: ${DEFAULT-VALUE})")
    int parallel = 4;

    @Option(names = "--queue-size", paramLabel = "N",
            description = "requests that may wait for a free slot; more get 503 (default: ${DEFAULT-VALUE})")
    int queueSize = 64;

    @Option(names = "--api-key", paramLabel = "KEY", description = "require 'Authorization: Bearer KEY' (default: none)")
    String apiKey;

    @Option(names = "--alias", paramLabel = "NAME", description = "model id reported by /v1/models (default: the file name)")
    String alias;

    @Option(names = "--max-body", paramLabel = "BYTES", description = "largest request body accepted; larger get 413 (default: ${DEFAULT-VALUE})")
    int maxBody = 1 << 20;

    @Option(names = {"-to", "--timeout"}, paramLabel = "SECONDS", description = {
            "how long a connection may sit idle while a request is read (a body that stops arriving gets 408,",
            "headers that stop arriving close the connection) or between requests; generating is not limited",
            "(default: ${DEFAULT-VALUE}, as llama-server)"})
    int timeoutSeconds = (int) OpenAiServer.Options.DEFAULT_TIMEOUT.toSeconds();

    @Override
    public Integer call() throws Exception {
        PrintWriter err = spec.commandLine().getErr();
        if (parallel < 1) throw new IllegalArgumentException("--parallel must be >= 1, got " + parallel);
        if (queueSize < 0) throw new IllegalArgumentException("--queue-size must be >= 0, got " + queueSize);
        if (timeoutSeconds < 1) throw new IllegalArgumentException("--timeout must be >= 1 second, got " + timeoutSeconds);
        String id = alias != null ? alias : model.modelPath().getFileName().toString();
        try (LoadedModel m = model.open(err)) {
            m.notes().forEach(n -> err.println("note: " + n));
            int ctx = model.contextFor(m, err);
            try (ContinuousBatcher batcher = new ContinuousBatcher(m, parallel, ctx, queueSize);
                 OpenAiServer server = new OpenAiServer(batcher, new OpenAiServer.Options(host, port, apiKey, id, maxBody, reasoning.on(),
                         Duration.ofSeconds(timeoutSeconds)))) {
                err.printf("%s, %d threads; %d slots x %d tokens of context; chat format %s%n", m.kernelExplanation(),
                        m.threads(), parallel, ctx, server.chatFormat().name());
                err.printf("serving %s on http://%s:%d/v1%s (Ctrl-C to stop)%n", id, host, server.address().getPort(),
                        apiKey != null ? " (API key required)" : "");
                err.flush();
                CountDownLatch stop = new CountDownLatch(1);
                Runtime.getRuntime().addShutdownHook(new Thread(stop::countDown));
                stop.await();
            }
        }
        return 0;
    }
}
