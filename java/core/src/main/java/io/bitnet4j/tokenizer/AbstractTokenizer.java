package io.bitnet4j.tokenizer;

import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/** What both tokenizer kinds share: the vocabulary, special ids and llama.cpp's detokenizer. */
abstract class AbstractTokenizer {
    private static final byte[] EMPTY = new byte[0];
    final Vocabulary vocab;
    /** Each token's piece as llama.cpp renders it with special = true. */
    private final byte[][] pieces;
    private final List<String> notes;

    AbstractTokenizer(Vocabulary vocab, List<String> notes) {
        this.vocab = vocab;
        this.notes = List.copyOf(notes);
        pieces = new byte[vocab.size()][];
        for (int id = 0; id < pieces.length; id++) {
            byte[] p = renderPiece(id);
            pieces[id] = p.length == 0 ? EMPTY : p;
        }
    }

    /** The piece of a token of a type other than CONTROL/UNKNOWN/USER_DEFINED (those render as their text). */
    abstract byte[] renderNormalPiece(int id, TokenType type);

    private byte[] renderPiece(int id) {
        TokenType t = vocab.type(id);
        return switch (t) {
            case CONTROL, UNKNOWN, USER_DEFINED -> vocab.texts[id].getBytes(java.nio.charset.StandardCharsets.UTF_8);
            default -> renderNormalPiece(id, t);
        };
    }

    public byte[] tokenBytes(int id, boolean special) {
        vocab.checkId(id);
        TokenType t = vocab.type(id);
        if (!special && (t == TokenType.CONTROL || t == TokenType.UNKNOWN)) {
            return EMPTY;
        }
        return pieces[id].clone();
    }

    public byte[] decodeBytes(int[] ids, boolean removeSpecial, boolean unparseSpecial) {
        int from = 0;
        int to = ids.length;
        boolean removeSpace = vocab.addSpacePrefix;
        if (removeSpecial && vocab.addBos && to > 0 && ids[0] == vocab.bos) {
            removeSpace = false;
            from++;
        }
        if (removeSpecial && vocab.addEos && to > from && ids[to - 1] == vocab.eos) {
            to--;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(16, (to - from) * 4));
        for (int i = from; i < to; i++) {
            int id = ids[i];
            vocab.checkId(id);
            TokenType t = vocab.type(id);
            if (unparseSpecial || !(t == TokenType.CONTROL || t == TokenType.UNKNOWN)) {
                byte[] p = pieces[id];
                int skip = removeSpace && p.length > 0 && p[0] == ' ' ? 1 : 0;
                out.write(p, skip, p.length - skip);
            }
            removeSpace = false;
        }
        byte[] text = out.toByteArray();
        return vocab.cleanSpaces ? cleanSpaces(text) : text;
    }

    /**
     * llama.cpp's {@code clean_spaces} post-processing of BPE output, three in-place passes over the bytes:
     * drop the space before {@code ? ! . ,}; turn {@code " ' "} into {@code "'"}; drop the space before the
     * contractions {@code 's 'm 're 've} (but not {@code 't 'd 'll}).
     */
    static byte[] cleanSpaces(byte[] text) {
        int total = text.length;
        // pass 1
        int total1 = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < total1; i++) {
            byte x = text[i];
            if (text[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) {
                total--;
            }
            text[total++] = x;
        }
        // pass 2
        int total2 = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < total2; i++) {
            byte x = text[i];
            if (x == '\'' && i + 1 < total2 && text[i - 1] == ' ' && text[i + 1] == ' ') {
                total--;
                text[++i] = 0; // the next space is skipped; the zero is only ever read as "not a space"
            }
            text[total++] = x;
        }
        // pass 3
        int total3 = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < total3; i++) {
            byte x = text[i];
            if (text[i - 1] == ' ' && x == '\'' && i + 1 < total3) {
                byte x1 = text[i + 1];
                if (x1 == 's' || x1 == 'm') {
                    total--;
                } else if (x1 != 't' && x1 != 'd' && i + 2 < total3) {
                    byte x2 = text[i + 2];
                    if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) {
                        total--;
                    }
                }
            }
            text[total++] = x;
        }
        return Arrays.copyOf(text, total);
    }

    public String tokenText(int id) {
        vocab.checkId(id);
        return vocab.texts[id];
    }

    public int tokenId(String text) {
        return vocab.id(text);
    }

    public int vocabSize() {
        return vocab.size();
    }

    public TokenType tokenType(int id) {
        vocab.checkId(id);
        return vocab.type(id);
    }

    public boolean isEndOfGeneration(int id) {
        return Arrays.binarySearch(vocab.eogIds, id) >= 0;
    }

    public int[] endOfGenerationIds() {
        return vocab.eogIds.clone();
    }

    public int bosId() {
        return vocab.bos;
    }

    public int eosId() {
        return vocab.eos;
    }

    public int eotId() {
        return vocab.eot;
    }

    public int unknownId() {
        return vocab.unk;
    }

    public int padId() {
        return vocab.pad;
    }

    public boolean addsBos() {
        return vocab.addBos;
    }

    public boolean addsEos() {
        return vocab.addEos;
    }

    public Optional<String> chatTemplate() {
        return Optional.ofNullable(vocab.chatTemplate);
    }

    public List<String> notes() {
        return notes;
    }

    void requireSpecial(int id, String what) {
        if (id == Vocabulary.NONE) {
            throw vocab.error("the vocabulary asks for a " + what + " token but defines none");
        }
    }

    /** Code points of a Java string; lone surrogates (not encodable in UTF-8) become U+FFFD. */
    static int[] codePoints(String s) {
        int[] cps = s.codePoints().toArray();
        for (int i = 0; i < cps.length; i++) {
            if (cps[i] >= 0xD800 && cps[i] <= 0xDFFF) {
                cps[i] = 0xFFFD;
            }
        }
        return cps;
    }
}
