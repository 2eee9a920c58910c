package io.bitnet4j.hf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes Hugging Face tokenizer files for tests: tokenizer.json (BPE) and tokenizer.model (SentencePiece protobuf). */
final class TokenizerFiles {
    private TokenizerFiles() {}

    static final ObjectMapper JSON = new ObjectMapper();

    /** An added token of tokenizer.json. */
    record Added(int id, String content, boolean special) {}

    /**
     * A byte-level BPE tokenizer.json.
     *
     * @param vocab       token texts; id = index (null = no token with that id)
     * @param merges      "a b" strings
     * @param mergePairs  write merges as [a, b] pairs instead of strings
     * @param preTokenizer the pre_tokenizer object
     */
    static ObjectNode bpe(List<String> vocab, List<String> merges, boolean mergePairs, ObjectNode preTokenizer, List<Added> added) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        ArrayNode at = root.putArray("added_tokens");
        for (Added a : added) {
            at.addObject().put("id", a.id()).put("content", a.content()).put("single_word", false).put("lstrip", false)
                    .put("rstrip", false).put("normalized", false).put("special", a.special());
        }
        root.putNull("normalizer");
        root.set("pre_tokenizer", preTokenizer);
        root.putNull("post_processor");
        root.putObject("decoder").put("type", "ByteLevel").put("add_prefix_space", true).put("trim_offsets", true).put("use_regex", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "BPE").putNull("dropout").putNull("unk_token").put("fuse_unk", false).put("byte_fallback", false);
        ObjectNode v = model.putObject("vocab");
        for (int i = 0; i < vocab.size(); i++) if (vocab.get(i) != null) v.put(vocab.get(i), i);
        ArrayNode m = model.putArray("merges");
        for (String s : merges) {
            if (mergePairs) {
                int sp = s.indexOf(' ', 1);
                m.addArray().add(s.substring(0, sp)).add(s.substring(sp + 1));
            } else {
                m.add(s);
            }
        }
        return root;
    }

    /** GPT-2's pre-tokenizer: ByteLevel with its built-in regex. */
    static ObjectNode byteLevel(boolean useRegex) {
        return JSON.createObjectNode().put("type", "ByteLevel").put("add_prefix_space", false).put("trim_offsets", true)
                .put("use_regex", useRegex);
    }

    /** LLaMA-3's pre-tokenizer: Split(regex, Isolated) then ByteLevel without regex. */
    static ObjectNode splitThenByteLevel(String regex) {
        ObjectNode seq = JSON.createObjectNode().put("type", "Sequence");
        ArrayNode list = seq.putArray("pretokenizers");
        ObjectNode split = list.addObject().put("type", "Split");
        split.putObject("pattern").put("Regex", regex);
        split.put("behavior", "Isolated").put("invert", false);
        list.add(byteLevel(false));
        return seq;
    }

    static void write(Path file, Object json) throws IOException {
        Files.writeString(file, JSON.writeValueAsString(json));
    }

    /** A SentencePiece ModelProto with these pieces (types: 1 normal … 6 byte) and trainer model_type. */
    static byte[] sentencePiece(List<String> pieces, float[] scores, int[] types, int modelType) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < pieces.size(); i++) {
            ByteArrayOutputStream p = new ByteArrayOutputStream();
            bytesField(p, 1, pieces.get(i).getBytes(StandardCharsets.UTF_8));
            varint(p, (2 << 3) | 5);
            p.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(scores[i]).array());
            if (types[i] != 1) { // NORMAL is the default and, as protobuf does, not written
                varint(p, 3 << 3);
                varint(p, types[i]);
            }
            bytesField(out, 1, p.toByteArray());
        }
        ByteArrayOutputStream trainer = new ByteArrayOutputStream();
        bytesField(trainer, 1, "input.txt".getBytes(StandardCharsets.UTF_8)); // an unknown-to-us field first
        varint(trainer, 3 << 3);
        varint(trainer, modelType);
        bytesField(out, 2, trainer.toByteArray());
        ByteArrayOutputStream normalizer = new ByteArrayOutputStream();
        bytesField(normalizer, 1, "identity".getBytes(StandardCharsets.UTF_8));
        varint(normalizer, 3 << 3);
        varint(normalizer, 1); // add_dummy_prefix
        bytesField(out, 3, normalizer.toByteArray());
        return out.toByteArray();
    }

    private static void bytesField(ByteArrayOutputStream o, int field, byte[] b) {
        varint(o, (field << 3) | 2);
        varint(o, b.length);
        o.writeBytes(b);
    }

    private static void varint(ByteArrayOutputStream o, long v) {
        while ((v & ~0x7FL) != 0) {
            o.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        o.write((int) v);
    }
}
