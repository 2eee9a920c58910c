package io.bitnet4j.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * SentencePiece (BPE-by-score) as llama.cpp's {@code llm_tokenizer_spm}: spaces become {@code ▁}, an optional
 * {@code ▁} is prefixed, then the adjacent pair whose concatenation is the highest-scoring token (leftmost on
 * ties) is merged until none is left; characters that never became tokens fall back to {@code <0xNN>} tokens.
 */
public final class SentencePieceTokenizer extends AbstractTokenizer implements Tokenizer {
    private static final char SPACE_MARK = '\u2581';
    private final int[] byteTokens = new int[256];

    SentencePieceTokenizer(Vocabulary vocab, List<String> notes) {
        super(vocab, notes);
        for (int b = 0; b < 256; b++) {
            int id = vocab.id(String.format("<0x%02X>", b));
            if (id == Vocabulary.NONE && b < 0x80) {
                id = vocab.id(String.valueOf((char) b)); // llama.cpp falls back to the byte as text
            }
            byteTokens[b] = id;
        }
    }

    @Override
    byte[] renderNormalPiece(int id, TokenType type) {
        String text = vocab.texts[id];
        return switch (type) {
            case NORMAL -> text.replace(SPACE_MARK, ' ').getBytes(StandardCharsets.UTF_8);
            case BYTE -> new byte[] {(byte) parseByteToken(id, text)};
            default -> new byte[0];
        };
    }

    private int parseByteToken(int id, String text) {
        // "<0xNN>": llama.cpp reads the two hex digits after "<0x"
        if (text.length() >= 5 && text.startsWith("<0x")) {
            try {
                return Integer.parseInt(text.substring(3, 5), 16);
            } catch (NumberFormatException e) {
                // fall through
            }
        }
        throw vocab.error("token " + id + " is a BYTE token with malformed text '" + text + "' (expected <0xNN>)");
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        IntList out = new IntList(text.length() / 3 + 4);
        boolean prevSpecial = true; // the first fragment gets the space prefix
        if (addSpecial && vocab.addBos) {
            requireSpecial(vocab.bos, "BOS");
            out.add(vocab.bos);
        }
        for (Vocabulary.Fragment f : vocab.partition(text, parseSpecial)) {
            if (f.isText()) {
                String s = text.substring(f.start(), f.end());
                if (vocab.addSpacePrefix && prevSpecial) {
                    s = " " + s;
                }
                encodeText(s.replace(' ', SPACE_MARK), out);
                prevSpecial = false;
            } else {
                out.add(f.token());
                prevSpecial = true;
            }
        }
        if (addSpecial && vocab.addEos) {
            requireSpecial(vocab.eos, "EOS");
            out.add(vocab.eos);
        }
        return out.toArray();
    }

    private void encodeText(String s, IntList out) {
        int[] cpts = codePoints(s);
        int n = cpts.length;
        if (n == 0) {
            return;
        }
        // Symbols are char ranges of the string: start[i], len[i] (len 0 = merged away).
        int[] start = new int[n];
        int[] len = new int[n];
        int[] prev = new int[n];
        int[] next = new int[n];
        int pos = 0;
        for (int i = 0; i < n; i++) {
            start[i] = pos;
            len[i] = Character.charCount(cpts[i]);
            pos += len[i];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        StringBuilder sb = new StringBuilder(s);
        if (sb.length() != pos) {
            // lone surrogates were replaced; rebuild the string the code points describe
            sb.setLength(0);
            for (int c : cpts) {
                sb.appendCodePoint(c);
            }
        }
        String str = sb.toString();
        LongMinHeap heap = new LongMinHeap(n);
        for (int i = 0; i + 1 < n; i++) {
            long key = bigramKey(str, start[i], len[i] + len[i + 1], i);
            if (key != Long.MAX_VALUE) {
                heap.push(key);
            }
        }
        while (heap.size() > 0) {
            long top = heap.pop();
            int left = (int) (top & 0xFFFFFFFFL);
            int right = next[left];
            if (len[left] == 0 || right < 0) {
                continue;
            }
            if (bigramKey(str, start[left], len[left] + len[right], left) != top) {
                continue; // stale: the right symbol grew since this pair was queued
            }
            len[left] += len[right];
            len[right] = 0;
            int rn = next[right];
            next[left] = rn;
            if (rn >= 0) {
                prev[rn] = left;
            }
            int lp = prev[left];
            if (lp >= 0) {
                long k = bigramKey(str, start[lp], len[lp] + len[left], lp);
                if (k != Long.MAX_VALUE) {
                    heap.push(k);
                }
            }
            if (rn >= 0) {
                long k = bigramKey(str, start[left], len[left] + len[rn], left);
                if (k != Long.MAX_VALUE) {
                    heap.push(k);
                }
            }
        }
        for (int i = 0; i >= 0; i = next[i]) {
            String piece = str.substring(start[i], start[i] + len[i]);
            int id = vocab.id(piece);
            if (id != Vocabulary.NONE) {
                out.add(id);
                continue;
            }
            // Only unmerged single characters get here (a merge always forms a token): emit their bytes.
            for (byte b : piece.getBytes(StandardCharsets.UTF_8)) {
                int bt = byteTokens[b & 0xFF];
                if (bt == Vocabulary.NONE) {
                    bt = vocab.unk;
                }
                if (bt == Vocabulary.NONE) {
                    throw vocab.error("no byte token <0x" + String.format("%02X", b & 0xFF)
                            + "> and no unknown token for '" + piece + "'");
                }
                out.add(bt);
            }
        }
    }

    /**
     * Heap key of a candidate merge, or Long.MAX_VALUE if the concatenation is no token: higher score first,
     * then leftmost, as llama.cpp's {@code llm_bigram_spm} ordering.
     */
    private long bigramKey(String str, int from, int length, int left) {
        int id = vocab.id(str.substring(from, from + length));
        if (id == Vocabulary.NONE) {
            return Long.MAX_VALUE;
        }
        int bits = Float.floatToIntBits(vocab.scores[id]);
        int ordered = bits ^ ((bits >> 31) & 0x7FFFFFFF); // monotonic in the float value
        return ((long) ~ordered << 32) | left;
    }
}
