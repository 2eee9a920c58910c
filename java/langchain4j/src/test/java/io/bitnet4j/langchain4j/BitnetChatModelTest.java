package io.bitnet4j.langchain4j;

import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.service.AiServices;
import io.bitnet4j.api.BitnetModel;
import io.bitnet4j.api.ChatMessage;
import io.bitnet4j.api.GenerateOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The provider on the shipped model, driven the way applications drive LangChain4j providers. */
class BitnetChatModelTest {

    static final Path SHIPPED = Path.of("../../models/bitnet4j-brown-6m-i2_s.gguf");
    static final GenerateOptions GREEDY_16 = GenerateOptions.greedy().withMaxTokens(16);

    static BitnetModel model;

    @BeforeAll
    static void open() {
        model = BitnetModel.open(SHIPPED);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** A typed interface as AiServices answers it: the user message in, the text out. */
    interface Writer {
        String continueText(String start);
    }

    @Test
    void aiServicesAnswersThroughTheProvider() {
        try (BitnetChatModel chat = BitnetChatModel.builder().model(model).generateOptions(GREEDY_16).build()) {
            String answer = AiServices.create(Writer.class, chat).continueText("The city of");
            String direct = model.chat(List.of(ChatMessage.user("The city of")), GREEDY_16).text();
            assertFalse(answer.isBlank(), "an answer");
            assertEquals(direct, answer, "the provider gives what the library gives");
        }
    }

    @Test
    void responsesCarryTokenUsageAndFinishReason() {
        try (BitnetChatModel chat = BitnetChatModel.builder().model(model).generateOptions(GenerateOptions.greedy()).build()) {
            ChatResponse r = chat.chat(ChatRequest.builder().messages(UserMessage.from("The jury said")).maxOutputTokens(5).build());
            assertEquals(FinishReason.LENGTH, r.finishReason());
            assertEquals(5, r.tokenUsage().outputTokenCount());
            assertTrue(r.tokenUsage().inputTokenCount() > 3, "the prompt's tokens, template included");
            assertEquals("bitnet4j", r.modelName());
        }
    }

    @Test
    void streamingGivesTheSameTextInPieces() throws Exception {
        try (BitnetStreamingChatModel streaming = BitnetStreamingChatModel.builder().model(model).generateOptions(GREEDY_16).build()) {
            StringBuilder pieces = new StringBuilder();
            CompletableFuture<ChatResponse> done = new CompletableFuture<>();
            streaming.chat(List.of(UserMessage.from("The city of")), new StreamingChatResponseHandler() {
                @Override
                public void onPartialResponse(String piece) {
                    pieces.append(piece);
                }

                @Override
                public void onCompleteResponse(ChatResponse response) {
                    done.complete(response);
                }

                @Override
                public void onError(Throwable error) {
                    done.completeExceptionally(error);
                }
            });
            ChatResponse response = done.get(60, TimeUnit.SECONDS);
            String direct = model.chat(List.of(ChatMessage.user("The city of")), GREEDY_16).text();
            assertEquals(direct, response.aiMessage().text());
            assertEquals(direct, pieces.toString());
        }
    }

    @Test
    void whatItCannotDoIsRefusedByName() {
        try (BitnetChatModel chat = BitnetChatModel.builder().model(model).build()) {
            ChatRequest tools = ChatRequest.builder().messages(UserMessage.from("hi"))
                    .toolSpecifications(ToolSpecification.builder().name("clock").description("the time").build()).build();
            assertTrue(assertThrows(UnsupportedFeatureException.class, () -> chat.chat(tools)).getMessage().contains("tools"));
            ChatRequest penalty = ChatRequest.builder().messages(UserMessage.from("hi")).frequencyPenalty(0.5).build();
            assertTrue(assertThrows(UnsupportedFeatureException.class, () -> chat.chat(penalty)).getMessage().contains("frequencyPenalty"));
        }
        assertThrows(IllegalArgumentException.class, () -> BitnetChatModel.builder().model(model).modelPath(SHIPPED).build());
    }

    @Test
    void aModelItOpensItCloses() {
        BitnetChatModel chat = BitnetChatModel.builder().modelPath(SHIPPED).generateOptions(GenerateOptions.greedy().withMaxTokens(2)).build();
        assertFalse(chat.chat("The").isEmpty());
        chat.close();
        assertThrows(IllegalStateException.class, () -> chat.chat("The"));
        assertFalse(model.isClosed(), "a shared model is left open");
    }
}
