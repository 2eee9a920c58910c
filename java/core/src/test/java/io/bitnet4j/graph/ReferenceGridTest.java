package io.bitnet4j.graph;

import io.bitnet4j.gguf.GgufWriter;
import io.bitnet4j.kernels.KernelSelector;
import io.bitnet4j.kernels.KernelTier;
import io.bitnet4j.quantize.Quantizer;
import io.bitnet4j.tensor.TensorType;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * bitnet4j against llama.cpp and bitnet.cpp over the shape grid of {@link ReferenceGrid} (resources
 * {@code reference-grid/}, see its README): for every shape, weight type and kernel tier the same prompt ids, every
 * logit of the 16 greedy steps bit-identical to the engine's, and the same greedy ids. (The issue asked for 1e-3 ×
 * max|logit|; the float orders of docs/architecture.md "Numerics" give every bit, so any difference is a regression.)
 */
class ReferenceGridTest {
    /** Files not bit-identical yet: the bound their logits are held to (× max|logit|). None at present. */
    static final Map<String, Float> GAPS = Map.of();

    /** Files whose greedy ids differ from the reference engine's: not checked yet. None at present. */
    static final Set<String> OPEN = Set.of();

    /** The regenerated and quantized model files of this run (JUnit removes them). */
    @TempDir
    static Path tmp;

    static Path dir() {
        return ReferenceData.resources("reference-grid");
    }

    /**
     * The model file of a shape and type: the float files written by {@link ReferenceModel}, the others quantized
     * from the F32 one by bitnet4j, as llama-quantize was run (F16 token embedding, F16 output head when untied).
     */
    static synchronized Path model(ReferenceModel.Shape s, String type) throws IOException {
        TensorType floatType = ReferenceGrid.floatType(type);
        Path f32 = tmp.resolve(s.name() + "-f32.gguf");
        if (!Files.exists(f32)) ReferenceModel.write(s, f32);
        Path out = tmp.resolve(s.name() + "-" + type + ".gguf");
        if (floatType != null) {
            if (!Files.exists(out)) ReferenceModel.write(s, out, floatType);
        } else if (!Files.exists(out)) {
            Quantizer.quantize(f32, out, new Quantizer.Options(TensorType.valueOf(type.toUpperCase()), TensorType.F16,
                    TensorType.F16), GgufWriter.Progress.NONE);
        }
        return out;
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (ReferenceGrid.Engine e : ReferenceGrid.ENGINES) {
            for (ReferenceModel.Shape s : e.shapes()) {
                for (String type : ReferenceGrid.types(e, s)) {
                    for (KernelTier tier : KernelTier.values()) out.add(Arguments.of(e.prefix(), s.name(), type, tier));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}-{2} [{3}]")
    @MethodSource("cases")
    void matchesTheReferenceEngine(String engine, String name, String type, KernelTier tier) throws Exception {
        assumeTrue(KernelSelector.isAvailable(tier), "tier " + tier + " unavailable in this JVM");
        assumeFalse(OPEN.contains(name + "-" + type), "open: greedy ids differ from the reference engine's (README)");
        ReferenceGrid.Engine e = ReferenceGrid.ENGINES.stream().filter(x -> x.prefix().equals(engine)).findFirst().orElseThrow();
        ReferenceModel.Shape shape = e.shapes().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
        ReferenceData ref = ReferenceData.load(dir(), engine + "-" + shape.name() + "-" + type, model(shape, type));
        FidelityTest.assertMatchesReference(ref, tier, GAPS.getOrDefault(name + "-" + type, 0f));
    }
}
