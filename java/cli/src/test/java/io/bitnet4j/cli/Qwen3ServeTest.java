package io.bitnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bitnet4j.server.OpenAiServer;
import io.bitnet4j.dummy.DummyModel;
import io.bitnet4j.dummy.DummyShape;
import io.bitnet4j.engine.LoadOptions;
import io.bitnet4j.engine.LoadedModel;
import io.bitnet4j.generation.ContinuousBatcher;
import io.bitnet4j.gguf.GgufFile;
import io.bitnet4j.gguf.GgufKeys;
import io.bitnet4j.gguf.GgufWriter;
import io.bitnet4j.tensor.Tensor;
import io.bitnet4j.tensor.TensorType;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A Bonsai-format model (qwen3, Q1_0 or Q2_0 everywhere, embedding and head included) loads, chats and
 * serves: a two-layer dummy of that kind through {@code chat} (two turns on stdin) and through the
 * OpenAI server (a chat completion answered with text and usage).
 */
class Qwen3ServeTest {
    static final ObjectMapper JSON = new ObjectMapper();

    static Path bonsaiLike(Path dir, String type) throws Exception {
        Path p = dir.resolve("qwen3-" + type + ".gguf");
        DummyShape shape = DummyShape.preset("qwen3", "tiny").withLayers(2).withVocab(1024);
        DummyModel.write(p, shape, TensorType.valueOf(type.toUpperCase()), 7, GgufWriter.Progress.NONE);
        return p;
    }

    @ParameterizedTest
    @ValueSource(strings = {"q1_0", "q2_0"})
    void chats(String type, @TempDir Path tmp) throws Exception {
        Path model = bonsaiLike(tmp, type);
        InputStream oldIn = System.in;
        System.setIn(new ByteArrayInputStream("hello there\nhow are you\n/exit\n".getBytes(StandardCharsets.UTF_8)));
        try {
            CliTest.Result r = CliTest.run("chat", "-m", model.toString(), "-n", "5", "--temp", "0");
            assertEquals(0, r.code(), r.err());
            assertEquals(2, r.err().lines().filter(l -> l.matches("\\[\\d+ tokens, .*tokens/s\\]")).count(), r.err());
        } finally {
            System.setIn(oldIn);
        }
    }

    /**
     * chat's --reasoning: a qwen3 file with Qwen3's chat template (ChatML with enable_thinking) chats with thinking on
     * by default and off with {@code --reasoning off} (what each renders is ChatFormatTest's), as the format it names.
     */
    @Test
    void reasoningSwitchesTheTemplatesThinking(@TempDir Path tmp) throws Exception {
        Path dummy = bonsaiLike(tmp, "q1_0"), model = tmp.resolve("qwen3-template.gguf");
        try (GgufFile f = GgufFile.open(dummy)) {
            GgufWriter w = new GgufWriter();
            f.entries().stream().filter(e -> !e.key().equals(GgufKeys.TOKENIZER_CHAT_TEMPLATE)).forEach(w::put);
            w.putString(GgufKeys.TOKENIZER_CHAT_TEMPLATE, "{%- if enable_thinking is defined and enable_thinking is false %}"
                    + "{{- '<|im_start|>assistant\\n<think>\\n\\n</think>\\n\\n' }}{%- endif %}");
            for (Tensor t : f.tensors()) w.addTensor(t.name(), t.type(), t.shape(), t.data());
            w.write(model);
        }
        InputStream oldIn = System.in;
        try {
            for (String[] flags : new String[][] {{}, {"--reasoning", "on"}, {"--reasoning", "off"}, {"--reasoning", "OFF"}}) {
                System.setIn(new ByteArrayInputStream("hello\n/exit\n".getBytes(StandardCharsets.UTF_8)));
                List<String> args = new ArrayList<>(List.of("chat", "-m", model.toString(), "-n", "3", "--temp", "0"));
                args.addAll(List.of(flags));
                CliTest.Result r = CliTest.run(args.toArray(String[]::new));
                assertEquals(0, r.code(), r.err());
                String want = flags.length > 0 && flags[1].equalsIgnoreCase("off") ? "off" : "on";
                assertTrue(r.err().contains("; chat format chatml (qwen3, thinking " + want + ");"), List.of(flags) + ": " + r.err());
            }
        } finally {
            System.setIn(oldIn);
        }
        CliTest.Result bad = CliTest.run("chat", "-m", model.toString(), "--reasoning", "maybe");
        assertEquals(2, bad.code(), bad.err());
        assertTrue(bad.err().contains("--reasoning"), bad.err());
    }

    @ParameterizedTest
    @ValueSource(strings = {"q1_0", "q2_0"})
    void serves(String type, @TempDir Path tmp) throws Exception {
        Path p = bonsaiLike(tmp, type);
        try (LoadedModel model = LoadedModel.open(p, LoadOptions.defaults().withThreads(2));
             ContinuousBatcher batcher = new ContinuousBatcher(model, 2, 256, 32);
             OpenAiServer server = new OpenAiServer(batcher, new OpenAiServer.Options("127.0.0.1", 0, null, "bonsai", 4096))) {
            assertEquals(TensorType.valueOf(type.toUpperCase()), model.weights().tokenEmbedding().type());
            String body = "{\"model\":\"bonsai\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}],"
                    + "\"max_tokens\":6,\"temperature\":0}";
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + server.address().getPort() + "/v1/chat/completions"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            JsonNode j = JSON.readTree(r.body());
            assertFalse(j.at("/choices/0/message/content").asText().isEmpty(), r.body());
            assertTrue(j.at("/usage/completion_tokens").asInt() > 0, r.body());
        }
    }
}
