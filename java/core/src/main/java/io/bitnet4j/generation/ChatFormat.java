package io.bitnet4j.generation;

import io.bitnet4j.tokenizer.Tokenizer;

import java.util.List;
import java.util.Locale;

/**
 * Turns chat messages into prompt text for the model's own template. The formats are the ones the
 * supported models were trained with; which one applies comes from the architecture and the GGUF
 * {@code tokenizer.chat_template} (recognised by its markers, not executed).
 */
public sealed interface ChatFormat {

    record Message(String role, String content) {
        public Message {
            String r = role == null ? "" : role.toLowerCase(Locale.ROOT);
            if (!r.equals("system") && !r.equals("user") && !r.equals("assistant")) {
                throw new IllegalArgumentException("unknown chat role '" + role + "' (expected system, user or assistant)");
            }
            role = r;
            if (content == null) content = "";
        }
    }

    String name();

    /**
     * Text for {@code messages} followed by the start of the assistant's answer. {@code first} says
     * whether this text starts the conversation (BOS goes first then); otherwise it follows the end-of-turn
     * token of the previous answer.
     */
    String render(List<Message> messages, boolean first, Tokenizer tokenizer);

    /**
     * This format with the model's thinking on or off (the template's {@code enable_thinking}); formats without
     * a thinking switch return themselves.
     */
    default ChatFormat thinking(boolean on) {
        return this;
    }

    /** Picks the format for a model, thinking on (llama.cpp's default, {@code --reasoning-budget -1}). */
    static ChatFormat forModel(String architecture, Tokenizer tokenizer) {
        String tpl = tokenizer.chatTemplate().orElse("");
        if (tpl.contains("<|im_start|>")) return new ChatMl(tpl.contains("enable_thinking"), true);
        if (tpl.contains("<|start_header_id|>")) return new Llama3();
        if (architecture.startsWith("bitnet") || tpl.contains("Assistant: ")) return new BitNet();
        if (tokenizer.tokenId("<|start_header_id|>") != Tokenizer.NO_TOKEN) return new Llama3();
        if (architecture.startsWith("qwen") && tokenizer.tokenId("<|im_start|>") != Tokenizer.NO_TOKEN) {
            return new ChatMl(architecture.equals("qwen3") && tokenizer.tokenId("<think>") != Tokenizer.NO_TOKEN, true);
        }
        return new Plain();
    }

    private static String bos(Tokenizer t, boolean first) {
        return first && t.addsBos() && t.bosId() != Tokenizer.NO_TOKEN ? t.tokenText(t.bosId()) : "";
    }

    /** "user" → "User", as the BitNet and plain formats write roles. */
    private static String titled(String role) {
        return Character.toUpperCase(role.charAt(0)) + role.substring(1);
    }

    private static String eot(Tokenizer t) {
        int id = t.eotId() != Tokenizer.NO_TOKEN ? t.eotId() : t.eosId();
        return id == Tokenizer.NO_TOKEN ? "\n" : t.tokenText(id);
    }

    /** microsoft/BitNet-b1.58-2B-4T: {@code <|begin_of_text|>System: …<|eot_id|>User: …<|eot_id|>Assistant: }. */
    record BitNet() implements ChatFormat {
        public String name() {
            return "bitnet";
        }

        public String render(List<Message> messages, boolean first, Tokenizer t) {
            StringBuilder sb = new StringBuilder(bos(t, first));
            for (Message m : messages) {
                sb.append(titled(m.role())).append(": ").append(m.content().strip()).append(eot(t));
            }
            return sb.append("Assistant: ").toString();
        }
    }

    /** LLaMA-3 instruct: header tokens around each role. */
    record Llama3() implements ChatFormat {
        public String name() {
            return "llama3";
        }

        public String render(List<Message> messages, boolean first, Tokenizer t) {
            StringBuilder sb = new StringBuilder(bos(t, first));
            for (Message m : messages) {
                sb.append("<|start_header_id|>").append(m.role()).append("<|end_header_id|>\n\n")
                        .append(m.content().strip()).append("<|eot_id|>");
            }
            return sb.append("<|start_header_id|>assistant<|end_header_id|>\n\n").toString();
        }
    }

    /**
     * ChatML ({@code <|im_start|>role\n…<|im_end|>\n}, then {@code <|im_start|>assistant\n}); contents are not
     * trimmed. With {@code thinkingTemplate} (Qwen3's template, which has {@code enable_thinking}) it does what that
     * template does: an assistant turn before the last user message loses its {@code <think>…</think>} part, one
     * after it keeps it as {@code <think>\nreasoning\n</think>\n\n}, and with thinking off the answer starts
     * with an empty {@code <think>\n\n</think>\n\n}.
     */
    record ChatMl(boolean thinkingTemplate, boolean thinkingOn) implements ChatFormat {
        public String name() {
            return thinkingTemplate ? "chatml (qwen3, thinking " + (thinkingOn ? "on)" : "off)") : "chatml";
        }

        public ChatFormat thinking(boolean on) {
            return thinkingTemplate ? new ChatMl(true, on) : this;
        }

        public String render(List<Message> messages, boolean first, Tokenizer t) {
            // after the previous answer's <|im_end|> comes the newline that ends its turn
            StringBuilder sb = new StringBuilder(first ? bos(t, true) : "\n");
            // the template's last_query_index: the last user message that is not a tool response
            int lastUser = messages.size() - 1;
            for (int i = messages.size() - 1; i >= 0; i--) {
                String c = messages.get(i).content();
                if (messages.get(i).role().equals("user") && !(c.startsWith("<tool_response>") && c.endsWith("</tool_response>"))) {
                    lastUser = i;
                    break;
                }
            }
            for (int i = 0; i < messages.size(); i++) {
                Message m = messages.get(i);
                String content = m.content();
                sb.append("<|im_start|>").append(m.role()).append('\n');
                if (thinkingTemplate && m.role().equals("assistant")) {
                    String reasoning = "";
                    int close = content.indexOf("</think>");
                    if (close >= 0) {
                        String before = stripTrailing(content.substring(0, close));
                        int open = before.lastIndexOf("<think>");
                        reasoning = stripLeading(open < 0 ? before : before.substring(open + "<think>".length()));
                        content = stripLeading(content.substring(content.lastIndexOf("</think>") + "</think>".length()));
                    }
                    if (i > lastUser && (i == messages.size() - 1 || !reasoning.isEmpty())) {
                        sb.append("<think>\n").append(stripTrailing(stripLeading(reasoning))).append("\n</think>\n\n");
                        content = stripLeading(content);
                    }
                }
                sb.append(content).append("<|im_end|>\n");
            }
            sb.append("<|im_start|>assistant\n");
            if (thinkingTemplate && !thinkingOn) sb.append("<think>\n\n</think>\n\n");
            return sb.toString();
        }

        /** Python's {@code lstrip('\n')}. */
        private static String stripLeading(String s) {
            int i = 0;
            while (i < s.length() && s.charAt(i) == '\n') i++;
            return s.substring(i);
        }

        /** Python's {@code rstrip('\n')}. */
        private static String stripTrailing(String s) {
            int i = s.length();
            while (i > 0 && s.charAt(i - 1) == '\n') i--;
            return s.substring(0, i);
        }
    }

    /** Models without a known template. */
    record Plain() implements ChatFormat {
        public String name() {
            return "plain";
        }

        public String render(List<Message> messages, boolean first, Tokenizer t) {
            StringBuilder sb = new StringBuilder(bos(t, first));
            for (Message m : messages) {
                sb.append(titled(m.role())).append(": ").append(m.content().strip()).append('\n');
            }
            return sb.append("Assistant:").toString();
        }
    }
}
