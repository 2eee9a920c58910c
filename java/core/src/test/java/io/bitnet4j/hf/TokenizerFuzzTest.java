package io.bitnet4j.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.bitnet4j.gguf.GgufFile;
import io.bitnet4j.gguf.GgufWriter;
import io.bitnet4j.tokenizer.TokenizerException;
import io.bitnet4j.tokenizer.Tokenizers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Mutated tokenizer files: every outcome is either a tokenizer (that loads, or is refused by the loader with a
 * TokenizerException) or a HfFormatException naming the file — never another exception.
 */
class TokenizerFuzzTest {
    @TempDir
    Path tmp;

    private void check(Path dir, String what) throws Exception {
        HfTokenizer t;
        try {
            t = HfTokenizer.read(dir, 0);
        } catch (HfFormatException e) {
            assertTrue(e.getMessage().contains(dir.toString()), what + ": " + e.getMessage());
            return;
        } catch (RuntimeException e) {
            throw new AssertionError(what + ": unexpected " + e, e);
        }
        GgufWriter w = new GgufWriter();
        w.putString("general.architecture", "llama");
        t.writeTo(w);
        Path p = dir.resolve("t.gguf");
        w.write(p);
        try (GgufFile g = GgufFile.open(p)) {
            Tokenizers.fromGguf(g).encode("Hello world 123", true, true);
        } catch (TokenizerException e) {
            // a vocabulary the loader refuses with a named reason is fine
        }
        Files.delete(p);
    }

    /** Replaces a random node of the tree by a value of a random JSON type. */
    private static void mutate(JsonNode root, Random r) {
        List<JsonNode> containers = new ArrayList<>();
        collect(root, containers);
        JsonNode c = containers.get(r.nextInt(containers.size()));
        JsonNode v = switch (r.nextInt(7)) {
            case 0 -> JsonNodeFactory.instance.nullNode();
            case 1 -> JsonNodeFactory.instance.numberNode(r.nextInt(600) - 50);
            case 2 -> JsonNodeFactory.instance.textNode(r.nextBoolean() ? "" : "x y");
            case 3 -> JsonNodeFactory.instance.booleanNode(r.nextBoolean());
            case 4 -> JsonNodeFactory.instance.arrayNode().add("a");
            case 5 -> JsonNodeFactory.instance.objectNode().put("type", "Split");
            default -> JsonNodeFactory.instance.numberNode(1.5);
        };
        if (c instanceof ObjectNode o && o.size() > 0) {
            List<String> keys = new ArrayList<>();
            o.fieldNames().forEachRemaining(keys::add);
            String k = keys.get(r.nextInt(keys.size()));
            if (r.nextInt(4) == 0) o.remove(k);
            else o.set(k, v);
        } else if (c instanceof ArrayNode a && a.size() > 0) {
            a.set(r.nextInt(a.size()), v);
        }
    }

    private static void collect(JsonNode n, List<JsonNode> out) {
        if (n.isContainerNode() && n.size() > 0 && n.size() < 400) out.add(n);
        if (n.isContainerNode()) for (JsonNode c : n) collect(c, out);
    }

    @Test
    void mutatedTokenizerJsonNeverCrashes() throws Exception {
        Random r = new Random(4);
        List<String> vocab = new ArrayList<>(HfTokenizerTest.byteTokens());
        vocab.addAll(List.of("he", "the"));
        for (int i = 0; i < 150; i++) {
            Path dir = Files.createDirectories(tmp.resolve("j" + i));
            ObjectNode json = TokenizerFiles.bpe(vocab, List.of("h e", "t he"), i % 2 == 0,
                    TokenizerFiles.splitThenByteLevel(TokenizerJson.LLAMA3_REGEX), List.of(new TokenizerFiles.Added(258, "<|end|>", true)));
            ObjectNode tp = json.putObject("post_processor").put("type", "TemplateProcessing");
            tp.putArray("single").addObject().putObject("SpecialToken").put("id", "<|end|>");
            ((ArrayNode) tp.get("single")).addObject().putObject("Sequence").put("id", "A");
            ObjectNode config = TokenizerFiles.JSON.createObjectNode().put("bos_token", "<|end|>").put("add_bos_token", true)
                    .put("chat_template", "{{x}}");
            config.putObject("eos_token").put("content", "<|end|>");
            for (int m = 0; m <= i % 4; m++) mutate(r.nextBoolean() ? json : config, r);
            TokenizerFiles.write(dir.resolve("tokenizer.json"), json);
            TokenizerFiles.write(dir.resolve("tokenizer_config.json"), config);
            check(dir, "case " + i);
        }
    }

    @Test
    void mutatedSentencePieceModelNeverCrashes() throws Exception {
        Random r = new Random(5);
        List<String> pieces = List.of("<unk>", "<s>", "</s>", "\u2581", "\u2581a", "a", "b", "<0x0A>");
        byte[] good = TokenizerFiles.sentencePiece(pieces, new float[]{0, 0, 0, -1, -2, -3, -4, 0}, new int[]{2, 3, 3, 1, 1, 1, 1, 6}, 2);
        for (int i = 0; i < 200; i++) {
            Path dir = Files.createDirectories(tmp.resolve("s" + i));
            byte[] b = i % 3 == 0 ? Arrays.copyOf(good, r.nextInt(good.length)) : good.clone();
            for (int m = 0; m < 1 + r.nextInt(3) && b.length > 0; m++) b[r.nextInt(b.length)] = (byte) r.nextInt(256);
            Files.write(dir.resolve("tokenizer.model"), b);
            if (i % 5 == 0) TokenizerFiles.write(dir.resolve("tokenizer_config.json"), Map.of("added_tokens_decoder",
                    Map.of(String.valueOf(r.nextInt(20) - 5), Map.of("content", "<x>", "special", r.nextBoolean()))));
            check(dir, "case " + i);
        }
    }
}
