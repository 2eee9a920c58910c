package io.bitnet4j.server;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import io.bitnet4j.engine.LoadOptions;
import io.bitnet4j.engine.LoadedModel;
import io.bitnet4j.generation.ChatFormat;
import io.bitnet4j.generation.ContinuousBatcher;
import io.bitnet4j.generation.Generator;
import io.bitnet4j.generation.Sampler;
import io.bitnet4j.generation.SamplerParams;
import io.bitnet4j.graph.Forward;
import io.bitnet4j.graph.KvCache;
import io.bitnet4j.tokenizer.Tokenizer;
import io.bitnet4j.tokenizer.Utf8StreamDecoder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The OpenAI-compatible server on loopback with the shipped demo model. Expected texts come from the
 * engine's own single-sequence {@link Generator}, not from the server.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class OpenAiServerTest {

    static final int CTX = 256;
    static final ObjectMapper JSON = new ObjectMapper();
    static LoadedModel model;
    /** A second instance for the expected texts: a model's thread pool serves one forward pass at a time. */
    static LoadedModel reference;
    static ContinuousBatcher batcher;
    static OpenAiServer server;
    static String base;
    static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() throws Exception {
        Path p = Path.of(System.getProperty("user.dir")).resolve("../../models/bitnet4j-brown-6m-i2_s.gguf").normalize();
        org.junit.jupiter.api.Assertions.assertTrue(Files.exists(p), "shipped model missing: " + p);
        model = LoadedModel.open(p, LoadOptions.defaults().withThreads(2));
        reference = LoadedModel.open(p, LoadOptions.defaults().withThreads(1));
        batcher = new ContinuousBatcher(model, 4, CTX, 32);
        server = new OpenAiServer(batcher, new OpenAiServer.Options("127.0.0.1", 0, null, "demo", 4096));
        base = "http://127.0.0.1:" + server.address().getPort();
    }

    @AfterAll
    static void stop() {
        if (server != null) server.close();
        if (batcher != null) batcher.close();
        if (model != null) model.close();
        if (reference != null) reference.close();
    }

    // ---------------------------------------------------------------- expectations from the engine alone

    static int[] chatPrompt(String user) {
        Tokenizer tok = model.tokenizer();
        ChatFormat f = ChatFormat.forModel(model.config().architectureName(), tok);
        return tok.encode(f.render(List.of(new ChatFormat.Message("user", user)), true, tok), false, true);
    }

    static int[] textPrompt(String prompt) {
        return model.tokenizer().encode(prompt, true, false);
    }

    /** The text a single sequence generates alone, with the server's default top-k/min-p/penalty. */
    static String alone(int[] prompt, int maxTokens, float temperature, float topP, long seed) {
        Tokenizer tok = model.tokenizer();
        SamplerParams sp = new SamplerParams(temperature, CompletionRequest.DEFAULT_TOP_K, topP, CompletionRequest.DEFAULT_MIN_P, 1f, 64, seed);
        StringBuilder sb = new StringBuilder();
        Utf8StreamDecoder d = new Utf8StreamDecoder();
        synchronized (OpenAiServerTest.class) {
            try (Forward f = reference.newForward(CTX); KvCache cache = reference.newKvCache(CTX)) {
                new Generator(f, cache).generate(prompt, maxTokens, new Sampler(sp, model.config().vocabSize()),
                        tok::isEndOfGeneration, id -> {
                            sb.append(d.accept(tok, id));
                            return true;
                        }, null);
            }
        }
        return sb.append(d.flush()).toString();
    }

    static OpenAIClient client() {
        return OpenAIOkHttpClient.builder().baseUrl(base + "/v1").apiKey("not-needed").maxRetries(0).build();
    }

    // ---------------------------------------------------------------- the official SDK

    @Test
    void sdkChatCompletion() {
        ChatCompletion c = client().chat().completions().create(ChatCompletionCreateParams.builder()
                .model("demo").addUserMessage("Tell me a story.").maxCompletionTokens(24).temperature(0.7).topP(0.9).seed(11).build());
        assertEquals(alone(chatPrompt("Tell me a story."), 24, 0.7f, 0.9f, 11), c.choices().get(0).message().content().orElseThrow());
        assertEquals("chat.completion", c._object_().asString().orElseThrow());
        assertTrue(c.id().startsWith("chatcmpl-"));
        assertEquals("demo", c.model());
        long completion = c.usage().orElseThrow().completionTokens();
        assertTrue(completion > 0 && completion <= 24);
        assertEquals(chatPrompt("Tell me a story.").length, c.usage().orElseThrow().promptTokens());
    }

    @Test
    void sdkStreamedChatCompletion() {
        StringBuilder text = new StringBuilder();
        List<String> finish = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> s = client().chat().completions().createStreaming(ChatCompletionCreateParams.builder()
                .model("demo").addUserMessage("Hello there").maxCompletionTokens(30).temperature(1.0).topP(0.95).seed(5).build())) {
            s.stream().forEach(ch -> ch.choices().forEach(choice -> {
                choice.delta().content().ifPresent(text::append);
                choice.finishReason().ifPresent(f -> finish.add(f.asString()));
            }));
        }
        assertEquals(alone(chatPrompt("Hello there"), 30, 1.0f, 0.95f, 5), text.toString());
        assertEquals(1, finish.size(), "exactly one chunk carries the finish reason");
        assertTrue(finish.get(0).equals("stop") || finish.get(0).equals("length"));
    }

    @Test
    void sdkCompletion() {
        Completion c = client().completions().create(CompletionCreateParams.builder()
                .model("demo").prompt("Once upon a time").maxTokens(20).temperature(0.0).seed(1).build());
        assertEquals(alone(textPrompt("Once upon a time"), 20, 0f, 0.95f, 1), c.choices().get(0).text());
        assertEquals(CompletionChoiceFinish.LENGTH_OR_STOP, CompletionChoiceFinish.of(c.choices().get(0).finishReason().asString()));
    }

    enum CompletionChoiceFinish {
        LENGTH_OR_STOP;

        static CompletionChoiceFinish of(String s) {
            assertTrue(s.equals("length") || s.equals("stop"), s);
            return LENGTH_OR_STOP;
        }
    }

    // ---------------------------------------------------------------- concurrency

    /** What one streamed request produced. */
    record Streamed(String text, String finish, boolean done, int status) { }

    static Streamed streamChat(String user, int maxTokens, double temperature, long seed) throws Exception {
        String body = "{\"model\":\"demo\",\"stream\":true,\"max_tokens\":" + maxTokens + ",\"temperature\":" + temperature
                + ",\"top_p\":0.95,\"seed\":" + seed + ",\"messages\":[{\"role\":\"user\",\"content\":" + JSON.writeValueAsString(user) + "}]}";
        HttpResponse<java.util.stream.Stream<String>> r = http.send(HttpRequest.newBuilder(URI.create(base + "/v1/chat/completions"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofLines());
        if (r.statusCode() != 200) return new Streamed(null, null, false, r.statusCode());
        assertEquals("text/event-stream; charset=utf-8", r.headers().firstValue("Content-Type").orElse(""));
        StringBuilder sb = new StringBuilder();
        String finish = null;
        boolean done = false;
        for (String line : (Iterable<String>) r.body()::iterator) {
            if (line.isEmpty()) continue;
            assertTrue(line.startsWith("data: "), "not an SSE data line: " + line);
            String data = line.substring(6);
            if (data.equals("[DONE]")) {
                done = true;
                continue;
            }
            assertFalse(done, "data after [DONE]");
            JsonNode chunk = JSON.readTree(data);
            assertEquals("chat.completion.chunk", chunk.get("object").asText());
            JsonNode choice = chunk.get("choices").get(0);
            if (choice.get("delta").has("content")) sb.append(choice.get("delta").get("content").asText());
            if (!choice.get("finish_reason").isNull()) finish = choice.get("finish_reason").asText();
        }
        return new Streamed(sb.toString(), finish, done, 200);
    }

    /** 16 streams through 4 slots at once: each gets exactly its single-run text; the server stays healthy. */
    @Test
    void sixteenParallelStreamsEachGetTheirOwnText() throws Exception {
        int n = 16;
        long stepsBefore = batcher.stats().steps(), tokensBefore = batcher.stats().generatedTokens();
        String[] prompts = new String[n];
        for (int i = 0; i < n; i++) prompts[i] = "Question " + i + ": " + "what is the colour of the sea?".substring(i % 7);
        try (ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Streamed>> fs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int k = i;
                fs.add(ex.submit(() -> streamChat(prompts[k], 12 + k, 0.9, 100 + k)));
            }
            for (int i = 0; i < n; i++) {
                Streamed s = fs.get(i).get(90, TimeUnit.SECONDS);
                assertEquals(200, s.status());
                assertTrue(s.done(), "stream " + i + " did not end with [DONE]");
                assertNotNull(s.finish());
                assertEquals(alone(chatPrompt(prompts[i]), 12 + i, 0.9f, 0.95f, 100 + i), s.text(), "stream " + i);
            }
        }
        ContinuousBatcher.Stats st = batcher.stats();
        assertTrue(st.steps() - stepsBefore < st.generatedTokens() - tokensBefore,
                "decode steps should carry several sequences: " + st);
        JsonNode health = getJson("/health", null);
        assertEquals("ok", health.get("status").asText());
        assertEquals(0, health.get("slots_processing").asInt());
    }

    /** A stop sequence cuts the text (stream and not), with finish_reason "stop" and the slot freed. */
    @Test
    void stopSequencesCutTheText() throws Exception {
        String full = alone(textPrompt("The sea"), 40, 0.8f, 0.95f, 77);
        assertTrue(full.length() > 12, "need some text to cut: " + full);
        String stop = full.substring(6, 9);
        String want = full.substring(0, full.indexOf(stop));
        String body = "{\"prompt\":\"The sea\",\"max_tokens\":40,\"temperature\":0.8,\"seed\":77,\"stop\":"
                + JSON.writeValueAsString(stop);
        JsonNode o = JSON.readTree(post("/v1/completions", body + "}", null).body());
        assertEquals(want, o.get("choices").get(0).get("text").asText());
        assertEquals("stop", o.get("choices").get(0).get("finish_reason").asText());
        HttpResponse<String> r = post("/v1/completions", body + ",\"stream\":true}", null);
        StringBuilder streamed = new StringBuilder();
        String finish = null;
        for (String line : r.body().split("\n")) {
            if (!line.startsWith("data: {")) continue;
            JsonNode c = JSON.readTree(line.substring(6)).get("choices").get(0);
            streamed.append(c.get("text").asText());
            if (!c.get("finish_reason").isNull()) finish = c.get("finish_reason").asText();
        }
        assertTrue(r.body().endsWith("data: [DONE]\n\n"));
        assertEquals(want, streamed.toString());
        assertEquals("stop", finish);
        waitFor(() -> batcher.stats().processing() == 0);
    }

    // ---------------------------------------------------------------- errors

    static HttpResponse<String> post(String path, String body, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (key != null) b.header("Authorization", "Bearer " + key);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static JsonNode getJson(String path, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).GET();
        if (key != null) b.header("Authorization", "Bearer " + key);
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    static void assertError(HttpResponse<String> r, int status, String messagePart) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        JsonNode e = JSON.readTree(r.body()).get("error");
        assertNotNull(e, r.body());
        assertTrue(e.get("message").asText().contains(messagePart), e.get("message").asText());
        assertTrue(e.has("type") && e.has("param") && e.has("code"), r.body());
        assertEquals("application/json", r.headers().firstValue("Content-Type").orElse(""));
    }

    @Test
    void badInputIsA400WithAnOpenAiError() throws Exception {
        String chat = "/v1/chat/completions";
        assertError(post(chat, "{\"messages\": [", null), 400, "malformed JSON");
        assertError(post(chat, "[1, 2]", null), 400, "JSON object");
        assertError(post(chat, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":\"ten\"}", null), 400, "max_tokens");
        assertError(post(chat, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":\"hot\"}", null), 400, "temperature");
        assertError(post(chat, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":\"yes\"}", null), 400, "stream");
        assertError(post(chat, "{\"messages\":\"hi\"}", null), 400, "messages");
        assertError(post(chat, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"chat_template_kwargs\":5}", null),
                400, "chat_template_kwargs");
        assertError(post(chat, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"chat_template_kwargs\":{\"enable_thinking\":\"no\"}}", null), 400, "enable_thinking");
        assertError(post(chat, "{\"model\":\"demo\"}", null), 400, "messages");
        assertError(post(chat, "{\"messages\":[{\"role\":\"wizard\",\"content\":\"hi\"}]}", null), 400, "unknown chat role");
        assertError(post(chat, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"n\":2}", null), 400, "n = 1");
        assertError(post(chat, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stop\":[1]}", null), 400, "stop");
        assertError(post(chat, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":" + CTX + "}", null), 400, "context");
        String longPrompt = "word ".repeat(300);
        assertError(post("/v1/completions", "{\"prompt\":" + JSON.writeValueAsString(longPrompt) + "}", null), 400, "context holds");
        String huge = "{\"prompt\":\"" + "x".repeat(5000) + "\"}";
        assertError(post("/v1/completions", huge, null), 413, "larger than 4096 bytes");
        assertError(post("/v1/completions", "{\"prompt\":42}", null), 400, "prompt");
        assertError(post("/v1/nothing", "{}", null), 404, "unknown endpoint");
        // the server still works
        HttpResponse<String> ok = post("/v1/completions", "{\"prompt\":\"hi\",\"max_tokens\":2,\"seed\":1}", null);
        assertEquals(200, ok.statusCode(), ok.body());
        JsonNode o = JSON.readTree(ok.body());
        assertEquals("text_completion", o.get("object").asText());
        assertEquals(o.get("usage").get("prompt_tokens").asInt() + o.get("usage").get("completion_tokens").asInt(),
                o.get("usage").get("total_tokens").asInt());
    }

    static String completionText(String body) throws Exception {
        HttpResponse<String> r = post("/v1/completions", body, null);
        assertEquals(200, r.statusCode(), body + " -> " + r.body());
        return JSON.readTree(r.body()).get("choices").get(0).get("text").asText();
    }

    /**
     * Sampling fields mean what they mean to llama-server: top_p 0 keeps the most probable token only
     * (its top-p sampler), out-of-range top_p / min_p / top_k / temperature are clamped into range as
     * its request schema does, and a repeat_penalty its sampler refuses (not finite and > 0) is a 400
     * naming the field, as llama-server's "Failed to initialize samplers" is.
     */
    @Test
    void samplingFieldsMeanWhatTheyMeanToLlamaServer() throws Exception {
        String prompt = "{\"prompt\":\"The sea\",\"max_tokens\":12,\"seed\":9,";
        String greedy = alone(textPrompt("The sea"), 12, 0f, 1f, 9);
        assertEquals(greedy, completionText(prompt + "\"temperature\":1.0,\"top_p\":0}"));
        assertEquals(greedy, completionText(prompt + "\"temperature\":1.5,\"top_p\":-3}"));
        assertEquals(greedy, completionText(prompt + "\"temperature\":-1}"));
        assertEquals(alone(textPrompt("The sea"), 12, 0.9f, 1f, 9), completionText(prompt + "\"temperature\":0.9,\"top_p\":1.5}"));
        assertEquals(200, post("/v1/completions", prompt + "\"temperature\":3.5,\"top_k\":-1,\"min_p\":2}", null).statusCode());
        for (String penalty : new String[] {"0", "-1", "1e-46", "1e39"}) {
            HttpResponse<String> r = post("/v1/completions", prompt + "\"repeat_penalty\":" + penalty + "}", null);
            assertError(r, 400, "'repeat_penalty' must be finite and greater than 0");
            assertEquals("repeat_penalty", JSON.readTree(r.body()).get("error").get("param").asText());
        }
        assertEquals(200, post("/v1/completions", prompt + "\"repeat_penalty\":1.3}", null).statusCode());
    }

    @Test
    void apiKeyIsRequiredWhenSet() throws Exception {
        try (OpenAiServer keyed = new OpenAiServer(batcher, new OpenAiServer.Options("127.0.0.1", 0, "s3cret", "demo", 4096))) {
            String saved = base;
            base = "http://127.0.0.1:" + keyed.address().getPort();
            try {
                String body = "{\"prompt\":\"hi\",\"max_tokens\":1}";
                assertError(post("/v1/completions", body, null), 401, "missing API key");
                assertError(post("/v1/completions", body, "wrong"), 401, "incorrect API key");
                assertEquals(200, post("/v1/completions", body, "s3cret").statusCode());
                assertEquals("demo", getJson("/v1/models", "s3cret").get("data").get(0).get("id").asText());
                assertEquals("ok", getJson("/health", null).get("status").asText()); // health needs no key
            } finally {
                base = saved;
            }
        }
    }

    @Test
    void modelsListsTheModel() throws Exception {
        JsonNode m = getJson("/v1/models", null);
        assertEquals("list", m.get("object").asText());
        assertEquals("demo", m.get("data").get(0).get("id").asText());
        assertEquals("model", m.get("data").get(0).get("object").asText());
    }

    /** A batcher iteration hook that sleeps: a request then takes about {@code millis} per token. */
    static Runnable pace(long millis) {
        return () -> {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
    }

    /**
     * A server over a one-slot batcher whose iterations each wait for a permit, with {@link #base}
     * pointing at it until closed.
     */
    static final class HeldServer implements AutoCloseable {
        final ContinuousBatcher one;
        final OpenAiServer server;
        final Semaphore permits = new Semaphore(0);
        final ExecutorService ex = Executors.newVirtualThreadPerTaskExecutor();
        final String saved = base;

        HeldServer(int queueCapacity) throws Exception {
            one = new ContinuousBatcher(model, 1, CTX, queueCapacity);
            server = new OpenAiServer(one, new OpenAiServer.Options("127.0.0.1", 0, null, "demo", 4096));
            one.onIteration(permits::acquireUninterruptibly);
            base = "http://127.0.0.1:" + server.address().getPort();
        }

        /** Sends a request that takes the only slot, then holds the batcher at its next iteration, the slot still busy. */
        Future<HttpResponse<String>> takeTheOnlySlot() throws Exception {
            Future<HttpResponse<String>> taken = ex.submit(() -> post("/v1/completions", "{\"prompt\":\"hi\",\"max_tokens\":100,\"seed\":1}", null));
            // the batcher may have been idle in take() before the hook
            waitFor(() -> {
                if (one.stats().queued() == 1) permits.release();
                return one.stats().processing() == 1 && one.stats().queued() == 0;
            });
            permits.drainPermits();
            return taken;
        }

        void release() {
            one.onIteration(null);
            permits.release(1000);
        }

        @Override
        public void close() {
            release();
            base = saved;
            ex.close();
            server.close();
            one.close();
        }
    }

    /** One slot, one queue place: a third request is refused with 503 while the batcher is held. */
    @Test
    void fullQueueIsA503() throws Exception {
        try (HeldServer held = new HeldServer(1)) {
            String body = "{\"prompt\":\"hi\",\"max_tokens\":3,\"seed\":1}";
            Future<HttpResponse<String>> a = held.takeTheOnlySlot();
            Future<HttpResponse<String>> b = held.ex.submit(() -> post("/v1/completions", body, null));
            waitFor(() -> held.one.stats().queued() == 1);
            assertError(post("/v1/completions", body, null), 503, "queue");
            held.release();
            assertEquals(200, a.get(30, TimeUnit.SECONDS).statusCode());
            assertEquals(200, b.get(30, TimeUnit.SECONDS).statusCode());
        }
    }

    /**
     * A client that hangs up while its answer is generated frees its slot within a step or two, whether
     * it streams (the next write fails) or waits for the whole answer (nothing is written until the
     * end: the server notices the closed connection itself); the request counts as cancelled and the
     * next request (one slot) is served at once.
     */
    @ParameterizedTest(name = "stream={0}")
    @ValueSource(booleans = {true, false})
    void disconnectFreesTheSlot(boolean stream) throws Exception {
        try (ContinuousBatcher one = new ContinuousBatcher(model, 1, CTX, 4);
             OpenAiServer s = new OpenAiServer(one, new OpenAiServer.Options("127.0.0.1", 0, null, "demo", 4096))) {
            // pace the batcher so the abandoned request could not finish its 240 tokens in the test's time
            one.onIteration(pace(20));
            String body = "{\"prompt\":\"hi\",\"max_tokens\":240,\"stream\":" + stream + ",\"seed\":3}";
            long tokensAtHangUp;
            try (Socket sock = new Socket("127.0.0.1", s.address().getPort())) {
                OutputStream out = sock.getOutputStream();
                byte[] b = body.getBytes(StandardCharsets.UTF_8);
                out.write(("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
                        + b.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(b);
                out.flush();
                if (stream) {
                    BufferedReader in = new BufferedReader(new InputStreamReader(sock.getInputStream(), StandardCharsets.UTF_8));
                    assertTrue(in.readLine().startsWith("HTTP/1.1 200"));
                    String line;
                    while ((line = in.readLine()) != null && !line.contains("data: ")) { /* headers, chunk sizes */ }
                    assertNotNull(line, "no data frame");
                } else {
                    waitFor(() -> one.stats().generatedTokens() >= 3);
                }
                tokensAtHangUp = one.stats().generatedTokens();
            } // hang up
            long t0 = System.nanoTime();
            waitFor(() -> one.stats().processing() == 0);
            long wasted = one.stats().generatedTokens() - tokensAtHangUp;
            assertEquals(1, one.stats().cancelled(), "the abandoned request should have been cancelled");
            // the token being computed at the hang-up, and at most one more before the slot is seen to be free
            assertTrue(wasted <= 2, wasted + " tokens generated for nobody");
            one.onIteration(null);
            String saved = base;
            base = "http://127.0.0.1:" + s.address().getPort();
            try {
                HttpResponse<String> r = post("/v1/completions", "{\"prompt\":\"hi\",\"max_tokens\":2,\"seed\":1}", null);
                assertEquals(200, r.statusCode(), r.body());
            } finally {
                base = saved;
            }
            assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(4), "slot not freed promptly");
        }
    }

    /** A non-streaming request whose client leaves while it waits in the queue is taken off the queue. */
    @Test
    void aQueuedRequestWhoseClientLeavesIsCancelled() throws Exception {
        try (HeldServer held = new HeldServer(4)) {
            Future<HttpResponse<String>> busy = held.takeTheOnlySlot();
            String body = "{\"prompt\":\"hi\",\"max_tokens\":20,\"seed\":2}";
            try (Socket sock = new Socket("127.0.0.1", held.server.address().getPort())) {
                sock.getOutputStream().write(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length()
                        + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
                waitFor(() -> held.one.stats().queued() == 1);
            } // hang up
            waitFor(() -> held.one.stats().queued() == 0); // while the batcher is still held
            assertEquals(1, held.one.stats().cancelled());
            held.release();
            assertEquals(200, busy.get(30, TimeUnit.SECONDS).statusCode());
        }
    }

    /**
     * A client that sends its next request while a non-streaming answer is generated (pipelining): the
     * server reads those bytes while it watches the connection, so it answers the first request with
     * "Connection: close" and closes, leaving the second unanswered, for the client to send again (RFC
     * 9112 9.3.2). The first request is not cancelled.
     */
    @Test
    void aPipelinedRequestGetsTheConnectionClosedAfterTheAnswer() throws Exception {
        try (ContinuousBatcher one = new ContinuousBatcher(model, 1, CTX, 4);
             OpenAiServer s = new OpenAiServer(one, new OpenAiServer.Options("127.0.0.1", 0, null, "demo", 4096))) {
            one.onIteration(pace(20));
            String json = "{\"prompt\":\"Once upon a time\",\"max_tokens\":12,\"temperature\":0}";
            try (Socket sock = new Socket("127.0.0.1", s.address().getPort())) {
                sock.setSoTimeout(30_000);
                OutputStream out = sock.getOutputStream();
                out.write(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: " + json.length() + "\r\n\r\n" + json)
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
                waitFor(() -> one.stats().generatedTokens() >= 2);
                out.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                String answers = new String(sock.getInputStream().readAllBytes(), StandardCharsets.UTF_8); // to the server's close
                assertTrue(answers.startsWith("HTTP/1.1 200 "), answers);
                assertEquals(answers.indexOf("HTTP/1.1 "), answers.lastIndexOf("HTTP/1.1 "), "one answer only: " + answers);
                assertTrue(answers.contains("\r\nConnection: close\r\n"), answers);
                assertEquals(alone(textPrompt("Once upon a time"), 12, 0f, 0.95f, 0),
                        JSON.readTree(answers.substring(answers.indexOf("\r\n\r\n") + 4)).get("choices").get(0).get("text").asText());
            }
            assertEquals(0, one.stats().cancelled());
        }
    }

    /**
     * A body over --max-body gets the documented 413 with the OpenAI error body, however it is sent:
     * 10 MB with a Content-Length and no "Expect: 100-continue", by a client that reads only once it has
     * written it all (the server reads and discards it: closing with it unread reset the connection
     * under the client) and by one that reads meanwhile; with the Expect header (the body is never
     * sent); chunked. A declared length over 64 MiB is answered without reading it. The server answers
     * the next request.
     */
    @Test
    void anOversizedBodyIsA413() throws Exception {
        HttpClient http11 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
        byte[] tenMegabytes = new byte[10 << 20];
        java.util.Arrays.fill(tenMegabytes, (byte) ' ');
        // a client that writes the whole body before it reads (as curl or Python's http.client do)
        try (Socket sock = new Socket("127.0.0.1", server.address().getPort())) {
            sock.setSoTimeout(30_000);
            OutputStream out = sock.getOutputStream();
            out.write(("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: "
                    + tenMegabytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(tenMegabytes);
            out.flush();
            String answer = new String(sock.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(answer.startsWith("HTTP/1.1 413 "), answer);
            assertTrue(answer.contains("\"code\":\"request_too_large\""), answer);
        }
        List<HttpRequest> requests = List.of(
                HttpRequest.newBuilder(URI.create(base + "/v1/completions")).POST(HttpRequest.BodyPublishers.ofByteArray(tenMegabytes)).build(),
                HttpRequest.newBuilder(URI.create(base + "/v1/completions")).expectContinue(true)
                        .POST(HttpRequest.BodyPublishers.ofByteArray(tenMegabytes)).build(),
                HttpRequest.newBuilder(URI.create(base + "/v1/completions"))
                        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(tenMegabytes))).build());
        for (HttpRequest request : requests) {
            HttpResponse<String> r = http11.send(request, HttpResponse.BodyHandlers.ofString());
            assertError(r, 413, "request body larger than 4096 bytes");
            assertEquals("request_too_large", JSON.readTree(r.body()).get("error").get("code").asText());
        }
        // a declared length over 64 MiB is not read for nothing: answered at once, and the connection closed
        try (Socket sock = new Socket("127.0.0.1", server.address().getPort())) {
            sock.setSoTimeout(30_000);
            OutputStream out = sock.getOutputStream();
            // only the head: the answer must come without the body (sending some could race the server's close)
            out.write(("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + (OpenAiServer.DISCARD_LIMIT + 1)
                    + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            String answer = new String(sock.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(answer.startsWith("HTTP/1.1 413 ") && answer.contains("\r\nConnection: close\r\n"), answer);
            assertTrue(answer.contains("\"code\":\"request_too_large\""), answer);
        }
        HttpResponse<String> ok = post("/v1/completions", "{\"prompt\":\"hi\",\"max_tokens\":2,\"seed\":1}", null);
        assertEquals(200, ok.statusCode(), ok.body());
    }

    /**
     * --timeout: a request whose body stops arriving is answered 408 in OpenAI's shape once the timeout
     * has passed, and its connection is closed; one whose headers stop arriving, or that never sends
     * anything, has its connection closed without an answer (there is no request to answer yet). The
     * server goes on answering.
     */
    @Test
    void requestsThatStopArrivingTimeOutWithA408() throws Exception {
        for (Duration bad : new Duration[] {Duration.ZERO, Duration.ofMillis(-5), Duration.ofDays(30_000), null}) {
            assertThrows(IllegalArgumentException.class, () -> new OpenAiServer.Options("127.0.0.1", 0, null, "demo", 4096, true, bad));
        }
        try (OpenAiServer s = new OpenAiServer(batcher,
                new OpenAiServer.Options("127.0.0.1", 0, null, "demo", 4096, true, Duration.ofMillis(500)))) {
            int port = s.address().getPort();
            String bodyCut = "POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Length: 40\r\n\r\n{\"prompt\":";
            String chunkedCut = "POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\na\r\n{\"prompt\":\r\n";
            for (String sent : List.of(bodyCut, chunkedCut)) {
                try (Socket sock = new Socket("127.0.0.1", port)) {
                    sock.setSoTimeout(10_000);
                    long t0 = System.nanoTime();
                    sock.getOutputStream().write(sent.getBytes(StandardCharsets.US_ASCII));
                    String answer = new String(sock.getInputStream().readAllBytes(), StandardCharsets.UTF_8); // to the server's close
                    long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                    assertTrue(answer.startsWith("HTTP/1.1 408 "), answer);
                    assertTrue(answer.contains("\r\nConnection: close\r\n"), answer);
                    assertTrue(answer.contains("\r\nContent-Type: application/json\r\n"), answer);
                    JsonNode error = JSON.readTree(answer.substring(answer.indexOf("\r\n\r\n") + 4)).get("error");
                    assertEquals("request_timeout", error.get("code").asText(), answer);
                    assertEquals("invalid_request_error", error.get("type").asText(), answer);
                    assertTrue(error.get("message").asText().contains("did not arrive within 0.5 s"), answer);
                    assertTrue(waitedMillis >= 450 && waitedMillis < 5_000, "answered after " + waitedMillis + " ms");
                }
            }
            String headersCut = "POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Ty";
            for (String sent : List.of(headersCut, "")) {
                try (Socket sock = new Socket("127.0.0.1", port)) {
                    sock.setSoTimeout(10_000);
                    long t0 = System.nanoTime();
                    sock.getOutputStream().write(sent.getBytes(StandardCharsets.US_ASCII));
                    assertEquals(-1, sock.getInputStream().read(), "closed without an answer");
                    long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                    assertTrue(waitedMillis >= 450 && waitedMillis < 5_000, "closed after " + waitedMillis + " ms");
                }
            }
            String saved = base;
            base = "http://127.0.0.1:" + port;
            try {
                assertEquals(200, post("/v1/completions", "{\"prompt\":\"hi\",\"max_tokens\":2,\"seed\":1}", null).statusCode());
            } finally {
                base = saved;
            }
        }
    }

    /**
     * The timeout limits reading and writing, not generating: a non-streaming answer that takes longer
     * than the timeout to generate (nothing is written meanwhile) is still answered.
     */
    @Test
    void aGenerationLongerThanTheTimeoutIsAnswered() throws Exception {
        try (ContinuousBatcher one = new ContinuousBatcher(model, 1, CTX, 4);
             OpenAiServer s = new OpenAiServer(one, new OpenAiServer.Options("127.0.0.1", 0, null, "demo", 4096, true,
                     Duration.ofMillis(300)))) {
            one.onIteration(pace(25));
            String saved = base;
            base = "http://127.0.0.1:" + s.address().getPort();
            try {
                long t0 = System.nanoTime();
                HttpResponse<String> r = post("/v1/completions", "{\"prompt\":\"Once upon a time\",\"max_tokens\":40,\"temperature\":0}", null);
                long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                assertEquals(200, r.statusCode(), r.body());
                assertTrue(tookMillis > 3 * 300, "the generation should outlast the timeout: " + tookMillis + " ms");
                assertEquals(alone(textPrompt("Once upon a time"), 40, 0f, 0.95f, 0), JSON.readTree(r.body()).get("choices").get(0).get("text").asText());
            } finally {
                base = saved;
            }
        }
    }

    /** One answer read off a keep-alive connection: its status line, headers and Content-Length body. */
    record Answer(String statusLine, String head, String body) { }

    static Answer readAnswer(java.io.DataInputStream in) throws Exception {
        StringBuilder head = new StringBuilder();
        for (String line = asciiLine(in); !line.isEmpty(); line = asciiLine(in)) head.append(line).append('\n');
        java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?im)^Content-Length: (\\d+)$").matcher(head);
        assertTrue(length.find(), head.toString());
        byte[] body = new byte[Integer.parseInt(length.group(1))];
        in.readFully(body);
        return new Answer(head.substring(0, head.indexOf("\n")), head.toString(), new String(body, StandardCharsets.UTF_8));
    }

    static String asciiLine(java.io.DataInputStream in) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int b = in.read(); b != '\n'; b = in.read()) {
            assertTrue(b >= 0, "connection closed mid-line: " + sb);
            if (b != '\r') sb.append((char) b);
        }
        return sb.toString();
    }

    static String exchangeOnce(String request) throws Exception {
        try (Socket sock = new Socket("127.0.0.1", server.address().getPort())) {
            sock.setSoTimeout(30_000);
            sock.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            return new String(sock.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    /**
     * The HTTP layer under the API: requests one after the other on a keep-alive connection, a chunked
     * request body, an HTTP/1.0 request (answered, then closed); a malformed request line is a 400 and a
     * head over 64 KiB a 431, both in OpenAI's shape.
     */
    @Test
    void theHttpLayerSpeaksHttp11() throws Exception {
        try (Socket sock = new Socket("127.0.0.1", server.address().getPort())) {
            sock.setSoTimeout(30_000);
            OutputStream out = sock.getOutputStream();
            java.io.DataInputStream in = new java.io.DataInputStream(new java.io.BufferedInputStream(sock.getInputStream()));
            out.write("GET /health HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            Answer health = readAnswer(in);
            assertEquals("HTTP/1.1 200 OK", health.statusLine());
            assertTrue(health.head().matches("(?s).*\nDate: [A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT\n.*"),
                    "an IMF-fixdate Date header: " + health.head());
            assertEquals("ok", JSON.readTree(health.body()).get("status").asText());
            String json = "{\"prompt\":\"Once upon a time\",\"max_tokens\":6,\"temperature\":0}";
            String chunked = "POST /v1/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + Integer.toHexString(10) + "\r\n" + json.substring(0, 10) + "\r\n"
                    + Integer.toHexString(json.length() - 10) + ";ext=1\r\n" + json.substring(10) + "\r\n0\r\n\r\n";
            out.write(chunked.getBytes(StandardCharsets.US_ASCII));
            Answer completion = readAnswer(in);
            assertEquals("HTTP/1.1 200 OK", completion.statusLine(), completion.body());
            assertEquals(alone(textPrompt("Once upon a time"), 6, 0f, 0.95f, 0),
                    JSON.readTree(completion.body()).get("choices").get(0).get("text").asText());
        }
        String http10 = exchangeOnce("GET /v1/models HTTP/1.0\r\n\r\n");
        assertTrue(http10.startsWith("HTTP/1.1 200 OK\r\n"), http10); // and the connection closed: exchangeOnce read to its end
        assertEquals("demo", JSON.readTree(http10.substring(http10.indexOf("\r\n\r\n") + 4)).get("data").get(0).get("id").asText());
        String malformed = exchangeOnce("HELLO\r\n\r\n");
        assertTrue(malformed.startsWith("HTTP/1.1 400 ") && malformed.contains("\r\nContent-Type: application/json\r\n"), malformed);
        JsonNode error = JSON.readTree(malformed.substring(malformed.indexOf("\r\n\r\n") + 4)).get("error");
        assertEquals("bad_request", error.get("code").asText(), malformed);
        assertEquals("invalid_request_error", error.get("type").asText(), malformed);
        assertTrue(error.get("param").isNull() && !error.get("message").asText().isBlank(), malformed);
        assertTrue(exchangeOnce("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Filler: " + "a".repeat(60_000) + "\r\n\r\n")
                .startsWith("HTTP/1.1 200 "), "a head under 64 KiB is read");
        String hugeHead = exchangeOnce("GET /health HTTP/1.1\r\nHost: x\r\nX-Filler: " + "a".repeat(70_000) + "\r\n\r\n");
        assertTrue(hugeHead.startsWith("HTTP/1.1 431 ") && hugeHead.contains("\"code\":\"request_header_fields_too_large\""), hugeHead);
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    static void waitFor(Condition c) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!c.holds()) {
            assertTrue(System.nanoTime() < deadline, "condition not reached in 20 s");
            Thread.sleep(5);
        }
    }
}
