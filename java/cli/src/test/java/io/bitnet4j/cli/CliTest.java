package io.bitnet4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bitnet4j.kernels.KernelSelector;
import io.bitnet4j.kernels.KernelTier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The command line end to end, in-process: exit codes, messages, and outputs against the reference data. */
class CliTest {

    static Path ref;
    static Path vocab;

    @BeforeAll
    static void data() {
        String p = System.getProperty("bitnet4j.testdata");
        assumeTrue(p != null && Files.isDirectory(Path.of(p, "reference")), "test data not found");
        ref = Path.of(p, "reference");
        vocab = Path.of(p, "tokenizer");
    }

    record Result(int code, String out, String err) {}

    static Result run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        PrintStream oldOut = System.out;
        ByteArrayOutputStream raw = new ByteArrayOutputStream();
        System.setOut(new PrintStream(raw, true, StandardCharsets.UTF_8));
        int code;
        try {
            code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        } finally {
            System.out.flush();
            System.setOut(oldOut);
        }
        return new Result(code, out + raw.toString(StandardCharsets.UTF_8), err.toString());
    }

    /** The reference's greedy tokens, with the prompt given as -p TEXT and as -f FILE. */
    @Test
    void runJsonGivesTheReferenceGreedyTokens(@TempDir Path tmp) throws Exception {
        List<String> lines = Files.readAllLines(ref.resolve("ref-bitnetcpp-tiny-bitnet-b1.58-i2_s.txt"), StandardCharsets.ISO_8859_1);
        int[] want = ints(lines.stream().filter(l -> l.startsWith("greedy_ids ")).findFirst().orElseThrow().substring(11));
        int[] prompt = ints(lines.stream().filter(l -> l.startsWith("prompt_ids ")).findFirst().orElseThrow().substring(11));
        String text = "The quick brown fox jumps over the lazy dog";
        Path file = Files.writeString(tmp.resolve("prompt.txt"), text);
        for (String[] input : new String[][] {{"-p", text}, {"-f", file.toString()}}) {
            Result r = run("run", "-m", ref.resolve("tiny-bitnet-b1.58-i2_s.gguf").toString(), input[0], input[1],
                    "-n", "16", "--temp", "0", "--json", "-t", "2");
            assertEquals(0, r.code(), r.err());
            JsonNode json = new ObjectMapper().readTree(r.out());
            assertEquals(Arrays.toString(prompt), json.get("prompt_ids").toString().replace(",", ", "), input[0]);
            assertEquals(Arrays.toString(want), json.get("generated_ids").toString().replace(",", ", "), input[0]);
            assertTrue(json.get("timings").get("generation_tokens_per_second").asDouble() > 0);
        }
    }

    @Test
    void moreThreadsThanProcessorsIsAllowedWithAWarning() {
        int cpus = Runtime.getRuntime().availableProcessors();
        Result r = run("run", "-m", ref.resolve("tiny-bitnet-tq2_0.gguf").toString(), "-p", "Hello", "-n", "2",
                "--temp", "0", "-t", Integer.toString(cpus + 1));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("warning: -t " + (cpus + 1) + " is more than the " + cpus + " processor"), r.err());
        Result fine = run("run", "-m", ref.resolve("tiny-bitnet-tq2_0.gguf").toString(), "-p", "Hello", "-n", "2",
                "--temp", "0", "-t", Integer.toString(cpus));
        assertEquals(0, fine.code(), fine.err());
        assertFalse(fine.err().contains("warning: -t"), fine.err());
    }

    @Test
    void logitsOutWritesEveryStepInTheReferenceLayout(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("logits.f32");
        Result r = run("run", "-m", ref.resolve("tiny-bitnet-tq1_0.gguf").toString(), "-p",
                "The quick brown fox jumps over the lazy dog", "-n", "16", "--temp", "0", "--logits-out", out.toString());
        assertEquals(0, r.code(), r.err());
        byte[] got = Files.readAllBytes(out);
        byte[] want = Files.readAllBytes(ref.resolve("ref-mainline-tiny-bitnet-tq1_0.steps.f32"));
        assertEquals(want.length, got.length);
        var g = ByteBuffer.wrap(got).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        var w = ByteBuffer.wrap(want).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        for (int i = 0; i < w.limit(); i++) assertEquals(w.get(i), g.get(i), 0.05f, "logit " + i);
        assertTrue(r.out().startsWith("The quick brown fox"), "the prompt is echoed: " + r.out());
        assertTrue(r.err().contains("tokens per second"), r.err());
    }

    @Test
    void tokenizeIdsMatchesLlamaCpp() {
        // llama.cpp's test vector for " Hello world" on the LLaMA-3 vocabulary: 22691, 1917
        Result r = run("tokenize", "-m", vocab.resolve("ggml-vocab-llama-bpe.gguf").toString(), "-p", " Hello world", "--ids", "--no-bos");
        assertEquals(0, r.code(), r.err());
        assertEquals("[22691, 1917]", r.out().strip());
        Result withBos = run("tokenize", "-m", vocab.resolve("ggml-vocab-llama-bpe.gguf").toString(), "-p", " Hello world", "--ids");
        assertEquals("[128000, 22691, 1917]", withBos.out().strip());
    }

    /**
     * --parse-special reads special-token text as the token; on a LLaMA-3 vocabulary without tokenizer.ggml.pre,
     * the llama-bpe split with a note saying so, or llama.cpp's 'default' split with --llama-cpp-pretokenizer.
     */
    @Test
    void tokenizeParsesSpecialTextAndTakesLlamaCppsSplitOnRequest() {
        String llama3 = vocab.resolve("ggml-vocab-llama-bpe.gguf").toString();
        assertEquals("[128009]", run("tokenize", "-m", llama3, "-p", "<|eot_id|>", "--ids", "--no-bos", "--parse-special").out().strip());
        assertEquals("[27, 91, 68, 354, 851, 91, 29]", run("tokenize", "-m", llama3, "-p", "<|eot_id|>", "--ids", "--no-bos").out().strip());

        String nopre = vocab.resolve("ggml-vocab-llama-bpe-nopre.gguf").toString();
        Result repaired = run("tokenize", "-m", nopre, "-p", "I'm", "--ids", "--no-bos");
        assertEquals("[40, 2846]", repaired.out().strip());
        assertTrue(repaired.err().contains("the LLaMA-3 pre-tokenizer (llama-bpe) is used"), repaired.err());
        Result llamaCpp = run("tokenize", "-m", nopre, "-p", "I'm", "--ids", "--no-bos", "--llama-cpp-pretokenizer");
        assertEquals("[40, 6, 76]", llamaCpp.out().strip());
        assertTrue(llamaCpp.err().contains("using the 'default' pre-tokenizer, as llama.cpp does"), llamaCpp.err());
    }

    /** selfcheck: each tier's I2_S GEMV against the scalar oracle (ok or FAIL, the exit code), with its throughput. */
    @Test
    void selfcheckComparesEveryTierWithTheScalarOracle() {
        Result r = run("selfcheck", "--rows", "64", "--cols", "256");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("kernels: "), r.out());
        for (KernelTier t : KernelTier.values()) {
            String line = r.out().lines().filter(l -> l.strip().startsWith(t.id() + " ")).findFirst().orElse("(none)");
            String want = KernelSelector.isAvailable(t)
                    ? " +" + t.id() + " +ok +max\\|diff\\| 0[.,]00e\\+00 +I2_S GEMV 64x256: .* GB/s of weights \\(1 thread, best of \\d+\\)"
                    : " +" + t.id() + " +unavailable";
            assertTrue(line.matches(want), t + ": " + line);
        }
        Result bad = run("selfcheck", "--cols", "100");
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("a multiple of 256"), bad.err());
    }

    @Test
    void infoShowsMetadataTensorsAndKernels() {
        Result r = run("info", "-m", ref.resolve("tiny-bitnet-b1.58-i2_s.gguf").toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("general.architecture"), r.out());
        assertTrue(r.out().contains("blk.0.attn_q.weight"), r.out());
        assertTrue(r.out().contains("I2_S"), r.out());
        assertTrue(r.out().contains("kernels:"), r.out());
        assertTrue(r.out().lines().anyMatch(l -> l.matches("model: bitnet-b1\\.58 \\(bitnet-b1\\.58 graph\\), \\d+ layers, embd \\d+, heads \\d+/\\d+ .*")),
                "the model's shape: " + r.out());
        Result vocabOnly = run("info", "-m", vocab.resolve("ggml-vocab-llama-bpe.gguf").toString(), "--no-tensors");
        assertEquals(0, vocabOnly.code(), vocabOnly.err());
        assertTrue(vocabOnly.out().contains("vocabulary-only"), vocabOnly.out());
        assertFalse(vocabOnly.out().contains("tensors:"), vocabOnly.out());
    }

    @Test
    void badInputGivesOneClearLineAndANonZeroExit(@TempDir Path tmp) throws Exception {
        Result unknownFlag = run("run", "--no-such-flag");
        assertEquals(2, unknownFlag.code());
        assertEquals(List.of("error: Unknown option: '--no-such-flag'", "Try 'bitnet4j run --help' for the options."),
                unknownFlag.err().lines().toList(), "wrong usage: the error and where the options are");

        Result missing = run("run", "-m", tmp.resolve("nope.gguf").toString(), "-p", "x");
        assertEquals(1, missing.code());
        assertEquals(List.of("error: file not found: " + tmp.resolve("nope.gguf")), missing.err().lines().toList());

        try {
            Result verbose = run("run", "-m", tmp.resolve("nope.gguf").toString(), "-p", "x", "--verbose");
            assertEquals(1, verbose.code());
            assertTrue(verbose.err().startsWith("error: file not found") && verbose.err().contains("\tat "),
                    "--verbose adds the stack trace: " + verbose.err());
        } finally {
            Errors.verbose = false;
        }

        Path junk = tmp.resolve("junk.gguf");
        Files.write(junk, "definitely not a gguf file".getBytes(StandardCharsets.UTF_8));
        Result bad = run("run", "-m", junk.toString(), "-p", "x");
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("junk.gguf"), bad.err());

        Result vocabOnly = run("run", "-m", vocab.resolve("ggml-vocab-llama-bpe.gguf").toString(), "-p", "x");
        assertEquals(1, vocabOnly.code());
        assertTrue(vocabOnly.err().startsWith("error: "), vocabOnly.err());

        Result tooLong = run("run", "-m", ref.resolve("tiny-bitnet-tq2_0.gguf").toString(), "-p", "word ".repeat(400), "-n", "4");
        assertEquals(1, tooLong.code());
        assertTrue(tooLong.err().contains("context"), tooLong.err());

        Result badTier = run("run", "-m", ref.resolve("tiny-bitnet-tq2_0.gguf").toString(), "--kernels", "gpu");
        assertEquals(1, badTier.code());
        assertTrue(badTier.err().contains("gpu"), badTier.err());

        Result badTemp = run("run", "-m", ref.resolve("tiny-bitnet-tq2_0.gguf").toString(), "--top-p", "7");
        assertEquals(1, badTemp.code());
        assertTrue(badTemp.err().contains("top-p"), badTemp.err());
    }

    /** -f takes UTF-8 text files: anything else is named, with the first bad byte's offset (run, tokenize, perplexity). */
    @Test
    void textFilesThatAreNotUtf8TextAreNamed(@TempDir Path tmp) throws Exception {
        String model = ref.resolve("tiny-bitnet-tq2_0.gguf").toString();
        Path latin1 = tmp.resolve("latin1.txt");
        Files.write(latin1, new byte[] {'c', 'a', 'f', (byte) 0xE9, ' ', 'o', 'k'});
        for (String[] args : new String[][] {{"run", "-m", model, "-n", "1", "-f"}, {"tokenize", "-m", model, "-f"},
                {"perplexity", "-m", model, "-f"}}) {
            Result bad = run(concat(args, latin1.toString()));
            assertEquals(1, bad.code(), bad.err());
            assertEquals("error: " + latin1 + ": not UTF-8 text: invalid byte 0xE9 at offset 3", bad.err().strip());
            Result dir = run(concat(args, tmp.toString()));
            assertEquals(1, dir.code(), dir.err());
            assertEquals("error: " + tmp + " is a directory, not a text file", dir.err().strip());
            Result missing = run(concat(args, tmp.resolve("nope.txt").toString()));
            assertEquals(1, missing.code(), missing.err());
            assertEquals("error: file not found: " + tmp.resolve("nope.txt"), missing.err().strip());
        }
    }

    static String[] concat(String[] args, String last) {
        String[] all = Arrays.copyOf(args, args.length + 1);
        all[args.length] = last;
        return all;
    }

    /**
     * An unreadable file names the failure, not just the path ("I/O error: PATH" was all it said). The
     * tests run as root, whom permission bits do not stop: the end-to-end case runs only for other
     * users; the message is checked directly for every user.
     */
    @Test
    void anUnreadableFileSaysPermissionDenied(@TempDir Path tmp) throws Exception {
        assertEquals("permission denied: /models/m.gguf", Errors.describe(new java.nio.file.AccessDeniedException("/models/m.gguf")));
        assertEquals("not a directory: /a/b", Errors.describe(new java.nio.file.NotDirectoryException("/a/b")));
        assertEquals("Input/output error: /a/b", Errors.describe(new java.nio.file.FileSystemException("/a/b", null, "Input/output error")));
        // a tokenizer problem is one line naming the file, without the exception's class name
        assertEquals("m.gguf: token 4 is malformed", Errors.describe(new io.bitnet4j.tokenizer.TokenizerException("m.gguf: token 4 is malformed")));
        Path locked = tmp.resolve("locked.gguf");
        Files.copy(ref.resolve("tiny-bitnet-tq2_0.gguf"), locked);
        Files.setPosixFilePermissions(locked, java.util.Set.of());
        assumeTrue(!Files.isReadable(locked), "running as root: permission bits do not stop reads");
        Result r = run("run", "-m", locked.toString(), "-p", "x", "-n", "1");
        assertEquals(1, r.code());
        assertEquals("error: permission denied: " + locked, r.err().strip());
    }

    /**
     * -n as llama.cpp documents it: -1 = until the end of text (here, also the end of the context: there
     * is no context shift), -2 = until the context is full; anything below -2 is refused as a usage
     * error (llama.cpp would silently run it as -1). chat takes -1 too (it was an error mid-turn).
     */
    @Test
    void nPredictTakesLlamaCppsNegativeValuesOnly() {
        String model = ref.resolve("tiny-bitnet-tq2_0.gguf").toString();
        Result belowMinusTwo = run("run", "-m", model, "-p", "x", "-n", "-5");
        assertEquals(2, belowMinusTwo.code(), belowMinusTwo.err());
        assertTrue(belowMinusTwo.err().startsWith("error: -n must be >= -2 (-1, -2: until the end of text or a full context), got -5"),
                belowMinusTwo.err());
        for (String n : new String[] {"-1", "-2"}) {
            Result r = run("run", "-m", model, "-p", "x", "-n", n, "-c", "24", "--temp", "0", "--json");
            assertEquals(0, r.code(), r.err());
        }
        java.io.InputStream oldIn = System.in;
        System.setIn(new java.io.ByteArrayInputStream("hello\n/exit\n".getBytes(StandardCharsets.UTF_8)));
        try {
            Result chat = run("chat", "-m", model, "-n", "-1", "-c", "128", "--temp", "0");
            assertEquals(0, chat.code(), chat.err());
            Result chatBad = run("chat", "-m", model, "-n", "-3");
            assertEquals(2, chatBad.code(), chatBad.err());
        } finally {
            System.setIn(oldIn);
        }
    }

    @Test
    void sameSeedSameText() {
        String[] args = {"run", "-m", ref.resolve("tiny-bitnet-b1.58-tq2_0.gguf").toString(), "-p", "The quick", "-n", "12",
                "--temp", "1.0", "--seed", "1234", "--json"};
        Result a = run(args), b = run(args);
        assertEquals(0, a.code(), a.err());
        assertEquals(a.out().replaceAll("\"timings\".*", ""), b.out().replaceAll("\"timings\".*", ""));
    }

    @Test
    void chatTakesTurnsAndReusesTheContext() {
        java.io.InputStream oldIn = System.in;
        System.setIn(new java.io.ByteArrayInputStream("hello there\nhow are you\n/exit\n".getBytes(StandardCharsets.UTF_8)));
        try {
            Result r = run("chat", "-m", ref.resolve("tiny-bitnet-b1.58-i2_s.gguf").toString(), "-n", "5", "--temp", "0");
            assertEquals(0, r.code(), r.err());
            assertTrue(r.err().contains("chat format bitnet"), r.err());
            assertEquals(2, r.err().lines().filter(l -> l.matches("\\[\\d+ tokens, .*tokens/s\\]")).count(), r.err());
        } finally {
            System.setIn(oldIn);
        }
    }

    /**
     * Turns continue one KV cache: in a context of 64 tokens one turn of this chat fits and a second does not (an
     * error line, and the chat goes on), unless /reset starts over (then the first answer again, at temperature 0);
     * nothing after /exit is read.
     */
    @Test
    void chatKeepsItsTurnsInOneContextUntilReset() {
        String model = ref.resolve("tiny-bitnet-b1.58-i2_s.gguf").toString();
        String full = "error: the context is full (64 tokens); /reset to start over or raise -c";
        java.io.InputStream oldIn = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream("hello there\nhello there\n".getBytes(StandardCharsets.UTF_8)));
            Result kept = run("chat", "-m", model, "-n", "6", "--temp", "0", "-c", "64");
            assertEquals(0, kept.code(), kept.err());
            assertEquals(1, kept.err().lines().filter(l -> l.matches("\\[\\d+ tokens, .*tokens/s\\]")).count(), kept.err());
            assertTrue(kept.err().contains(full), "the second turn does not fit beside the first: " + kept.err());

            System.setIn(new java.io.ByteArrayInputStream("hello there\n/reset\nhello there\n/reset\nhello there\n/exit\nhello there\n"
                    .getBytes(StandardCharsets.UTF_8)));
            Result reset = run("chat", "-m", model, "-n", "6", "--temp", "0", "-c", "64");
            assertEquals(0, reset.code(), reset.err());
            assertFalse(reset.err().contains(full), "/reset empties the context: " + reset.err());
            List<String> answers = reset.out().lines().toList();
            assertEquals(3, answers.size(), "three answers, nothing after /exit: " + reset.out());
            assertEquals(List.of(answers.get(0), answers.get(0)), answers.subList(1, 3), "/reset starts over");
        } finally {
            System.setIn(oldIn);
        }
    }

    @Test
    void benchReportsEveryTestInLlamaBenchShape() throws Exception {
        Result r = run("bench", "-m", ref.resolve("tiny-bitnet-tq2_0.gguf").toString(), "-p", "16", "-n", "4", "-t", "1,2", "-r", "2", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode tests = new ObjectMapper().readTree(r.out()).get("tests");
        assertEquals(4, tests.size());
        assertEquals("pp16", tests.get(0).get("test").asText());
        assertEquals("tg4", tests.get(1).get("test").asText());
        assertEquals(2, tests.get(2).get("n_threads").asInt());
        for (JsonNode t : tests) assertTrue(t.get("avg_ts").asDouble() > 0);
        assertFalse(tests.get(1).has("roofline_ts"), "a tiny model has no memory roofline");
        Result md = run("bench", "-m", ref.resolve("tiny-bitnet-tq2_0.gguf").toString(), "-p", "8", "-n", "2", "-r", "1");
        assertEquals(0, md.code(), md.err());
        assertTrue(md.out().contains("| pp8 |") || md.out().matches("(?s).*\\|\\s+pp8 \\|.*"), md.out());
        assertTrue(md.out().contains("peak RSS"), md.out());
        assertTrue(md.out().contains("fit in the caches: no memory roofline"), md.out());
        Result tooLong = run("bench", "-m", ref.resolve("tiny-bitnet-tq2_0.gguf").toString(), "-p", "9999");
        assertEquals(1, tooLong.code());
        assertTrue(tooLong.err().contains("context_length"), tooLong.err());
    }

    private static int[] ints(String s) {
        return Arrays.stream(s.trim().split("\\s+")).mapToInt(Integer::parseInt).toArray();
    }
}
