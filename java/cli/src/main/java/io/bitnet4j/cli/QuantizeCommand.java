package io.bitnet4j.cli;

import io.bitnet4j.quantize.Quantizer;
import io.bitnet4j.tensor.TensorType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code quantize}: an F32/F16/BF16 BitNet GGUF model to I2_S, TQ2_0, TQ1_0, Q1_0 or Q2_0, like llama-quantize. */
@Command(name = "quantize", mixinStandardHelpOptions = true,
        description = {"Quantize an F32/F16/BF16 GGUF model (bitnet-b1.58, bitnet, llama) to a low-bit type:",
                "the linear projections become TYPE, token_embd/output the embedding/output type, the rest is copied.",
                "Streamed tensor by tensor; the output matches bitnet.cpp's / llama.cpp's llama-quantize."})
final class QuantizeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "IN", description = "the F32, F16 or BF16 GGUF model")
    Path input;

    @Parameters(index = "1", paramLabel = "OUT", description = "the GGUF file to write")
    Path output;

    @Option(names = "--type", required = true, paramLabel = "TYPE", description = "projection type: i2_s, tq2_0, tq1_0, q1_0 or q2_0")
    String type;

    @Option(names = "--embedding-type", paramLabel = "TYPE", description = "token_embd type: f16, f32, q8_0 or q6_k (default: ${DEFAULT-VALUE})")
    String embeddingType = "f16";

    @Option(names = "--output-type", paramLabel = "TYPE", description = "output.weight type: f16, f32, q8_0 or q6_k (default: as --embedding-type)")
    String outputType;

    @Mixin
    OutputFileOptions outputFile;

    @Override
    public Integer call() throws Exception {
        TensorType t = TypeOption.parse("--type", type, TensorType.I2_S, TensorType.TQ2_0, TensorType.TQ1_0, TensorType.Q1_0, TensorType.Q2_0);
        TensorType embd = TypeOption.parse("--embedding-type", embeddingType, TensorType.F16, TensorType.F32, TensorType.Q8_0, TensorType.Q6_K);
        TensorType out = outputType == null ? null : TypeOption.parse("--output-type", outputType, TensorType.F16, TensorType.F32, TensorType.Q8_0, TensorType.Q6_K);
        if (!Files.exists(input)) throw new Errors.UsageException("input file " + input + " does not exist");
        if (!Files.isRegularFile(input)) throw new Errors.UsageException("input " + input + " is not a file");
        outputFile.checkTarget(output);
        Quantizer.Options opts = new Quantizer.Options(t, embd, out);
        Quantizer.Summary s = Quantizer.check(input, opts); // fails before anything is printed or written
        PrintWriter err = spec.commandLine().getErr();
        err.printf("quantize: %s (%s, %d tensors) -> %s: projections %s, token_embd %s%s%n", input, s.architecture(),
                s.tensorCount(), output, t, opts.embeddingType(), s.hasOutput() ? ", output " + opts.outputType() : "");
        err.flush();
        GenDummyCommand.ProgressBar bar = outputFile.progressBar(err);
        Quantizer.Result r = Quantizer.quantize(input, output, opts, bar);
        bar.finish();
        spec.commandLine().getOut().printf("wrote %s: %,d bytes (%s), %s, %d tensors (%d converted), %,d parameters, %s%n",
                r.path(), r.fileBytes(), GenDummyCommand.bytes(r.fileBytes()), r.architecture(), r.tensorCount(),
                r.quantizedCount(), r.parameters(), t);
        return 0;
    }
}
