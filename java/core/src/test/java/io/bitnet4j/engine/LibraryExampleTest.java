package io.bitnet4j.engine;

import io.bitnet4j.generation.GenerationResult;
import io.bitnet4j.generation.Generator;
import io.bitnet4j.generation.Sampler;
import io.bitnet4j.generation.SamplerParams;
import io.bitnet4j.graph.Forward;
import io.bitnet4j.graph.KvCache;
import io.bitnet4j.tokenizer.Tokenizer;
import io.bitnet4j.tokenizer.Utf8StreamDecoder;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's "Using it from Java" example, as written there (the classes from the packages it names), on the
 * shipped model: only the context (the model's 256 instead of 4096) and the sink (a buffer instead of
 * System.out) differ.
 */
class LibraryExampleTest {

    @Test
    void theReadmeExampleGenerates() throws Exception {
        StringBuilder text = new StringBuilder();
        GenerationResult result;
        try (LoadedModel model = LoadedModel.open(ModelFiles.shippedModel(), LoadOptions.defaults());
             Forward forward = model.newForward(256);
             KvCache cache = model.newKvCache(256)) {
            Tokenizer tok = model.tokenizer();
            Generator generator = new Generator(forward, cache);
            Utf8StreamDecoder out = new Utf8StreamDecoder();
            result = generator.generate(tok.encode("Once upon a time", true, false), 64,
                    new Sampler(SamplerParams.defaults(42), model.config().vocabSize()),
                    tok::isEndOfGeneration, id -> { text.append(out.accept(tok, id)); return true; }, null);
        }
        assertFalse(text.isEmpty(), "no text generated");
        int n = result.generated().length;
        assertTrue(n > 0 && n <= 64, n + " tokens");
    }
}
