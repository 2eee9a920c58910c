package io.bitnet4j.engine;

import io.bitnet4j.api.BitnetModel;
import io.bitnet4j.api.ChatMessage;
import io.bitnet4j.api.Completion;
import io.bitnet4j.api.GenerateOptions;
import io.bitnet4j.api.Prompt;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's "Using it from Java" example, as written there, on the shipped model: only the model path and
 * the sink ({@code out}, a buffer, for System.out) differ. The test also checks that the README still shows
 * this code, so that the two cannot drift apart.
 */
class LibraryExampleTest {

    @Test
    void theReadmeExampleGenerates() throws Exception {
        ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buffer, true, StandardCharsets.UTF_8);
        Completion story;
        Completion answer;
        try (BitnetModel model = BitnetModel.open(ModelFiles.shippedModel())) {
            story = model.generate("Once upon a time", GenerateOptions.greedy().withMaxTokens(64));
            out.println(story.text() + " (" + story.generatedTokens() + " tokens, " + story.finishReason() + ")");

            try (Stream<String> pieces = model.stream(Prompt.text("The city of"), GenerateOptions.defaults().withStop("."))) {
                pieces.forEach(out::print);
            }

            answer = model.chat(List.of(ChatMessage.system("Be brief."), ChatMessage.user("Tell me a story.")),
                    GenerateOptions.defaults().withSeed(42));
            out.println(answer.text());
        }
        assertFalse(story.text().isEmpty(), "no text generated");
        assertTrue(story.generatedTokens() > 0 && story.generatedTokens() <= 64, story.toString());
        assertTrue(buffer.toString(StandardCharsets.UTF_8).startsWith(story.text()));
        assertFalse(answer.text().isEmpty());
    }

    @Test
    void theReadmeShowsThisExample() throws Exception {
        String readme = Files.readString(ModelFiles.shippedModel().getParent().getParent().resolve("README.md"));
        for (String line : List.of(
                "try (BitnetModel model = BitnetModel.open(Path.of(\"ggml-model-i2_s.gguf\"))) {",
                "Completion story = model.generate(\"Once upon a time\", GenerateOptions.greedy().withMaxTokens(64));",
                "System.out.println(story.text() + \" (\" + story.generatedTokens() + \" tokens, \" + story.finishReason() + \")\");",
                "try (Stream<String> pieces = model.stream(Prompt.text(\"The city of\"), GenerateOptions.defaults().withStop(\".\"))) {",
                "pieces.forEach(System.out::print);",
                "Completion answer = model.chat(List.of(ChatMessage.system(\"Be brief.\"), ChatMessage.user(\"Tell me a story.\")),",
                "GenerateOptions.defaults().withSeed(42));",
                "System.out.println(answer.text());")) {
            assertTrue(readme.contains(line), "README.md no longer has: " + line);
        }
    }
}
