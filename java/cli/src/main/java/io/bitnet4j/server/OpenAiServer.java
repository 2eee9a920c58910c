package io.bitnet4j.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bitnet4j.engine.LoadedModel;
import io.bitnet4j.generation.ChatFormat;
import io.bitnet4j.generation.ContinuousBatcher;
import io.bitnet4j.generation.GenerationResult;
import io.bitnet4j.generation.TokenText;
import io.bitnet4j.tokenizer.Tokenizer;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpHeaderValue;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.io.QuietException;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Blocker;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeoutException;

/**
 * An OpenAI-compatible HTTP API over a {@link ContinuousBatcher}: {@code GET /v1/models},
 * {@code POST /v1/completions}, {@code POST /v1/chat/completions} (JSON or a {@code text/event-stream}
 * of {@code data:} frames ending with {@code data: [DONE]}), and {@code GET /health}.
 *
 * <p>Jetty's core server does the HTTP (no servlets), each request handled on a virtual thread; Jackson
 * the JSON. A request thread tokenizes and validates, submits to the batcher, then waits for the tokens
 * its listener receives (the batcher thread never blocks on a socket) and writes them out. A client that
 * has gone cancels its request, which frees its slot at the batcher's next iteration: a stream finds out
 * at its next failed write, a non-streaming request, which writes nothing until its answer, from a
 * {@link ClientWatch} on its connection while it waits and generates.
 *
 * <p>{@link Options#timeout()} is the connector's idle timeout: headers that stop arriving close the
 * connection, a body that stops arriving gets a 408, a write the client does not take fails, an idle
 * keep-alive connection is closed; waiting for the batcher is not limited. A body over {@link Options#maxBodyBytes()} gets a 413, read to its end
 * (up to {@link #DISCARD_LIMIT}) so that a client still sending it gets the answer rather than a reset.
 */
public final class OpenAiServer implements AutoCloseable {

    /**
     * @param host          address to bind (loopback unless told otherwise)
     * @param port          0 = any free port
     * @param apiKey        required bearer token, or null for none
     * @param modelId       the id /v1/models reports and responses carry
     * @param maxBodyBytes  larger request bodies are refused with 413
     * @param reasoning     thinking models think unless a request's chat_template_kwargs.enable_thinking says otherwise
     * @param timeout       how long a connection may sit idle while a request is read or written to, or between
     *                      requests (llama-server's --timeout); waiting for the batcher is not limited
     */
    public record Options(String host, int port, String apiKey, String modelId, int maxBodyBytes, boolean reasoning,
                          Duration timeout) {
        /** llama-server's --timeout default. */
        public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(600);
        /** llama-server's --timeout is an int of seconds. */
        static final Duration MAX_TIMEOUT = Duration.ofSeconds(Integer.MAX_VALUE);

        public Options {
            if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be in 0..65535, got " + port);
            if (maxBodyBytes < 1) throw new IllegalArgumentException("body size limit must be >= 1");
            if (apiKey != null && apiKey.isEmpty()) apiKey = null;
            if (timeout == null || timeout.toMillis() < 1 || timeout.compareTo(MAX_TIMEOUT) > 0) {
                throw new IllegalArgumentException("the timeout must be between 1 ms and " + MAX_TIMEOUT.toSeconds() + " s, got " + timeout);
            }
        }

        /** The default timeout. */
        public Options(String host, int port, String apiKey, String modelId, int maxBodyBytes, boolean reasoning) {
            this(host, port, apiKey, modelId, maxBodyBytes, reasoning, DEFAULT_TIMEOUT);
        }

        /** Reasoning on, llama-server's default, and the default timeout. */
        public Options(String host, int port, String apiKey, String modelId, int maxBodyBytes) {
            this(host, port, apiKey, modelId, maxBodyBytes, true);
        }
    }

    /**
     * A body over the limit is still read, and dropped, up to this many bytes: a client that sends all of
     * it before reading gets the 413 instead of a connection reset under its writes.
     */
    static final long DISCARD_LIMIT = 64L << 20;
    /** The request line and headers together (Jetty's default is 8 KiB; larger get 431). */
    static final int MAX_HEAD_BYTES = 64 << 10;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ContinuousBatcher batcher;
    private final LoadedModel model;
    private final Tokenizer tok;
    private final ChatFormat format;
    private final Options options;
    private final Server http;
    private final ServerConnector connector;
    private final ExecutorService executor;
    private final long created = System.currentTimeMillis() / 1000;

    public OpenAiServer(ContinuousBatcher batcher, Options options) throws IOException {
        this.batcher = batcher;
        this.model = batcher.model();
        this.tok = model.tokenizer();
        this.format = ChatFormat.forModel(model.config().architectureName(), tok).thinking(options.reasoning());
        this.options = options;
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        QueuedThreadPool threads = new QueuedThreadPool();
        threads.setName("http");
        threads.setVirtualThreadsExecutor(executor); // handlers (blocking) run on virtual threads
        this.http = new Server(threads);
        HttpConfiguration config = new HttpConfiguration();
        config.setSendServerVersion(false);
        config.setRequestHeaderSize(MAX_HEAD_BYTES);
        this.connector = new ServerConnector(http, 1, 1, new HttpConnectionFactory(config));
        connector.setHost(options.host());
        connector.setPort(options.port());
        connector.setAcceptQueueSize(128);
        connector.setIdleTimeout(options.timeout().toMillis());
        http.addConnector(connector);
        http.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                OpenAiServer.this.handle(new Exchange(request, response), callback);
                return true;
            }
        });
        http.setErrorHandler(OpenAiServer::httpError);
        try {
            http.start();
        } catch (Exception e) {
            close();
            if (e instanceof IOException io) throw io;
            throw new IOException("cannot start the HTTP server: " + e.getMessage(), e);
        }
    }

    /** The bound address (e.g. the port chosen for port 0). */
    public InetSocketAddress address() {
        return new InetSocketAddress(options.host(), connector.getLocalPort());
    }

    public ChatFormat chatFormat() {
        return format;
    }

    @Override
    public void close() {
        try {
            http.stop();
        } catch (Exception e) {
            // stopping is best effort: the connector is closed either way
        } finally {
            executor.shutdownNow(); // request threads still waiting for tokens are interrupted: their requests are cancelled
        }
    }

    // ---------------------------------------------------------------- routing

    /** One request and its response. */
    private record Exchange(Request request, Response response) { }

    /** Answers on the handler's (virtual) thread, blocking as it writes, then completes the callback. */
    private void handle(Exchange ex, Callback callback) {
        // idle while the batcher works is not a timeout; a read or write that stalls still is
        ex.request().addIdleTimeoutListener(timeout -> false);
        try {
            try {
                route(ex);
            } catch (ApiException e) {
                sendError(ex, e);
            } catch (RuntimeException e) {
                sendError(ex, new ApiException(500, "server_error", "internal error: " + e, null, null));
            }
            callback.succeeded();
        } catch (IOException e) {
            // the client went away while we answered (or the server is stopping): nothing left to tell it,
            // and nothing for Jetty to log but at debug level
            callback.failed(e instanceof QuietException ? e : new EofException(e));
        }
    }

    private void route(Exchange ex) throws IOException {
        String path = ex.request().getHttpURI().getDecodedPath();
        if (path == null) path = "";
        if (path.length() > 1 && path.endsWith("/")) path = path.substring(0, path.length() - 1);
        String method = ex.request().getMethod();
        if (path.equals("/health") || path.equals("/v1/health")) {
            requireMethod(method, "GET");
            sendJson(ex, 200, health());
            return;
        }
        checkAuth(ex);
        switch (path) {
            case "/v1/models", "/models" -> {
                requireMethod(method, "GET");
                sendJson(ex, 200, models());
            }
            case "/v1/completions", "/completions" -> {
                requireMethod(method, "POST");
                complete(ex, false);
            }
            case "/v1/chat/completions", "/chat/completions" -> {
                requireMethod(method, "POST");
                complete(ex, true);
            }
            default -> {
                throw new ApiException(404, "invalid_request_error", "unknown endpoint " + method + " " + path, null, "not_found");
            }
        }
    }

    private static void requireMethod(String method, String expected) {
        if (!method.equals(expected)) {
            throw new ApiException(405, "invalid_request_error", "method " + method + " not allowed here; use " + expected, null, "method_not_allowed");
        }
    }

    private void checkAuth(Exchange ex) {
        if (options.apiKey() == null) return;
        String h = ex.request().getHeaders().get(HttpHeader.AUTHORIZATION);
        String given = h != null && h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).strip() : "";
        boolean ok = MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), options.apiKey().getBytes(StandardCharsets.UTF_8));
        if (!ok) {
            throw new ApiException(401, "invalid_request_error",
                    given.isEmpty() ? "missing API key: send 'Authorization: Bearer KEY'" : "incorrect API key provided", null, "invalid_api_key");
        }
    }

    private ObjectNode health() {
        ContinuousBatcher.Stats s = batcher.stats();
        ObjectNode o = JSON.createObjectNode();
        o.put("status", "ok");
        o.put("slots_idle", s.slots() - s.processing());
        o.put("slots_processing", s.processing());
        o.put("requests_queued", s.queued());
        o.put("requests_completed", s.completed());
        o.put("requests_cancelled", s.cancelled());
        o.put("tokens_generated", s.generatedTokens());
        o.put("batched_steps", s.steps());
        return o;
    }

    private ObjectNode models() {
        ObjectNode o = JSON.createObjectNode();
        o.put("object", "list");
        ObjectNode m = o.putArray("data").addObject();
        m.put("id", options.modelId());
        m.put("object", "model");
        m.put("created", created);
        m.put("owned_by", "bitnet4j");
        return o;
    }

    // ---------------------------------------------------------------- completions

    /** What the batcher hands to a request thread. */
    private sealed interface Event {
        record Token(int id) implements Event { }

        record Finish(GenerationResult.StopReason reason, int promptTokens, int generated) implements Event { }

        record Failure(Throwable error) implements Event { }
    }

    /** Queues the batcher's callbacks for the request thread (never blocks the batcher). */
    private static final class Mailbox implements ContinuousBatcher.Listener {
        final BlockingQueue<Event> events = new LinkedBlockingQueue<>();

        public boolean onToken(int id) {
            events.add(new Event.Token(id));
            return true;
        }

        public void onFinish(GenerationResult.StopReason reason, int promptTokens, int generated) {
            events.add(new Event.Finish(reason, promptTokens, generated));
        }

        public void onError(Throwable error) {
            events.add(new Event.Failure(error));
        }
    }

    private void complete(Exchange ex, boolean chat) throws IOException {
        JsonNode body = readJson(ex);
        CompletionRequest req = CompletionRequest.parse(body, chat, tok, format, batcher.contextSize());
        Mailbox mailbox = new Mailbox();
        ContinuousBatcher.Job job;
        try {
            job = batcher.submit(new ContinuousBatcher.Request(req.prompt(), req.maxTokens(), req.sampling(),
                    tok::isEndOfGeneration, mailbox));
        } catch (ContinuousBatcher.QueueFullException e) {
            throw new ApiException(503, "server_error", e.getMessage(), null, "server_busy");
        } catch (IllegalStateException e) {
            throw new ApiException(503, "server_error", e.getMessage(), null, "shutting_down");
        }
        String id = (chat ? "chatcmpl-" : "cmpl-") + randomId();
        long now = System.currentTimeMillis() / 1000;
        // A stream writes as it goes, and a failed write tells that its client has gone. A whole answer
        // writes at its end: its connection is watched meanwhile (the body has been read to its end).
        ClientWatch watch = req.stream() ? null : ClientWatch.start(ex.request(), job::cancel);
        try {
            if (req.stream()) stream(ex, req, job, mailbox, id, now);
            else whole(ex, req, job, mailbox, id, now, watch);
        } catch (IOException | RuntimeException e) {
            job.cancel(); // the client is gone (or we failed): free the slot now
            throw e;
        } finally {
            if (watch != null) endWatch(ex, watch);
            if (Thread.currentThread().isInterrupted()) job.cancel();
        }
    }

    /** Stops watching before the answer is written; a client that pipelined gets its connection closed after it. */
    private static void endWatch(Exchange ex, ClientWatch watch) {
        watch.close();
        if (watch.pipelined() && !ex.response().isCommitted()) {
            ex.response().getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
        }
    }

    private static String finishReason(GenerationResult.StopReason r, boolean stopped) {
        if (stopped) return "stop";
        return switch (r) {
            case END_OF_GENERATION, LISTENER -> "stop";
            case LENGTH, CONTEXT_FULL -> "length";
        };
    }

    private void whole(Exchange ex, CompletionRequest req, ContinuousBatcher.Job job, Mailbox mailbox, String id, long now,
                       ClientWatch watch) throws IOException {
        TokenText text = new TokenText(tok, req.stop());
        StringBuilder out = new StringBuilder();
        Event.Finish finish = null;
        while (finish == null) {
            Event e = take(mailbox);
            switch (e) {
                case Event.Token t -> {
                    if (text.stopped()) continue;
                    out.append(text.accept(t.id()));
                    if (text.stopped()) job.cancel();
                }
                case Event.Finish f -> finish = f;
                case Event.Failure f -> throw new ApiException(500, "server_error", "generation failed: " + f.error().getMessage(), null, null);
            }
        }
        endWatch(ex, watch);
        if (watch.gone()) throw new EofException("the client closed its connection");
        out.append(text.finish());
        String reason = finishReason(finish.reason(), text.stopped());
        ObjectNode o = envelope(req.chat() ? "chat.completion" : "text_completion", id, now);
        ObjectNode choice = o.putArray("choices").addObject();
        choice.put("index", 0);
        if (req.chat()) {
            ObjectNode msg = choice.putObject("message");
            msg.put("role", "assistant");
            msg.put("content", out.toString());
        } else {
            choice.put("text", out.toString());
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", reason);
        usage(o.putObject("usage"), req.prompt().length, text.tokens());
        sendJson(ex, 200, o);
    }

    private void stream(Exchange ex, CompletionRequest req, ContinuousBatcher.Job job, Mailbox mailbox, String id, long now)
            throws IOException {
        Response os = ex.response();
        os.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
        os.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        write(os, false, null); // the headers, now
        if (req.chat()) {
            // the first chunk carries the role, as OpenAI's does
            ObjectNode first = chunk(req, id, now);
            ObjectNode delta = ((ObjectNode) first.get("choices").get(0)).putObject("delta");
            delta.put("role", "assistant");
            delta.put("content", "");
            ((ObjectNode) first.get("choices").get(0)).putNull("finish_reason");
            frame(os, first);
        }
        TokenText text = new TokenText(tok, req.stop());
        Event.Finish finish = null;
        while (finish == null) {
            Event e = take(mailbox);
            switch (e) {
                case Event.Token t -> {
                    if (text.stopped()) continue;
                    String piece = text.accept(t.id());
                    if (text.stopped()) job.cancel();
                    if (!piece.isEmpty()) frame(os, textChunk(req, id, now, piece, null));
                }
                case Event.Finish f -> finish = f;
                case Event.Failure f -> {
                    // headers are gone already: report in-band, as OpenAI does for stream errors
                    ObjectNode err = JSON.createObjectNode();
                    err.set("error", errorBody(new ApiException(500, "server_error", "generation failed: " + f.error().getMessage(), null, null)));
                    frame(os, err);
                    done(os);
                    return;
                }
            }
        }
        String tail = text.finish();
        if (!tail.isEmpty()) frame(os, textChunk(req, id, now, tail, null));
        frame(os, textChunk(req, id, now, null, finishReason(finish.reason(), text.stopped())));
        if (req.includeUsage()) {
            ObjectNode u = envelope(req.chat() ? "chat.completion.chunk" : "text_completion", id, now);
            u.putArray("choices");
            usage(u.putObject("usage"), req.prompt().length, text.tokens());
            frame(os, u);
        }
        done(os);
    }

    private static Event take(Mailbox m) throws IOException {
        try {
            return m.events.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted (server stopping)");
        }
    }

    private ObjectNode envelope(String object, String id, long now) {
        ObjectNode o = JSON.createObjectNode();
        o.put("id", id);
        o.put("object", object);
        o.put("created", now);
        o.put("model", options.modelId());
        o.put("system_fingerprint", "bitnet4j");
        return o;
    }

    private ObjectNode chunk(CompletionRequest req, String id, long now) {
        ObjectNode o = envelope(req.chat() ? "chat.completion.chunk" : "text_completion", id, now);
        ObjectNode c = o.putArray("choices").addObject();
        c.put("index", 0);
        c.putNull("logprobs");
        return o;
    }

    /** A content chunk (piece != null) or the final one (finish != null). */
    private ObjectNode textChunk(CompletionRequest req, String id, long now, String piece, String finish) {
        ObjectNode o = chunk(req, id, now);
        ObjectNode c = (ObjectNode) o.get("choices").get(0);
        if (req.chat()) {
            ObjectNode d = c.putObject("delta");
            if (piece != null) d.put("content", piece);
        } else {
            c.put("text", piece == null ? "" : piece);
        }
        if (finish == null) c.putNull("finish_reason");
        else c.put("finish_reason", finish);
        return o;
    }

    private static void usage(ObjectNode u, int prompt, int completion) {
        u.put("prompt_tokens", prompt);
        u.put("completion_tokens", completion);
        u.put("total_tokens", prompt + completion);
    }

    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] FRAME_END = "\n\n".getBytes(StandardCharsets.US_ASCII);

    /** One server-sent event, written (and so flushed) as one piece. */
    private static void frame(Response os, ObjectNode o) throws IOException {
        byte[] json = JSON.writeValueAsBytes(o);
        ByteBuffer b = ByteBuffer.allocate(DATA.length + json.length + FRAME_END.length);
        write(os, false, b.put(DATA).put(json).put(FRAME_END).flip());
    }

    private static void done(Response os) throws IOException {
        write(os, false, ByteBuffer.wrap("data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII)));
    }

    /** Writes and waits until written (the last write completes the response's content). */
    private static void write(Response response, boolean last, ByteBuffer content) throws IOException {
        try (Blocker.Callback written = Blocker.callback()) {
            response.write(last, content, written);
            written.block();
        }
    }

    // ---------------------------------------------------------------- plumbing

    private JsonNode readJson(Exchange ex) throws IOException {
        int limit = options.maxBodyBytes();
        Request request = ex.request();
        long declared = request.getLength(); // -1 for a chunked body
        if (declared > limit && (declared > DISCARD_LIMIT || request.getHeaders().contains(HttpHeader.EXPECT, "100-continue"))) {
            throw tooLarge(ex, limit); // the client waits for a 100 Continue that will not come, or would send too much for nothing
        }
        byte[] body;
        InputStream in = Content.Source.asInputStream(request);
        try {
            body = in.readNBytes(limit + 1);
            if (body.length > limit) {
                discard(in, DISCARD_LIMIT - body.length);
                throw tooLarge(ex, limit);
            }
        } catch (IOException e) {
            if (!(e.getCause() instanceof TimeoutException)) throw e; // the client has gone
            closeAfter(ex);
            throw new ApiException(408, "invalid_request_error", "the request body did not arrive within "
                    + seconds(options.timeout()) + " (--timeout)", null, "request_timeout");
        }
        if (body.length == 0) throw ApiException.invalid("empty request body: send a JSON object", null);
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.invalid("malformed JSON: " + e.getOriginalMessage(), null, "invalid_json");
        }
    }

    /** A 413, after which the connection is closed (whatever is left of the body is not read). */
    private static ApiException tooLarge(Exchange ex, int limit) {
        closeAfter(ex);
        return new ApiException(413, "invalid_request_error", "request body larger than " + limit + " bytes", null, "request_too_large");
    }

    /** Reads and drops the rest of a body, up to {@code max} bytes. */
    private static void discard(InputStream in, long max) {
        byte[] sink = new byte[64 << 10];
        try {
            for (long left = max; left > 0; ) {
                int n = in.read(sink, 0, (int) Math.min(sink.length, left));
                if (n < 0) return;
                left -= n;
            }
        } catch (IOException e) {
            // stalled or gone: the answer closes the connection anyway
        }
    }

    private static void closeAfter(Exchange ex) {
        ex.response().getHeaders().put(HttpHeader.CONNECTION, HttpHeaderValue.CLOSE.asString());
    }

    /** "600 s", "0.5 s". */
    private static String seconds(Duration d) {
        return BigDecimal.valueOf(d.toMillis(), 3).stripTrailingZeros().toPlainString() + " s";
    }

    private static ObjectNode errorBody(ApiException e) {
        ObjectNode err = JSON.createObjectNode();
        err.put("message", e.getMessage());
        err.put("type", e.type);
        if (e.param == null) err.putNull("param");
        else err.put("param", e.param);
        if (e.code == null) err.putNull("code");
        else err.put("code", e.code);
        return err;
    }

    private static ObjectNode errorJson(ApiException e) {
        ObjectNode o = JSON.createObjectNode();
        o.set("error", errorBody(e));
        return o;
    }

    private static void sendError(Exchange ex, ApiException e) throws IOException {
        if (ex.response().isCommitted()) return; // a stream already started; it ends here
        if (e.status == 401) ex.response().getHeaders().put(HttpHeader.WWW_AUTHENTICATE, "Bearer");
        sendJson(ex, e.status, errorJson(e));
    }

    private static void sendJson(Exchange ex, int status, ObjectNode o) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(o);
        Response response = ex.response();
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        write(response, true, ByteBuffer.wrap(bytes));
    }

    /**
     * Jetty's own error answers (a malformed request, headers over {@link #MAX_HEAD_BYTES}, a failure
     * outside the handler) in OpenAI's error shape, as this server's are.
     */
    private static boolean httpError(Request request, Response response, Callback callback) {
        int status = request.getAttribute(ErrorHandler.ERROR_STATUS) instanceof Integer i ? i : response.getStatus();
        String reason = HttpStatus.getMessage(status);
        String message = request.getAttribute(ErrorHandler.ERROR_MESSAGE) instanceof String m && !m.isBlank() ? m : reason;
        ApiException e = new ApiException(status, status < 500 ? "invalid_request_error" : "server_error", message, null,
                reason.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_"));
        byte[] bytes;
        try {
            bytes = JSON.writeValueAsBytes(errorJson(e));
        } catch (JsonProcessingException x) {
            callback.failed(x);
            return true;
        }
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
        response.write(true, ByteBuffer.wrap(bytes), callback);
        return true;
    }

    private static String randomId() {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder sb = new StringBuilder(24);
        for (int i = 0; i < 24; i++) sb.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        return sb.toString();
    }
}
