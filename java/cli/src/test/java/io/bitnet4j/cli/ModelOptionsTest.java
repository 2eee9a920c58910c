package io.bitnet4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.bitnet4j.engine.LoadOptions;
import io.bitnet4j.generation.SamplerParams;
import io.bitnet4j.graph.KvCacheType;
import io.bitnet4j.kernels.KernelTier;
import io.bitnet4j.tensor.TensorType;
import io.bitnet4j.tokenizer.TokenizerOptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The options the model commands share (run, chat, info, perplexity, serve): loading — the common flags, --no-mmap
 * and --mlock as llama.cpp spells them — and sampling, each reaching what the engine is given.
 */
class ModelOptionsTest {

    @Test
    void commonFlagsReachTheLoadOptions() {
        ModelOptions defaults = new ModelOptions();
        new CommandLine(defaults).parseArgs();
        LoadOptions d = defaults.loadOptions();
        assertNull(d.kernels(), "auto");
        assertEquals(KvCacheType.F16, d.kvType());
        assertEquals(256, d.batchSize());
        assertNull(d.outputType(), "the head runs as stored unless --output-type");
        assertEquals(TokenizerOptions.defaults(), d.tokenizer());

        ModelOptions set = new ModelOptions();
        new CommandLine(set).parseArgs("--kernels", "scalar", "--kv-type", "f32", "-b", "7", "--output-type", "q8_0",
                "--llama-cpp-pretokenizer", "-t", "3", "-c", "99");
        LoadOptions o = set.loadOptions();
        assertEquals(KernelTier.SCALAR, o.kernels());
        assertEquals(KvCacheType.F32, o.kvType());
        assertEquals(7, o.batchSize());
        assertEquals(TensorType.Q8_0, o.outputType());
        assertEquals(TokenizerOptions.llamaCppCompatible(), o.tokenizer());
        assertEquals(3, o.threads());
        assertEquals(99, set.contextSize);

        for (String[] bad : new String[][] {{"--kv-type", "q4_0"}, {"--output-type", "f16"}, {"--kernels", "gpu"}, {"-t", "0"}}) {
            ModelOptions m = new ModelOptions();
            new CommandLine(m).parseArgs(bad);
            RuntimeException e = assertThrows(RuntimeException.class, m::loadOptions, String.join(" ", bad));
            assertTrue(e.getMessage().contains(bad[1]), e.getMessage());
        }
    }

    /** llama.cpp's sampling flags and defaults (temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, no penalty). */
    @Test
    void samplingFlagsReachTheSamplerParams() {
        SamplingOptions defaults = new SamplingOptions();
        new CommandLine(defaults).parseArgs("--seed", "5");
        assertEquals(new SamplerParams(0.8f, 40, 0.95f, 0.05f, 1f, 64, 5), defaults.params());

        SamplingOptions set = new SamplingOptions();
        new CommandLine(set).parseArgs("--temp", "0.5", "--top-k", "7", "--top-p", "0.5", "--min-p", "0.1",
                "--repeat-penalty", "1.3", "--repeat-last-n", "-1", "-s", "99");
        assertEquals(new SamplerParams(0.5f, 7, 0.5f, 0.1f, 1.3f, -1, 99), set.params());
    }

    @Test
    void noMmapAndMlockReachTheLoadOptions() {
        ModelOptions defaults = new ModelOptions();
        new CommandLine(defaults).parseArgs();
        assertTrue(defaults.loadOptions().mmap());
        assertFalse(defaults.loadOptions().mlock());

        ModelOptions set = new ModelOptions();
        new CommandLine(set).parseArgs("--no-mmap", "--mlock");
        LoadOptions o = set.loadOptions();
        assertFalse(o.mmap());
        assertTrue(o.mlock());
    }

    @Test
    void aModelReadIntoMemoryAndLockedGeneratesTheSameTokens() throws Exception {
        Path model = Path.of(System.getProperty("user.dir")).resolve("../../models/bitnet4j-brown-6m-i2_s.gguf").normalize();
        String[] args = {"run", "-m", model.toString(), "-p", "The jury said", "-n", "8", "--temp", "0", "--json", "-t", "1"};
        CliTest.Result mapped = CliTest.run(args);
        String[] more = java.util.Arrays.copyOf(args, args.length + 2);
        more[args.length] = "--no-mmap";
        more[args.length + 1] = "--mlock";
        CliTest.Result read = CliTest.run(more);
        assertEquals(0, mapped.code(), mapped.err());
        assertEquals(0, read.code(), read.err());
        ObjectMapper json = new ObjectMapper();
        assertEquals(json.readTree(mapped.out()).get("generated_ids"), json.readTree(read.out()).get("generated_ids"));
    }
}
