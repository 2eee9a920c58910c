package io.bitnet4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.bitnet4j.gguf.GgufFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The {@code qwen2} pre-tokenizer and byte-level BPE against llama.cpp's own vectors for it
 * ({@code models/ggml-vocab-qwen2.gguf.inp/.out}), on the Qwen2 vocabulary (resources
 * {@code tokenizer-qwen2/}, see its README): every case's ids, and decoding back to the input.
 */
class Qwen2VocabularyTest {
    private static Path gguf;
    private static Tokenizer tokenizer;

    @BeforeAll
    static void load() throws IOException {
        gguf = Files.createTempFile("ggml-vocab-qwen2", ".gguf");
        try (InputStream in = new GZIPInputStream(resource("ggml-vocab-qwen2.gguf.gz"))) {
            Files.copy(in, gguf, StandardCopyOption.REPLACE_EXISTING);
        }
        try (GgufFile f = GgufFile.open(gguf)) {
            tokenizer = Tokenizers.fromGguf(f, TokenizerOptions.defaults());
        }
    }

    @AfterAll
    static void cleanUp() throws IOException {
        if (gguf != null) Files.deleteIfExists(gguf);
    }

    private static InputStream resource(String name) {
        InputStream in = Qwen2VocabularyTest.class.getResourceAsStream("/tokenizer-qwen2/" + name);
        if (in == null) throw new IllegalStateException("missing test resource tokenizer-qwen2/" + name);
        return in;
    }

    private static String text(String name) {
        try (InputStream in = resource(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void isTheQwen2Vocabulary() {
        assertEquals(151936, tokenizer.vocabSize());
        assertArrayEquals(new int[] {151644, 872, 198}, tokenizer.encode("<|im_start|>user\n", false, true));
    }

    @TestFactory
    Stream<DynamicTest> llamaCppVectors() {
        List<String> cases = VectorFiles.splitCases(text("ggml-vocab-qwen2.gguf.inp"));
        String[] lines = text("ggml-vocab-qwen2.gguf.out").split("\n", -1);
        assertEquals(46, cases.size(), "llama.cpp's qwen2 vector count");
        assertEquals(cases.size() + 1, lines.length, "one .out line per case");
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            String input = cases.get(i), line = lines[i].trim();
            int[] want = line.isEmpty() ? new int[0] : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray();
            tests.add(DynamicTest.dynamicTest(VectorFiles.label(i, input), () -> {
                int[] got = tokenizer.encode(input, false, false);
                assertArrayEquals(want, got, () -> "input " + VectorFiles.label(0, input)
                        + "\nwant " + Arrays.toString(want) + "\ngot  " + Arrays.toString(got));
                assertEquals(input, tokenizer.decode(got), "decodes back");
            }));
        }
        return tests.stream();
    }
}
