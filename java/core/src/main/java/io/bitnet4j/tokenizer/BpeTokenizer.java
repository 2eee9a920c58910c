package io.bitnet4j.tokenizer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Byte-level BPE as llama.cpp's {@code llm_tokenizer_bpe}: pre-tokenize into words, map each word's UTF-8 bytes
 * to GPT-2's byte characters, then repeatedly merge the adjacent pair of lowest merge rank (leftmost on ties).
 *
 * <p>Symbols are interned strings: vocabulary ids, plus extra ids for merge parts that are not tokens. The merge
 * table maps a (left, right) symbol pair to (rank, merged symbol), so a merge never builds a string.
 */
public final class BpeTokenizer extends AbstractTokenizer implements Tokenizer {
    private final PreTokenizer preTokenizer;
    private final LongLongMap merges;
    /** Texts of symbols that are not vocabulary tokens; symbol id = vocabSize + index. */
    private final List<String> extraSymbols = new ArrayList<>();
    private final int[] byteSymbol = new int[256];

    BpeTokenizer(Vocabulary vocab, String[] mergeList, PreTokenizer preTokenizer, List<String> notes) {
        super(vocab, notes);
        this.preTokenizer = preTokenizer;
        Map<String, Integer> extra = new HashMap<>();
        for (int b = 0; b < 256; b++) {
            byteSymbol[b] = intern(String.valueOf(ByteUnicode.BYTE_TO_CHAR[b]), extra);
        }
        merges = new LongLongMap(mergeList.length);
        for (int rank = 0; rank < mergeList.length; rank++) {
            String m = mergeList[rank];
            int sp = m.indexOf(' ', 1);
            if (sp < 0) {
                continue; // llama.cpp records ("", ""), a pair no word can contain
            }
            String first = m.substring(0, sp);
            String second = m.substring(sp + 1);
            long key = pair(intern(first, extra), intern(second, extra));
            merges.putIfAbsent(key, ((long) rank << 32) | intern(first + second, extra));
        }
    }

    private int intern(String s, Map<String, Integer> extra) {
        int id = vocab.id(s);
        if (id != Vocabulary.NONE) {
            return id;
        }
        return extra.computeIfAbsent(s, k -> {
            extraSymbols.add(k);
            return vocab.size() + extraSymbols.size() - 1;
        });
    }

    private static long pair(int left, int right) {
        return ((long) left << 32) | (right & 0xFFFFFFFFL);
    }

    public PreTokenizer preTokenizer() {
        return preTokenizer;
    }

    @Override
    byte[] renderNormalPiece(int id, TokenType type) {
        return type == TokenType.NORMAL ? ByteUnicode.decode(vocab.texts[id]) : new byte[0];
    }

    @Override
    public int[] encode(String text, boolean addSpecial, boolean parseSpecial) {
        IntList out = new IntList(text.length() / 3 + 4);
        if (addSpecial && vocab.addBos) {
            requireSpecial(vocab.bos, "BOS");
            out.add(vocab.bos);
        }
        Work work = new Work();
        for (Vocabulary.Fragment f : vocab.partition(text, parseSpecial)) {
            if (f.isText()) {
                encodeText(text.substring(f.start(), f.end()), out, work);
            } else {
                out.add(f.token());
            }
        }
        if (addSpecial && vocab.addEos) {
            requireSpecial(vocab.eos, "EOS");
            out.add(vocab.eos);
        }
        return out.toArray();
    }

    /** Per-call scratch space, grown as needed. */
    private static final class Work {
        byte[] bytes = new byte[64];
        int[] sym = new int[64];
        int[] prev = new int[64];
        int[] next = new int[64];
        final LongMinHeap heap = new LongMinHeap(128);
        char[] chars = new char[64];

        void ensure(int n) {
            if (bytes.length < n) {
                int cap = Math.max(n, bytes.length * 2);
                bytes = new byte[cap];
                sym = new int[cap];
                prev = new int[cap];
                next = new int[cap];
                chars = new char[cap];
            }
        }
    }

    private void encodeText(String text, IntList out, Work w) {
        int[] cpts = codePoints(text);
        int[] lengths = preTokenizer.split(cpts);
        int start = 0;
        for (int len : lengths) {
            int n = utf8(cpts, start, start + len, w);
            encodeWord(n, out, w);
            start += len;
        }
    }

    /** UTF-8 of cpts[from, to) into w.bytes; returns the byte count. */
    private static int utf8(int[] cpts, int from, int to, Work w) {
        w.ensure((to - from) * 4);
        byte[] b = w.bytes;
        int n = 0;
        for (int i = from; i < to; i++) {
            int c = cpts[i];
            if (c < 0x80) {
                b[n++] = (byte) c;
            } else if (c < 0x800) {
                b[n++] = (byte) (0xC0 | (c >> 6));
                b[n++] = (byte) (0x80 | (c & 0x3F));
            } else if (c < 0x10000) {
                b[n++] = (byte) (0xE0 | (c >> 12));
                b[n++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                b[n++] = (byte) (0x80 | (c & 0x3F));
            } else {
                b[n++] = (byte) (0xF0 | (c >> 18));
                b[n++] = (byte) (0x80 | ((c >> 12) & 0x3F));
                b[n++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                b[n++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        return n;
    }

    private void encodeWord(int n, IntList out, Work w) {
        if (n == 0) {
            return;
        }
        if (preTokenizer.ignoresMerges() || n == 1) {
            // LLaMA-3: a word that is a token as a whole is that token, merges or not
            for (int i = 0; i < n; i++) {
                w.chars[i] = ByteUnicode.BYTE_TO_CHAR[w.bytes[i] & 0xFF];
            }
            int id = vocab.id(new String(w.chars, 0, n));
            if (id != Vocabulary.NONE && (preTokenizer.ignoresMerges() || n == 1)) {
                out.add(id);
                return;
            }
        }
        int[] sym = w.sym;
        int[] prev = w.prev;
        int[] next = w.next;
        for (int i = 0; i < n; i++) {
            sym[i] = byteSymbol[w.bytes[i] & 0xFF];
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        w.heap.clear();
        for (int i = 0; i + 1 < n; i++) {
            long m = merges.get(pair(sym[i], sym[i + 1]), -1);
            if (m >= 0) {
                w.heap.push((m & 0xFFFFFFFF00000000L) | i);
            }
        }
        while (w.heap.size() > 0) {
            long top = w.heap.pop();
            int left = (int) top;
            int right = next[left];
            if (sym[left] < 0 || right < 0) {
                continue;
            }
            long m = merges.get(pair(sym[left], sym[right]), -1);
            if (m < 0 || (m >>> 32) != (top >>> 32)) {
                continue; // stale: one side changed since this pair was queued
            }
            sym[left] = (int) m;
            sym[right] = -1;
            int rn = next[right];
            next[left] = rn;
            if (rn >= 0) {
                prev[rn] = left;
            }
            int lp = prev[left];
            if (lp >= 0) {
                long ml = merges.get(pair(sym[lp], sym[left]), -1);
                if (ml >= 0) {
                    w.heap.push((ml & 0xFFFFFFFF00000000L) | lp);
                }
            }
            if (rn >= 0) {
                long mr = merges.get(pair(sym[left], sym[rn]), -1);
                if (mr >= 0) {
                    w.heap.push((mr & 0xFFFFFFFF00000000L) | left);
                }
            }
        }
        int vocabSize = vocab.size();
        for (int i = 0; i >= 0; i = next[i]) {
            int s = sym[i];
            if (s < vocabSize) {
                out.add(s);
            } else {
                // Not a token: llama.cpp looks up each byte of the symbol's text as a one-byte token.
                String text = extraSymbols.get(s - vocabSize);
                for (int k = 0; k < text.length(); k++) {
                    char c = text.charAt(k);
                    if (c < 0x80) {
                        int id = vocab.id(String.valueOf(c));
                        if (id != Vocabulary.NONE) {
                            out.add(id);
                        }
                    }
                }
            }
        }
    }
}
