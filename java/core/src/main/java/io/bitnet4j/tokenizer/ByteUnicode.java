package io.bitnet4j.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * GPT-2's reversible byte-to-character mapping: printable Latin-1 bytes stand for themselves, the remaining 68
 * bytes are moved to U+0100..U+0143 so that every byte has a visible, non-space character in BPE vocabularies.
 */
public final class ByteUnicode {
    /** byte value -> the character standing for it. */
    static final char[] BYTE_TO_CHAR = new char[256];
    /** character -> byte value, or -1. Every mapped character is below U+0144. */
    private static final int[] CHAR_TO_BYTE = new int[0x144];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int next = 256;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) next++;
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteUnicode() {
    }

    /** The character standing for byte {@code b} (0..255). */
    public static char byteChar(int b) {
        return BYTE_TO_CHAR[b];
    }

    /** Text as byte-level BPE characters, its UTF-8 bytes mapped one by one (" the" → "Ġthe"). */
    public static String encode(String text) {
        StringBuilder sb = new StringBuilder();
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) sb.append(BYTE_TO_CHAR[b & 0xFF]);
        return sb.toString();
    }

    static int charToByte(int cp) {
        return cp >= 0 && cp < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[cp] : -1;
    }

    /**
     * A BPE token's text back to its bytes (llama.cpp's {@code llama_decode_text}); characters outside the
     * mapping are rendered as llama.cpp renders them, {@code [UNK_BYTE_0x<hex>}<text>{@code ]}.
     */
    static byte[] decode(String text) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(text.length());
        text.codePoints().forEach(cp -> {
            int b = charToByte(cp);
            if (b >= 0) {
                out.write(b);
            } else {
                StringBuilder sb = new StringBuilder("[UNK_BYTE_0x");
                for (byte u : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
                    sb.append(String.format("%02x", u & 0xFF));
                }
                sb.append(text).append(']');
                out.writeBytes(sb.toString().getBytes(StandardCharsets.UTF_8));
            }
        });
        return out.toByteArray();
    }
}
