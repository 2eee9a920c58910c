package io.bitnet4j.cli;

import io.bitnet4j.gguf.GgufFile;
import io.bitnet4j.kernels.KernelSelector;
import io.bitnet4j.kernels.KernelTier;
import io.bitnet4j.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.bitnet4j.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code gen-dummy} end to end: a model that {@code run} can use, and clear errors for bad arguments. */
class GenDummyCommandTest {

    @Test
    void writesAModelThatRuns(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("m.gguf");
        CliTest.Result r = run("gen-dummy", "--size", "tiny", "--layers", "2", "--vocab", "1024", "--type", "tq2_0",
                "--seed", "5", "-o", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("wrote " + out) && r.out().contains("parameters"), r.out());
        assertTrue(r.err().contains("100%"), "progress bar on stderr: " + r.err());
        try (GgufFile g = GgufFile.open(out)) {
            assertEquals(2, g.getInt("bitnet-b1.58.block_count"));
            assertEquals(37, g.getInt("general.file_type"));
        }
        CliTest.Result gen = run("run", "-m", out.toString(), "-p", "Once upon a time", "-n", "8", "--temp", "0", "-t", "2");
        assertEquals(0, gen.code(), gen.err());
        assertFalse(gen.out().isBlank(), gen.out());

        CliTest.Result again = run("gen-dummy", "--size", "tiny", "--layers", "1", "--vocab", "1024", "-o", out.toString());
        assertEquals(2, again.code());
        assertTrue(again.err().contains("--force"), again.err());
        assertEquals(0, run("gen-dummy", "--size", "tiny", "--layers", "1", "--vocab", "1024", "-q", "-f", "-o", out.toString()).code());
    }

    /** {@code --arch qwen3}: Q1_0 by default (file_type 40, believed in a mainline architecture); {@code run} on every tier. */
    @Test
    void writesAQwen3ModelThatRunsOnEveryTier(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("q.gguf");
        CliTest.Result r = run("gen-dummy", "--arch", "qwen3", "--size", "tiny", "--layers", "2", "--vocab", "1024",
                "-q", "-o", out.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("qwen3 tiny, Q1_0") && r.err().contains("heads 4/2 of 128"), r.err());
        try (GgufFile g = GgufFile.open(out)) {
            assertEquals("qwen3", g.getString("general.architecture"));
            assertEquals(128, g.getInt("qwen3.attention.key_length"));
            assertEquals(40, g.getInt("general.file_type"));
            assertEquals(TensorType.Q1_0, g.tensor("blk.1.attn_q.weight").type());
        }
        for (KernelTier tier : KernelTier.values()) {
            if (!KernelSelector.isAvailable(tier)) continue;
            CliTest.Result gen = run("run", "-m", out.toString(), "-p", "Once upon a time", "-n", "8", "--temp", "0",
                    "-t", "2", "--kernels", tier.id());
            assertEquals(0, gen.code(), tier + ": " + gen.err());
            assertFalse(gen.out().isBlank(), tier + ": " + gen.out());
        }
        expectUsage("unknown --type 'i2_s' (expected q1_0, q2_0, tq2_0 or tq1_0)", "gen-dummy", "--arch", "qwen3", "--size", "tiny",
                "--type", "i2_s", "-o", tmp.resolve("x.gguf").toString());
        expectUsage("does not write architecture 'llama'", "gen-dummy", "--arch", "llama", "--size", "tiny",
                "-o", tmp.resolve("x.gguf").toString());
    }

    @Test
    void badArgumentsGiveExitCode2AndAClearMessage(@TempDir Path tmp) {
        String o = tmp.resolve("x.gguf").toString();
        expectUsage("unknown model size '5B'", "gen-dummy", "--size", "5B", "-o", o);
        expectUsage("unknown --type 'q4_0'", "gen-dummy", "--size", "tiny", "--type", "q4_0", "-o", o);
        expectUsage("multiple of 256", "gen-dummy", "--size", "tiny", "--ffn", "640", "--type", "tq1_0", "-o", o);
        expectUsage("multiple of 128", "gen-dummy", "--size", "tiny", "--hidden", "200", "--heads", "4", "-o", o);
        expectUsage("K/V head count", "gen-dummy", "--size", "tiny", "--kv-heads", "3", "-o", o);
        expectUsage("does not exist", "gen-dummy", "--size", "tiny", "-o", tmp.resolve("no/such/dir/x.gguf").toString());
        expectUsage("--layers must be positive", "gen-dummy", "--size", "tiny", "--layers", "0", "-o", o);
        expectUsage("vocabulary size 100", "gen-dummy", "--size", "tiny", "--vocab", "100", "-o", o);
        expectUsage("--size", "gen-dummy", "-o", o);
        assertFalse(Files.exists(tmp.resolve("x.gguf")));
    }

    private static void expectUsage(String message, String... args) {
        CliTest.Result r = run(args);
        assertEquals(2, r.code(), String.join(" ", args) + ": " + r.err());
        assertTrue(r.err().contains(message), "expected '" + message + "' in: " + r.err());
    }
}
