package io.bitnet4j.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.bitnet4j.engine.LoadOptions;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The model-loading options every model command shares: --no-mmap and --mlock, as llama.cpp spells them. */
class ModelOptionsTest {

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
