package io.bitnet4j.api;

import io.bitnet4j.generation.ChatFormat;

import java.util.Locale;
import java.util.Objects;

/**
 * One message of a conversation, rendered with the model's chat template by {@link BitnetModel#chat}.
 *
 * @param role    who wrote it
 * @param content its text (null = empty)
 */
public record ChatMessage(Role role, String content) {

    /** Who wrote a message. */
    public enum Role {
        /** Instructions for the assistant. */
        SYSTEM,
        /** The person talking to the model. */
        USER,
        /** The model; earlier answers of a conversation. */
        ASSISTANT
    }

    /** Requires a role; a null content is empty. */
    public ChatMessage {
        Objects.requireNonNull(role, "a chat message needs a role");
        if (content == null) content = "";
    }

    /** A system message. */
    public static ChatMessage system(String content) {
        return new ChatMessage(Role.SYSTEM, content);
    }

    /** A user message. */
    public static ChatMessage user(String content) {
        return new ChatMessage(Role.USER, content);
    }

    /** An assistant message (a previous answer). */
    public static ChatMessage assistant(String content) {
        return new ChatMessage(Role.ASSISTANT, content);
    }

    /** As the chat formats take it. */
    ChatFormat.Message toFormatMessage() {
        return new ChatFormat.Message(role.name().toLowerCase(Locale.ROOT), content);
    }
}
