package io.bitnet4j.dummy;

import io.bitnet4j.tokenizer.ByteUnicode;
import io.bitnet4j.tokenizer.TokenType;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A byte-level BPE vocabulary of any size for dummy models, laid out like LLaMA-3's (the tokenizer of
 * BitNet-b1.58-2B-4T): {@code tokenizer.ggml.model = gpt2}, pre-tokenizer {@code llama-bpe}, the 256 byte
 * tokens in GPT-2's byte-to-unicode form first, then merged tokens, then the special tokens at the end
 * ({@code <|begin_of_text|>}, {@code <|end_of_text|>}, …, {@code <|eot_id|>}; for a vocabulary of 128,256
 * tokens exactly at LLaMA-3's ids 128000…128255).
 *
 * <p>The merges are learned by plain BPE training on {@link EnglishWords} (weighted by rank, as running
 * text with a leading space, at the start of a line and capitalised), so the tokens are real English
 * pieces. Once the words are exhausted, the rest of the normal range is filled with compounds of a
 * word-initial token and a word-internal one ({@code Ġwalk} + {@code ing}), each with its own merge, so a
 * model with random weights still prints word-like text and every token can be reached.
 *
 * @param tokens     token texts by id ({@code tokenizer.ggml.tokens})
 * @param tokenTypes {@link TokenType} codes by id (normal, control)
 * @param merges     BPE merges, best rank first ({@code tokenizer.ggml.merges})
 */
public record DummyVocabulary(List<String> tokens, int[] tokenTypes, List<String> merges,
                              int bosId, int eosId, int eotId) {

    /** The smallest vocabulary: 256 byte tokens, the specials and some room for merges. */
    public static final int MIN_SIZE = 512;
    /** The largest vocabulary offered (the embedding has one row per token). */
    public static final int MAX_SIZE = 1 << 20;
    /** LLaMA-3's (and BitNet-b1.58-2B-4T's) vocabulary size. */
    public static final int LLAMA3_SIZE = 128256;

    public DummyVocabulary {
        tokens = List.copyOf(tokens);
        merges = List.copyOf(merges);
        Objects.requireNonNull(tokenTypes);
        if (tokenTypes.length != tokens.size()) throw new IllegalArgumentException("one token type per token expected");
    }

    public int size() {
        return tokens.size();
    }

    /**
     * Builds the vocabulary of {@code size} tokens; the same size always gives the same vocabulary.
     *
     * @throws IllegalArgumentException if size is outside [{@link #MIN_SIZE}, {@link #MAX_SIZE}]
     */
    public static DummyVocabulary build(int size) {
        if (size < MIN_SIZE || size > MAX_SIZE) {
            throw new IllegalArgumentException("vocabulary size " + size + " out of range [" + MIN_SIZE + ", " + MAX_SIZE + "]");
        }
        List<String> specials = specials(size >= 100_000 ? 256 : 10);
        int normal = size - specials.size();

        List<String> tokens = new ArrayList<>(size);
        Set<String> known = new HashSet<>();
        List<String> merges = new ArrayList<>(normal);
        // GPT-2 orders the byte tokens by their unicode stand-in: printable ASCII first, as in its encoder.json
        char[] sorted = new char[256];
        for (int b = 0; b < 256; b++) sorted[b] = ByteUnicode.byteChar(b);
        java.util.Arrays.sort(sorted);
        for (char c : sorted) {
            tokens.add(String.valueOf(c));
            known.add(String.valueOf(c));
        }
        int trained = trainMerges(normal, tokens, known, merges);
        fillCompounds(normal, trained, tokens, known, merges);
        for (int i = 0; tokens.size() < normal; i++) {
            tokens.add("<|filler_" + i + "|>"); // only for vocabularies beyond every compound
        }
        int[] types = new int[size];
        java.util.Arrays.fill(types, 0, normal, TokenType.NORMAL.code());
        java.util.Arrays.fill(types, normal, size, TokenType.CONTROL.code());
        for (int i = 0; i < normal; i++) {
            if (tokens.get(i).startsWith("<|filler_")) types[i] = TokenType.CONTROL.code();
        }
        tokens.addAll(specials);
        return new DummyVocabulary(tokens, types, merges, normal + specials.indexOf("<|begin_of_text|>"),
                normal + specials.indexOf("<|end_of_text|>"), normal + specials.indexOf("<|eot_id|>"));
    }

    /** LLaMA-3's special tokens in its order: 128000 begin, 128001 end, …, 128009 eot, then reserved ones. */
    static List<String> specials(int count) {
        List<String> s = new ArrayList<>(count);
        s.add("<|begin_of_text|>");
        s.add("<|end_of_text|>");
        for (int i = 0; i < 4; i++) s.add("<|reserved_special_token_" + i + "|>");
        s.add("<|start_header_id|>");
        s.add("<|end_header_id|>");
        s.add("<|reserved_special_token_4|>");
        s.add("<|eot_id|>");
        for (int i = 5; s.size() < count; i++) s.add("<|reserved_special_token_" + i + "|>");
        return s;
    }

    // ------------------------------------------------------------------ BPE training

    /** The training "text": pre-tokenized words (as llama-bpe splits them) with their counts. */
    static Map<String, Long> corpus() {
        Map<String, Long> c = new LinkedHashMap<>();
        List<String> words = EnglishWords.words();
        for (int r = 0; r < words.size(); r++) {
            String w = words.get(r);
            long f = 1_000_000L / (r + 10);
            c.merge(" " + w, f, Long::sum);
            c.merge(w, f / 8 + 1, Long::sum);
            c.merge(" " + Character.toUpperCase(w.charAt(0)) + w.substring(1), f / 6 + 1, Long::sum);
        }
        String[][] punct = {{".", "90000"}, {",", "80000"}, {"\n", "30000"}, {"\n\n", "30000"}, {".\n", "20000"},
                {".\n\n", "15000"}, {"'s", "12000"}, {"'t", "8000"}, {"'re", "3000"}, {"'ve", "2000"}, {"'ll", "2000"},
                {"'m", "2000"}, {"'d", "1500"}, {" \"", "5000"}, {"\"", "4000"}, {".\"", "3000"}, {",\"", "2000"},
                {"?", "4000"}, {"!", "3000"}, {":", "3000"}, {";", "1500"}, {" (", "2500"}, {")", "2500"},
                {" -", "2000"}, {" —", "1000"}, {"  ", "1500"}, {"   ", "800"}, {"    ", "1200"}};
        for (String[] p : punct) c.merge(p[0], Long.parseLong(p[1]), Long::sum);
        for (int n = 0; n < 1000; n++) {
            long f = n < 10 ? 3000 : n < 100 ? 400 : n % 100 == 0 ? 300 : 0;
            if (f > 0) c.merge(Integer.toString(n), f, Long::sum);
        }
        Map<String, Long> byteLevel = new LinkedHashMap<>();
        c.forEach((k, v) -> byteLevel.merge(ByteUnicode.encode(k), v, Long::sum));
        return byteLevel;
    }

    /**
     * Learns merges until the vocabulary has {@code normal} tokens or no pair is left (most frequent pair
     * first; ties by text, so the result never depends on hash order). Returns how many tokens it added.
     */
    private static int trainMerges(int normal, List<String> tokens, Set<String> known, List<String> merges) {
        Map<String, Long> corpus = corpus();
        List<String> sym = new ArrayList<>();
        Map<String, Integer> symId = new HashMap<>();
        int n = corpus.size();
        int[][] words = new int[n][];
        long[] freq = new long[n];
        int w = 0;
        for (Map.Entry<String, Long> e : corpus.entrySet()) {
            String s = e.getKey();
            words[w] = s.chars().map(ch -> symId.computeIfAbsent(String.valueOf((char) ch), k -> {
                sym.add(k);
                return sym.size() - 1;
            })).toArray();
            freq[w++] = e.getValue();
        }
        Map<Long, Long> pairs = new HashMap<>();
        for (int i = 0; i < n; i++) count(pairs, words[i], freq[i], +1);
        int added = 0;
        while (tokens.size() < normal && !pairs.isEmpty()) {
            long best = -1, bestCount = -1;
            for (Map.Entry<Long, Long> e : pairs.entrySet()) {
                long c = e.getValue();
                if (c > bestCount || (c == bestCount && comparePairs(e.getKey(), best, sym) < 0)) {
                    best = e.getKey();
                    bestCount = c;
                }
            }
            int a = (int) (best >>> 32), b = (int) best;
            String merged = sym.get(a) + sym.get(b);
            int m = symId.computeIfAbsent(merged, k -> {
                sym.add(k);
                return sym.size() - 1;
            });
            merges.add(sym.get(a) + " " + sym.get(b));
            if (known.add(merged)) {
                tokens.add(merged);
                added++;
            }
            for (int i = 0; i < n; i++) {
                if (!contains(words[i], a, b)) continue;
                count(pairs, words[i], freq[i], -1);
                words[i] = replace(words[i], a, b, m);
                count(pairs, words[i], freq[i], +1);
            }
        }
        return added;
    }

    private static int comparePairs(long p, long q, List<String> sym) {
        if (q < 0) return -1;
        int c = sym.get((int) (p >>> 32)).compareTo(sym.get((int) (q >>> 32)));
        return c != 0 ? c : sym.get((int) p).compareTo(sym.get((int) q));
    }

    private static void count(Map<Long, Long> pairs, int[] word, long f, int sign) {
        for (int i = 0; i + 1 < word.length; i++) {
            long key = ((long) word[i] << 32) | (word[i + 1] & 0xFFFFFFFFL);
            long v = pairs.getOrDefault(key, 0L) + sign * f;
            if (v == 0) pairs.remove(key);
            else pairs.put(key, v);
        }
    }

    private static boolean contains(int[] word, int a, int b) {
        for (int i = 0; i + 1 < word.length; i++) {
            if (word[i] == a && word[i + 1] == b) return true;
        }
        return false;
    }

    private static int[] replace(int[] word, int a, int b, int m) {
        int[] out = new int[word.length];
        int k = 0;
        for (int i = 0; i < word.length; i++) {
            if (i + 1 < word.length && word[i] == a && word[i + 1] == b) {
                out[k++] = m;
                i++;
            } else {
                out[k++] = word[i];
            }
        }
        return java.util.Arrays.copyOf(out, k);
    }

    // ------------------------------------------------------------------ compounds

    /**
     * Fills the normal range with word-initial token + word-internal token compounds, visiting the pairs
     * by the sum of their ranks, so the most common pieces combine first.
     */
    private static void fillCompounds(int normal, int trained, List<String> tokens, Set<String> known, List<String> merges) {
        if (tokens.size() >= normal) return;
        List<String> lefts = new ArrayList<>(), rights = new ArrayList<>();
        for (int i = 256; i < 256 + trained; i++) {
            String t = tokens.get(i);
            if (t.length() >= 3 && t.charAt(0) == 'Ġ' && letters(t, 1)) lefts.add(t);
            else if (letters(t, 0) && t.equals(t.toLowerCase(Locale.ROOT))) rights.add(t);
        }
        for (char c = 'a'; c <= 'z'; c++) rights.add(String.valueOf(c));
        int nl = lefts.size(), nr = rights.size();
        for (int d = 0; d <= nl + nr - 2 && tokens.size() < normal; d++) {
            for (int i = Math.max(0, d - nr + 1); i <= Math.min(d, nl - 1) && tokens.size() < normal; i++) {
                String l = lefts.get(i), r = rights.get(d - i);
                String t = l + r;
                if (known.add(t)) {
                    tokens.add(t);
                    merges.add(l + " " + r);
                }
            }
        }
    }

    private static boolean letters(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))) return false;
        }
        return s.length() > from;
    }
}
