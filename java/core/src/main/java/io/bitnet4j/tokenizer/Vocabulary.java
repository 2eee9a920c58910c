package io.bitnet4j.tokenizer;

import io.bitnet4j.gguf.GgufKeys;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The token table and the special-token bookkeeping shared by both tokenizer kinds, loaded the way llama.cpp's
 * {@code llama_vocab::load} does it (defaults, auto-detected end-of-turn tokens, special-token cache).
 */
final class Vocabulary {
    static final int NONE = Tokenizer.NO_TOKEN;
    static final int ATTR_LSTRIP = 1 << 8;
    static final int ATTR_RSTRIP = 1 << 9;

    enum Kind { BPE, SPM }

    final Kind kind;
    final String[] texts;
    final float[] scores;
    /** TokenType code in the low byte, ATTR_* strip flags above. */
    final int[] attrs;
    final Map<String, Integer> tokenToId;
    final int bos, eos, eot, eom, unk, pad, sep;
    final int[] eogIds;
    final boolean addBos, addEos, addSpacePrefix, cleanSpaces;
    final String chatTemplate;
    /** CONTROL, USER_DEFINED and UNKNOWN tokens, longest text (in bytes) first. */
    final int[] specialCache;
    final byte[][] specialCacheUtf8;
    final List<String> notes = new ArrayList<>();
    /** Where the vocabulary comes from (a file's path), named first in every error message. */
    final String origin;

    Vocabulary(Kind kind, TokenizerSource src, Boolean defaultAddBos, boolean cleanSpaces) {
        this.kind = kind;
        this.origin = src.origin();
        String[] tokens = src.strings(GgufKeys.TOKENIZER_TOKENS)
                .orElseThrow(() -> error("missing " + GgufKeys.TOKENIZER_TOKENS));
        int n = tokens.length;
        if (n == 0) {
            throw error(GgufKeys.TOKENIZER_TOKENS + " is empty");
        }
        texts = new String[n];
        scores = src.floats(GgufKeys.TOKENIZER_SCORES).orElse(new float[n]);
        int[] types = src.ints(GgufKeys.TOKENIZER_TOKEN_TYPE).orElse(null);
        if (scores.length != n) {
            throw error(GgufKeys.TOKENIZER_SCORES + " has " + scores.length + " entries for " + n + " tokens");
        }
        if (types != null && types.length != n) {
            throw error(GgufKeys.TOKENIZER_TOKEN_TYPE + " has " + types.length + " entries for " + n + " tokens");
        }
        attrs = new int[n];
        tokenToId = HashMap.newHashMap(n);
        for (int i = 0; i < n; i++) {
            String word = tokens[i];
            if (word == null || word.isEmpty()) {
                word = "[EMPTY_" + i + "]"; // as llama.cpp, so every token has a distinct text
            }
            texts[i] = word;
            tokenToId.put(word, i); // a later duplicate wins, as in llama.cpp's map assignment
            attrs[i] = (types == null ? TokenType.NORMAL : TokenType.fromCode(types[i])).code();
        }

        int defBos = kind == Kind.SPM ? 1 : 11;
        int defEos = kind == Kind.SPM ? 2 : 11;
        int defUnk = kind == Kind.SPM ? 0 : NONE;
        bos = specialId(src, GgufKeys.TOKENIZER_BOS_ID, defBos, n);
        eos = specialId(src, GgufKeys.TOKENIZER_EOS_ID, defEos, n);
        unk = specialId(src, GgufKeys.TOKENIZER_UNK_ID, defUnk, n);
        pad = specialId(src, GgufKeys.TOKENIZER_PAD_ID, NONE, n);
        sep = specialId(src, GgufKeys.TOKENIZER_SEP_ID, NONE, n);
        int eotKey = specialId(src, GgufKeys.TOKENIZER_EOT_ID, NONE, n);
        int eomKey = specialId(src, GgufKeys.TOKENIZER_EOM_ID, NONE, n);

        addBos = src.bool(GgufKeys.TOKENIZER_ADD_BOS).orElse(defaultAddBos);
        addEos = src.bool(GgufKeys.TOKENIZER_ADD_EOS).orElse(false);
        // decided here, not at the first encode (where llama.cpp's GGML_ASSERT would stop the process)
        requireIfAdded(addBos, bos, GgufKeys.TOKENIZER_ADD_BOS, GgufKeys.TOKENIZER_BOS_ID, src, n);
        requireIfAdded(addEos, eos, GgufKeys.TOKENIZER_ADD_EOS, GgufKeys.TOKENIZER_EOS_ID, src, n);
        addSpacePrefix = src.bool(GgufKeys.TOKENIZER_ADD_SPACE_PREFIX).orElse(kind == Kind.SPM);
        this.cleanSpaces = cleanSpaces;
        chatTemplate = src.string(GgufKeys.TOKENIZER_CHAT_TEMPLATE).orElse(null);

        // llama.cpp recognises end-of-turn tokens by their text and forces them to CONTROL.
        eot = eotKey != NONE ? eotKey : detect("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>",
                "<|endoftext|>", "<EOT>", "_<EOT>", "<\uFF5Cend\u2581of\u2581sentence\uFF5C>");
        eom = eomKey != NONE ? eomKey : detect("<|eom_id|>");
        TreeSet<Integer> eog = new TreeSet<>();
        for (String t : List.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
                "<|eom_id|>", "<EOT>", "_<EOT>")) {
            Integer id = tokenToId.get(t);
            if (id != null) {
                eog.add(id);
                forceControl(id);
            }
        }
        if (eot != NONE) {
            forceControl(eot);
        }
        if (eom != NONE) {
            forceControl(eom);
        }
        for (int id : new int[] {eos, eot, eom}) {
            if (id != NONE) {
                eog.add(id);
            }
        }
        eogIds = eog.stream().mapToInt(Integer::intValue).toArray();

        // Phi-3 files lack per-token strip attributes; llama.cpp adds them by model name.
        String name = src.string(GgufKeys.NAME).orElse("").toLowerCase(Locale.ROOT);
        String pre = src.string(GgufKeys.TOKENIZER_PRE).orElse("");
        List<Integer> special = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            TokenType t = type(i);
            if (t == TokenType.CONTROL || t == TokenType.USER_DEFINED || t == TokenType.UNKNOWN) {
                special.add(i);
            }
        }
        if (pre.contains("jina-v2-de") || pre.contains("jina-v2-es") || pre.contains("jina-v2-code")) {
            setAttr("<mask>", ATTR_LSTRIP, true);
        } else if (name.contains("phi-3") || name.contains("phi3")) {
            for (int id : special) {
                attrs[id] |= ATTR_RSTRIP;
            }
            setAttr("</s>", ATTR_RSTRIP, true);
            for (String t : List.of("<unk>", "<s>", "<|endoftext|>")) {
                setAttr(t, ATTR_RSTRIP, false);
            }
        }

        int[] byLength = special.stream().mapToInt(Integer::intValue).toArray();
        byte[][] utf8 = new byte[n][];
        for (int id : byLength) {
            utf8[id] = texts[id].getBytes(StandardCharsets.UTF_8);
        }
        // Longest first (llama.cpp's order); equal lengths by id, since llama.cpp's std::sort leaves them unspecified.
        specialCache = Arrays.stream(byLength).boxed()
                .sorted((a, b) -> utf8[a].length != utf8[b].length ? utf8[b].length - utf8[a].length : a - b)
                .mapToInt(Integer::intValue).toArray();
        specialCacheUtf8 = new byte[specialCache.length][];
        for (int i = 0; i < specialCache.length; i++) {
            specialCacheUtf8[i] = utf8[specialCache[i]];
        }
    }

    /**
     * A special token id from {@code key}, as llama.cpp's {@code llama_vocab::impl::load} takes it: a default
     * outside the vocabulary is disabled; an id in the file outside the vocabulary is not used — llama.cpp logs
     * "bad special token ... using default id" and keeps the default, and so do we, with a note.
     */
    private int specialId(TokenizerSource src, String key, int def, int n) {
        int usable = def < n ? def : NONE;
        Optional<Long> v = src.integer(key);
        if (v.isEmpty()) {
            return usable;
        }
        long id = v.get();
        if (id < 0 || id >= n) {
            notes.add(key + " = " + id + " is outside the vocabulary of " + n + " tokens; "
                    + (usable == NONE ? "no such token is used" : "using the default id " + usable) + ", as llama.cpp does");
            return usable;
        }
        return (int) id;
    }

    /** A vocabulary that adds a BOS (EOS) token to every text must have one: else no text could be encoded. */
    private void requireIfAdded(boolean added, int id, String addKey, String idKey, TokenizerSource src, int n) {
        if (added && id == NONE) {
            throw error(addKey + (src.bool(addKey).isPresent() ? " is true" : " is true by default for this vocabulary")
                    + " but there is no such token: " + idKey + " is "
                    + src.integer(idKey).map(v -> v + ", outside the vocabulary of " + n + " tokens").orElse("missing")
                    + ", and the default id is none or outside it too");
        }
    }

    /** An error about this vocabulary, naming where it comes from. */
    TokenizerException error(String message) {
        return new TokenizerException(origin + ": " + message);
    }

    private int detect(String... candidates) {
        for (String c : candidates) {
            Integer id = tokenToId.get(c);
            if (id != null) {
                return id;
            }
        }
        return NONE;
    }

    private void forceControl(int id) {
        if (type(id) != TokenType.CONTROL) {
            attrs[id] = (attrs[id] & ~0xFF) | TokenType.CONTROL.code();
        }
    }

    private void setAttr(String text, int flag, boolean on) {
        Integer id = tokenToId.get(text);
        if (id != null) {
            attrs[id] = on ? attrs[id] | flag : attrs[id] & ~flag;
        }
    }

    int size() {
        return texts.length;
    }

    TokenType type(int id) {
        return TokenType.fromCode(attrs[id] & 0xFF);
    }

    int id(String text) {
        Integer id = tokenToId.get(text);
        return id == null ? NONE : id;
    }

    void checkId(int id) {
        if (id < 0 || id >= texts.length) {
            throw error("token id " + id + " out of range [0, " + texts.length + ")");
        }
    }

    /** A piece of the input: either raw text [start, end) or a special token. */
    record Fragment(int token, int start, int end) {
        boolean isText() {
            return token == NONE;
        }
    }

    /**
     * llama.cpp's {@code tokenizer_st_partition}: cut the text at every occurrence of each special token, longest
     * tokens first. CONTROL and UNKNOWN tokens only when parseSpecial; USER_DEFINED ones always.
     */
    List<Fragment> partition(String text, boolean parseSpecial) {
        List<Fragment> frags = new ArrayList<>();
        if (text.isEmpty()) {
            return frags;
        }
        frags.add(new Fragment(NONE, 0, text.length()));
        for (int id : specialCache) {
            TokenType t = type(id);
            if (!parseSpecial && (t == TokenType.CONTROL || t == TokenType.UNKNOWN)) {
                continue;
            }
            String tok = texts[id];
            if (text.indexOf(tok) < 0) {
                continue;
            }
            List<Fragment> next = new ArrayList<>(frags.size() + 4);
            for (Fragment f : frags) {
                if (!f.isText()) {
                    next.add(f);
                    continue;
                }
                int from = f.start;
                int end = f.end;
                while (true) {
                    int match = text.indexOf(tok, from);
                    if (match < 0 || match + tok.length() > end) {
                        if (end > from) {
                            next.add(new Fragment(NONE, from, end));
                        }
                        break;
                    }
                    int leftEnd = match;
                    if ((attrs[id] & ATTR_LSTRIP) != 0) {
                        while (leftEnd > from && isCSpace(text.charAt(leftEnd - 1))) {
                            leftEnd--;
                        }
                    }
                    if (leftEnd > from) {
                        next.add(new Fragment(NONE, from, leftEnd));
                    }
                    next.add(new Fragment(id, match, match + tok.length()));
                    from = match + tok.length();
                    if ((attrs[id] & ATTR_RSTRIP) != 0) {
                        while (from < end && isCSpace(text.charAt(from))) {
                            from++;
                        }
                    }
                }
            }
            frags = next;
        }
        return frags;
    }

    private static boolean isCSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }
}
