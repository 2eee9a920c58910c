package io.bitnet4j.langchain4j;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import io.bitnet4j.api.GenerateOptions;

/**
 * A LangChain4j {@link ChatModel} answered in-process by bitnet4j: the conversation through the model's chat
 * template, sampled with the request's temperature, top-p, top-k, max output tokens and stop sequences (over the
 * builder's defaults), answered with the token usage and finish reason. Thread-safe: concurrent chats share the
 * model's continuous batcher. Tools, structured output and frequency/presence penalties are refused with an
 * {@link dev.langchain4j.exception.UnsupportedFeatureException} naming them.
 */
public final class BitnetChatModel extends BitnetProvider implements ChatModel {

    private BitnetChatModel(Builder b) {
        super(b.settings());
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        GenerateOptions options = Requests.options(request.parameters(), settings.defaults());
        return Requests.response(settings.source().model().chat(Requests.messages(request), options), settings.modelName());
    }

    /** The builder: {@link ProviderBuilder}'s settings. */
    public static final class Builder extends ProviderBuilder<Builder> {
        private Builder() {
        }

        public BitnetChatModel build() {
            return new BitnetChatModel(this);
        }
    }
}
