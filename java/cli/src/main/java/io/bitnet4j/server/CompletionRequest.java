package io.bitnet4j.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.bitnet4j.generation.ChatFormat;
import io.bitnet4j.generation.SamplerParams;
import io.bitnet4j.tokenizer.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A validated {@code /v1/completions} or {@code /v1/chat/completions} request, tokenized. Every
 * problem becomes a 400 {@link ApiException} naming the field. Fields the server does not use (user,
 * logit_bias, ...) are ignored, as other OpenAI-compatible servers do.
 *
 * @param maxTokens   tokens to generate at most (the room left in the context when not given)
 * @param stop        stop sequences (up to 4)
 */
record CompletionRequest(boolean chat, int[] prompt, int maxTokens, SamplerParams sampling, List<String> stop,
                         boolean stream, boolean includeUsage) {

    /** llama.cpp server's sampling defaults, used for fields the request leaves out. */
    static final float DEFAULT_TEMPERATURE = 0.8f;
    static final int DEFAULT_TOP_K = 40;
    static final float DEFAULT_TOP_P = 0.95f;
    static final float DEFAULT_MIN_P = 0.05f;

    static CompletionRequest parse(JsonNode body, boolean chat, Tokenizer tok, ChatFormat format, int contextSize) {
        if (body == null || !body.isObject()) throw ApiException.invalid("the request body must be a JSON object", null);
        optionalString(body, "model");
        int n = optionalInt(body, "n", 1, 1, Integer.MAX_VALUE);
        if (n != 1) throw ApiException.invalid("only n = 1 is supported", "n");
        int[] prompt = chat ? chatPrompt(body, tok, format) : textPrompt(body, tok);
        if (prompt.length == 0) throw ApiException.invalid("the prompt is empty", chat ? "messages" : "prompt");
        if (prompt.length >= contextSize) {
            throw ApiException.invalid("the prompt is " + prompt.length + " tokens; the context holds " + contextSize
                    + " (prompt plus at least one generated token)", chat ? "messages" : "prompt", "context_length_exceeded");
        }
        String maxField = body.has("max_completion_tokens") && !body.has("max_tokens") ? "max_completion_tokens" : "max_tokens";
        int room = contextSize - prompt.length;
        int maxTokens;
        if (body.hasNonNull(maxField)) {
            maxTokens = optionalInt(body, maxField, 0, 0, Integer.MAX_VALUE);
            if (maxTokens > room) {
                throw ApiException.invalid("this model's context is " + contextSize + " tokens; the prompt is " + prompt.length
                        + " and " + maxField + " asks for " + maxTokens + " more (at most " + room + ")", maxField,
                        "context_length_exceeded");
            }
        } else {
            maxTokens = room;
        }
        // llama-server clamps these into range rather than refusing them (its request schema's soft limits);
        // a negative temperature, clamped to 0 there, is greedy here as it is
        float temperature = optionalFloat(body, "temperature", DEFAULT_TEMPERATURE);
        float topP = Math.clamp(optionalFloat(body, "top_p", DEFAULT_TOP_P), 0f, 1f);
        int topK = Math.max(0, optionalInt(body, "top_k", DEFAULT_TOP_K, Integer.MIN_VALUE, Integer.MAX_VALUE));
        float minP = Math.clamp(optionalFloat(body, "min_p", DEFAULT_MIN_P), 0f, 1f);
        float repeat = optionalFloat(body, "repeat_penalty", 1f);
        long seed;
        JsonNode s = body.get("seed");
        if (s == null || s.isNull()) {
            seed = ThreadLocalRandom.current().nextLong();
        } else if (s.isIntegralNumber() && s.canConvertToLong()) {
            seed = s.asLong();
        } else {
            throw ApiException.invalid("'seed' must be an integer", "seed");
        }
        List<String> stop = stops(body.get("stop"));
        boolean stream = optionalBoolean(body, "stream", false);
        boolean includeUsage = false;
        JsonNode so = body.get("stream_options");
        if (so != null && !so.isNull()) {
            if (!so.isObject()) throw ApiException.invalid("'stream_options' must be an object", "stream_options");
            includeUsage = optionalBoolean(so, "include_usage", false);
        }
        return new CompletionRequest(chat, prompt, maxTokens, sampling(temperature, topK, topP, minP, repeat, seed), stop, stream,
                includeUsage);
    }

    /** The sampler's parameters; a value its one rule refuses is a 400 naming the request's field. */
    private static SamplerParams sampling(float temperature, int topK, float topP, float minP, float repeatPenalty, long seed) {
        try {
            return new SamplerParams(temperature, topK, topP, minP, repeatPenalty, 64, seed);
        } catch (SamplerParams.InvalidParameterException e) {
            String field = switch (e.parameter()) {
                case TEMPERATURE -> "temperature";
                case TOP_K -> "top_k";
                case TOP_P -> "top_p";
                case MIN_P -> "min_p";
                case REPEAT_PENALTY -> "repeat_penalty";
                case REPEAT_LAST_N -> "repeat_last_n";
            };
            throw ApiException.invalid("'" + field + "' " + e.rule() + ", got " + e.value(), field);
        }
    }

    private static int[] textPrompt(JsonNode body, Tokenizer tok) {
        JsonNode p = body.get("prompt");
        if (p == null || p.isNull()) throw ApiException.invalid("'prompt' is required", "prompt");
        if (p.isTextual()) return tok.encode(p.asText(), true, false);
        if (p.isArray() && p.size() == 1 && p.get(0).isTextual()) return tok.encode(p.get(0).asText(), true, false);
        if (p.isArray() && !p.isEmpty() && allInts(p)) {
            int[] ids = new int[p.size()];
            for (int i = 0; i < ids.length; i++) {
                long v = p.get(i).asLong();
                if (v < 0 || v >= tok.vocabSize()) throw ApiException.invalid("token id " + v + " outside the vocabulary", "prompt");
                ids[i] = (int) v;
            }
            return ids;
        }
        throw ApiException.invalid("'prompt' must be a string, a one-element array of strings, or an array of token ids", "prompt");
    }

    private static boolean allInts(JsonNode a) {
        for (JsonNode e : a) if (!e.isIntegralNumber()) return false;
        return true;
    }

    private static int[] chatPrompt(JsonNode body, Tokenizer tok, ChatFormat format) {
        JsonNode ms = body.get("messages");
        if (ms == null || ms.isNull()) throw ApiException.invalid("'messages' is required", "messages");
        if (!ms.isArray() || ms.isEmpty()) throw ApiException.invalid("'messages' must be a non-empty array", "messages");
        List<ChatFormat.Message> messages = new ArrayList<>();
        for (int i = 0; i < ms.size(); i++) {
            JsonNode m = ms.get(i);
            String where = "messages[" + i + "]";
            if (!m.isObject()) throw ApiException.invalid(where + " must be an object", where);
            JsonNode role = m.get("role");
            if (role == null || !role.isTextual()) throw ApiException.invalid(where + ".role must be a string", where + ".role");
            String r = role.asText();
            if (r.equals("developer")) r = "system"; // OpenAI's newer name for the system role
            try {
                messages.add(new ChatFormat.Message(r, content(m.get("content"), where)));
            } catch (IllegalArgumentException e) {
                throw ApiException.invalid(where + ": " + e.getMessage(), where + ".role");
            }
        }
        // llama-server's per-request template switch: "chat_template_kwargs": {"enable_thinking": false}
        JsonNode kwargs = body.get("chat_template_kwargs");
        ChatFormat f = format;
        if (kwargs != null && !kwargs.isNull()) {
            if (!kwargs.isObject()) throw ApiException.invalid("'chat_template_kwargs' must be an object", "chat_template_kwargs");
            if (kwargs.hasNonNull("enable_thinking")) f = format.thinking(optionalBoolean(kwargs, "enable_thinking", true));
        }
        return tok.encode(f.render(messages, true, tok), false, true);
    }

    /** A message's content: a string, or an array of {"type": "text", "text": ...} parts. */
    private static String content(JsonNode c, String where) {
        if (c == null || c.isNull()) return "";
        if (c.isTextual()) return c.asText();
        if (c.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : c) {
                if (!part.isObject() || !"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw ApiException.invalid(where + ".content: only text parts are supported", where + ".content");
                }
                sb.append(part.get("text").asText());
            }
            return sb.toString();
        }
        throw ApiException.invalid(where + ".content must be a string or an array of text parts", where + ".content");
    }

    private static List<String> stops(JsonNode s) {
        if (s == null || s.isNull()) return List.of();
        List<String> out = new ArrayList<>();
        if (s.isTextual()) {
            out.add(s.asText());
        } else if (s.isArray()) {
            for (JsonNode e : s) {
                if (!e.isTextual()) throw ApiException.invalid("'stop' must be a string or an array of strings", "stop");
                out.add(e.asText());
            }
        } else {
            throw ApiException.invalid("'stop' must be a string or an array of strings", "stop");
        }
        if (out.size() > 4) throw ApiException.invalid("'stop' takes at most 4 sequences", "stop");
        return List.copyOf(out);
    }

    private static String optionalString(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return null;
        if (!v.isTextual()) throw ApiException.invalid("'" + field + "' must be a string", field);
        return v.asText();
    }

    private static int optionalInt(JsonNode body, String field, int dflt, int min, int max) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return dflt;
        if (!v.isIntegralNumber() || !v.canConvertToInt()) throw ApiException.invalid("'" + field + "' must be an integer", field);
        int i = v.asInt();
        if (i < min || i > max) throw ApiException.invalid("'" + field + "' must be in " + min + ".." + max + ", got " + i, field);
        return i;
    }

    /** A number field as a float (beyond the float range: infinite); its range is the caller's to check. */
    private static float optionalFloat(JsonNode body, String field, float dflt) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return dflt;
        if (!v.isNumber()) throw ApiException.invalid("'" + field + "' must be a number", field);
        return (float) v.asDouble();
    }

    private static boolean optionalBoolean(JsonNode body, String field, boolean dflt) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) return dflt;
        if (!v.isBoolean()) throw ApiException.invalid("'" + field + "' must be a boolean", field);
        return v.asBoolean();
    }
}
