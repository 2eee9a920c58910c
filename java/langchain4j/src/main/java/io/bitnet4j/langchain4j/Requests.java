package io.bitnet4j.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.ChatResponseMetadata;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import io.bitnet4j.api.Completion;
import io.bitnet4j.api.GenerateOptions;

import java.util.ArrayList;
import java.util.List;

/** LangChain4j's request and response types to and from bitnet4j's API: the one mapping both models use. */
final class Requests {
    private Requests() {}

    /** The conversation as bitnet4j's chat messages; what the chat template cannot carry is refused, naming it. */
    static List<io.bitnet4j.api.ChatMessage> messages(ChatRequest request) {
        List<io.bitnet4j.api.ChatMessage> out = new ArrayList<>();
        for (ChatMessage m : request.messages()) {
            switch (m) {
                case SystemMessage s -> out.add(io.bitnet4j.api.ChatMessage.system(s.text()));
                case UserMessage u -> {
                    if (!u.hasSingleText()) throw new UnsupportedFeatureException("bitnet4j takes text user messages only (no images, audio or several parts)");
                    out.add(io.bitnet4j.api.ChatMessage.user(u.singleText()));
                }
                case AiMessage a -> {
                    if (a.hasToolExecutionRequests()) throw new UnsupportedFeatureException("bitnet4j does not run tools yet");
                    out.add(io.bitnet4j.api.ChatMessage.assistant(a.text() == null ? "" : a.text()));
                }
                default -> throw new UnsupportedFeatureException("bitnet4j does not take " + m.type() + " messages");
            }
        }
        return out;
    }

    /** The request's parameters over the model's defaults, as generation options; unsupported ones are refused by name. */
    static GenerateOptions options(ChatRequestParameters p, GenerateOptions base) {
        if (p == null) return base;
        if (p.toolSpecifications() != null && !p.toolSpecifications().isEmpty()) throw new UnsupportedFeatureException("bitnet4j does not run tools yet");
        if (p.responseFormat() != null && p.responseFormat().type() != dev.langchain4j.model.chat.request.ResponseFormatType.TEXT) {
            throw new UnsupportedFeatureException("bitnet4j has no structured output yet (responseFormat " + p.responseFormat().type() + ")");
        }
        if (p.frequencyPenalty() != null) throw new UnsupportedFeatureException("bitnet4j has no frequencyPenalty (it has llama.cpp's repeat penalty)");
        if (p.presencePenalty() != null) throw new UnsupportedFeatureException("bitnet4j has no presencePenalty (it has llama.cpp's repeat penalty)");
        GenerateOptions o = base;
        if (p.temperature() != null) o = o.withTemperature(p.temperature().floatValue());
        if (p.topP() != null) o = o.withTopP(p.topP().floatValue());
        if (p.topK() != null) o = o.withTopK(p.topK());
        if (p.maxOutputTokens() != null) o = o.withMaxTokens(p.maxOutputTokens());
        if (p.stopSequences() != null && !p.stopSequences().isEmpty()) o = o.withStop(p.stopSequences().toArray(String[]::new));
        return o;
    }

    /** A completion as LangChain4j's response: the text, the token counts, the finish reason. */
    static ChatResponse response(Completion c, String modelName) {
        return ChatResponse.builder()
                .aiMessage(AiMessage.from(c.text()))
                .metadata(ChatResponseMetadata.builder()
                        .modelName(modelName)
                        .tokenUsage(new TokenUsage(c.promptTokens(), c.generatedTokens()))
                        .finishReason(switch (c.finishReason()) {
                            case STOP -> FinishReason.STOP;
                            case LENGTH -> FinishReason.LENGTH;
                            case CANCELLED -> FinishReason.OTHER;
                        })
                        .build())
                .build();
    }
}
