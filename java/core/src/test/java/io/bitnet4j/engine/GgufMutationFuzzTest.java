package io.bitnet4j.engine;

import io.bitnet4j.gguf.GgufFormatException;
import io.bitnet4j.graph.Forward;
import io.bitnet4j.graph.KvCache;
import io.bitnet4j.graph.KvCacheType;
import io.bitnet4j.kernels.KernelSelector;
import io.bitnet4j.kernels.KernelTier;
import io.bitnet4j.kernels.Parallel;
import io.bitnet4j.model.ModelException;
import io.bitnet4j.tokenizer.TokenizerException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The GGUF mutation fuzzer (issue 14, section 3). Mutants of real model files — the shipped model and the
 * reference models of ../shared/testdata/reference — made in memory by {@link GgufMutator} and written
 * over a copy in a temporary directory, each go through the whole load: {@link LoadedModel#open} (the
 * GGUF reader, the config and weights, the tokenizer; mapped for even mutants, read into memory for odd
 * ones), the encoding of a short text, a two-token forward pass under every available kernel tier and the
 * decoding of the argmax token. The outcome must be a success or one of the documented exceptions —
 * {@link GgufFormatException}, {@link ModelException}, {@link TokenizerException} — whose message names
 * the file; anything else (OutOfMemoryError, IndexOutOfBoundsException, IllegalArgumentException...)
 * fails the test with the mutants that caused it, and a JVM crash fails the build.
 *
 * <p>Mutant i is made from its own {@code Random(seed, i)}, so any one can be rerun alone:
 * {@code -Dbitnet4j.fuzz.first=i -Dbitnet4j.fuzz.mutants=1}. The suite runs 2,000 (the short mode); the
 * long mode is the same test with more, from the checkout after an {@code install}:
 * {@code mvn -pl java/core test -Dtest=GgufMutationFuzzTest -Dsurefire.failIfNoSpecifiedTests=false -Dbitnet4j.fuzz.mutants=100000}
 * (its figures are in docs/architecture.md, Tests).
 */
class GgufMutationFuzzTest {
    private static final int MUTANTS = Integer.getInteger("bitnet4j.fuzz.mutants", 2000);
    private static final int FIRST = Integer.getInteger("bitnet4j.fuzz.first", 0);
    private static final long SEED = Long.getLong("bitnet4j.fuzz.seed", 14);
    private static final String[] REFERENCE_MODELS = {"tiny-bitnet-b1.58-i2_s.gguf", "tiny-bitnet-b1.58-tq2_0.gguf",
            "tiny-bitnet-tq1_0.gguf", "tiny-bitnet-tq2_0.gguf", "tiny-bitnet-b1.58-f32.gguf", "tiny-bitnet-f32.gguf"};
    /** The context of each mutant's forward pass (or the model's, if shorter): two tokens need no more. */
    private static final int CONTEXT = 4;
    private static final LoadOptions OPTIONS = LoadOptions.defaults().withThreads(1);
    private static final List<KernelTier> TIERS = Arrays.stream(KernelTier.values()).filter(KernelSelector::isAvailable).toList();
    /** Failures listed in the assertion message (all are counted). */
    private static final int FAILURES_SHOWN = 20;

    @TempDir
    Path tmp;

    /** A well-formed file, its map, and the copy its mutants are written over (only the changed bytes each time). */
    private static final class Original {
        final String name;
        final byte[] bytes;
        final GgufLayout layout;
        final Path copy;
        private byte[] onDisk;

        Original(Path source, Path dir) throws IOException {
            name = source.getFileName().toString();
            bytes = Files.readAllBytes(source);
            layout = new GgufLayout(bytes);
            copy = Files.write(dir.resolve("mutant-of-" + name), bytes);
            onDisk = bytes;
        }

        /** Makes the copy hold {@code next}, writing from its first changed byte to its last. */
        Path write(byte[] next) throws IOException {
            int from = (int) Arrays.mismatch(onDisk, next);
            if (from >= 0) {
                int to = next.length == onDisk.length ? lastMismatch(onDisk, next) + 1 : next.length;
                try (FileChannel ch = FileChannel.open(copy, StandardOpenOption.WRITE)) {
                    ch.write(ByteBuffer.wrap(next, from, to - from), from);
                    if (next.length < onDisk.length) ch.truncate(next.length);
                }
                onDisk = next;
            }
            return copy;
        }

        private static int lastMismatch(byte[] a, byte[] b) {
            int chunk = 1 << 16;
            for (int end = a.length; end > 0; end -= chunk) {
                int start = Math.max(0, end - chunk);
                if (Arrays.mismatch(a, start, end, b, start, end) >= 0) {
                    for (int i = end - 1; ; i--) if (a[i] != b[i]) return i;
                }
            }
            return -1;
        }
    }

    @Test
    void everyMutantRunsOrIsRefusedWithTheDocumentedExceptionNamingTheFile() throws Exception {
        List<Original> originals = originals();
        Map<String, Integer> outcomes = new TreeMap<>();
        Map<String, String> exampleMessages = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        long t0 = System.nanoTime();
        try (Parallel pool = new Parallel(1)) {
            for (int i = FIRST; i < FIRST + MUTANTS; i++) {
                Original o = originals.get(i % originals.size());
                GgufMutator.Mutant m = GgufMutator.mutate(o.bytes, o.layout, new Random(SEED * 1_000_003L + i));
                Path file = o.write(m.bytes());
                Throwable outcome = run(file, i % 2 == 0, pool);
                String kind = outcome == null ? "success" : outcome.getClass().getSimpleName();
                outcomes.merge(kind, 1, Integer::sum);
                if (outcome != null) exampleMessages.putIfAbsent(kind, outcome.getMessage());
                String problem = problem(outcome, file);
                if (problem != null) {
                    failures.add("mutant " + i + " of " + o.name + " (" + m.description() + "): " + problem);
                }
                if (MUTANTS >= 10_000 && (i - FIRST + 1) % 10_000 == 0) {
                    System.err.printf("gguf fuzz: %d mutants, %.0f s, %s%n", i - FIRST + 1, (System.nanoTime() - t0) / 1e9, outcomes);
                }
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        System.out.printf("GGUF mutation fuzzer: %d mutants of %d files (seed %d, first %d), tiers %s, %.1f s: %s%n",
                MUTANTS, originals.size(), SEED, FIRST, TIERS, seconds, outcomes);
        exampleMessages.forEach((k, msg) -> System.out.println("  e.g. " + k + ": " + msg));
        if (!failures.isEmpty()) {
            fail(failures.size() + " of " + MUTANTS + " mutants ended otherwise than documented:\n  "
                    + String.join("\n  ", failures.subList(0, Math.min(FAILURES_SHOWN, failures.size()))));
        }
        assertTrue(outcomes.getOrDefault("success", 0) > 0, "no mutant loaded and ran: the fuzzer tests nothing past the reader");
    }

    private List<Original> originals() throws IOException {
        List<Original> out = new ArrayList<>();
        out.add(new Original(ModelFiles.shippedModel(), tmp));
        String data = System.getProperty("bitnet4j.testdata");
        Path reference = data == null ? null : Path.of(data, "reference");
        if (reference != null && Files.isDirectory(reference)) {
            for (String name : REFERENCE_MODELS) out.add(new Original(reference.resolve(name), tmp));
        } else {
            System.out.println("GGUF mutation fuzzer: no ../shared/testdata/reference, mutating the shipped model only");
        }
        return out;
    }

    /** Loads, encodes, runs two tokens under every tier and decodes; null on success, else what was thrown. */
    private static Throwable run(Path file, boolean mapped, Parallel pool) {
        try (LoadedModel model = LoadedModel.open(file, OPTIONS.withMmap(mapped))) {
            // as a caller does: no context beyond the model's (a mutant's context_length may be 1)
            int context = Math.min(CONTEXT, model.config().contextLength());
            int[] ids = Arrays.copyOf(model.tokenizer().encode("The", true, false), Math.min(2, context)); // padded with token 0
            float[] logits = new float[model.config().vocabSize()];
            for (KernelTier tier : TIERS) {
                try (Forward f = new Forward(model.config(), model.weights(), KernelSelector.kernels(tier), pool, context, ids.length, KvCacheType.F16);
                     KvCache cache = new KvCache(model.config(), context, KvCacheType.F16)) {
                    f.run(cache, ids, 0, ids.length, false);
                    f.copyLogits(0, logits);
                }
            }
            model.tokenizer().tokenBytes(argmax(logits), true);
            return null;
        } catch (Throwable t) {
            return t;
        }
    }

    /** Why an outcome is not acceptable, or null: a success, or a documented exception naming the file. */
    private static String problem(Throwable outcome, Path file) {
        if (outcome == null) return null;
        boolean documented = outcome instanceof GgufFormatException || outcome instanceof ModelException
                || outcome instanceof TokenizerException;
        if (!documented) {
            StackTraceElement[] at = outcome.getStackTrace();
            return outcome + (at.length > 0 ? " at " + at[0] : "");
        }
        String message = outcome.getMessage();
        return message != null && message.contains(file.toString()) ? null : "message does not name the file: " + outcome;
    }

    private static int argmax(float[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
        return best;
    }
}
