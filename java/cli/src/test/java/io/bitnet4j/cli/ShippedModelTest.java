package io.bitnet4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.bitnet4j.gguf.GgufFile;
import io.bitnet4j.gguf.GgufTensorInfo;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.bitnet4j.cli.CliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The model shipped in models/ against what its training script computed (scripts/train/reference.json,
 * written by train_bitnet.py from the exported PyTorch weights with the I2_S arithmetic): the tokenizer
 * conversion (prompt ids), greedy continuations token for token, and the held-out perplexity.
 */
class ShippedModelTest {

    static Path root;
    static Path model;
    static Path heldout;
    static JsonNode reference;

    @BeforeAll
    static void files() throws Exception {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("models"))) p = p.getParent();
        if (p == null) throw new IllegalStateException("no models/ above " + Path.of("").toAbsolutePath());
        root = p;
        model = root.resolve(ModelOptions.SHIPPED_MODEL);
        heldout = root.resolve("scripts/train/heldout.txt");
        reference = new ObjectMapper().readTree(root.resolve("scripts/train/reference.json").toFile());
        assertTrue(Files.isRegularFile(model), model + " missing");
    }

    /** As the README has it: 3.4 MB, a BitNet b1.58 (2B-4T architecture) model of the 5.8 M parameters the script trained. */
    @Test
    void theFileIsTheModelTheTrainingScriptExported() throws Exception {
        assertEquals(3.4e6, Files.size(model), 0.05e6, "bytes");
        try (GgufFile g = GgufFile.open(model)) {
            assertEquals("bitnet-b1.58", g.getString("general.architecture"));
            long parameters = g.tensorInfos().stream().mapToLong(GgufTensorInfo::elementCount).sum();
            assertEquals(reference.get("parameters").asLong(), parameters);
            assertEquals(5.8e6, parameters, 0.05e6);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"auto", "scalar"})
    void greedyContinuationsEqualTheTrainingScripts(String kernels) throws Exception {
        for (JsonNode p : reference.get("prompts")) {
            int n = p.get("continuation_ids").size();
            CliTest.Result r = run("run", "-m", model.toString(), "-p", p.get("prompt").asText(), "-n", Integer.toString(n),
                    "--temp", "0", "--json", "-t", "2", "--kernels", kernels);
            assertEquals(0, r.code(), r.err());
            JsonNode json = new ObjectMapper().readTree(r.out());
            assertEquals(p.get("prompt_ids"), json.get("prompt_ids"), "tokenization of " + p.get("prompt"));
            assertEquals(p.get("continuation_ids"), json.get("generated_ids"), "greedy continuation of " + p.get("prompt"));
        }
    }

    @Test
    void theDefaultModelIsTheShippedOneAndWritesEnglish() throws Exception {
        JsonNode first = reference.get("prompts").get(0);
        CliTest.Result r = run("run", "-p", first.get("prompt").asText(), "-n", "8", "--temp", "0", "--json");
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertTrue(json.get("model").asText().endsWith(ModelOptions.SHIPPED_MODEL), json.get("model").asText());
        String text = json.get("text").asText();
        assertTrue(text.matches("[ -~\\n]+"), "printable ASCII expected, got: " + text);
    }

    @Test
    void perplexityOfTheHeldOutTextMatchesTheTrainingScript() throws Exception {
        JsonNode results = reference.get("perplexity").get("results");
        JsonNode want = results.get(0); // the smallest recorded chunk count: seconds, not minutes
        int ctx = reference.get("perplexity").get("ctx").asInt();
        CliTest.Result r = run("perplexity", "-m", model.toString(), "-f", heldout.toString(),
                "--chunks", want.get("chunks").asText(), "-c", Integer.toString(ctx), "--json", "-t", "2");
        assertEquals(0, r.code(), r.err());
        JsonNode got = new ObjectMapper().readTree(r.out());
        assertEquals(want.get("chunks").asInt(), got.get("chunks").asInt());
        assertEquals(want.get("scored_tokens").asInt(), got.get("scored_tokens").asInt());
        double rel = Math.abs(got.get("ppl").asDouble() / want.get("ppl").asDouble() - 1);
        assertTrue(rel < 0.01, "bitnet4j PPL " + got.get("ppl") + " vs script " + want.get("ppl") + ": " + rel);
        // every held-out token: text_tokens is BOS + the script's token count
        assertEquals(reference.get("heldout_tokens").asInt() + 1, got.get("text_tokens").asInt());
    }

    @Test
    void perplexityRefusesBadInputWithOneLine(@TempDir Path tmp) throws Exception {
        CliTest.Result missing = run("perplexity", "-m", model.toString(), "-f", tmp.resolve("nope.txt").toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("nope.txt"), missing.err());

        Path shortText = tmp.resolve("short.txt");
        Files.writeString(shortText, "Too short.");
        CliTest.Result tooShort = run("perplexity", "-m", model.toString(), "-f", shortText.toString());
        assertEquals(1, tooShort.code());
        assertTrue(tooShort.err().contains("at least one chunk"), tooShort.err());
        assertEquals(1, tooShort.err().strip().lines().filter(l -> !l.startsWith("note:")).count(), tooShort.err());

        CliTest.Result badChunks = run("perplexity", "-m", model.toString(), "-f", shortText.toString(), "--chunks", "0");
        assertEquals(1, badChunks.code());
        assertTrue(badChunks.err().contains("--chunks"), badChunks.err());
    }
}
