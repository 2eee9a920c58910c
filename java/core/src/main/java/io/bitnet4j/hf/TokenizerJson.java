package io.bitnet4j.hf;

import com.fasterxml.jackson.databind.JsonNode;
import io.bitnet4j.tokenizer.TokenType;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A byte-level BPE {@code tokenizer.json} (Hugging Face {@code tokenizers}: GPT-2, LLaMA-3 and the like)
 * as llama.cpp's {@code _set_vocab_gpt2} writes it.
 *
 * <ul>
 *   <li>Tokens: {@code model.vocab} plus {@code added_tokens} by id, padded with {@code [PADn]} (type
 *       unused) up to {@code vocab_size}. Added tokens are control tokens when marked {@code special} or
 *       when they look special ({@code <|…|>} etc.), else user-defined (with {@code ▁} written as a space);
 *       all others are normal.</li>
 *   <li>Merges: {@code model.merges}, either "a b" strings or [a, b] pairs; a pair is joined with a space
 *       after writing spaces inside it as U+0120, as gguf-py does.</li>
 *   <li>{@code tokenizer.ggml.pre}: llama.cpp hashes the ids the HF tokenizer gives for a check text,
 *       which needs the Python tokenizer. bitnet4j instead recognises the pre-tokenizer in the file: a
 *       {@code Split} with LLaMA-3's regex followed by {@code ByteLevel} → {@code llama-bpe}; with Qwen2's
 *       (LLaMA-3's with single digits, also Qwen3's) → {@code qwen2}; {@code ByteLevel}
 *       with its own (GPT-2) regex, or a Split with GPT-2's regex → {@code gpt-2}. Anything else is written
 *       as {@code default} (llama.cpp's fallback) with a note saying that tokenization may differ.</li>
 * </ul>
 */
final class TokenizerJson {
    private TokenizerJson() {}

    /** LLaMA-3's pre-tokenizer regex, as tokenizer.json spells it. */
    static final String LLAMA3_REGEX =
            "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    /** Qwen2's (and Qwen3's) regex: LLaMA-3's with {@code \p{N}} for {@code \p{N}{1,3}}. */
    static final String QWEN2_REGEX = LLAMA3_REGEX.replace("\\p{N}{1,3}", "\\p{N}");
    /** GPT-2's regex (what ByteLevel uses with use_regex = true). */
    static final String GPT2_REGEX = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    static HfTokenizer toTokenizer(Path dir, Path file, JsonNode root, int vocabSize, List<String> notes) throws IOException {
        if (!root.isObject()) throw new HfFormatException(file, "not a JSON object");
        JsonNode model = root.get("model");
        if (model == null || !model.isObject()) throw new HfFormatException(file, "no model object");
        String type = model.path("type").asText("BPE");
        if (!type.equals("BPE")) {
            throw new HfFormatException(file, "tokenizer model type " + type + " is not supported (convert reads byte-level BPE"
                    + " tokenizer.json files and SentencePiece tokenizer.model files)");
        }
        if (!byteLevel(root)) {
            throw new HfFormatException(file, "this BPE tokenizer is not byte-level (no ByteLevel pre-tokenizer or decoder;"
                    + " SentencePiece-style BPE needs its " + HfTokenizer.TOKENIZER_MODEL + ")");
        }
        JsonNode vocab = model.get("vocab");
        if (vocab == null || !vocab.isObject() || vocab.isEmpty()) {
            throw new HfFormatException(file, "model.vocab is missing or empty");
        }
        Map<Integer, String> byId = new HashMap<>();
        int maxId = -1;
        for (var it = vocab.properties().iterator(); it.hasNext(); ) {
            var e = it.next();
            if (!e.getValue().canConvertToInt() || e.getValue().asInt() < 0) {
                throw new HfFormatException(file, "model.vocab entry '" + e.getKey() + "' has id " + e.getValue() + ", not a token id");
            }
            int id = e.getValue().asInt();
            String prev = byId.put(id, e.getKey());
            if (prev != null) throw new HfFormatException(file, "model.vocab has id " + id + " twice ('" + prev + "', '" + e.getKey() + "')");
            maxId = Math.max(maxId, id);
        }
        // added_tokens: id → special flag (they join the vocabulary, like HF's get_vocab())
        Map<Integer, Boolean> added = new HashMap<>();
        JsonNode at = root.get("added_tokens");
        if (at != null && !at.isNull()) {
            if (!at.isArray()) throw new HfFormatException(file, "added_tokens is not a list");
            for (JsonNode a : at) {
                if (!a.path("content").isTextual() || !a.path("id").canConvertToInt() || a.get("id").asInt() < 0) {
                    throw new HfFormatException(file, "added_tokens entry " + a + " lacks a content string or an id");
                }
                int id = a.get("id").asInt();
                byId.put(id, a.get("content").asText());
                added.put(id, a.path("special").asBoolean(false));
                maxId = Math.max(maxId, id);
            }
        }
        int n = vocabSize > 0 ? vocabSize : maxId + 1;
        if (maxId >= n) {
            throw new HfFormatException(file, "token id " + maxId + " ('" + byId.get(maxId) + "') is beyond config.json's vocab_size " + n);
        }
        List<String> tokens = new ArrayList<>(n);
        int[] types = new int[n];
        int pads = 0;
        for (int i = 0; i < n; i++) {
            String t = byId.get(i);
            if (t == null) {
                tokens.add("[PAD" + i + "]");
                types[i] = TokenType.UNUSED.code();
                pads++;
            } else if (added.containsKey(i)) {
                boolean control = added.get(i) || HfTokenizer.looksSpecial(t);
                types[i] = (control ? TokenType.CONTROL : TokenType.USER_DEFINED).code();
                tokens.add(control ? t : t.replace('\u2581', ' '));
            } else {
                tokens.add(t);
                types[i] = TokenType.NORMAL.code();
            }
        }
        if (pads > 0) notes.add(pads + " unused ids padded as [PADn] tokens (vocab_size " + n + ")");
        List<String> merges = merges(file, model.get("merges"));
        String pre = preTokenizer(root, model, notes);
        Map<String, Integer> index = HashMap.newHashMap(n);
        for (int i = 0; i < n; i++) index.put(tokens.get(i), i);
        HfSpecialTokens special = HfSpecialTokens.read(dir, root, n, index::get, notes);
        return new HfTokenizer("gpt2", pre, tokens, null, types, merges, special, file, notes);
    }

    private static boolean byteLevel(JsonNode root) {
        return mentions(root.get("pre_tokenizer"), "ByteLevel") || mentions(root.get("decoder"), "ByteLevel");
    }

    private static boolean mentions(JsonNode n, String type) {
        if (n == null || !n.isObject()) return false;
        if (type.equals(n.path("type").asText())) return true;
        for (String list : new String[]{"pretokenizers", "decoders"}) {
            if (n.path(list).isArray()) for (JsonNode c : n.get(list)) if (mentions(c, type)) return true;
        }
        return false;
    }

    static List<String> merges(Path file, JsonNode m) {
        if (m == null || !m.isArray() || m.isEmpty()) {
            throw new HfFormatException(file, "model.merges is missing or empty (a BPE tokenizer needs its merges)");
        }
        List<String> out = new ArrayList<>(m.size());
        for (JsonNode e : m) {
            if (e.isTextual()) {
                out.add(e.asText());
            } else if (e.isArray() && e.size() == 2 && e.get(0).isTextual() && e.get(1).isTextual()) {
                // pairs may hold spaces; the "a b" form cannot, so gguf-py writes them as U+0120 (GPT-2's byte char for ' ')
                out.add(e.get(0).asText().replace(' ', '\u0120') + " " + e.get(1).asText().replace(' ', '\u0120'));
            } else {
                throw new HfFormatException(file, "merge " + e + " is neither \"a b\" nor [\"a\", \"b\"]");
            }
        }
        return out;
    }

    /** See the class comment: the llama.cpp pre-tokenizer name for this file's pre-tokenizer. */
    static String preTokenizer(JsonNode root, JsonNode model, List<String> notes) {
        JsonNode p = root.get("pre_tokenizer");
        List<JsonNode> steps = new ArrayList<>();
        if (p != null && p.isObject()) {
            if (p.path("type").asText().equals("Sequence") && p.path("pretokenizers").isArray()) p.get("pretokenizers").forEach(steps::add);
            else steps.add(p);
        }
        List<String> regexes = new ArrayList<>();
        boolean other = false;
        for (JsonNode s : steps) {
            String type = s.path("type").asText();
            switch (type) {
                case "ByteLevel" -> {
                    if (s.path("add_prefix_space").asBoolean(false)) {
                        notes.add("the ByteLevel pre-tokenizer adds a prefix space, which llama.cpp's BPE tokenizers never do:"
                                + " a text's first word may tokenize differently");
                    }
                    if (s.path("use_regex").asBoolean(true)) regexes.add(GPT2_REGEX);
                }
                case "Split" -> {
                    // Isolated keeps matches and the text between them as pieces; Removed + invert keeps only the
                    // matches, the same split for these regexes, whose alternatives together match every character
                    JsonNode rx = s.path("pattern").path("Regex");
                    String behavior = s.path("behavior").asText("Isolated");
                    boolean invert = s.path("invert").asBoolean(false);
                    if (rx.isTextual() && ((behavior.equals("Isolated") && !invert) || (behavior.equals("Removed") && invert))) {
                        regexes.add(rx.asText());
                    } else {
                        other = true;
                    }
                }
                default -> other = true;
            }
        }
        String name = null;
        if (!other && regexes.size() == 1) {
            if (regexes.getFirst().equals(LLAMA3_REGEX)) name = "llama-bpe";
            else if (regexes.getFirst().equals(QWEN2_REGEX)) name = "qwen2";
            else if (regexes.getFirst().equals(GPT2_REGEX)) name = "gpt-2";
        }
        if (name == null) {
            notes.add("pre-tokenizer " + (p == null ? "null" : p.toString())
                    + " is not one bitnet4j recognises (LLaMA-3's, Qwen2's or GPT-2's); wrote tokenizer.ggml.pre = default,"
                    + " llama.cpp's fallback: words may be split differently from the Hugging Face tokenizer");
            return "default";
        }
        if (name.equals("llama-bpe") && !model.path("ignore_merges").asBoolean(false)) {
            notes.add("model.ignore_merges is false but llama.cpp's llama-bpe tokenizer ignores merges for words that are"
                    + " tokens: rare words may tokenize differently from the Hugging Face tokenizer");
        }
        JsonNode norm = root.get("normalizer");
        if (norm != null && !norm.isNull()) {
            notes.add("the normalizer " + norm.path("type").asText("?") + " is not applied by llama.cpp's BPE tokenizers");
        }
        return name;
    }
}
