package io.bitnet4j.hf;

import com.fasterxml.jackson.databind.JsonNode;
import io.bitnet4j.tokenizer.TokenType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A SentencePiece {@code tokenizer.model}: the protobuf {@code ModelProto}, of which only the pieces
 * (field 1: {@code piece} string 1, {@code score} float 2, {@code type} enum 3 with default NORMAL) and
 * the trainer's {@code model_type} (field 2 → 3) are read. A hand-written reader of the protobuf wire
 * format (varints, fixed32/64, length-delimited fields) — the format is small and stable, so no
 * protobuf dependency is needed; unknown fields are skipped as protobuf requires.
 *
 * <p>The GGUF vocabulary follows llama.cpp's {@code _create_vocab_sentencepiece}: ids beyond the pieces
 * (up to {@code vocab_size}) are {@code [PADn]} unused tokens with score −10000; each piece's type is
 * unknown, control, unused or byte as SentencePiece reports it and normal otherwise (a user-defined
 * piece is written as normal, like llama.cpp); then {@code added_tokens.json} and
 * {@code tokenizer_config.json}'s {@code added_tokens_decoder} override their ids with score −1000 (control
 * when special or special-looking, else user-defined).
 *
 * @param pieces    piece texts by id
 * @param scores    scores by id
 * @param types     SentencePiece types by id (the {@link TokenType} codes, 1 normal … 6 byte)
 * @param modelType the trainer's model type (1 unigram, 2 BPE, 3 word, 4 char; 1 when absent)
 */
record SentencePieceModel(List<String> pieces, float[] scores, int[] types, int modelType) {

    /** Parses a {@code tokenizer.model}; a file that is not a SentencePiece protobuf is an error naming why. */
    static SentencePieceModel parse(Path file) throws IOException {
        byte[] b = Files.readAllBytes(file);
        List<String> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        int[] modelType = {1};
        try {
            Reader r = new Reader(b, 0, b.length);
            while (r.more()) {
                long tag = r.varint();
                int field = (int) (tag >>> 3), wire = (int) (tag & 7);
                if (field == 1 && wire == 2) {
                    Reader p = r.sub();
                    String piece = null;
                    float score = 0;
                    int type = TokenType.NORMAL.code();
                    while (p.more()) {
                        long t = p.varint();
                        int f = (int) (t >>> 3), w = (int) (t & 7);
                        if (f == 1 && w == 2) piece = p.string();
                        else if (f == 2 && w == 5) score = p.float32();
                        else if (f == 3 && w == 0) type = (int) p.varint();
                        else p.skip(w);
                    }
                    if (piece == null) throw new IllegalStateException("piece " + pieces.size() + " has no text");
                    if (TokenType.fromCode(type) == TokenType.UNDEFINED) throw new IllegalStateException("piece " + pieces.size() + " has unknown type " + type);
                    pieces.add(piece);
                    scores.add(score);
                    types.add(type);
                } else if (field == 2 && wire == 2) {
                    Reader t = r.sub();
                    while (t.more()) {
                        long tt = t.varint();
                        if ((tt >>> 3) == 3 && (tt & 7) == 0) modelType[0] = (int) t.varint();
                        else t.skip((int) (tt & 7));
                    }
                } else {
                    r.skip(wire);
                }
            }
        } catch (IllegalStateException e) {
            throw new HfFormatException(file, "not a SentencePiece model: " + e.getMessage());
        }
        if (pieces.isEmpty()) throw new HfFormatException(file, "not a SentencePiece model: no pieces");
        float[] s = new float[scores.size()];
        for (int i = 0; i < s.length; i++) s[i] = scores.get(i);
        return new SentencePieceModel(pieces, s, types.stream().mapToInt(Integer::intValue).toArray(), modelType[0]);
    }

    /** The GGUF vocabulary, see the class comment. */
    static HfTokenizer toTokenizer(Path dir, Path file, SentencePieceModel sp, JsonNode tokenizerJson, int vocabSize,
                                   List<String> notes) throws IOException {
        int n = vocabSize > 0 ? vocabSize : sp.pieces().size();
        String[] tokens = new String[n];
        float[] scores = new float[n];
        int[] types = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = "[PAD" + i + "]";
            scores[i] = -10000f;
            types[i] = TokenType.UNUSED.code();
        }
        if (sp.pieces().size() > n) {
            notes.add("ignoring SentencePiece pieces from id " + n + " on (config.json's vocab_size is " + n + ")");
        }
        for (int i = 0; i < Math.min(n, sp.pieces().size()); i++) {
            tokens[i] = sp.pieces().get(i);
            scores[i] = sp.scores()[i];
            int t = sp.types()[i];
            types[i] = t == TokenType.USER_DEFINED.code() ? TokenType.NORMAL.code() : t;
        }
        Path addedFile = dir.resolve("added_tokens.json");
        if (Files.isRegularFile(addedFile)) {
            JsonNode a = HfJson.read(addedFile);
            if (!a.isObject()) throw new HfFormatException(addedFile, "not a JSON object (token → id)");
            for (var it = a.properties().iterator(); it.hasNext(); ) {
                var e = it.next();
                if (!e.getValue().canConvertToInt()) throw new HfFormatException(addedFile, "id of '" + e.getKey() + "' is not an integer");
                int id = e.getValue().asInt();
                if (id < 0 || id >= n) {
                    notes.add("ignoring added token '" + e.getKey() + "' with id " + id + " (vocab_size " + n + ")");
                    continue;
                }
                tokens[id] = e.getKey();
                scores[id] = -1000f;
                types[id] = TokenType.USER_DEFINED.code();
            }
        }
        Path tcFile = dir.resolve("tokenizer_config.json");
        if (Files.isRegularFile(tcFile)) {
            JsonNode dec = HfJson.read(tcFile).get("added_tokens_decoder");
            if (dec != null && dec.isObject()) {
                for (var it = dec.properties().iterator(); it.hasNext(); ) {
                    var e = it.next();
                    int id;
                    try {
                        id = Integer.parseInt(e.getKey());
                    } catch (NumberFormatException ex) {
                        throw new HfFormatException(tcFile, "added_tokens_decoder key '" + e.getKey() + "' is not a token id");
                    }
                    String content = e.getValue().path("content").isTextual() ? e.getValue().get("content").asText() : null;
                    if (content == null) throw new HfFormatException(tcFile, "added_tokens_decoder entry " + id + " has no content");
                    if (id < 0 || id >= n) {
                        notes.add("ignoring added token '" + content + "' with id " + id + " (vocab_size " + n + ")");
                        continue;
                    }
                    boolean control = e.getValue().path("special").asBoolean(false) || HfTokenizer.looksSpecial(content);
                    types[id] = (control ? TokenType.CONTROL : TokenType.USER_DEFINED).code();
                    tokens[id] = control ? content : content.replace('\u2581', ' ');
                    scores[id] = -1000f;
                }
            }
        }
        if (sp.modelType() != 1 && sp.modelType() != 2) {
            notes.add("SentencePiece model type " + sp.modelType() + " is neither unigram nor BPE; llama.cpp's SPM tokenizer may split differently");
        }
        List<String> list = Arrays.asList(tokens);
        Map<String, Integer> index = HashMap.newHashMap(n);
        for (int i = 0; i < n; i++) index.put(tokens[i], i);
        HfSpecialTokens special = HfSpecialTokens.read(dir, tokenizerJson, n, index::get, notes);
        return new HfTokenizer("llama", "default", list, scores, types, List.of(), special, file, notes);
    }

    /** A bounded view of the protobuf bytes; malformed input is an IllegalStateException with the reason. */
    private static final class Reader {
        private final byte[] b;
        private int pos;
        private final int end;

        Reader(byte[] b, int pos, int end) {
            this.b = b;
            this.pos = pos;
            this.end = end;
        }

        boolean more() { return pos < end; }

        long varint() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                if (pos >= end) throw new IllegalStateException("truncated varint at byte " + pos);
                int x = b[pos++];
                v |= (long) (x & 0x7F) << shift;
                if ((x & 0x80) == 0) return v;
            }
            throw new IllegalStateException("varint longer than 10 bytes at byte " + pos);
        }

        private int length() {
            long len = varint();
            if (len < 0 || len > end - pos) throw new IllegalStateException("field of " + len + " bytes overruns its message at byte " + pos);
            return (int) len;
        }

        Reader sub() {
            int len = length();
            Reader r = new Reader(b, pos, pos + len);
            pos += len;
            return r;
        }

        String string() {
            int len = length();
            try {
                String s = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(b, pos, len)).toString();
                pos += len;
                return s;
            } catch (CharacterCodingException e) {
                throw new IllegalStateException("piece text at byte " + pos + " is not UTF-8");
            }
        }

        float float32() {
            if (end - pos < 4) throw new IllegalStateException("truncated float at byte " + pos);
            float f = ByteBuffer.wrap(b, pos, 4).order(ByteOrder.LITTLE_ENDIAN).getFloat();
            pos += 4;
            return f;
        }

        void skip(int wire) {
            switch (wire) {
                case 0 -> varint();
                case 1 -> advance(8);
                case 2 -> advance(length());
                case 5 -> advance(4);
                default -> throw new IllegalStateException("unsupported protobuf wire type " + wire + " at byte " + pos);
            }
        }

        private void advance(int n) {
            if (n > end - pos) throw new IllegalStateException("truncated field at byte " + pos);
            pos += n;
        }
    }
}
