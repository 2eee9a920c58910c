package io.bitnet4j.engine;

import io.bitnet4j.generation.Generator;
import io.bitnet4j.generation.Sampler;
import io.bitnet4j.generation.SamplerParams;
import io.bitnet4j.graph.Forward;
import io.bitnet4j.graph.KvCache;
import io.bitnet4j.kernels.KernelSelector;
import io.bitnet4j.kernels.KernelTier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link LoadOptions#mmap} false (the CLI's {@code --no-mmap}) reads the model into memory: the same greedy
 * tokens as the mapped file, and still after the file is truncated on disk (which a mapping does not
 * survive: SIGBUS in the native tier, InternalError in the Java ones). {@link LoadOptions#mlock} locks its pages.
 */
class NoMmapTest {
    private static final LoadOptions OPTIONS = LoadOptions.defaults().withThreads(2);
    private static final int STEPS = 12;

    @TempDir
    Path tmp;

    static Stream<KernelTier> tiers() {
        return Arrays.stream(KernelTier.values()).filter(KernelSelector::isAvailable);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tiers")
    void aModelReadIntoMemoryGeneratesTheSameTokensAndOutlivesItsFile(KernelTier tier) throws Exception {
        int[] fromMapping;
        try (LoadedModel m = LoadedModel.open(ModelFiles.shippedModel(), OPTIONS.withKernels(tier))) {
            assertTrue(m.gguf().mapped());
            fromMapping = greedy(m);
        }
        Path copy = Files.copy(ModelFiles.shippedModel(), tmp.resolve("model.gguf"));
        try (LoadedModel m = LoadedModel.open(copy, OPTIONS.withKernels(tier).withMmap(false))) {
            assertFalse(m.gguf().mapped());
            assertArrayEquals(fromMapping, greedy(m));
            try (FileChannel ch = FileChannel.open(copy, StandardOpenOption.WRITE)) {
                ch.truncate(100); // e.g. replaced in place by a download or a converter
            }
            assertArrayEquals(fromMapping, greedy(m), "after the file was truncated");
        }
    }

    @Test
    void mlockLocksTheModelsPagesOrSaysWhyNot() throws Exception {
        long before = lockedBytes();
        long size = Files.size(ModelFiles.shippedModel());
        for (boolean mmap : new boolean[] {true, false}) {
            try (LoadedModel m = LoadedModel.open(ModelFiles.shippedModel(), OPTIONS.withMmap(mmap).withMlock(true))) {
                var note = m.notes().stream().filter(n -> n.startsWith("--mlock: ")).findFirst();
                if (note.isEmpty()) {
                    assertTrue(lockedBytes() - before >= size, "VmLck grew by " + (lockedBytes() - before) + " bytes, not " + size);
                } else {
                    assertTrue(note.get().contains("mlock of " + size + " bytes failed: "), note.get());
                    assertEquals(before, lockedBytes());
                }
                assertEquals(STEPS, greedy(m).length);
            }
            assertEquals(before, lockedBytes(), "unlocked at close (mmap " + mmap + ")");
        }
    }

    /** Greedy continuation of a fixed prompt, in a context of 64 tokens. */
    private static int[] greedy(LoadedModel m) {
        try (Forward f = m.newForward(64); KvCache cache = m.newKvCache(64)) {
            int[] prompt = m.tokenizer().encode("The jury said", true, false);
            Sampler sampler = new Sampler(SamplerParams.GREEDY, m.config().vocabSize());
            return new Generator(f, cache).generate(prompt, STEPS, sampler, id -> false, id -> true, null).generated();
        }
    }

    /** The process's locked memory (VmLck of /proc/self/status), in bytes. */
    private static long lockedBytes() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmLck:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
        throw new IllegalStateException("no VmLck in /proc/self/status");
    }
}
