package io.bitnet4j.generation;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class StopMatcherTest {

    /** Feeds the pieces and returns everything emitted (flushing at the end unless stopped). */
    static String run(List<String> stops, String... pieces) {
        StopMatcher m = new StopMatcher(stops);
        StringBuilder sb = new StringBuilder();
        for (String p : pieces) sb.append(m.accept(p));
        return sb.append(m.flush()).toString();
    }

    @Test
    void cutsAtTheFirstStopSequenceEvenAcrossPieces() {
        assertEquals("Hello ", run(List.of("wor"), "Hel", "lo w", "orld"));
        assertEquals("a", run(List.of("XY", "b"), "ab", "XY"));
        assertEquals("", run(List.of("\n"), "\nmore"));
    }

    @Test
    void holdsBackOnlyWhatCouldStartAStopSequence() {
        StopMatcher m = new StopMatcher(List.of("END"));
        assertEquals("abc", m.accept("abcE"));
        assertEquals("", m.accept("N"));
        assertEquals("ENx", m.accept("x"));
        assertEquals("", m.flush());
        assertFalse(m.stopped());
    }

    @Test
    void aPartialStopAtTheEndIsText() {
        assertEquals("the EN", run(List.of("END"), "the E", "N"));
        assertEquals("plain", run(List.of(), "pla", "in"));
    }

    @Test
    void nothingAfterAStop() {
        StopMatcher m = new StopMatcher(List.of("."));
        assertEquals("One", m.accept("One. Two"));
        assertTrue(m.stopped());
        assertEquals("", m.accept("three"));
        assertEquals("", m.flush());
    }
}
