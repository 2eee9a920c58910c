package io.bitnet4j.generation;

import io.bitnet4j.tokenizer.Tokenizer;
import io.bitnet4j.tokenizer.Utf8StreamDecoder;

import java.util.List;

/**
 * Turns one sequence's generated token ids into text pieces as they come: UTF-8 held back until a
 * character is complete ({@link Utf8StreamDecoder}), then cut at the first stop sequence
 * ({@link StopMatcher}). The one path from tokens to text for every front end (the server, the Java API),
 * so that they cut and count alike. Not thread-safe: one per generated sequence.
 */
public final class TokenText {

    private final Tokenizer tokenizer;
    private final Utf8StreamDecoder decoder = new Utf8StreamDecoder();
    private final StopMatcher stops;
    private int tokens;

    /** @param stops stop sequences, llama.cpp's semantics (see {@link StopMatcher}) */
    public TokenText(Tokenizer tokenizer, List<String> stops) {
        this.tokenizer = tokenizer;
        this.stops = new StopMatcher(stops);
    }

    /** Adds a generated token; returns the text safe to emit now (empty while held back or after a stop). */
    public String accept(int tokenId) {
        if (stops.stopped()) return "";
        tokens++;
        return stops.accept(decoder.accept(tokenizer, tokenId));
    }

    /** The end of generation: the text still held back (an incomplete character becomes U+FFFD). */
    public String finish() {
        return stops.accept(decoder.flush()) + stops.flush();
    }

    /** True once a stop sequence was found: the caller should cancel the generation. */
    public boolean stopped() {
        return stops.stopped();
    }

    /** Tokens accepted (those after a stop sequence was found are not counted). */
    public int tokens() {
        return tokens;
    }
}
