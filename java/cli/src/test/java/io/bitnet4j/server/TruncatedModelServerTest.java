package io.bitnet4j.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bitnet4j.engine.LoadOptions;
import io.bitnet4j.engine.LoadedModel;
import io.bitnet4j.generation.ContinuousBatcher;
import io.bitnet4j.kernels.KernelTier;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model file truncated under a running server (replaced in place, say), with a Java kernel tier:
 * each request then fails with a 500 naming the file, and the server stays up and answers.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TruncatedModelServerTest {

    @Test
    void requestsFailWithA500AndTheServerStaysUp(@TempDir Path tmp) throws Exception {
        Path copy = tmp.resolve("served.gguf");
        Files.copy(Path.of(System.getProperty("user.dir")).resolve("../../models/bitnet4j-brown-6m-i2_s.gguf").normalize(), copy);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        try (LoadedModel model = LoadedModel.open(copy, LoadOptions.defaults().withThreads(2).withKernels(KernelTier.SCALAR));
             ContinuousBatcher batcher = new ContinuousBatcher(model, 2, 128, 4);
             OpenAiServer server = new OpenAiServer(batcher, new OpenAiServer.Options("127.0.0.1", 0, null, "demo", 4096))) {
            String base = "http://127.0.0.1:" + server.address().getPort();
            HttpRequest completion = HttpRequest.newBuilder(URI.create(base + "/v1/completions")).timeout(Duration.ofSeconds(60))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"hi\",\"max_tokens\":3,\"seed\":1}")).build();
            assertEquals(200, http.send(completion, HttpResponse.BodyHandlers.ofString()).statusCode());
            try (FileChannel ch = FileChannel.open(copy, StandardOpenOption.WRITE)) {
                ch.truncate(4096);
            }
            for (int i = 0; i < 2; i++) {
                HttpResponse<String> r = http.send(completion, HttpResponse.BodyHandlers.ofString());
                OpenAiServerTest.assertError(r, 500, copy.toString());
            }
            HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode(), health.body());
        }
    }
}
