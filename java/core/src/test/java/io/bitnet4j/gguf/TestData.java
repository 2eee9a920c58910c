package io.bitnet4j.gguf;

import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates ../shared/testdata via the bitnet4j.testdata system property (set by surefire). */
public final class TestData {
    private TestData() {}

    public static Path root() {
        String p = System.getProperty("bitnet4j.testdata");
        Assumptions.assumeTrue(p != null, "bitnet4j.testdata not set");
        Path root = Path.of(p);
        Assumptions.assumeTrue(Files.isDirectory(root), "no test data at " + root);
        return root;
    }

    public static Path reference(String name) { return root().resolve("reference").resolve(name); }

    public static Path tokenizer(String name) { return root().resolve("tokenizer").resolve(name); }
}
