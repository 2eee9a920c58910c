package io.bitnet4j.generation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.bitnet4j.generation.ChatFormat.Message;
import io.bitnet4j.gguf.GgufKeys;
import io.bitnet4j.tokenizer.ByteUnicode;
import io.bitnet4j.tokenizer.TokenType;
import io.bitnet4j.tokenizer.Tokenizer;
import io.bitnet4j.tokenizer.TokenizerSource;
import io.bitnet4j.tokenizer.Tokenizers;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/** ChatML and Qwen3's thinking, rendered as Qwen3's chat template renders them (exact strings). */
class ChatFormatTest {

    /** The markers of Qwen3's template (tokenizer_config.json of Qwen/Qwen3-8B); forModel reads markers only. */
    private static final String QWEN3_TEMPLATE = "{%- for message in messages %}{{- '<|im_start|>' + message.role + '\\n' }}"
            + "{%- if '</think>' in content %}…{%- endif %}{%- endfor %}{%- if add_generation_prompt %}"
            + "{{- '<|im_start|>assistant\\n' }}{%- if enable_thinking is defined and enable_thinking is false %}"
            + "{{- '<think>\\n\\n</think>\\n\\n' }}{%- endif %}{%- endif %}";
    private static final String CHATML_TEMPLATE = "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n'"
            + " + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}";

    /** A byte-level BPE vocabulary with Qwen's special tokens; EOS is {@code <|im_end|>} as in Qwen3 GGUFs. */
    private static Tokenizer qwenTokenizer(String template, boolean withThinkTokens) {
        List<String> tokens = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(String.valueOf(ByteUnicode.byteChar(b)));
            types.add(TokenType.NORMAL.code());
        }
        List<String> specials = new ArrayList<>(List.of("<|endoftext|>", "<|im_start|>", "<|im_end|>"));
        if (withThinkTokens) specials.addAll(List.of("<think>", "</think>"));
        for (String s : specials) {
            tokens.add(s);
            types.add(s.startsWith("<|") ? TokenType.CONTROL.code() : TokenType.USER_DEFINED.code());
        }
        Map<String, Object> kv = new HashMap<>();
        kv.put(GgufKeys.TOKENIZER_MODEL, "gpt2");
        kv.put(GgufKeys.TOKENIZER_PRE, "qwen2");
        kv.put(GgufKeys.TOKENIZER_TOKENS, tokens.toArray(String[]::new));
        kv.put(GgufKeys.TOKENIZER_TOKEN_TYPE, types.stream().mapToInt(Integer::intValue).toArray());
        kv.put(GgufKeys.TOKENIZER_MERGES, new String[0]);
        kv.put(GgufKeys.TOKENIZER_EOS_ID, (long) tokens.indexOf("<|im_end|>"));
        kv.put(GgufKeys.TOKENIZER_BOS_ID, (long) tokens.indexOf("<|endoftext|>"));
        kv.put(GgufKeys.TOKENIZER_ADD_BOS, false);
        if (template != null) kv.put(GgufKeys.TOKENIZER_CHAT_TEMPLATE, template);
        return Tokenizers.fromSource(new TokenizerSource() {
            public Optional<String> string(String key) {
                return Optional.ofNullable((String) kv.get(key));
            }

            public Optional<Long> integer(String key) {
                return Optional.ofNullable((Long) kv.get(key));
            }

            public Optional<Boolean> bool(String key) {
                return Optional.ofNullable((Boolean) kv.get(key));
            }

            public Optional<String[]> strings(String key) {
                return Optional.ofNullable((String[]) kv.get(key));
            }

            public Optional<float[]> floats(String key) {
                return Optional.ofNullable((float[]) kv.get(key));
            }

            public Optional<int[]> ints(String key) {
                return Optional.ofNullable((int[]) kv.get(key));
            }
        });
    }

    private static final List<Message> CONVERSATION = List.of(
            new Message("system", "You are terse."),
            new Message("user", "What is 2+2?"),
            new Message("assistant", "<think>\nSimple sum.\n</think>\n\n4."),
            new Message("user", " And 3+3? "));

    @Test
    void qwen3TemplateIsChatMlWithThinkingOnByDefault() {
        Tokenizer tok = qwenTokenizer(QWEN3_TEMPLATE, true);
        ChatFormat f = ChatFormat.forModel("qwen3", tok);
        assertEquals(new ChatFormat.ChatMl(true, true), f);
        assertEquals("<|im_start|>system\nYou are terse.<|im_end|>\n"
                        + "<|im_start|>user\nWhat is 2+2?<|im_end|>\n"
                        + "<|im_start|>assistant\n4.<|im_end|>\n" // the earlier answer loses its thinking
                        + "<|im_start|>user\n And 3+3? <|im_end|>\n" // contents are not trimmed
                        + "<|im_start|>assistant\n",
                f.render(CONVERSATION, true, tok));
    }

    @Test
    void qwen3WithThinkingOffOpensAnEmptyThinkBlock() {
        Tokenizer tok = qwenTokenizer(QWEN3_TEMPLATE, true);
        ChatFormat f = ChatFormat.forModel("qwen3", tok).thinking(false);
        assertEquals("chatml (qwen3, thinking off)", f.name());
        assertEquals("<|im_start|>system\nYou are terse.<|im_end|>\n"
                        + "<|im_start|>user\nWhat is 2+2?<|im_end|>\n"
                        + "<|im_start|>assistant\n4.<|im_end|>\n"
                        + "<|im_start|>user\n And 3+3? <|im_end|>\n"
                        + "<|im_start|>assistant\n<think>\n\n</think>\n\n",
                f.render(CONVERSATION, true, tok));
        // a later turn of the chat command follows the previous answer's <|im_end|>
        assertEquals("\n<|im_start|>user\nNext<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
                f.render(List.of(new Message("user", "Next")), false, tok));
        assertEquals("\n<|im_start|>user\nNext<|im_end|>\n<|im_start|>assistant\n",
                f.thinking(true).render(List.of(new Message("user", "Next")), false, tok));
    }

    @Test
    void qwen3KeepsReasoningOfAnswersAfterTheLastUserMessage() {
        Tokenizer tok = qwenTokenizer(QWEN3_TEMPLATE, true);
        ChatFormat f = ChatFormat.forModel("qwen3", tok);
        List<Message> messages = List.of(
                new Message("user", "Hi"),
                new Message("assistant", "<think>\n\nplan\n\n</think>\n\nHello"),
                new Message("assistant", "no reasoning here"),
                new Message("assistant", "last"));
        assertEquals("<|im_start|>user\nHi<|im_end|>\n"
                        + "<|im_start|>assistant\n<think>\nplan\n</think>\n\nHello<|im_end|>\n"
                        + "<|im_start|>assistant\nno reasoning here<|im_end|>\n"
                        + "<|im_start|>assistant\n<think>\n\n</think>\n\nlast<|im_end|>\n"
                        + "<|im_start|>assistant\n",
                f.render(messages, true, tok));
    }

    @Test
    void plainChatMlHasNoThinkingSwitch() {
        Tokenizer tok = qwenTokenizer(CHATML_TEMPLATE, false);
        ChatFormat f = ChatFormat.forModel("qwen2", tok);
        assertEquals("chatml", f.name());
        assertSame(f, f.thinking(false));
        assertEquals("<|im_start|>system\nYou are terse.<|im_end|>\n"
                        + "<|im_start|>user\nWhat is 2+2?<|im_end|>\n"
                        + "<|im_start|>assistant\n<think>\nSimple sum.\n</think>\n\n4.<|im_end|>\n"
                        + "<|im_start|>user\n And 3+3? <|im_end|>\n"
                        + "<|im_start|>assistant\n",
                f.render(CONVERSATION, true, tok));
    }

    @Test
    void formatSelection() {
        // by the template's markers, whatever the architecture
        assertEquals(new ChatFormat.ChatMl(false, true), ChatFormat.forModel("llama", qwenTokenizer(CHATML_TEMPLATE, false)));
        assertEquals(new ChatFormat.ChatMl(true, true), ChatFormat.forModel("llama", qwenTokenizer(QWEN3_TEMPLATE, false)));
        // without a template: qwen3 with <think> in the vocabulary gets Qwen3's thinking, other qwens plain ChatML
        assertEquals(new ChatFormat.ChatMl(true, true), ChatFormat.forModel("qwen3", qwenTokenizer(null, true)));
        assertEquals(new ChatFormat.ChatMl(false, true), ChatFormat.forModel("qwen3", qwenTokenizer(null, false)));
        assertEquals(new ChatFormat.ChatMl(false, true), ChatFormat.forModel("qwen2", qwenTokenizer(null, true)));
        assertInstanceOf(ChatFormat.Plain.class, ChatFormat.forModel("llama", qwenTokenizer(null, true)));
        assertInstanceOf(ChatFormat.Llama3.class, ChatFormat.forModel("qwen3",
                qwenTokenizer("<|start_header_id|>{{ role }}<|end_header_id|>", true)));
        assertInstanceOf(ChatFormat.BitNet.class, ChatFormat.forModel("bitnet-b1.58", qwenTokenizer(null, false)));
    }

    @Test
    void imEndEndsGeneration() {
        Tokenizer tok = qwenTokenizer(QWEN3_TEMPLATE, true);
        int imEnd = tok.tokenId("<|im_end|>");
        assertTrue(tok.isEndOfGeneration(imEnd));
        assertTrue(tok.isEndOfGeneration(tok.tokenId("<|endoftext|>")), "llama.cpp's EOG set has <|endoftext|> too");
        assertFalse(tok.isEndOfGeneration(tok.tokenId("<|im_start|>")));
        assertFalse(tok.isEndOfGeneration(tok.tokenId("</think>")));
        assertEquals(imEnd, tok.eotId());
        // the rendered prompt reads its special tokens as those tokens
        int[] ids = tok.encode("<|im_start|>user\nhi<|im_end|>\n", false, true);
        assertEquals(tok.tokenId("<|im_start|>"), ids[0]);
        assertEquals(imEnd, ids[ids.length - 2]);
    }
}
