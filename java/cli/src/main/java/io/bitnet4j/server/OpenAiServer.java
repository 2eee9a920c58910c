package io.bitnet4j.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.bitnet4j.engine.LoadedModel;
import io.bitnet4j.generation.ChatFormat;
import io.bitnet4j.generation.ContinuousBatcher;
import io.bitnet4j.generation.GenerationResult;
import io.bitnet4j.tokenizer.Tokenizer;
import io.bitnet4j.tokenizer.Utf8StreamDecoder;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * An OpenAI-compatible HTTP API over a {@link ContinuousBatcher}: {@code GET /v1/models},
 * {@code POST /v1/completions}, {@code POST /v1/chat/completions} (JSON or a {@code text/event-stream}
 * of {@code data:} frames ending with {@code data: [DONE]}), and {@code GET /health}.
 *
 * <p>The JDK's {@link HttpServer} does the HTTP, one virtual thread per exchange; Jackson the JSON. A
 * request thread tokenizes and validates, submits to the batcher, then waits for the tokens its
 * listener receives (the batcher thread never blocks on a socket) and writes them out. A failed write
 * means the client has gone: the request is cancelled, which frees its slot at the batcher's next
 * iteration.
 */
public final class OpenAiServer implements AutoCloseable {

    /**
     * @param host          address to bind (loopback unless told otherwise)
     * @param port          0 = any free port
     * @param apiKey        required bearer token, or null for none
     * @param modelId       the id /v1/models reports and responses carry
     * @param maxBodyBytes  larger request bodies are refused with 400
     * @param reasoning     thinking models think unless a request's chat_template_kwargs.enable_thinking says otherwise
     */
    public record Options(String host, int port, String apiKey, String modelId, int maxBodyBytes, boolean reasoning) {
        public Options {
            if (port < 0 || port > 65535) throw new IllegalArgumentException("port must be in 0..65535, got " + port);
            if (maxBodyBytes < 1) throw new IllegalArgumentException("body size limit must be >= 1");
            if (apiKey != null && apiKey.isEmpty()) apiKey = null;
        }

        /** Reasoning on, llama-server's default. */
        public Options(String host, int port, String apiKey, String modelId, int maxBodyBytes) {
            this(host, port, apiKey, modelId, maxBodyBytes, true);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final ContinuousBatcher batcher;
    private final LoadedModel model;
    private final Tokenizer tok;
    private final ChatFormat format;
    private final Options options;
    private final HttpServer http;
    private final ExecutorService executor;
    private final long created = System.currentTimeMillis() / 1000;

    public OpenAiServer(ContinuousBatcher batcher, Options options) throws IOException {
        this.batcher = batcher;
        this.model = batcher.model();
        this.tok = model.tokenizer();
        this.format = ChatFormat.forModel(model.config().architectureName(), tok).thinking(options.reasoning());
        this.options = options;
        this.http = HttpServer.create(new InetSocketAddress(options.host(), options.port()), 128);
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        http.setExecutor(executor);
        http.createContext("/", this::handle);
        http.start();
    }

    /** The bound address (e.g. the port chosen for port 0). */
    public InetSocketAddress address() {
        return http.getAddress();
    }

    public ChatFormat chatFormat() {
        return format;
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
    }

    // ---------------------------------------------------------------- routing

    private void handle(HttpExchange ex) {
        try (ex) {
            try {
                route(ex);
            } catch (ApiException e) {
                sendError(ex, e);
            } catch (IOException e) {
                // the client went away while we answered; nothing left to tell it
            } catch (RuntimeException e) {
                sendError(ex, new ApiException(500, "server_error", "internal error: " + e, null, null));
            }
        }
    }

    private void route(HttpExchange ex) throws IOException {
        String path = ex.getRequestURI().getPath();
        if (path.length() > 1 && path.endsWith("/")) path = path.substring(0, path.length() - 1);
        String method = ex.getRequestMethod();
        if (path.equals("/health") || path.equals("/v1/health")) {
            requireMethod(method, "GET");
            drain(ex);
            sendJson(ex, 200, health());
            return;
        }
        checkAuth(ex);
        switch (path) {
            case "/v1/models", "/models" -> {
                requireMethod(method, "GET");
                drain(ex);
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
                drain(ex);
                throw new ApiException(404, "invalid_request_error", "unknown endpoint " + method + " " + path, null, "not_found");
            }
        }
    }

    private static void requireMethod(String method, String expected) {
        if (!method.equals(expected)) {
            throw new ApiException(405, "invalid_request_error", "method " + method + " not allowed here; use " + expected, null, "method_not_allowed");
        }
    }

    private void checkAuth(HttpExchange ex) {
        if (options.apiKey() == null) return;
        String h = ex.getRequestHeaders().getFirst("Authorization");
        String given = h != null && h.regionMatches(true, 0, "Bearer ", 0, 7) ? h.substring(7).strip() : "";
        boolean ok = MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), options.apiKey().getBytes(StandardCharsets.UTF_8));
        if (!ok) {
            drain(ex);
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

    private void complete(HttpExchange ex, boolean chat) throws IOException {
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
        try {
            if (req.stream()) stream(ex, req, job, mailbox, id, now);
            else whole(ex, req, job, mailbox, id, now);
        } catch (IOException | RuntimeException e) {
            job.cancel(); // the client is gone (or we failed): free the slot now
            throw e;
        } finally {
            if (Thread.currentThread().isInterrupted()) job.cancel();
        }
    }

    /** Turns tokens into text: UTF-8 pieces held until complete, cut at stop sequences. */
    private final class TextStream {
        final Utf8StreamDecoder decoder = new Utf8StreamDecoder();
        final StopMatcher stops;
        int completionTokens;

        TextStream(CompletionRequest req) {
            stops = new StopMatcher(req.stop());
        }

        String token(int id) {
            completionTokens++;
            return stops.accept(decoder.accept(tok, id));
        }

        String end() {
            return stops.accept(decoder.flush()) + stops.flush();
        }
    }

    private static String finishReason(GenerationResult.StopReason r, boolean stopped) {
        if (stopped) return "stop";
        return switch (r) {
            case END_OF_GENERATION, LISTENER -> "stop";
            case LENGTH, CONTEXT_FULL -> "length";
        };
    }

    private void whole(HttpExchange ex, CompletionRequest req, ContinuousBatcher.Job job, Mailbox mailbox, String id, long now)
            throws IOException {
        TextStream text = new TextStream(req);
        StringBuilder out = new StringBuilder();
        Event.Finish finish = null;
        while (finish == null) {
            Event e = take(mailbox);
            switch (e) {
                case Event.Token t -> {
                    if (text.stops.stopped()) continue;
                    out.append(text.token(t.id()));
                    if (text.stops.stopped()) job.cancel();
                }
                case Event.Finish f -> finish = f;
                case Event.Failure f -> throw new ApiException(500, "server_error", "generation failed: " + f.error().getMessage(), null, null);
            }
        }
        out.append(text.end());
        String reason = finishReason(finish.reason(), text.stops.stopped());
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
        usage(o.putObject("usage"), req.prompt().length, text.completionTokens);
        sendJson(ex, 200, o);
    }

    private void stream(HttpExchange ex, CompletionRequest req, ContinuousBatcher.Job job, Mailbox mailbox, String id, long now)
            throws IOException {
        ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
        ex.getResponseHeaders().set("Cache-Control", "no-cache");
        ex.sendResponseHeaders(200, 0);
        OutputStream os = ex.getResponseBody();
        if (req.chat()) {
            // the first chunk carries the role, as OpenAI's does
            ObjectNode first = chunk(req, id, now);
            ObjectNode delta = ((ObjectNode) first.get("choices").get(0)).putObject("delta");
            delta.put("role", "assistant");
            delta.put("content", "");
            ((ObjectNode) first.get("choices").get(0)).putNull("finish_reason");
            frame(os, first);
        }
        TextStream text = new TextStream(req);
        Event.Finish finish = null;
        while (finish == null) {
            Event e = take(mailbox);
            switch (e) {
                case Event.Token t -> {
                    if (text.stops.stopped()) continue;
                    String piece = text.token(t.id());
                    if (text.stops.stopped()) job.cancel();
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
        String tail = text.end();
        if (!tail.isEmpty()) frame(os, textChunk(req, id, now, tail, null));
        frame(os, textChunk(req, id, now, null, finishReason(finish.reason(), text.stops.stopped())));
        if (req.includeUsage()) {
            ObjectNode u = envelope(req.chat() ? "chat.completion.chunk" : "text_completion", id, now);
            u.putArray("choices");
            usage(u.putObject("usage"), req.prompt().length, text.completionTokens);
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

    private static void frame(OutputStream os, ObjectNode o) throws IOException {
        os.write("data: ".getBytes(StandardCharsets.US_ASCII));
        os.write(JSON.writeValueAsBytes(o));
        os.write("\n\n".getBytes(StandardCharsets.US_ASCII));
        os.flush();
    }

    private static void done(OutputStream os) throws IOException {
        os.write("data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII));
        os.flush();
    }

    // ---------------------------------------------------------------- plumbing

    private JsonNode readJson(HttpExchange ex) throws IOException {
        int limit = options.maxBodyBytes();
        String declared = ex.getRequestHeaders().getFirst("Content-Length");
        if (declared != null) {
            try {
                if (Long.parseLong(declared.strip()) > limit) throw tooLarge(limit);
            } catch (NumberFormatException e) {
                throw ApiException.invalid("bad Content-Length", null);
            }
        }
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readNBytes(limit + 1);
        }
        if (body.length > limit) throw tooLarge(limit);
        if (body.length == 0) throw ApiException.invalid("empty request body: send a JSON object", null);
        try {
            return JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.invalid("malformed JSON: " + e.getOriginalMessage(), null, "invalid_json");
        }
    }

    private static ApiException tooLarge(int limit) {
        return ApiException.invalid("request body larger than " + limit + " bytes", null, "request_too_large");
    }

    private static void drain(HttpExchange ex) {
        try (InputStream in = ex.getRequestBody()) {
            in.skip(1 << 16);
        } catch (IOException ignored) {
            // nothing to read
        }
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

    private static void sendError(HttpExchange ex, ApiException e) {
        if (ex.getResponseCode() != -1) return; // a stream already started; it ends here
        ObjectNode o = JSON.createObjectNode();
        o.set("error", errorBody(e));
        if (e.status == 401) ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
        try {
            sendJson(ex, e.status, o);
        } catch (IOException ignored) {
            // the client is gone
        }
    }

    private static void sendJson(HttpExchange ex, int status, ObjectNode o) throws IOException {
        byte[] bytes = JSON.writeValueAsBytes(o);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(bytes);
        }
    }

    private static String randomId() {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        StringBuilder sb = new StringBuilder(24);
        for (int i = 0; i < 24; i++) sb.append(alphabet.charAt(RANDOM.nextInt(alphabet.length())));
        return sb.toString();
    }
}
