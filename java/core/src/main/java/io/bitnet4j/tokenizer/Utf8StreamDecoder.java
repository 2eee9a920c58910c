package io.bitnet4j.tokenizer;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns token bytes, fed one token at a time, into text without ever emitting half a character: an incomplete
 * UTF-8 sequence at the end of a token is held back until the next token completes it. Malformed bytes become
 * U+FFFD (Java's UTF-8 decoder rules, one replacement per maximal malformed subsequence). Not thread-safe.
 */
public final class Utf8StreamDecoder {
    private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    /** Bytes not yet decoded (at most an incomplete sequence between calls), in read mode. */
    private ByteBuffer pending = ByteBuffer.allocate(16).flip();

    /** Adds bytes and returns the text they complete (possibly empty). */
    public String accept(byte[] bytes) {
        return accept(bytes, 0, bytes.length);
    }

    public String accept(byte[] bytes, int offset, int length) {
        append(bytes, offset, length);
        return decode(false);
    }

    /** The decoded text of a token's bytes, e.g. {@code accept(tokenizer.tokenBytes(id, false))}. */
    public String accept(Tokenizer tokenizer, int tokenId) {
        return accept(tokenizer.tokenBytes(tokenId, false));
    }

    /** Ends the stream: an incomplete trailing sequence becomes U+FFFD. The decoder can then be reused. */
    public String flush() {
        String s = decode(true);
        CharBuffer out = CharBuffer.allocate(4);
        decoder.flush(out);
        decoder.reset();
        pending.clear().flip();
        return s + out.flip();
    }

    /** True if bytes of an incomplete character are held back. */
    public boolean hasPending() {
        return pending.hasRemaining();
    }

    private void append(byte[] bytes, int offset, int length) {
        if (pending.capacity() - pending.remaining() < length) {
            ByteBuffer bigger = ByteBuffer.allocate(pending.remaining() + length + 16);
            bigger.put(pending).flip();
            pending = bigger;
        }
        pending.compact();
        pending.put(bytes, offset, length);
        pending.flip();
    }

    private String decode(boolean endOfInput) {
        CharBuffer out = CharBuffer.allocate(pending.remaining() + 4);
        CoderResult r = decoder.decode(pending, out, endOfInput);
        while (r.isOverflow()) {
            CharBuffer bigger = CharBuffer.allocate(out.capacity() * 2);
            bigger.put(out.flip());
            out = bigger;
            r = decoder.decode(pending, out, endOfInput);
        }
        return out.flip().toString();
    }
}
