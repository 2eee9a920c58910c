package io.bitnet4j.engine;

import io.bitnet4j.gguf.GgufEntry;
import io.bitnet4j.gguf.GgufFile;
import io.bitnet4j.gguf.GgufWriter;
import io.bitnet4j.tensor.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The model files the engine tests start from, and edited copies of them. */
public final class ModelFiles {
    private ModelFiles() {}

    /** The model shipped in models/ (a BitNet b1.58 model: I2_S projections, f16 tied head, BPE vocabulary of 4,096). */
    public static Path shippedModel() {
        Path p = Path.of(System.getProperty("user.dir")).resolve("../../models/bitnet4j-brown-6m-i2_s.gguf").normalize();
        assertTrue(Files.exists(p), "shipped model not found at " + p);
        return p;
    }

    /**
     * A copy of {@code src} at {@code dst} whose metadata keys {@code replaced} are dropped and whatever
     * {@code add} puts is added (after the others); tensors are copied as they are.
     */
    static Path withMetadata(Path src, Path dst, Set<String> replaced, Consumer<GgufWriter> add) throws IOException {
        try (GgufFile f = GgufFile.open(src)) {
            GgufWriter w = new GgufWriter();
            for (GgufEntry e : f.entries()) {
                if (!replaced.contains(e.key())) w.put(e);
            }
            add.accept(w);
            for (Tensor t : f.tensors()) w.addTensor(t.name(), t.type(), t.shape(), t.data());
            w.write(dst);
        }
        return dst;
    }

    /** {@link #withMetadata} replacing one key by a uint32 value. */
    static Path withUInt32(Path src, Path dst, String key, long value) throws IOException {
        return withMetadata(src, dst, Set.of(key), w -> w.putUInt32(key, value));
    }
}
