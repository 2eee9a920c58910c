package io.bitnet4j.hf;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bitnet4j.gguf.GgufFile;
import io.bitnet4j.gguf.GgufWriter;
import io.bitnet4j.tokenizer.ByteUnicode;
import io.bitnet4j.tokenizer.Tokenizer;
import io.bitnet4j.tokenizer.TokenType;
import io.bitnet4j.tokenizer.Tokenizers;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Tokenizer conversion: HF tokenizer files written here (rebuilt from llama.cpp's own vocabulary GGUFs, or
 * tiny hand-made ones) become the same {@code tokenizer.*} metadata llama.cpp writes, and the loaded
 * tokenizer reproduces llama.cpp's test vectors.
 */
class HfTokenizerTest {
    static final String SEPARATOR = "\n__ggml_vocab_test__\n";

    @TempDir
    Path tmp;

    static Path testdata(String relative) {
        String p = System.getProperty("bitnet4j.testdata");
        Assumptions.assumeTrue(p != null, "bitnet4j.testdata not set");
        Path f = Path.of(p, "tokenizer", relative);
        Assumptions.assumeTrue(Files.isRegularFile(f), "no " + f);
        return f;
    }

    /** Writes the converted tokenizer alone into a GGUF file. */
    private Path gguf(HfTokenizer t, String name) throws Exception {
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", "llama");
        t.writeTo(w);
        Path p = tmp.resolve(name);
        w.write(p);
        return p;
    }

    private static List<String> tokenizerKeys(GgufFile g) {
        return g.entries().stream().map(e -> e.key()).filter(k -> k.startsWith("tokenizer.")).sorted().toList();
    }

    /** llama.cpp's .inp/.out vectors through the tokenizer loaded from our GGUF. */
    private static void assertVectors(Tokenizer tok, String inp, String out) throws Exception {
        String all = Files.readString(testdata(inp));
        List<String> cases = new ArrayList<>();
        for (int from = 0, at; (at = all.indexOf(SEPARATOR, from)) >= 0; from = at + SEPARATOR.length()) cases.add(all.substring(from, at));
        String[] lines = Files.readString(testdata(out)).split("\n", -1);
        assertTrue(cases.size() > 10);
        for (int i = 0; i < cases.size(); i++) {
            String l = lines[i].trim();
            int[] want = l.isEmpty() ? new int[0] : Arrays.stream(l.split(" ")).mapToInt(Integer::parseInt).toArray();
            assertArrayEquals(want, tok.encode(cases.get(i), false, false), "case " + i + ": " + cases.get(i));
        }
    }

    /** GPT-2: tokenizer.json with ByteLevel(use_regex) and [a, b] merges → exactly llama.cpp's ggml-vocab-gpt-2.gguf keys. */
    @Test
    void gpt2TokenizerJsonGivesLlamaCppsVocabulary() throws Exception {
        Path ref = testdata("llama.cpp/ggml-vocab-gpt-2.gguf");
        Path dir = Files.createDirectories(tmp.resolve("gpt2"));
        try (GgufFile g = GgufFile.open(ref)) {
            String[] tokens = g.getStringArray("tokenizer.ggml.tokens");
            int[] types = g.getIntArray("tokenizer.ggml.token_type");
            List<TokenizerFiles.Added> added = new ArrayList<>();
            for (int i = 0; i < types.length; i++) if (types[i] == 3) added.add(new TokenizerFiles.Added(i, tokens[i], true));
            TokenizerFiles.write(dir.resolve("tokenizer.json"), TokenizerFiles.bpe(Arrays.asList(tokens),
                    Arrays.asList(g.getStringArray("tokenizer.ggml.merges")), true, TokenizerFiles.byteLevel(true), added));
            TokenizerFiles.write(dir.resolve("tokenizer_config.json"),
                    Map.of("bos_token", "<|endoftext|>", "eos_token", "<|endoftext|>", "unk_token", "<|endoftext|>"));
            TokenizerFiles.write(dir.resolve("config.json"), Map.of("vocab_size", tokens.length));

            HfTokenizer t = HfTokenizer.read(dir, tokens.length);
            assertEquals("gpt-2", t.pre(), t.notes().toString());
            try (GgufFile ours = GgufFile.open(gguf(t, "gpt2.gguf"))) {
                assertArrayEquals(tokens, ours.getStringArray("tokenizer.ggml.tokens"));
                assertArrayEquals(types, ours.getIntArray("tokenizer.ggml.token_type"));
                assertArrayEquals(g.getStringArray("tokenizer.ggml.merges"), ours.getStringArray("tokenizer.ggml.merges"));
                for (String k : List.of("tokenizer.ggml.model", "tokenizer.ggml.pre")) assertEquals(g.getString(k), ours.getString(k), k);
                for (String k : List.of("tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id")) assertEquals(g.getLong(k), ours.getLong(k), k);
                assertEquals(50256, ours.getLong("tokenizer.ggml.unknown_token_id"));
                assertFalse(ours.has("tokenizer.ggml.scores"), "BPE vocabularies have no scores");
                assertVectors(Tokenizers.fromGguf(ours), "llama.cpp/ggml-vocab-gpt-2.gguf.inp", "llama.cpp/ggml-vocab-gpt-2.gguf.out");
            }
        }
    }

    /**
     * LLaMA-3 (BitNet-b1.58-2B-4T's tokenizer): Split(LLaMA-3 regex) + ByteLevel, "a b" merges, 256 special
     * added tokens, a TemplateProcessing post-processor adding BOS, a chat template → every tokenizer key of the
     * reference ggml-vocab-llama-bpe.gguf, and its 46 llama.cpp vectors.
     */
    @Test
    void llama3TokenizerJsonGivesLlamaCppsVocabulary() throws Exception {
        Path ref = testdata("ggml-vocab-llama-bpe.gguf");
        Path dir = Files.createDirectories(tmp.resolve("llama3"));
        try (GgufFile g = GgufFile.open(ref)) {
            String[] tokens = g.getStringArray("tokenizer.ggml.tokens");
            List<String> vocab = new ArrayList<>(Arrays.asList(tokens));
            List<TokenizerFiles.Added> added = new ArrayList<>();
            for (int i = 128000; i < tokens.length; i++) {
                added.add(new TokenizerFiles.Added(i, tokens[i], true));
                vocab.set(i, null); // specials live in added_tokens only, as in LLaMA-3's tokenizer.json
            }
            ObjectNode json = TokenizerFiles.bpe(vocab, Arrays.asList(g.getStringArray("tokenizer.ggml.merges")), false,
                    TokenizerFiles.splitThenByteLevel(TokenizerJson.LLAMA3_REGEX), added);
            ((ObjectNode) json.get("model")).put("ignore_merges", true);
            ObjectNode tp = json.putObject("post_processor").put("type", "TemplateProcessing");
            tp.putArray("single").addObject().putObject("SpecialToken").put("id", "<|begin_of_text|>").put("type_id", 0);
            ((com.fasterxml.jackson.databind.node.ArrayNode) tp.get("single")).addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
            TokenizerFiles.write(dir.resolve("tokenizer.json"), json);
            TokenizerFiles.write(dir.resolve("tokenizer_config.json"), Map.of("bos_token", "<|begin_of_text|>",
                    "eos_token", "<|end_of_text|>", "add_eos_token", false, "chat_template", g.getString("tokenizer.chat_template")));
            Files.writeString(dir.resolve("tokenizer.model"), "IQ== 0\nIg== 1\n"); // a tiktoken file: skipped

            HfTokenizer t = HfTokenizer.read(dir, 128256);
            assertEquals("llama-bpe", t.pre());
            assertTrue(t.notes().stream().anyMatch(n -> n.contains("not a SentencePiece model")), t.notes().toString());
            try (GgufFile ours = GgufFile.open(gguf(t, "llama3.gguf"))) {
                assertEquals(tokenizerKeys(g), tokenizerKeys(ours));
                for (String k : tokenizerKeys(g)) {
                    switch (g.entry(k).type()) {
                        case ARRAY -> {
                            if (k.endsWith("token_type")) assertArrayEquals(g.getIntArray(k), ours.getIntArray(k), k);
                            else assertArrayEquals(g.getStringArray(k), ours.getStringArray(k), k);
                        }
                        default -> assertEquals(g.entry(k).value(), ours.entry(k).value(), k);
                    }
                }
                Tokenizer tok = Tokenizers.fromGguf(ours);
                assertTrue(tok.addsBos());
                assertVectors(tok, "ggml-vocab-llama-bpe.gguf.inp", "ggml-vocab-llama-bpe.gguf.out");
            }
        }
    }

    /** LLaMA-2 SentencePiece: a tokenizer.model protobuf written here → llama.cpp's ggml-vocab-llama-spm.gguf keys and vectors. */
    @Test
    void sentencePieceModelGivesLlamaCppsVocabulary() throws Exception {
        Path ref = testdata("llama.cpp/ggml-vocab-llama-spm.gguf");
        Path dir = Files.createDirectories(tmp.resolve("spm"));
        try (GgufFile g = GgufFile.open(ref)) {
            String[] tokens = g.getStringArray("tokenizer.ggml.tokens");
            float[] scores = g.getFloatArray("tokenizer.ggml.scores");
            int[] types = g.getIntArray("tokenizer.ggml.token_type");
            Files.write(dir.resolve("tokenizer.model"), TokenizerFiles.sentencePiece(Arrays.asList(tokens), scores, types, 2));
            // as in LLaMA-2's repository: tokenizer.json lists <unk>, <s>, </s> as added tokens (its BPE model is not used)
            TokenizerFiles.write(dir.resolve("tokenizer.json"), TokenizerFiles.bpe(List.of("<unk>", "<s>", "</s>"), List.of("a b"), false,
                    TokenizerFiles.byteLevel(true), List.of(new TokenizerFiles.Added(0, "<unk>", true),
                            new TokenizerFiles.Added(1, "<s>", true), new TokenizerFiles.Added(2, "</s>", true))));
            TokenizerFiles.write(dir.resolve("tokenizer_config.json"), Map.of("add_bos_token", true, "add_eos_token", false,
                    "bos_token", Map.of("content", "<s>", "__type", "AddedToken"), "eos_token", "</s>", "unk_token", "<unk>"));

            HfTokenizer t = HfTokenizer.read(dir, 32000);
            assertEquals("llama", t.model());
            try (GgufFile ours = GgufFile.open(gguf(t, "spm.gguf"))) {
                assertEquals(tokenizerKeys(g), tokenizerKeys(ours));
                assertArrayEquals(tokens, ours.getStringArray("tokenizer.ggml.tokens"));
                assertArrayEquals(scores, ours.getFloatArray("tokenizer.ggml.scores"));
                assertArrayEquals(types, ours.getIntArray("tokenizer.ggml.token_type"));
                for (String k : List.of("tokenizer.ggml.model", "tokenizer.ggml.pre")) assertEquals(g.getString(k), ours.getString(k), k);
                for (String k : List.of("tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "tokenizer.ggml.unknown_token_id")) {
                    assertEquals(g.getLong(k), ours.getLong(k), k);
                }
                assertEquals(g.getBool("tokenizer.ggml.add_bos_token"), ours.getBool("tokenizer.ggml.add_bos_token"));
                assertEquals(g.getBool("tokenizer.ggml.add_eos_token"), ours.getBool("tokenizer.ggml.add_eos_token"));
                assertVectors(Tokenizers.fromGguf(ours), "llama.cpp/ggml-vocab-llama-spm.gguf.inp", "llama.cpp/ggml-vocab-llama-spm.gguf.out");
            }
        }
    }

    /** The 256 GPT-2 byte characters in encoder.json order (printable ASCII first). */
    static List<String> byteTokens() {
        TreeSet<Character> chars = new TreeSet<>();
        for (int b = 0; b < 256; b++) chars.add(ByteUnicode.byteChar(b));
        return chars.stream().map(String::valueOf).toList();
    }

    /**
     * A hand-made byte-level BPE: 256 byte tokens, merges "h e" → he, "t he" → the, "Ġ the" → Ġthe, an added
     * special token and a user-defined one; vocab_size larger than the tokenizer pads with [PADn].
     */
    @Test
    void tinyBpeTokenizesByItsMergesAndRoundTrips() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("tiny"));
        List<String> vocab = new ArrayList<>(byteTokens());
        vocab.addAll(List.of("he", "the", "Ġthe"));
        int he = 256, the = 257, gthe = 258, end = 259, user = 260;
        TokenizerFiles.write(dir.resolve("tokenizer.json"), TokenizerFiles.bpe(vocab, List.of("h e", "t he", "Ġ the"), true,
                TokenizerFiles.splitThenByteLevel(TokenizerJson.GPT2_REGEX), List.of(new TokenizerFiles.Added(end, "<|end|>", true),
                        new TokenizerFiles.Added(user, "[Mask]", false))));
        TokenizerFiles.write(dir.resolve("tokenizer_config.json"), Map.of("eos_token", "<|end|>", "add_bos_token", false,
                "chat_template", "{{ messages }}"));
        HfTokenizer t = HfTokenizer.read(dir, 264);
        assertEquals("gpt-2", t.pre(), t.notes().toString());
        assertEquals(264, t.size());
        assertEquals("[PAD263]", t.tokens().get(263));
        assertEquals(TokenType.UNUSED.code(), t.tokenTypes()[261]);
        try (GgufFile g = GgufFile.open(gguf(t, "tiny.gguf"))) {
            assertEquals("{{ messages }}", g.getString("tokenizer.chat_template"));
            assertEquals(end, g.getLong("tokenizer.ggml.eos_token_id"));
            assertFalse(g.getBool("tokenizer.ggml.add_bos_token"));
            Tokenizer tok = Tokenizers.fromGguf(g);
            assertEquals(TokenType.CONTROL, tok.tokenType(end));
            assertEquals(TokenType.USER_DEFINED, tok.tokenType(user));
            assertEquals(TokenType.NORMAL, tok.tokenType(he));
            assertArrayEquals(new int[]{the, gthe, end}, tok.encode("the the<|end|>", false, true));
            assertArrayEquals(new int[]{the, user, gthe}, tok.encode("the[Mask] the", false, false));
            // "ehe": the second "h e" merges, "e" stays alone
            assertArrayEquals(new int[]{vocab.indexOf("e"), he}, tok.encode("ehe", false, false));
            String text = "Hello wörld ✓ — the théâtre 123\n\ttabs";
            assertEquals(text, new String(tok.decodeBytes(tok.encode(text, false, false), false, false), StandardCharsets.UTF_8));
        }
    }

    /**
     * Special ids by source priority: tokenizer_config.json (looked up among added_tokens) first, then config.json's
     * *_token_id, then special_tokens_map.json (looked up in the whole table); ids beyond the vocabulary are dropped.
     */
    @Test
    void specialIdsComeFromConfigFilesInLlamaCppsOrder() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("specials"));
        List<String> vocab = new ArrayList<>(byteTokens());
        vocab.addAll(List.of("<s>", "</s>", "<pad>", "<mask>"));
        TokenizerFiles.write(dir.resolve("tokenizer.json"), TokenizerFiles.bpe(vocab, List.of("a b"), false, TokenizerFiles.byteLevel(true),
                List.of(new TokenizerFiles.Added(256, "<s>", true), new TokenizerFiles.Added(257, "</s>", true))));
        TokenizerFiles.write(dir.resolve("tokenizer_config.json"), Map.of("bos_token", "<s>", "add_eos_token", true));
        TokenizerFiles.write(dir.resolve("config.json"), Map.of("bos_token_id", 257, "eos_token_id", 257, "pad_token_id", 9999));
        TokenizerFiles.write(dir.resolve("special_tokens_map.json"), Map.of("eos_token", "<s>", "pad_token", "<pad>",
                "mask_token", Map.of("content", "<mask>")));
        HfTokenizer t = HfTokenizer.read(dir, 0);
        assertEquals(Map.of("bos", 256, "eos", 257, "pad", 258, "mask", 259), t.special().ids());
        assertEquals(Map.of("eos", true), t.special().add());
        assertTrue(t.notes().stream().anyMatch(n -> n.contains("pad token id 9999")), t.notes().toString());
        try (GgufFile g = GgufFile.open(gguf(t, "specials.gguf"))) {
            assertEquals(256, g.getLong("tokenizer.ggml.bos_token_id"));
            assertEquals(258, g.getLong("tokenizer.ggml.padding_token_id"));
            assertEquals(259, g.getLong("tokenizer.ggml.mask_token_id"));
            assertTrue(g.getBool("tokenizer.ggml.add_eos_token"));
            assertTrue(Tokenizers.fromGguf(g).addsEos());
        }
    }

    @Test
    void unknownPreTokenizerIsWrittenAsDefaultWithANote() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("digits"));
        ObjectNode pre = TokenizerFiles.JSON.createObjectNode().put("type", "Sequence");
        pre.putArray("pretokenizers").add(TokenizerFiles.JSON.createObjectNode().put("type", "Digits").put("individual_digits", true))
                .add(TokenizerFiles.byteLevel(true));
        TokenizerFiles.write(dir.resolve("tokenizer.json"), TokenizerFiles.bpe(byteTokens(), List.of("a b"), false, pre, List.of()));
        HfTokenizer t = HfTokenizer.read(dir, 0);
        assertEquals("default", t.pre());
        assertTrue(t.notes().stream().anyMatch(n -> n.contains("Digits") && n.contains("default")), t.notes().toString());
    }

    /** OLMo's dolma2 spelling of LLaMA-3's split (Removed + invert) is the same split; a prefix space gets a note. */
    @Test
    void preTokenizerVariants() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("variants"));
        ObjectNode pre = TokenizerFiles.splitThenByteLevel(TokenizerJson.LLAMA3_REGEX);
        ((ObjectNode) pre.get("pretokenizers").get(0)).put("behavior", "Removed").put("invert", true);
        TokenizerFiles.write(dir.resolve("tokenizer.json"), TokenizerFiles.bpe(byteTokens(), List.of("a b"), false, pre, List.of()));
        assertEquals("llama-bpe", HfTokenizer.read(dir, 0).pre());

        // Qwen2's (and Qwen3's) tokenizer.json, as Qwen/Qwen3-0.6B spells it
        TokenizerFiles.write(dir.resolve("tokenizer.json"), TokenizerFiles.bpe(byteTokens(), List.of("a b"), false,
                TokenizerFiles.splitThenByteLevel("(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
                        + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"), List.of()));
        assertEquals("qwen2", HfTokenizer.read(dir, 0).pre());

        ((ObjectNode) pre.get("pretokenizers").get(0)).put("behavior", "Removed").put("invert", false);
        TokenizerFiles.write(dir.resolve("tokenizer.json"), TokenizerFiles.bpe(byteTokens(), List.of("a b"), false, pre, List.of()));
        assertEquals("default", HfTokenizer.read(dir, 0).pre(), "removing the matches is another split");

        TokenizerFiles.write(dir.resolve("tokenizer.json"), TokenizerFiles.bpe(byteTokens(), List.of("a b"), false,
                TokenizerFiles.byteLevel(true).put("add_prefix_space", true), List.of()));
        HfTokenizer t = HfTokenizer.read(dir, 0);
        assertEquals("gpt-2", t.pre());
        assertTrue(t.notes().stream().anyMatch(n -> n.contains("prefix space")), t.notes().toString());
    }

    @Test
    void badTokenizerFilesGetClearErrors() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("bad"));
        var none = assertThrows(HfFormatException.class, () -> HfTokenizer.read(dir, 0));
        assertTrue(none.getMessage().contains("no tokenizer") && none.getMessage().contains("--model-only"), none.getMessage());

        Files.writeString(dir.resolve("tokenizer.json"), "{\"model\": {\"type\": \"BPE\", ");
        var malformed = assertThrows(HfFormatException.class, () -> HfTokenizer.read(dir, 0));
        assertTrue(malformed.getMessage().contains("tokenizer.json") && malformed.getMessage().contains("malformed JSON"), malformed.getMessage());

        ObjectNode wp = TokenizerFiles.bpe(byteTokens(), List.of("a b"), false, TokenizerFiles.byteLevel(true), List.of());
        ((ObjectNode) wp.get("model")).put("type", "WordPiece");
        TokenizerFiles.write(dir.resolve("tokenizer.json"), wp);
        var type = assertThrows(HfFormatException.class, () -> HfTokenizer.read(dir, 0));
        assertTrue(type.getMessage().contains("WordPiece"), type.getMessage());

        TokenizerFiles.write(dir.resolve("tokenizer.json"), TokenizerFiles.bpe(byteTokens(), List.of(), false, TokenizerFiles.byteLevel(true), List.of()));
        var merges = assertThrows(HfFormatException.class, () -> HfTokenizer.read(dir, 0));
        assertTrue(merges.getMessage().contains("model.merges"), merges.getMessage());

        TokenizerFiles.write(dir.resolve("tokenizer.json"), TokenizerFiles.bpe(byteTokens(), List.of("a b"), false, TokenizerFiles.byteLevel(true), List.of()));
        var size = assertThrows(HfFormatException.class, () -> HfTokenizer.read(dir, 100));
        assertTrue(size.getMessage().contains("vocab_size 100"), size.getMessage());

        ObjectNode noByteLevel = TokenizerFiles.bpe(byteTokens(), List.of("a b"), false, TokenizerFiles.JSON.createObjectNode().put("type", "Metaspace"), List.of());
        noByteLevel.putObject("decoder").put("type", "Metaspace");
        TokenizerFiles.write(dir.resolve("tokenizer.json"), noByteLevel);
        var spmStyle = assertThrows(HfFormatException.class, () -> HfTokenizer.read(dir, 0));
        assertTrue(spmStyle.getMessage().contains("not byte-level"), spmStyle.getMessage());

        Files.delete(dir.resolve("tokenizer.json"));
        byte[] spm = TokenizerFiles.sentencePiece(List.of("<unk>", "a"), new float[]{0, -1}, new int[]{2, 1}, 2);
        Files.write(dir.resolve("tokenizer.model"), Arrays.copyOf(spm, spm.length - 7));
        var truncated = assertThrows(HfFormatException.class, () -> HfTokenizer.read(dir, 0));
        assertTrue(truncated.getMessage().contains("tokenizer.model: not a SentencePiece model"), truncated.getMessage());
    }
}
