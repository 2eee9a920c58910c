package io.bitnet4j.api;

import java.util.List;

/**
 * What a generation continues: plain text, or a conversation rendered with the model's chat template.
 */
public sealed interface Prompt permits Prompt.Text, Prompt.Chat {

    /** Plain text, continued as it is (the tokenizer's BOS first, as llama.cpp does). */
    static Prompt text(String text) {
        return new Text(text);
    }

    /** A conversation, answered as the assistant; thinking on (llama.cpp's default) for models that can think. */
    static Chat chat(List<ChatMessage> messages) {
        return new Chat(messages, true);
    }

    /**
     * A plain-text prompt.
     *
     * @param text the text to continue (must not be null)
     */
    record Text(String text) implements Prompt {
        /** Requires the text. */
        public Text {
            if (text == null) throw new IllegalArgumentException("the prompt text is null");
        }
    }

    /**
     * A conversation prompt.
     *
     * @param messages the conversation so far (at least one message)
     * @param thinking whether a model with a thinking switch (Qwen3's {@code enable_thinking}) reasons before
     *                 answering; models without one ignore it
     */
    record Chat(List<ChatMessage> messages, boolean thinking) implements Prompt {
        /** Requires at least one message. */
        public Chat {
            if (messages == null || messages.isEmpty()) throw new IllegalArgumentException("a chat needs at least one message");
            for (ChatMessage m : messages) {
                if (m == null) throw new IllegalArgumentException("a chat message is null");
            }
            messages = List.copyOf(messages);
        }

        /** This conversation with thinking on or off. */
        public Chat withThinking(boolean on) {
            return new Chat(messages, on);
        }
    }
}
