package io.bitnet4j.generation;

import java.util.List;

/**
 * Cuts streamed text at the first occurrence of any stop sequence. Text that might be the start of a
 * stop sequence is held back until the next piece shows whether it is, so a stream never emits part of
 * a stop sequence. These are llama.cpp's stop strings: matched in the decoded text (so across token
 * boundaries), the stop sequence itself not part of the output. Not thread-safe: one per generated sequence.
 */
public final class StopMatcher {

    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();
    private boolean stopped;

    /** @param stops the stop sequences (none = never stops); empty strings are ignored */
    public StopMatcher(List<String> stops) {
        this.stops = stops.stream().filter(stop -> !stop.isEmpty()).toList();
    }

    /** True once a stop sequence was found: nothing more is emitted. */
    public boolean stopped() {
        return stopped;
    }

    /** Adds generated text; returns the text that is safe to emit now (empty when held back). */
    public String accept(String piece) {
        if (stopped) return "";
        pending.append(piece);
        if (stops.isEmpty()) return drain(pending.length());
        int cut = -1;
        for (String s : stops) {
            int i = pending.indexOf(s);
            if (i >= 0 && (cut < 0 || i < cut)) cut = i;
        }
        if (cut >= 0) {
            stopped = true;
            String out = pending.substring(0, cut);
            pending.setLength(0);
            return out;
        }
        // keep the longest tail that is a proper prefix of some stop sequence
        int keep = 0;
        String text = pending.toString();
        for (String s : stops) {
            for (int n = Math.min(s.length() - 1, text.length()); n > keep; n--) {
                if (text.regionMatches(text.length() - n, s, 0, n)) {
                    keep = n;
                    break;
                }
            }
        }
        return drain(pending.length() - keep);
    }

    /** The end of generation: whatever was held back is plain text after all. */
    public String flush() {
        if (stopped) return "";
        return drain(pending.length());
    }

    private String drain(int n) {
        String out = pending.substring(0, n);
        pending.delete(0, n);
        return out;
    }
}
