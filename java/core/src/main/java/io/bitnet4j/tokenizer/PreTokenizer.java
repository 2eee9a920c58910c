package io.bitnet4j.tokenizer;

import static io.bitnet4j.tokenizer.UnicodeFlags.LETTER;
import static io.bitnet4j.tokenizer.UnicodeFlags.NUMBER;
import static io.bitnet4j.tokenizer.UnicodeFlags.PUNCTUATION;
import static io.bitnet4j.tokenizer.UnicodeFlags.WHITESPACE;

import java.util.Locale;
import java.util.function.IntPredicate;

/**
 * The BPE pre-tokenizers (word splitters) of llama.cpp, by their {@code tokenizer.ggml.pre} name.
 *
 * <p>llama.cpp applies a list of regexes one after another, each splitting the pieces left by the previous one
 * (text between matches stays a piece of its own). Two of its regexes (GPT-2's and LLaMA-3's) it runs with
 * hand-written matchers; the others it runs through std::regex on a "collapsed" text in which every non-ASCII
 * code point is replaced by a stand-in for its category. Each regex is reimplemented here as a scanner with the
 * same results, using llama.cpp's notion of letters, numbers and whitespace ({@link UnicodeFlags}).
 */
public enum PreTokenizer {
    /** LLaMA-3: {@code (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+}. */
    LLAMA3("llama-bpe"),
    /** Qwen2 (and Qwen3): LLaMA-3's regex with single digits, {@code \p{N}} in place of {@code \p{N}{1,3}}. */
    QWEN2("qwen2"),
    /** llama.cpp's fallback: punctuation runs, then the GPT-2 regex, then number runs, then 3-digit groups. */
    DEFAULT("default"),
    /** GPT-2: {@code 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)}. */
    GPT2("gpt-2"),
    /** Falcon: punctuation runs (with backtick), the GPT-2 regex, 3-digit groups. */
    FALCON("falcon");

    private final String canonicalName;

    PreTokenizer(String canonicalName) {
        this.canonicalName = canonicalName;
    }

    public String canonicalName() {
        return canonicalName;
    }

    /** The pre-tokenizer llama.cpp uses for a {@code tokenizer.ggml.pre} value, if it is one we implement. */
    public static PreTokenizer forName(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "llama3", "llama-v3", "llama-bpe", "falcon3" -> LLAMA3;
            case "default" -> DEFAULT;
            case "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v1-en", "jina-v2-es", "jina-v2-de",
                 "jina-v2-code", "roberta-bpe", "mpt", "olmo", "jais" -> GPT2;
            case "falcon" -> FALCON;
            case "qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2" -> QWEN2;
            default -> throw new TokenizerException("unsupported BPE pre-tokenizer '" + name
                    + "' (supported: llama-bpe, qwen2, default, gpt-2, falcon)");
        };
    }

    /** llama.cpp skips BPE merges for a word that is a vocabulary token itself only for LLaMA-3's split. */
    boolean ignoresMerges() {
        return this == LLAMA3;
    }

    /** llama.cpp turns {@code clean_spaces} off when it decodes for the qwen2 names, on for the others here. */
    boolean cleansSpaces() {
        return this != QWEN2;
    }

    // [\p{P}\$\+<=>\^~\|]+ as std::regex sees it on the collapsed text: ASCII punctuation of the collapsed
    // class, or a non-ASCII non-whitespace code point of category P.
    private static final String ASCII_P = "!\"#%&'()*,-./:;?@[\\]_{}";
    private static final IntPredicate PUNCT_RUN = cp -> cp < 128
            ? ASCII_P.indexOf(cp) >= 0 || "$+<=>^~|".indexOf(cp) >= 0
            : (UnicodeFlags.of(cp) & (WHITESPACE | PUNCTUATION)) == PUNCTUATION;
    private static final IntPredicate PUNCT_RUN_FALCON = cp -> cp == '`' || PUNCT_RUN.test(cp);
    private static final IntPredicate NUMBER_RUN = cp -> cp < 128
            ? cp >= '0' && cp <= '9'
            : (UnicodeFlags.of(cp) & (WHITESPACE | NUMBER)) == NUMBER;

    /** Splits code points into words; returns the word lengths in code points, in order. */
    int[] split(int[] cpts) {
        IntList offsets = new IntList(1);
        offsets.add(cpts.length);
        switch (this) {
            case LLAMA3 -> offsets = pass(cpts, offsets, (c, from, to, out) -> llama3(c, from, to, out, 3));
            case QWEN2 -> offsets = pass(cpts, offsets, (c, from, to, out) -> llama3(c, from, to, out, 1));
            case GPT2 -> offsets = pass(cpts, offsets, PreTokenizer::gpt2);
            case DEFAULT -> {
                offsets = pass(cpts, offsets, (c, from, to, out) -> runs(c, from, to, out, PUNCT_RUN));
                offsets = pass(cpts, offsets, PreTokenizer::gpt2);
                offsets = pass(cpts, offsets, (c, from, to, out) -> runs(c, from, to, out, NUMBER_RUN));
                offsets = pass(cpts, offsets, PreTokenizer::digits3);
            }
            case FALCON -> {
                offsets = pass(cpts, offsets, (c, from, to, out) -> runs(c, from, to, out, PUNCT_RUN_FALCON));
                offsets = pass(cpts, offsets, PreTokenizer::gpt2);
                offsets = pass(cpts, offsets, PreTokenizer::digits3);
            }
        }
        return offsets.toArray();
    }

    @FunctionalInterface
    private interface Splitter {
        void split(int[] cpts, int from, int to, IntList out);
    }

    private static IntList pass(int[] cpts, IntList offsets, Splitter splitter) {
        IntList out = new IntList(offsets.size() * 2);
        int start = 0;
        for (int i = 0; i < offsets.size(); i++) {
            int len = offsets.get(i);
            splitter.split(cpts, start, start + len, out);
            start += len;
        }
        return out;
    }

    /** A std::regex "[class]+" pass: matches and the gaps between them each become a piece. */
    private static void runs(int[] cpts, int from, int to, IntList out, IntPredicate inClass) {
        int gapStart = from;
        int pos = from;
        while (pos < to) {
            if (!inClass.test(cpts[pos])) {
                pos++;
                continue;
            }
            int end = pos + 1;
            while (end < to && inClass.test(cpts[end])) {
                end++;
            }
            if (pos > gapStart) {
                out.add(pos - gapStart);
            }
            out.add(end - pos);
            pos = end;
            gapStart = end;
        }
        if (to > gapStart) {
            out.add(to - gapStart);
        }
    }

    /** {@code [0-9][0-9][0-9]}: leftmost non-overlapping groups of three ASCII digits. */
    private static void digits3(int[] cpts, int from, int to, IntList out) {
        int gapStart = from;
        int pos = from;
        while (pos + 3 <= to) {
            if (isAsciiDigit(cpts[pos]) && isAsciiDigit(cpts[pos + 1]) && isAsciiDigit(cpts[pos + 2])) {
                if (pos > gapStart) {
                    out.add(pos - gapStart);
                }
                out.add(3);
                pos += 3;
                gapStart = pos;
            } else {
                pos++;
            }
        }
        if (to > gapStart) {
            out.add(to - gapStart);
        }
    }

    private static boolean isAsciiDigit(int cp) {
        return cp >= '0' && cp <= '9';
    }

    /** Scanner state over one fragment: code points outside [from, to) read as "nothing" (flags 0). */
    private static final class Cursor {
        static final int OUT = -1;
        final int[] cpts;
        final int from;
        final int to;
        final IntList out;
        int prevEnd;

        Cursor(int[] cpts, int from, int to, IntList out) {
            this.cpts = cpts;
            this.from = from;
            this.to = to;
            this.out = out;
            this.prevEnd = from;
        }

        int cpt(int pos) {
            return pos >= from && pos < to ? cpts[pos] : OUT;
        }

        int flags(int pos) {
            return pos >= from && pos < to ? UnicodeFlags.of(cpts[pos]) : 0;
        }

        /** Emits the piece up to {@code end}; returns its length. */
        int emit(int end) {
            int len = end - prevEnd;
            if (len > 0) {
                out.add(len);
            }
            prevEnd = end;
            return len;
        }
    }

    private static boolean isContraction1(int c) {
        return c == 's' || c == 't' || c == 'm' || c == 'd';
    }

    private static boolean isContraction2(int c1, int c2) {
        return (c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l');
    }

    private static int asciiLower(int c) {
        return c >= 'A' && c <= 'Z' ? c + 32 : c;
    }

    private static boolean notWordOrSpace(int flags) {
        return (flags & (WHITESPACE | LETTER | NUMBER)) == 0 && flags != 0;
    }

    private static void gpt2(int[] cpts, int from, int to, IntList out) {
        Cursor c = new Cursor(cpts, from, to, out);
        int pos = from;
        while (pos < to) {
            int cpt = c.cpt(pos);
            int flags = c.flags(pos);

            // 's|'t|'re|'ve|'m|'ll|'d
            if (cpt == '\'' && pos + 1 < to) {
                int next = c.cpt(pos + 1);
                if (isContraction1(next)) {
                    pos += c.emit(pos + 2);
                    continue;
                }
                if (pos + 2 < to && isContraction2(next, c.cpt(pos + 2))) {
                    pos += c.emit(pos + 3);
                    continue;
                }
            }

            int flags2 = cpt == ' ' ? c.flags(pos + 1) : flags;
            // ' ?\p{L}+'
            if ((flags2 & LETTER) != 0) {
                if (cpt == ' ') {
                    pos++;
                }
                while ((flags2 & LETTER) != 0) {
                    flags2 = c.flags(++pos);
                }
                c.emit(pos);
                continue;
            }
            // ' ?\p{N}+'
            if ((flags2 & NUMBER) != 0) {
                if (cpt == ' ') {
                    pos++;
                }
                while ((flags2 & NUMBER) != 0) {
                    flags2 = c.flags(++pos);
                }
                c.emit(pos);
                continue;
            }
            // ' ?[^\s\p{L}\p{N}]+'
            if (notWordOrSpace(flags2)) {
                if (cpt == ' ') {
                    pos++;
                }
                while (notWordOrSpace(flags2)) {
                    flags2 = c.flags(++pos);
                }
                c.emit(pos);
                continue;
            }

            int spaces = 0;
            while ((c.flags(pos + spaces) & WHITESPACE) != 0) {
                spaces++;
            }
            // \s+(?!\S): leave the last whitespace to prefix the next word
            if (spaces > 1 && c.cpt(pos + spaces) != Cursor.OUT) {
                pos += spaces - 1;
                c.emit(pos);
                continue;
            }
            if (spaces > 0) {
                pos += spaces;
                c.emit(pos);
                continue;
            }
            c.emit(++pos);
        }
    }

    /**
     * LLaMA-3's regex, and Qwen2's with {@code maxDigits = 1} (llama.cpp's {@code unicode_regex_split_custom_llama3}
     * and {@code unicode_regex_split_custom_qwen2} differ only in the number branch).
     */
    private static void llama3(int[] cpts, int from, int to, IntList out, int maxDigits) {
        Cursor c = new Cursor(cpts, from, to, out);
        int pos = from;
        while (pos < to) {
            int cpt = c.cpt(pos);
            int flags = c.flags(pos);

            // (?i:'s|'t|'re|'ve|'m|'ll|'d)
            if (cpt == '\'' && pos + 1 < to) {
                int next = asciiLower(c.cpt(pos + 1));
                if (isContraction1(next)) {
                    pos += c.emit(pos + 2);
                    continue;
                }
                if (pos + 2 < to && isContraction2(next, asciiLower(c.cpt(pos + 2)))) {
                    pos += c.emit(pos + 3);
                    continue;
                }
            }

            // [^\r\n\p{L}\p{N}]?\p{L}+
            if (!(cpt == '\r' || cpt == '\n' || (flags & NUMBER) != 0)) {
                if ((flags & LETTER) != 0 || (c.flags(pos + 1) & LETTER) != 0) {
                    pos++;
                    while ((c.flags(pos) & LETTER) != 0) {
                        pos++;
                    }
                    c.emit(pos);
                    continue;
                }
            }

            // \p{N}{1,3} (\p{N} for Qwen2)
            if ((flags & NUMBER) != 0) {
                int ini = pos;
                while ((c.flags(pos) & NUMBER) != 0) {
                    if (++pos - ini >= maxDigits) {
                        c.emit(pos);
                        ini = pos;
                    }
                }
                c.emit(pos);
                continue;
            }

            // ' ?[^\s\p{L}\p{N}]+[\r\n]*'
            int flags2 = cpt == ' ' ? c.flags(pos + 1) : flags;
            if (notWordOrSpace(flags2) && flags != 0) {
                if (cpt == ' ') {
                    pos++;
                }
                while (notWordOrSpace(flags2)) {
                    flags2 = c.flags(++pos);
                }
                int cpt2 = c.cpt(pos);
                while (cpt2 == '\r' || cpt2 == '\n') {
                    cpt2 = c.cpt(++pos);
                }
                c.emit(pos);
                continue;
            }

            int spaces = 0;
            int lastEndOfLine = 0;
            while ((c.flags(pos + spaces) & WHITESPACE) != 0) {
                int cpt2 = c.cpt(pos + spaces);
                if (cpt2 == '\r' || cpt2 == '\n') {
                    lastEndOfLine = pos + spaces + 1;
                }
                spaces++;
            }
            // \s*[\r\n]+
            if (lastEndOfLine > 0) {
                pos = lastEndOfLine;
                c.emit(pos);
                continue;
            }
            // \s+(?!\S)
            if (spaces > 1 && c.cpt(pos + spaces) != Cursor.OUT) {
                pos += spaces - 1;
                c.emit(pos);
                continue;
            }
            // \s+
            if (spaces > 0) {
                pos += spaces;
                c.emit(pos);
                continue;
            }
            c.emit(++pos);
        }
    }
}
