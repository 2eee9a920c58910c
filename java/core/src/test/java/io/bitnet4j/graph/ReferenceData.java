package io.bitnet4j.graph;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The reference outputs in {@code ../shared/testdata/reference} (see its README): prompt ids, greedy
 * ids and the raw logits of each greedy step, as bitnet.cpp and llama.cpp produced them.
 */
record ReferenceData(String name, Path model, String prompt, int[] promptIds, int[] greedyIds, int vocab,
                     float[][] stepLogits) {

    static final List<String> CASES = List.of(
            "bitnetcpp-tiny-bitnet-b1.58-f32", "bitnetcpp-tiny-bitnet-b1.58-i2_s", "bitnetcpp-tiny-bitnet-b1.58-tq2_0",
            "mainline-tiny-bitnet-f32", "mainline-tiny-bitnet-tq2_0", "mainline-tiny-bitnet-tq1_0");

    static Path dir() {
        String p = System.getProperty("bitnet4j.testdata");
        assumeTrue(p != null && Files.isDirectory(Path.of(p, "reference")), "reference test data not found");
        return Path.of(p, "reference");
    }

    static ReferenceData load(String name) throws IOException {
        String modelName = name.substring(name.indexOf('-') + 1);
        return load(dir(), name, dir().resolve(modelName + ".gguf"));
    }

    /** A directory of reference outputs among the test resources, e.g. {@code reference-qwen3}. */
    static Path resources(String name) {
        try {
            return Path.of(ReferenceData.class.getResource("/" + name).toURI());
        } catch (java.net.URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code ref-<name>.txt} and {@code ref-<name>.steps.f32} in {@code d}, for the model file {@code model}. */
    static ReferenceData load(Path d, String name, Path model) throws IOException {
        // the file ends with raw token bytes that need not be UTF-8; the lines we read are ASCII
        List<String> lines = Files.readAllLines(d.resolve("ref-" + name + ".txt"), java.nio.charset.StandardCharsets.ISO_8859_1);
        int vocab = 0;
        String prompt = null;
        int[] promptIds = null, greedy = null;
        for (String line : lines) {
            if (line.startsWith("n_vocab ")) vocab = Integer.parseInt(line.substring(8).trim());
            else if (line.startsWith("prompt ")) prompt = line.substring(8, line.length() - 1);
            else if (line.startsWith("prompt_ids ")) promptIds = ints(line.substring(11));
            else if (line.startsWith("greedy_ids ")) greedy = ints(line.substring(11));
        }
        byte[] raw = Files.readAllBytes(d.resolve("ref-" + name + ".steps.f32"));
        int steps = raw.length / 4 / vocab;
        float[][] logits = new float[steps][vocab];
        ByteBuffer bb = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        for (int s = 0; s < steps; s++) {
            for (int i = 0; i < vocab; i++) logits[s][i] = bb.getFloat((s * vocab + i) * 4);
        }
        return new ReferenceData(name, model, prompt, promptIds, greedy, vocab, logits);
    }

    private static int[] ints(String s) {
        return Arrays.stream(s.trim().split("\\s+")).mapToInt(Integer::parseInt).toArray();
    }
}
