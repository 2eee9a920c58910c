package io.bitnet4j.graph;

import io.bitnet4j.dummy.DummyModel;
import io.bitnet4j.dummy.DummyShape;
import io.bitnet4j.engine.LoadOptions;
import io.bitnet4j.engine.LoadedModel;
import io.bitnet4j.gguf.GgufWriter;
import io.bitnet4j.tensor.TensorType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A KV cache reserves its whole context but its pages are touched only as positions fill
 * ({@link LazyZeroMemory}): a cache of 256 MiB adds next to nothing to the resident set until written, and
 * reads as zeros.
 */
class KvCacheMemoryTest {
    private static final Path STATUS = Path.of("/proc/self/status");
    private static final long MIB = 1 << 20;

    @Test
    void aFreshCacheIsNotResident(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.isReadable(STATUS), "no /proc/self/status here");
        Path file = tmp.resolve("long-context.gguf");
        int context = 1 << 18;
        DummyModel.write(file, DummyShape.preset("tiny").withLayers(2).withVocab(512).withContext(context),
                TensorType.I2_S, 1, GgufWriter.Progress.NONE);
        try (LoadedModel m = LoadedModel.open(file, LoadOptions.defaults().withThreads(1))) {
            long before = residentBytes();
            try (KvCache cache = m.newKvCache(context)) {
                assertEquals(256 * MIB, cache.bytes(), "2 layers × K and V × 2^18 positions × 128 values × f16");
                long fresh = residentBytes() - before;
                assertTrue(fresh < 64 * MIB, "a fresh cache made " + fresh / MIB + " MiB resident");
                var keys = cache.keyCache[1];
                assertEquals(0, keys.get(ValueLayout.JAVA_LONG, keys.byteSize() - 8), "unwritten positions read as zeros");
                // control: writing the pages of one layer's K rows does make them resident
                for (long at = 0; at < keys.byteSize(); at += 4096) keys.set(ValueLayout.JAVA_BYTE, at, (byte) 1);
                long written = residentBytes() - before;
                assertTrue(written > keys.byteSize() / 2, "after writing " + keys.byteSize() / MIB + " MiB: "
                        + written / MIB + " MiB resident");
            }
        }
    }

    /** VmRSS of this process. */
    private static long residentBytes() throws IOException {
        for (String line : Files.readAllLines(STATUS)) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
        throw new IllegalStateException("no VmRSS in " + STATUS);
    }
}
