package io.bitnet4j.hf;

import com.fasterxml.jackson.databind.JsonNode;
import io.bitnet4j.gguf.GgufKeys;
import io.bitnet4j.gguf.GgufWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The special-token part of a Hugging Face tokenizer as llama.cpp's converter reads it (gguf-py's
 * {@code SpecialVocab}): special token ids, the {@code add_*_token} flags and the chat template.
 *
 * <p>Sources, in llama.cpp's order (the first value found for a kind wins):
 * <ol>
 *   <li>{@code tokenizer.json}'s {@code post_processor}: {@code RobertaProcessing} adds BOS/EOS/SEP;
 *       a {@code TemplateProcessing} whose single-sequence template starts with the BOS (or CLS) token
 *       sets {@code add_bos}, one that ends with the EOS token sets {@code add_eos} (LLaMA-3 has no
 *       {@code add_bos_token} in its tokenizer_config.json; this is how it gets add_bos = true);</li>
 *   <li>{@code tokenizer_config.json}: {@code add_<kind>_token} booleans, and {@code <kind>_token} (a
 *       string or an {@code {"content": …}} object) looked up among {@code tokenizer.json}'s
 *       {@code added_tokens}; {@code chat_template} (else {@code chat_template.jinja}, else
 *       {@code chat_template.json});</li>
 *   <li>{@code config.json}'s {@code <kind>_token_id} integers;</li>
 *   <li>bitnet4j only, to fill what is still missing: {@code special_tokens_map.json}'s {@code <kind>_token},
 *       looked up in the whole token table.</li>
 * </ol>
 * Ids outside the vocabulary are dropped with a note.
 *
 * @param ids           kind (bos, eos, unk, sep, pad, cls, mask) → token id, in the order found
 * @param add           kind → whether the tokenizer adds it (add_bos_token, …)
 * @param chatTemplate  the default chat template, or null
 * @param namedTemplates further named templates (a list-valued chat_template), name → template
 */
public record HfSpecialTokens(Map<String, Integer> ids, Map<String, Boolean> add, String chatTemplate,
                              Map<String, String> namedTemplates) {

    /** The kinds llama.cpp looks for, in its order. */
    static final List<String> KINDS = List.of("bos", "eos", "unk", "sep", "pad", "cls", "mask");
    /** The GGUF key of each kind's id. */
    private static final Map<String, String> ID_KEY = Map.of("bos", GgufKeys.TOKENIZER_BOS_ID, "eos", GgufKeys.TOKENIZER_EOS_ID,
            "unk", GgufKeys.TOKENIZER_UNK_ID, "sep", GgufKeys.TOKENIZER_SEP_ID, "pad", GgufKeys.TOKENIZER_PAD_ID,
            "cls", GgufKeys.TOKENIZER_CLS_ID, "mask", GgufKeys.TOKENIZER_MASK_ID);
    /** The GGUF key of the add flags llama.cpp's converter writes (bos, eos and sep only). */
    private static final Map<String, String> ADD_KEY = Map.of("bos", GgufKeys.TOKENIZER_ADD_BOS, "eos", GgufKeys.TOKENIZER_ADD_EOS,
            "sep", GgufKeys.TOKENIZER_ADD_SEP);

    public HfSpecialTokens {
        ids = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(ids));
        add = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(add));
        namedTemplates = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(namedTemplates));
    }

    /**
     * Reads the special tokens of a model directory.
     *
     * @param tokenizerJson the parsed {@code tokenizer.json}, or null when there is none
     * @param vocabSize     the number of tokens written (ids at or beyond are dropped)
     * @param tokenId       the id of a token text in the final table, or null (for special_tokens_map.json)
     */
    static HfSpecialTokens read(Path dir, JsonNode tokenizerJson, int vocabSize, Function<String, Integer> tokenId,
                                List<String> notes) throws IOException {
        Map<String, Integer> ids = new LinkedHashMap<>();
        Map<String, Boolean> add = new LinkedHashMap<>();
        Path tcFile = dir.resolve("tokenizer_config.json");
        JsonNode tc = Files.isRegularFile(tcFile) ? HfJson.read(tcFile) : null;
        if (tc != null && !tc.isObject()) throw new HfFormatException(tcFile, "not a JSON object");

        List<Map.Entry<String, Integer>> added = new ArrayList<>();
        if (tokenizerJson != null) {
            JsonNode at = tokenizerJson.get("added_tokens");
            if (at != null && at.isArray()) {
                for (JsonNode a : at) {
                    if (a.path("content").isTextual() && a.path("id").canConvertToInt()) {
                        added.add(Map.entry(a.get("content").asText(), a.get("id").asInt()));
                    }
                }
            }
            postProcessor(tokenizerJson.get("post_processor"), tc, add);
        }
        String chatTemplate = null;
        Map<String, String> named = new LinkedHashMap<>();
        if (tc != null) {
            JsonNode ct = tc.get("chat_template");
            if (ct == null || ct.isNull()) ct = alternativeTemplate(dir);
            if (ct != null && ct.isTextual()) {
                chatTemplate = ct.asText();
            } else if (ct != null && ct.isArray()) {
                for (JsonNode t : ct) {
                    if (t.path("name").isTextual() && t.path("template").isTextual()) {
                        if (t.get("name").asText().equals("default")) chatTemplate = t.get("template").asText();
                        else named.put(t.get("name").asText(), t.get("template").asText());
                    }
                }
            } else if (ct != null && !ct.isNull()) {
                notes.add("ignoring chat_template of type " + ct.getNodeType() + " in " + tcFile);
            }
            for (String kind : KINDS) {
                JsonNode a = tc.get("add_" + kind + "_token");
                if (a != null && a.isBoolean()) add.put(kind, a.asBoolean());
                String content = content(tc.get(kind + "_token"));
                if (content == null) continue;
                // the first added token with that text, as llama.cpp (not the model vocabulary)
                added.stream().filter(e -> e.getKey().equals(content)).findFirst()
                        .ifPresent(e -> set(ids, kind, e.getValue(), vocabSize, notes));
            }
        }
        Path cfg = dir.resolve(HfConfig.FILE);
        if (Files.isRegularFile(cfg)) {
            JsonNode c = HfJson.read(cfg);
            for (String kind : KINDS) {
                JsonNode v = c.get(kind + "_token_id");
                if (v != null && v.isIntegralNumber()) set(ids, kind, v.asLong(), vocabSize, notes);
            }
        }
        Path map = dir.resolve("special_tokens_map.json");
        if (Files.isRegularFile(map) && tokenId != null) {
            JsonNode m = HfJson.read(map);
            for (String kind : KINDS) {
                if (ids.containsKey(kind)) continue;
                String content = content(m.get(kind + "_token"));
                Integer id = content == null ? null : tokenId.apply(content);
                if (id != null) set(ids, kind, id, vocabSize, notes);
            }
        }
        return new HfSpecialTokens(ids, add, chatTemplate, named);
    }

    private static JsonNode alternativeTemplate(Path dir) throws IOException {
        Path jinja = dir.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinja)) return SafetensorsFile.JSON.getNodeFactory().textNode(Files.readString(jinja));
        Path json = dir.resolve("chat_template.json");
        if (Files.isRegularFile(json)) return HfJson.read(json).get("chat_template");
        return null;
    }

    /** A token given as a string or as an AddedToken object {@code {"content": …}}. */
    private static String content(JsonNode v) {
        if (v == null) return null;
        if (v.isTextual()) return v.asText();
        if (v.isObject() && v.path("content").isTextual()) return v.get("content").asText();
        return null;
    }

    private static void set(Map<String, Integer> ids, String kind, long id, int vocabSize, List<String> notes) {
        if (ids.containsKey(kind)) return;
        if (id < 0 || id >= vocabSize) {
            notes.add("ignoring " + kind + " token id " + id + " (vocabulary has " + vocabSize + " tokens)");
            return;
        }
        ids.put(kind, (int) id);
    }

    /** llama.cpp's crude reading of the post-processor (single-sequence template only). */
    private static void postProcessor(JsonNode pp, JsonNode tc, Map<String, Boolean> add) {
        if (pp == null || !pp.isObject()) return;
        List<JsonNode> processors = new ArrayList<>();
        if (pp.path("processors").isArray()) pp.get("processors").forEach(processors::add);
        else processors.add(pp);
        String bos = tc == null ? null : content(tc.get("bos_token"));
        String eos = tc == null ? null : content(tc.get("eos_token"));
        String cls = tc == null ? null : content(tc.get("cls_token"));
        for (JsonNode p : processors) {
            String type = p.path("type").asText("");
            if (type.equals("RobertaProcessing")) {
                add.put("bos", true);
                add.put("eos", true);
                add.put("sep", true);
            } else if (type.equals("TemplateProcessing") && p.path("single").isArray() && p.get("single").size() > 1) {
                JsonNode single = p.get("single");
                String first = single.get(0).path("SpecialToken").path("id").asText(null);
                String last = single.get(single.size() - 1).path("SpecialToken").path("id").asText(null);
                if (first != null) add.put("bos", tc == null || first.equals(bos) || first.equals(cls));
                if (last != null) add.put("eos", tc == null || last.equals(eos));
            }
        }
    }

    /** Writes the ids, the add flags and the chat template(s) as llama.cpp's converter does. */
    void writeTo(GgufWriter w) {
        ids.forEach((kind, id) -> w.putUInt32(ID_KEY.get(kind), id));
        add.forEach((kind, on) -> {
            if (ADD_KEY.containsKey(kind)) w.putBool(ADD_KEY.get(kind), on);
        });
        if (chatTemplate != null) w.putString(GgufKeys.TOKENIZER_CHAT_TEMPLATE, chatTemplate);
        namedTemplates.forEach((name, t) -> w.putString(GgufKeys.chatTemplate(name), t));
        if (!namedTemplates.isEmpty()) w.putStringArray(GgufKeys.TOKENIZER_CHAT_TEMPLATES, List.copyOf(namedTemplates.keySet()));
    }
}
