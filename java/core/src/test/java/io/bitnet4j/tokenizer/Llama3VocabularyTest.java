package io.bitnet4j.tokenizer;

import io.bitnet4j.gguf.GgufFile;
import io.bitnet4j.gguf.GgufKeys;
import io.bitnet4j.gguf.GgufWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The LLaMA-3 vocabulary as the official BitNet b1.58 2B-4T file has it, without {@code tokenizer.ggml.pre}:
 * recognised and split as LLaMA-3 splits text, with a note saying so; llama.cpp's {@code default} split on request
 * (the CLI's --llama-cpp-pretokenizer); and llama.cpp's end-of-generation set (EOS, EOT, EOM).
 */
class Llama3VocabularyTest {
    static final String NOPRE = "ggml-vocab-llama-bpe-nopre.gguf";

    @Test
    void aMissingPreTokenizerIsRecognisedAndSaidSo() {
        Tokenizer repaired = VectorFiles.tokenizer(NOPRE);
        assertArrayEquals(new int[] {40, 2846}, repaired.encode("I'm"), "LLaMA-3's split: I + 'm");
        assertTrue(repaired.notes().stream().anyMatch(n -> n.contains("tokenizer.ggml.pre is missing")
                && n.contains("(llama-bpe) is used")), repaired.notes().toString());

        Tokenizer llamaCpp = VectorFiles.tokenizer(NOPRE, TokenizerOptions.llamaCppCompatible());
        assertArrayEquals(new int[] {40, 6, 76}, llamaCpp.encode("I'm"), "llama.cpp's 'default' split: I + ' + m");
        assertTrue(llamaCpp.notes().stream().anyMatch(n -> n.contains("using the 'default' pre-tokenizer, as llama.cpp does")),
                llamaCpp.notes().toString());
    }

    /**
     * EOS and EOT end a generation, as in llama.cpp, and so does an EOM token where the vocabulary has one (LLaMA-3.0
     * has none: 128008 is a reserved token, so a copy names it as the EOM id); BOS and the header tokens do not.
     */
    @Test
    void endOfGenerationIsEosEotAndEom(@TempDir Path tmp) throws Exception {
        Tokenizer t = VectorFiles.tokenizer("ggml-vocab-llama-bpe.gguf");
        int eos = t.tokenId("<|end_of_text|>"), eot = t.tokenId("<|eot_id|>");
        assertEquals(128001, eos);
        assertEquals(eos, t.eosId());
        assertEquals(eot, t.eotId());
        assertEquals(Tokenizer.NO_TOKEN, t.tokenId("<|eom_id|>"));
        assertEquals(Set.of(eos, eot), ids(t.endOfGenerationIds()));
        for (String s : new String[] {"<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>"}) {
            assertFalse(t.isEndOfGeneration(t.tokenId(s)), s);
        }

        Path withEom = tmp.resolve("eom.gguf");
        try (GgufFile src = GgufFile.open(VectorFiles.file("ggml-vocab-llama-bpe.gguf"))) {
            new GgufWriter().putAll(src).putUInt32(GgufKeys.TOKENIZER_EOM_ID, 128008).write(withEom);
        }
        try (GgufFile f = GgufFile.open(withEom)) {
            Tokenizer e = Tokenizers.fromGguf(f);
            assertEquals(Set.of(eos, eot, 128008), ids(e.endOfGenerationIds()));
            assertTrue(e.isEndOfGeneration(128008));
        }
    }

    private static Set<Integer> ids(int[] a) {
        return Arrays.stream(a).boxed().collect(Collectors.toSet());
    }
}
