package io.bitnet4j.tokenizer;

import io.bitnet4j.gguf.GgufFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Assumptions;

/** Reads llama.cpp's test-tokenizer-0 files and loads (and caches) the vocabularies they belong to. */
final class VectorFiles {
    static final String SEPARATOR = "\n__ggml_vocab_test__\n";
    private static final Map<String, Tokenizer> CACHE = new ConcurrentHashMap<>();

    private VectorFiles() {
    }

    static Path dir() {
        String p = System.getProperty("bitnet4j.testdata");
        Assumptions.assumeTrue(p != null, "bitnet4j.testdata not set");
        Path dir = Path.of(p, "tokenizer");
        Assumptions.assumeTrue(Files.isDirectory(dir), "no tokenizer test data at " + dir);
        return dir;
    }

    static Path file(String relative) {
        return dir().resolve(relative);
    }

    static Tokenizer tokenizer(String gguf, TokenizerOptions options) {
        return CACHE.computeIfAbsent(gguf + "|" + options, k -> {
            try (GgufFile f = GgufFile.open(file(gguf))) {
                return Tokenizers.fromGguf(f, options);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    static Tokenizer tokenizer(String gguf) {
        return tokenizer(gguf, TokenizerOptions.defaults());
    }

    static byte[] bytes(String relative) {
        try {
            return Files.readAllBytes(file(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String text(String relative) {
        return new String(bytes(relative), StandardCharsets.UTF_8);
    }

    /** Splits on the exact separator; every case, the last one too, is followed by it. */
    static List<String> cases(String relative) {
        return splitCases(text(relative));
    }

    static List<String> splitCases(String all) {
        List<String> out = new ArrayList<>();
        int from = 0;
        while (true) {
            int at = all.indexOf(SEPARATOR, from);
            if (at < 0) {
                break;
            }
            out.add(all.substring(from, at));
            from = at + SEPARATOR.length();
        }
        if (from != all.length()) {
            throw new IllegalStateException("trailing text after the last separator");
        }
        return out;
    }

    /** Byte-exact variant for .detok files, whose texts may hold bytes that are not UTF-8. */
    static List<byte[]> byteCases(String relative) {
        byte[] all = bytes(relative);
        byte[] sep = SEPARATOR.getBytes(StandardCharsets.US_ASCII);
        List<byte[]> out = new ArrayList<>();
        int from = 0;
        outer:
        for (int i = 0; i + sep.length <= all.length; i++) {
            for (int k = 0; k < sep.length; k++) {
                if (all[i + k] != sep[k]) {
                    continue outer;
                }
            }
            out.add(Arrays.copyOfRange(all, from, i));
            from = i + sep.length;
            i = from - 1;
        }
        return out;
    }

    /** The .out lines: " id id id" per case (an empty case gives an empty line). */
    static List<int[]> ids(String relative, int count) {
        String[] lines = text(relative).split("\n", -1);
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String line = lines[i].trim();
            out.add(line.isEmpty() ? new int[0]
                    : Arrays.stream(line.split(" ")).mapToInt(Integer::parseInt).toArray());
        }
        return out;
    }

    static List<String> lines(String relative, int count) {
        String[] lines = text(relative).split("\n", -1);
        return Arrays.asList(lines).subList(0, count);
    }

    static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder(b.length * 2);
        for (byte x : b) {
            sb.append(Character.forDigit((x >> 4) & 0xF, 16)).append(Character.forDigit(x & 0xF, 16));
        }
        return sb.toString();
    }

    static String label(int index, String input) {
        String s = input.length() > 40 ? input.substring(0, 40) + "…" : input;
        StringBuilder sb = new StringBuilder("#").append(index).append(' ');
        s.codePoints().forEach(c -> {
            if (c < 0x20 || c == 0x7F || (c >= 0x80 && c < 0xA0) || c == 0x2028 || c == 0x2029) {
                sb.append(String.format("\\u%04X", c));
            } else {
                sb.appendCodePoint(c);
            }
        });
        return sb.toString();
    }
}
