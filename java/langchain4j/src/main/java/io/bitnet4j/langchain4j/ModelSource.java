package io.bitnet4j.langchain4j;

import io.bitnet4j.api.BitnetModel;
import io.bitnet4j.api.ModelOptions;

import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a provider's {@link BitnetModel} comes from: one the application opened and shares (it closes it), or a
 * file the provider opens and owns (its {@code close()} closes it).
 */
record ModelSource(BitnetModel model, boolean owned) {

    static ModelSource of(BitnetModel shared, Path file, ModelOptions options) {
        if (shared != null && file != null) throw new IllegalArgumentException("give either a model or a modelPath, not both");
        if (shared != null) return new ModelSource(shared, false);
        Objects.requireNonNull(file, "modelPath (or model) is required");
        return new ModelSource(BitnetModel.open(file, options == null ? ModelOptions.defaults() : options), true);
    }

    void close() {
        if (owned) model.close();
    }
}
