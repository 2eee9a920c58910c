package io.bitnet4j.graph;

import io.bitnet4j.graph.ReferenceModel.Shape;
import io.bitnet4j.graph.ReferenceModel.Vocab;
import io.bitnet4j.tensor.TensorType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The shape grid behind {@code reference-grid/} (see its README). Tiny models that together cover head sizes
 * 32/64/128, GQA ratios 1/2/4/5/8, FFN sizes of 1, 2, 3 and 5 blocks of 256, 1 to 6 layers, tied and untied output
 * heads, ±1 and ternary weights, widths 256 to 1280, the SentencePiece-style and the byte-level BPE vocabulary, and
 * every architecture, each run by the engine that defines it:
 * <ul>
 *   <li>{@link #LLAMA_CPP}: {@code qwen3} (F32, F16, Q1_0, Q2_0, TQ1_0, TQ2_0), {@code bitnet} (1bitLLM's graph:
 *       F32, F16, TQ1_0, TQ2_0) and {@code llama} (F32, F16, TQ1_0, TQ2_0), run by llama.cpp;</li>
 *   <li>{@link #BITNET_CPP}: {@code bitnet-b1.58} (BitNet b1.58 2B-4T's graph: F32, F16, I2_S, TQ1_0, TQ2_0), run by
 *       bitnet.cpp.</li>
 * </ul>
 * Each float file is deterministic from its shape ({@link ReferenceModel#write}), so only the engines' outputs are
 * committed; the tests regenerate the float file and quantize it with bitnet4j's own quantizer (byte-identical to
 * the engines' llama-quantize). {@link #main} writes the float files for {@code scripts/reference-grid.sh}.
 */
final class ReferenceGrid {
    private ReferenceGrid() {}

    /** One engine's part of the grid: the prefix of its reference files, its shapes and the weight types of each. */
    record Engine(String prefix, List<Shape> shapes, List<String> types) {
    }

    static final Engine LLAMA_CPP = new Engine("llamacpp", List.of(
            shape("grid-hd32-gqa1-ff1-l1", 256, 8, 8, 32, 256, 1, false, false),
            shape("grid-hd32-gqa4-ff3-l2-untied", 256, 8, 2, 32, 768, 2, true, true),
            shape("grid-hd32-gqa5-ff2-l3", 256, 40, 8, 32, 512, 3, false, true),
            shape("grid-hd32-gqa2-ff5-l4-untied", 256, 16, 8, 32, 1280, 4, true, false),
            shape("grid-hd64-gqa1-ff5-l4-untied", 256, 4, 4, 64, 1280, 4, true, false),
            shape("grid-hd64-gqa8-ff2-l2-w512", 512, 8, 1, 64, 512, 2, false, true),
            shape("grid-hd64-gqa5-ff3-l1-untied", 256, 20, 4, 64, 768, 1, true, false),
            shape("grid-hd64-gqa8-ff1-l5", 256, 16, 2, 64, 256, 5, false, true),
            shape("grid-hd128-gqa1-ff1-l6", 256, 2, 2, 128, 256, 6, false, true),
            shape("grid-hd128-gqa8-ff2-l2-untied-w512", 512, 8, 1, 128, 512, 2, true, true),
            shape("grid-hd128-gqa4-ff5-l3", 256, 4, 1, 128, 1280, 3, false, false),
            shape("grid-bpe-hd64-gqa2-ff2-l2", 256, 4, 2, 64, 512, 2, false, true, "qwen3", Vocab.BPE),
            shape("grid-bitnet-hd32-gqa4-ff3-l2", 256, 8, 2, 32, 768, 2, false, true, "bitnet", Vocab.SPM),
            shape("grid-bitnet-hd64-gqa2-ff2-l3-bpe", 256, 4, 2, 64, 512, 3, false, true, "bitnet", Vocab.BPE),
            shape("grid-bitnet-hd128-gqa5-ff5-l1", 1280, 10, 2, 128, 1280, 1, false, true, "bitnet", Vocab.SPM),
            shape("grid-llama-hd64-gqa4-ff2-l2-bpe", 256, 4, 1, 64, 512, 2, false, true, "llama", Vocab.BPE),
            shape("grid-llama-hd32-gqa1-ff3-l3-untied", 256, 8, 8, 32, 768, 3, true, true, "llama", Vocab.SPM)),
            List.of("f32", "f16", "q1_0", "q2_0", "tq1_0", "tq2_0"));

    static final Engine BITNET_CPP = new Engine("bitnetcpp", List.of(
            shape("grid-b158-hd32-gqa4-ff3-l2", 256, 8, 2, 32, 768, 2, false, true, "bitnet-b1.58", Vocab.SPM),
            shape("grid-b158-hd32-gqa1-ff1-l1-untied", 256, 8, 8, 32, 256, 1, true, true, "bitnet-b1.58", Vocab.SPM),
            shape("grid-b158-hd64-gqa8-ff2-l4-w512", 512, 8, 1, 64, 512, 4, false, true, "bitnet-b1.58", Vocab.SPM),
            shape("grid-b158-hd64-gqa2-ff5-l2-bpe", 256, 4, 2, 64, 1280, 2, false, true, "bitnet-b1.58", Vocab.BPE),
            shape("grid-b158-hd128-gqa5-ff2-l1-untied", 1280, 10, 2, 128, 512, 1, true, true, "bitnet-b1.58", Vocab.SPM),
            shape("grid-b158-hd128-gqa1-ff1-l6", 256, 2, 2, 128, 256, 6, false, true, "bitnet-b1.58", Vocab.SPM)),
            List.of("f32", "f16", "i2_s", "tq1_0", "tq2_0"));

    static final List<Engine> ENGINES = List.of(LLAMA_CPP, BITNET_CPP);

    /** The weight types a shape is run with: Q1_0 and Q2_0 exist for {@code qwen3} only (Bonsai). */
    static List<String> types(Engine engine, Shape s) {
        return engine.types().stream().filter(t -> s.arch().equals("qwen3") || !t.startsWith("q")).toList();
    }

    /** The float type of a grid file ({@code f32} or {@code f16}), or null for a quantized one. */
    static TensorType floatType(String type) {
        return switch (type) {
            case "f32" -> TensorType.F32;
            case "f16" -> TensorType.F16;
            default -> null;
        };
    }

    private static Shape shape(String name, int embd, int heads, int kvHeads, int headDim, int ff, int layers,
                               boolean untied, boolean ternary) {
        return shape(name, embd, heads, kvHeads, headDim, ff, layers, untied, ternary, "qwen3", Vocab.SPM);
    }

    private static Shape shape(String name, int embd, int heads, int kvHeads, int headDim, int ff, int layers,
                               boolean untied, boolean ternary, String arch, Vocab vocab) {
        return new Shape(name, embd, heads, kvHeads, headDim, ff, layers, untied, ternary, name.hashCode() & 0x7fffffffL,
                arch, vocab);
    }

    /**
     * Writes {@code <name>-f32.gguf} and {@code <name>-f16.gguf} of every shape of the engine {@code args[1]}
     * ({@code llamacpp} or {@code bitnetcpp}) into the directory {@code args[0]}, and prints one line per shape:
     * its name and weight types.
     */
    public static void main(String[] args) throws IOException {
        Path dir = Files.createDirectories(Path.of(args[0]));
        for (Engine e : ENGINES) {
            if (args.length > 1 && !e.prefix().equals(args[1])) continue;
            for (Shape s : e.shapes()) {
                ReferenceModel.write(s, dir.resolve(s.name() + "-f32.gguf"), TensorType.F32);
                ReferenceModel.write(s, dir.resolve(s.name() + "-f16.gguf"), TensorType.F16);
                System.out.println(s.name() + " " + String.join(" ", types(e, s)));
            }
        }
    }
}
