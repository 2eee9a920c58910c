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
     * whether this text starts the conversation (BOS goes first then).
     */
    String render(List<Message> messages, boolean first, Tokenizer tokenizer);

    /** Picks the format for a model. */
    static ChatFormat forModel(String architecture, Tokenizer tokenizer) {
        String tpl = tokenizer.chatTemplate().orElse("");
        if (tpl.contains("<|start_header_id|>")) return new Llama3();
        if (architecture.startsWith("bitnet") || tpl.contains("Assistant: ")) return new BitNet();
        if (tokenizer.tokenId("<|start_header_id|>") != Tokenizer.NO_TOKEN) return new Llama3();
        return new Plain();
    }

    private static String bos(Tokenizer t, boolean first) {
        return first && t.addsBos() && t.bosId() != Tokenizer.NO_TOKEN ? t.tokenText(t.bosId()) : "";
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
                String role = Character.toUpperCase(m.role().charAt(0)) + m.role().substring(1);
                sb.append(role).append(": ").append(m.content().strip()).append(eot(t));
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

    /** Models without a known template. */
    record Plain() implements ChatFormat {
        public String name() {
            return "plain";
        }

        public String render(List<Message> messages, boolean first, Tokenizer t) {
            StringBuilder sb = new StringBuilder(bos(t, first));
            for (Message m : messages) {
                String role = Character.toUpperCase(m.role().charAt(0)) + m.role().substring(1);
                sb.append(role).append(": ").append(m.content().strip()).append('\n');
            }
            return sb.append("Assistant:").toString();
        }
    }
}
