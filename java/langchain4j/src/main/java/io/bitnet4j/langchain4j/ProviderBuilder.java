package io.bitnet4j.langchain4j;

import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import io.bitnet4j.api.BitnetModel;
import io.bitnet4j.api.GenerateOptions;
import io.bitnet4j.api.ModelOptions;

import java.nio.file.Path;
import java.util.List;

/**
 * What both chat models are built from, in LangChain4j's builder style: a model or a model file, and defaults
 * for what requests leave out.
 *
 * @param <B> the concrete builder, returned by every setter
 */
public abstract class ProviderBuilder<B extends ProviderBuilder<B>> {
    BitnetModel model;
    Path modelPath;
    ModelOptions modelOptions;
    GenerateOptions generateOptions;
    ChatRequestParameters defaultRequestParameters;
    String modelName;
    List<ChatModelListener> listeners;

    ProviderBuilder() {
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }

    /** A model the application opened and closes (it may serve other providers too). */
    public B model(BitnetModel model) {
        this.model = model;
        return self();
    }

    /** A GGUF file the provider opens, with {@link #modelOptions}, and closes when it is closed. */
    public B modelPath(Path modelPath) {
        this.modelPath = modelPath;
        return self();
    }

    public B modelOptions(ModelOptions modelOptions) {
        this.modelOptions = modelOptions;
        return self();
    }

    /** Sampling for what a request does not set (default: llama.cpp's, 256 tokens). */
    public B generateOptions(GenerateOptions generateOptions) {
        this.generateOptions = generateOptions;
        return self();
    }

    /** LangChain4j's default request parameters, merged under each request's. */
    public B defaultRequestParameters(ChatRequestParameters parameters) {
        this.defaultRequestParameters = parameters;
        return self();
    }

    /** The name responses carry (default "bitnet4j"). */
    public B modelName(String modelName) {
        this.modelName = modelName;
        return self();
    }

    public B listeners(List<ChatModelListener> listeners) {
        this.listeners = listeners;
        return self();
    }

    /** The settings every model keeps, checked and defaulted; opens the model file if one was given. */
    ProviderSettings settings() {
        return new ProviderSettings(ModelSource.of(model, modelPath, modelOptions),
                generateOptions == null ? GenerateOptions.defaults() : generateOptions,
                defaultRequestParameters == null ? ChatRequestParameters.builder().build() : defaultRequestParameters,
                modelName == null ? "bitnet4j" : modelName,
                listeners == null ? List.of() : List.copyOf(listeners));
    }

    /** A provider's settings once built. */
    record ProviderSettings(ModelSource source, GenerateOptions defaults, ChatRequestParameters defaultParameters,
                            String modelName, List<ChatModelListener> listeners) {
    }
}
