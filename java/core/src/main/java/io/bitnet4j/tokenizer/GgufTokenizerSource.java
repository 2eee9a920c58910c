package io.bitnet4j.tokenizer;

import io.bitnet4j.gguf.GgufFile;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** Tokenizer metadata straight from a GGUF file; decoded arrays are kept, since several steps read them. */
final class GgufTokenizerSource implements TokenizerSource {
    private final GgufFile file;
    private final Map<String, Object> arrays = new HashMap<>();

    GgufTokenizerSource(GgufFile file) {
        this.file = file;
    }

    @Override
    public Optional<String> string(String key) {
        return file.has(key) ? Optional.of(file.getString(key)) : Optional.empty();
    }

    @Override
    public Optional<Long> integer(String key) {
        return file.has(key) ? Optional.of(file.getLong(key)) : Optional.empty();
    }

    @Override
    public Optional<Boolean> bool(String key) {
        return file.has(key) ? Optional.of(file.getBool(key)) : Optional.empty();
    }

    @Override
    public Optional<String[]> strings(String key) {
        return array(key, file::getStringArray);
    }

    @Override
    public Optional<float[]> floats(String key) {
        return array(key, file::getFloatArray);
    }

    @Override
    public Optional<int[]> ints(String key) {
        return array(key, file::getIntArray);
    }

    @Override
    public String origin() {
        return file.path().toString();
    }

    @SuppressWarnings("unchecked")
    private <T> Optional<T> array(String key, Function<String, T> read) {
        if (!file.has(key)) {
            return Optional.empty();
        }
        return Optional.of((T) arrays.computeIfAbsent(key, read));
    }
}
