package io.bitnet4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * The qwen2 split, checked by hand and against the regex itself run by java.util.regex. llama.cpp's own
 * vectors for it (ggml-vocab-qwen2.gguf with its .inp/.out) are not in testdata, so these are the checks.
 */
class PreTokenizerTest {

    /** llama.cpp's LLAMA_VOCAB_PRE_TYPE_QWEN2 regex (src/llama-vocab.cpp). */
    private static final Pattern QWEN2 = Pattern.compile(
            "(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
                    + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    private static List<String> split(PreTokenizer pre, String text) {
        int[] cpts = text.codePoints().toArray();
        List<String> words = new ArrayList<>();
        int at = 0;
        for (int len : pre.split(cpts)) {
            words.add(new String(cpts, at, len));
            at += len;
        }
        assertEquals(cpts.length, at, "the words cover the text");
        return words;
    }

    /** The regex's matches; its alternatives together match every character, so there are no gaps. */
    private static List<String> regexSplit(String text) {
        List<String> words = new ArrayList<>();
        Matcher m = QWEN2.matcher(text);
        int end = 0;
        while (m.find()) {
            assertEquals(end, m.start(), "no text between matches");
            words.add(m.group());
            end = m.end();
        }
        assertEquals(text.length(), end);
        return words;
    }

    @Test
    void handCheckedQwen2Splits() {
        assertEquals(List.of("1", "2", "3", "4", "5"), split(PreTokenizer.QWEN2, "12345"));
        assertEquals(List.of("123", "45"), split(PreTokenizer.LLAMA3, "12345"), "LLaMA-3 groups three digits");
        assertEquals(List.of("x", "=", "3", ".", "1", "4"), split(PreTokenizer.QWEN2, "x=3.14"));
        assertEquals(List.of(" ", "2", "0", "2", "4", "年"), split(PreTokenizer.QWEN2, " 2024年"));
        assertEquals(List.of("I", "'m", " fine", ",", " we", "'LL", " see"),
                split(PreTokenizer.QWEN2, "I'm fine, we'LL see"));
        assertEquals(List.of("Hello", ",", " world", "!!\n\n", "Next"), split(PreTokenizer.QWEN2, "Hello, world!!\n\nNext"));
        assertEquals(List.of("a", "  ", " b", "   "), split(PreTokenizer.QWEN2, "a   b   "));
        assertEquals(List.of("x", " \n \n", " y"), split(PreTokenizer.QWEN2, "x \n \n y"));
        assertEquals(List.of("你好", "，世界", "。"), split(PreTokenizer.QWEN2, "你好，世界。"));
        assertEquals(List.of("中文abc", " ", "١", "٢"), split(PreTokenizer.QWEN2, "中文abc ١٢"));
        assertEquals(List.of("👍🏽", " ok", " ->", " {}\n"), split(PreTokenizer.QWEN2, "👍🏽 ok -> {}\n"));
        assertEquals(List.of("\t", "\tif", " (", "x", ")"), split(PreTokenizer.QWEN2, "\t\tif (x)"));
    }

    @Test
    void qwen2MatchesItsRegexOnManyStrings() {
        String[] pieces = {"a", "Z", "é", "ß", "Ж", "ω", "中", "文", "の", "한", "0", "7", "٣", "²", "Ⅳ", " ", " ", "  ",
            "\n", "\r\n", "\t", "\u00A0", "\u3000", "'", "'s", "'S", "'re", "'LL", "'d", "'x", ".", ",", "!", "?", "-",
            "(", ")", "{", "}", "$", "+", "<", "=", "`", "|", "~", "_", "\"", "😀", "🏽", "\u0301", "…", "—", "«"};
        Random random = new Random(42);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder sb = new StringBuilder();
            int n = random.nextInt(12);
            for (int j = 0; j < n; j++) {
                sb.append(pieces[random.nextInt(pieces.length)]);
            }
            String text = sb.toString();
            assertEquals(regexSplit(text), split(PreTokenizer.QWEN2, text), () -> "text '" + text.replace("\n", "\\n") + "'");
        }
        for (String text : List.of("", "Hello world", "It's 2024-12-07 at 10:30pm!!!", "   leading and trailing   ",
                "line one\nline two\r\n\r\n  indented\n", "x = [1, 22, 333, 4444];", "naïve café résumé",
                "Ünïcödé ÀÉÎÕÜ", "日本語のテキストと English と 数字 123", "emoji 😀😃 and flags 🇩🇪", "tabs\t\tand\u00A0nbsp")) {
            assertEquals(regexSplit(text), split(PreTokenizer.QWEN2, text), text);
        }
    }

    @Test
    void qwen2NamesAndDecoding() {
        for (String name : List.of("qwen2", "QWEN2", "deepseek-r1-qwen", "kormo", "f2llmv2")) {
            assertSame(PreTokenizer.QWEN2, PreTokenizer.forName(name), name);
        }
        assertFalse(PreTokenizer.QWEN2.cleansSpaces(), "llama.cpp sets clean_spaces = false for qwen2");
        assertTrue(PreTokenizer.LLAMA3.cleansSpaces());
        assertFalse(PreTokenizer.QWEN2.ignoresMerges(), "only llama-bpe ignores merges");
    }
}
