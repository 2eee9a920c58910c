package io.bitnet4j.engine;

import io.bitnet4j.gguf.GgufFile;
import io.bitnet4j.gguf.GgufKeys;
import io.bitnet4j.model.ModelException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Metadata that contradicts the tensors of the file is refused at load with one {@link ModelException}
 * naming the file, the key, its value and what the file holds — before anything is sized by the value
 * (a block_count of 2^31-1 was an OutOfMemoryError from sizing the list of layers).
 */
class MalformedModelTest {
    private static final String ARCH = "bitnet-b1.58"; // the shipped model's: 6 blocks, 256 wide, 4/2 heads of 64, FFN 768
    private static final LoadOptions OPTIONS = LoadOptions.defaults().withThreads(1);

    @TempDir
    Path tmp;

    static Stream<Arguments> contradictions() {
        String q = "blk.0.attn_q.weight has 256", k = "blk.0.attn_k.weight has 128";
        return Stream.of(
                Arguments.of(GgufKeys.blockCount(ARCH), 0x7FFFFFFFL, List.of("block_count = 2147483647", "tensors of 6 blocks")),
                Arguments.of(GgufKeys.blockCount(ARCH), 5L, List.of("block_count = 5,", "tensors of 6 blocks")),
                Arguments.of(GgufKeys.embeddingLength(ARCH), 999L, List.of("embedding_length = 999 values per row", "token_embd.weight has 256")),
                Arguments.of(GgufKeys.headCount(ARCH), 7L, List.of("head_count = 7 × head size 36 (256 / 7) = 252 rows", q)),
                Arguments.of(GgufKeys.headCount(ARCH), 0x7FFFFFFFL, List.of("head_count = 2147483647 × head size 0", q)),
                Arguments.of(GgufKeys.headCountKv(ARCH), 1L, List.of("head_count_kv = 1 × head size 64 (256 / 4) = 64 rows", k)),
                Arguments.of(GgufKeys.headCountKv(ARCH), 3L, List.of("head_count_kv = 3 × head size 64 (256 / 4) = 192 rows", k)),
                Arguments.of(GgufKeys.keyLength(ARCH), 0x7FFFFFFEL, List.of("head_count = 4 × head size 2147483646 = 8589934584 rows", q)),
                Arguments.of(GgufKeys.feedForwardLength(ARCH), 0x7FFFFFFFL, List.of("feed_forward_length = 2147483647 rows", "blk.0.ffn_up.weight has 768")),
                Arguments.of(GgufKeys.contextLength(ARCH), 0x7FFFFFFFL, List.of("context_length = 2147483647", "1..16777216")),
                Arguments.of(GgufKeys.ropeDimensionCount(ARCH), 66L, List.of("rope.dimension_count = 66", "at most the head size 64")));
    }

    @ParameterizedTest(name = "{0} = {1}")
    @MethodSource("contradictions")
    void aCountTheTensorsContradictIsNamedWithBothValues(String key, long value, List<String> fragments) throws Exception {
        assertRefused(ModelFiles.withUInt32(ModelFiles.shippedModel(), tmp.resolve("bad.gguf"), key, value), fragments);
    }

    @Test
    void anUnknownActivationIsNamed() throws Exception {
        String key = GgufKeys.hiddenActivation(ARCH);
        Path bad = ModelFiles.withMetadata(ModelFiles.shippedModel(), tmp.resolve("act.gguf"), Set.of(), w -> w.putString(key, "gelu"));
        assertRefused(bad, List.of(key, "'gelu'"));
    }

    @Test
    void aTokenListLongerThanTheEmbeddingIsRefused() throws Exception {
        Path src = ModelFiles.shippedModel();
        String[] tokens;
        int[] types;
        try (GgufFile f = GgufFile.open(src)) {
            tokens = f.getStringArray(GgufKeys.TOKENIZER_TOKENS);
            types = f.getIntArray(GgufKeys.TOKENIZER_TOKEN_TYPE);
        }
        String[] more = Arrays.copyOf(tokens, tokens.length + 10);
        for (int i = tokens.length; i < more.length; i++) more[i] = "<extra_" + i + ">";
        int[] moreTypes = Arrays.copyOf(types, more.length);
        Arrays.fill(moreTypes, types.length, more.length, 1);
        Path bad = ModelFiles.withMetadata(src, tmp.resolve("long-vocab.gguf"),
                Set.of(GgufKeys.TOKENIZER_TOKENS, GgufKeys.TOKENIZER_TOKEN_TYPE),
                w -> w.putStringArray(GgufKeys.TOKENIZER_TOKENS, more).putInt32Array(GgufKeys.TOKENIZER_TOKEN_TYPE, moreTypes));
        assertRefused(bad, List.of(GgufKeys.TOKENIZER_TOKENS + " has 4106 tokens", "token_embd.weight has only 4096 rows"));
    }

    private static void assertRefused(Path file, List<String> fragments) {
        ModelException e = assertThrows(ModelException.class, () -> LoadedModel.open(file, OPTIONS).close());
        String m = e.getMessage();
        assertTrue(m.startsWith(file + ": "), "the message names the file first: " + m);
        for (String f : fragments) assertTrue(m.contains(f), "'" + f + "' missing from: " + m);
    }
}
