package io.bitnet4j.langchain4j;

import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import io.bitnet4j.api.Completion;
import io.bitnet4j.api.GenerateOptions;
import io.bitnet4j.api.Prompt;

/**
 * A LangChain4j {@link StreamingChatModel} answered in-process by bitnet4j: as {@link BitnetChatModel}, the text
 * handed to {@link StreamingChatResponseHandler#onPartialResponse} piece by piece (whole UTF-8 characters) from a
 * virtual thread of its own, then the complete response. A failure reaches {@code onError}.
 */
public final class BitnetStreamingChatModel extends BitnetProvider implements StreamingChatModel {

    private BitnetStreamingChatModel(Builder b) {
        super(b.settings());
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        GenerateOptions options;
        Prompt prompt;
        try {
            options = Requests.options(request.parameters(), settings.defaults());
            prompt = Prompt.chat(Requests.messages(request));
        } catch (RuntimeException e) {
            handler.onError(e);
            return;
        }
        Thread.ofVirtual().name("bitnet4j-stream").start(() -> {
            try {
                Completion c = settings.source().model().generate(prompt, options, handler::onPartialResponse);
                handler.onCompleteResponse(Requests.response(c, settings.modelName()));
            } catch (RuntimeException e) {
                handler.onError(e);
            }
        });
    }

    /** The builder: {@link ProviderBuilder}'s settings. */
    public static final class Builder extends ProviderBuilder<Builder> {
        private Builder() {
        }

        public BitnetStreamingChatModel build() {
            return new BitnetStreamingChatModel(this);
        }
    }
}
