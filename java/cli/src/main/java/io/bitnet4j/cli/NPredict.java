package io.bitnet4j.cli;

/**
 * {@code -n}, as llama.cpp documents it: N tokens at most, -1 = until the end of text ("infinity"),
 * -2 = until the context is full. Without a context shift both negative values stop at the end of
 * text or of the context, whichever comes first. Other negative values are refused: llama.cpp
 * silently runs them as -1.
 */
final class NPredict {

    private NPredict() {
    }

    /** Refuses a value below -2 (a usage error), before anything is loaded. */
    static void check(int nPredict) {
        if (nPredict < -2) {
            throw new Errors.UsageException("-n must be >= -2 (-1, -2: until the end of text or a full context), got " + nPredict);
        }
    }

    /** How many tokens to generate when {@code room} more fit in the context. */
    static int limit(int nPredict, int room) {
        return nPredict < 0 ? room : Math.min(nPredict, room);
    }
}
