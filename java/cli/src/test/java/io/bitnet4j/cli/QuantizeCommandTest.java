package io.bitnet4j.cli;

import io.bitnet4j.gguf.GgufFile;
import io.bitnet4j.tensor.TensorType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.bitnet4j.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code quantize} end to end: the reference TQ2_0 file from the F32 one, a runnable model, clear errors. */
class QuantizeCommandTest {

    @BeforeAll
    static void data() {
        CliTest.data();
    }

    @Test
    void quantizesTheReferenceModelAndRefusesToOverwrite(@TempDir Path tmp) throws Exception {
        Path in = CliTest.ref.resolve("tiny-bitnet-f32.gguf");
        Path out = tmp.resolve("m.gguf");
        CliTest.Result r = run("quantize", in.toString(), out.toString(), "--type", "tq2_0");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("wrote " + out) && r.out().contains("46 tensors (29 converted)"), r.out());
        assertTrue(r.err().contains("100%"), "progress bar on stderr: " + r.err());
        assertEquals(-1, Files.mismatch(out, CliTest.ref.resolve("tiny-bitnet-tq2_0.gguf")), "the reference llama-quantize output");

        CliTest.Result gen = run("run", "-m", out.toString(), "-p", "The quick brown fox", "-n", "4", "--temp", "0", "-t", "1");
        assertEquals(0, gen.code(), gen.err());

        CliTest.Result again = run("quantize", in.toString(), out.toString(), "--type", "tq1_0");
        assertEquals(2, again.code());
        assertTrue(again.err().contains("--force"), again.err());
        CliTest.Result forced = run("quantize", in.toString(), out.toString(), "--type", "tq1_0", "-f", "-q",
                "--embedding-type", "q8_0");
        assertEquals(0, forced.code(), forced.err());
        assertFalse(forced.err().contains("%"), "no progress with -q: " + forced.err());
        try (GgufFile g = GgufFile.open(out)) {
            assertEquals(36, g.getInt("general.file_type"));
            assertEquals(TensorType.Q8_0, g.tensor("token_embd.weight").type());
            assertEquals(TensorType.TQ1_0, g.tensor("blk.3.ffn_down.weight").type());
        }

        // a Q6_K token embedding (also the tied output head) loads and runs
        CliTest.Result q6 = run("quantize", in.toString(), out.toString(), "--type", "tq2_0", "-f", "-q", "--embedding-type", "q6_k");
        assertEquals(0, q6.code(), q6.err());
        try (GgufFile g = GgufFile.open(out)) {
            assertEquals(TensorType.Q6_K, g.tensor("token_embd.weight").type());
        }
        CliTest.Result gen6 = run("run", "-m", out.toString(), "-p", "The quick brown fox", "-n", "4", "--temp", "0", "-t", "1");
        assertEquals(0, gen6.code(), gen6.err());
    }

    @Test
    void errorsGiveOneClearLine(@TempDir Path tmp) {
        String in = CliTest.ref.resolve("tiny-bitnet-b1.58-f32.gguf").toString();
        String o = tmp.resolve("x.gguf").toString();
        expect(2, "unknown --type 'q4_0'", "quantize", in, o, "--type", "q4_0");
        expect(2, "unknown --embedding-type 'q4_k'", "quantize", in, o, "--type", "i2_s", "--embedding-type", "q4_k");
        expect(2, "unknown --output-type 'bf16'", "quantize", in, o, "--type", "i2_s", "--output-type", "bf16");
        expect(2, "does not exist", "quantize", tmp.resolve("missing.gguf").toString(), o, "--type", "i2_s");
        expect(2, "does not exist", "quantize", in, tmp.resolve("no/dir/x.gguf").toString(), "--type", "i2_s");
        expect(2, "--type", "quantize", in, o);
        expect(1, "already quantized", "quantize", CliTest.ref.resolve("tiny-bitnet-b1.58-i2_s.gguf").toString(), o, "--type", "tq2_0");
        expect(1, "not a GGUF", "quantize", CliTest.ref.resolve("README.md").toString(), o, "--type", "tq2_0");
        assertFalse(Files.exists(tmp.resolve("x.gguf")));
    }

    private static void expect(int code, String message, String... args) {
        CliTest.Result r = run(args);
        assertEquals(code, r.code(), String.join(" ", args) + ": " + r.err());
        assertTrue(r.err().contains(message), "expected '" + message + "' in: " + r.err());
        String first = r.err().lines().findFirst().orElse("");
        assertTrue(first.startsWith("error: ") && first.contains(message), "the error comes first, in one line: " + r.err());
        assertEquals(1, r.err().lines().filter(l -> l.startsWith("error: ")).count(), "one error line: " + r.err());
    }
}
