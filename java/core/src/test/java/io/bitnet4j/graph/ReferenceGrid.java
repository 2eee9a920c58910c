package io.bitnet4j.graph;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The shape grid behind {@code reference-grid/} (see its README): tiny {@code qwen3} models that together cover
 * head sizes 32/64/128, GQA ratios 1/2/4/5/8, FFN sizes of 1, 2, 3 and 5 blocks of 256, 1 to 6 layers, tied and
 * untied output heads, ±1 and ternary weights, and widths 256 and 512. Each F32 file is deterministic from its
 * shape ({@link Qwen3ReferenceModel#write}), so only llama.cpp's outputs are committed; the tests regenerate the
 * F32 file and quantize it with bitnet4j's own quantizer (byte-identical to llama-quantize's, see
 * {@code Qwen3ReferenceTest}). {@link #main} writes the F32 files for {@code scripts/reference-grid.sh}.
 */
final class ReferenceGrid {
    private ReferenceGrid() {}

    /** name, embd, heads, kv heads, head size, n_ff, layers, untied, ternary, seed */
    static final List<Qwen3ReferenceModel.Shape> SHAPES = List.of(
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
            shape("grid-hd128-gqa4-ff5-l3", 256, 4, 1, 128, 1280, 3, false, false));

    /** The weight types of every shape: F32 as written, the others quantized from it. */
    static final List<String> TYPES = List.of("f32", "q1_0", "q2_0", "tq1_0", "tq2_0");

    private static Qwen3ReferenceModel.Shape shape(String name, int embd, int heads, int kvHeads, int headDim, int ff,
                                                   int layers, boolean untied, boolean ternary) {
        return new Qwen3ReferenceModel.Shape(name, embd, heads, kvHeads, headDim, ff, layers, untied, ternary,
                name.hashCode() & 0x7fffffffL);
    }

    /** Writes {@code <name>-f32.gguf} of every grid shape into the directory {@code args[0]}. */
    public static void main(String[] args) throws IOException {
        Path dir = Files.createDirectories(Path.of(args[0]));
        for (Qwen3ReferenceModel.Shape s : SHAPES) Qwen3ReferenceModel.write(s, dir.resolve(s.name() + "-f32.gguf"));
    }
}
