package io.bitnet4j.langchain4j;

import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequestParameters;

import java.util.List;

/**
 * What the blocking and the streaming chat model share: their settings, LangChain4j's default parameters and
 * listeners, and closing a model they opened.
 */
public abstract sealed class BitnetProvider implements AutoCloseable permits BitnetChatModel, BitnetStreamingChatModel {

    final ProviderBuilder.ProviderSettings settings;

    BitnetProvider(ProviderBuilder.ProviderSettings settings) {
        this.settings = settings;
    }

    public ChatRequestParameters defaultRequestParameters() {
        return settings.defaultParameters();
    }

    public List<ChatModelListener> listeners() {
        return settings.listeners();
    }

    public ModelProvider provider() {
        return ModelProvider.OTHER;
    }

    /** Closes the model if this provider opened it ({@link ProviderBuilder#modelPath}); a shared model stays open. */
    @Override
    public void close() {
        settings.source().close();
    }
}
