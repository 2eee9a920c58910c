package io.bitnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** {@code serve}'s option checks (the server itself is tested in io.bitnet4j.server). */
class ServeCommandTest {

    @Test
    void badOptionsAreOneLineErrors() {
        CliTest.Result r = CliTest.run("serve", "--parallel", "0");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--parallel must be >= 1"), r.err());
        r = CliTest.run("serve", "--queue-size", "-1");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--queue-size"), r.err());
        r = CliTest.run("serve", "--timeout", "0");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--timeout must be >= 1 second, got 0"), r.err());
        r = CliTest.run("serve", "-m", "/nonexistent/model.gguf");
        assertEquals(1, r.code());
        assertTrue(r.err().contains("/nonexistent/model.gguf"), r.err());
    }

    @Test
    void helpNamesTheEndpointsAndOptions() {
        CliTest.Result r = CliTest.run("serve", "--help");
        assertEquals(0, r.code());
        for (String s : new String[] {"/v1/chat/completions", "--parallel", "--api-key", "--host", "--queue-size", "--timeout", "408", "413"}) {
            assertTrue(r.out().contains(s), s + " missing from:\n" + r.out());
        }
    }
}
