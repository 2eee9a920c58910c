package io.bitnet4j.tokenizer;

import io.bitnet4j.gguf.GgufFile;
import io.bitnet4j.gguf.GgufKeys;
import io.bitnet4j.gguf.GgufWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A vocabulary's problems are decided when it is loaded, in one message naming the file (and the token
 * id or key): a malformed BYTE token, special token ids outside the vocabulary (taken as llama.cpp takes
 * them: the default id instead, with a note), a BOS token every text needs but none is usable.
 */
class VocabularyErrorsTest {
    @TempDir
    Path tmp;

    /** A SentencePiece vocabulary: {@code <unk> <s> </s>}, the byte tokens given, then "▁" and "a". */
    private Path spm(String name, List<String> bytes, Consumer<GgufWriter> extra) throws Exception {
        int n = 3 + bytes.size() + 2;
        String[] tokens = new String[n];
        int[] types = new int[n];
        tokens[0] = "<unk>";
        tokens[1] = "<s>";
        tokens[2] = "</s>";
        types[0] = TokenType.UNKNOWN.code();
        types[1] = types[2] = TokenType.CONTROL.code();
        for (int i = 0; i < bytes.size(); i++) {
            tokens[3 + i] = bytes.get(i);
            types[3 + i] = TokenType.BYTE.code();
        }
        tokens[n - 2] = "\u2581";
        tokens[n - 1] = "a";
        types[n - 2] = types[n - 1] = TokenType.NORMAL.code();
        GgufWriter w = new GgufWriter().putString(GgufKeys.TOKENIZER_MODEL, "llama")
                .putStringArray(GgufKeys.TOKENIZER_TOKENS, tokens)
                .putFloat32Array(GgufKeys.TOKENIZER_SCORES, new float[n])
                .putInt32Array(GgufKeys.TOKENIZER_TOKEN_TYPE, types);
        extra.accept(w);
        Path p = tmp.resolve(name);
        w.write(p);
        return p;
    }

    private static Tokenizer load(Path p) throws Exception {
        try (GgufFile f = GgufFile.open(p)) {
            return Tokenizers.fromGguf(f);
        }
    }

    @Test
    void aMalformedByteTokenNamesTheFileAndTheTokenId() throws Exception {
        Path p = spm("byte.gguf", List.of("<0x41>", "<0p50>"), w -> {});
        TokenizerException e = assertThrows(TokenizerException.class, () -> load(p));
        assertTrue(e.getMessage().startsWith(p + ": "), e.getMessage());
        assertTrue(e.getMessage().contains("token 4 is a BYTE token with malformed text '<0p50>'"), e.getMessage());
    }

    @Test
    void aBosIdOutsideTheVocabularyFallsBackToTheDefaultAsInLlamaCpp() throws Exception {
        Path p = spm("bos.gguf", List.of("<0x41>"), w -> w.putUInt32(GgufKeys.TOKENIZER_BOS_ID, 70000));
        Tokenizer t = load(p);
        assertEquals(1, t.bosId(), "llama.cpp's default BOS of a SentencePiece vocabulary");
        assertTrue(t.notes().stream().anyMatch(n -> n.contains(GgufKeys.TOKENIZER_BOS_ID + " = 70000")
                && n.contains("using the default id 1")), t.notes().toString());
        assertArrayEquals(new int[] {1, 4, 5}, t.encode("a", true, false), "<s> ▁ a");
    }

    @Test
    void otherSpecialIdsOutsideTheVocabularyTakeTheirDefaultsToo() throws Exception {
        Path p = spm("ids.gguf", List.of("<0x41>"), w -> w.putUInt32(GgufKeys.TOKENIZER_EOS_ID, 7)
                .putInt32(GgufKeys.TOKENIZER_EOT_ID, -2).putUInt32(GgufKeys.TOKENIZER_PAD_ID, 1 << 30)
                .putUInt32(GgufKeys.TOKENIZER_UNK_ID, 6));
        Tokenizer t = load(p);
        assertEquals(2, t.eosId());
        assertEquals(Tokenizer.NO_TOKEN, t.eotId());
        assertEquals(Tokenizer.NO_TOKEN, t.padId());
        assertEquals(0, t.unknownId());
        assertEquals(4, t.notes().size(), t.notes().toString());
    }

    @Test
    void aBosEveryTextNeedsButNoneIsUsableIsRefusedAtLoad() throws Exception {
        // a vocabulary of one token: the default BOS (1) is outside it as well as the file's 70000
        GgufWriter w = new GgufWriter().putString(GgufKeys.TOKENIZER_MODEL, "llama")
                .putStringArray(GgufKeys.TOKENIZER_TOKENS, new String[] {"a"})
                .putUInt32(GgufKeys.TOKENIZER_BOS_ID, 70000).putBool(GgufKeys.TOKENIZER_ADD_BOS, true);
        Path p = tmp.resolve("nobos.gguf");
        w.write(p);
        TokenizerException e = assertThrows(TokenizerException.class, () -> load(p));
        assertTrue(e.getMessage().startsWith(p + ": " + GgufKeys.TOKENIZER_ADD_BOS + " is true"), e.getMessage());
        assertTrue(e.getMessage().contains(GgufKeys.TOKENIZER_BOS_ID + " is 70000, outside the vocabulary of 1 tokens"), e.getMessage());
    }

    @Test
    void aTokenIdOutOfRangeNamesTheFile() throws Exception {
        Path p = spm("range.gguf", List.of("<0x41>"), w -> {});
        Tokenizer t = load(p);
        TokenizerException e = assertThrows(TokenizerException.class, () -> t.tokenText(99));
        assertTrue(e.getMessage().startsWith(p + ": token id 99 out of range"), e.getMessage());
    }
}
