package io.bitnet4j.cli;

import io.bitnet4j.gguf.GgufEntry;
import io.bitnet4j.gguf.GgufFile;
import io.bitnet4j.gguf.GgufKeys;
import io.bitnet4j.gguf.GgufTensorInfo;
import io.bitnet4j.kernels.KernelSelector;
import io.bitnet4j.model.ModelConfig;
import io.bitnet4j.model.ModelException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/** {@code info}: what a GGUF file holds — metadata, tensors — and which kernels would run it. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show a GGUF file's metadata, tensor table, model shape and the kernel tier that would run it.")
final class InfoCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Mixin
    ModelOptions model;

    @Option(names = "--no-tensors", description = "omit the tensor table")
    boolean noTensors;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (GgufFile g = GgufFile.open(model.modelPath())) {
            out.printf("file: %s%nGGUF v%d, %,d bytes, %d metadata keys, %d tensors, alignment %d%n%n",
                    g.path(), g.version(), g.fileSize(), g.keys().size(), g.tensorInfos().size(), g.alignment());
            out.println("metadata:");
            for (GgufEntry e : g.entries()) {
                out.printf("  %-48s %-10s %s%n", e.key(), e.type().typeName(), e.valueSummary());
            }
            if (!noTensors && !g.tensorInfos().isEmpty()) {
                out.println();
                out.println("tensors:");
                Map<String, long[]> byType = new TreeMap<>();
                for (GgufTensorInfo t : g.tensorInfos()) {
                    out.printf("  %-36s %-6s %-22s %,14d bytes%n", t.name(), t.type(), Arrays.toString(t.shape()), t.byteSize());
                    long[] acc = byType.computeIfAbsent(t.type().toString(), k -> new long[2]);
                    acc[0]++;
                    acc[1] += t.byteSize();
                }
                byType.forEach((type, acc) -> out.printf("  %-6s %4d tensors %,16d bytes%n", type, acc[0], acc[1]));
            }
            out.println();
            if (g.has(GgufKeys.ARCHITECTURE) && !g.tensorInfos().isEmpty()) {
                try {
                    ModelConfig c = ModelConfig.from(g);
                    out.printf("model: %s (%s graph), %d layers, embd %d, heads %d/%d (head size %d), ffn %d, vocab %d, ctx %d, %s FFN%n",
                            c.architectureName(), c.architecture().name(), c.blockCount(), c.embeddingLength(),
                            c.headCount(), c.headCountKv(), c.headSize(), c.feedForwardLength(), c.vocabSize(),
                            c.contextLength(), c.activation().key());
                } catch (ModelException e) {
                    out.println("model: not runnable: " + e.getMessage());
                }
            } else {
                out.println("model: none (vocabulary-only file)");
            }
        }
        out.println(KernelSelector.select(model.loadOptions().kernels()).explanation());
        out.flush();
        return 0;
    }
}
