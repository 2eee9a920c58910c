package io.bitnet4j.cli;

import io.bitnet4j.hf.HfConfig;
import io.bitnet4j.hf.HfConverter;
import io.bitnet4j.hf.HfTokenizer;
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

/** {@code convert}: a Hugging Face checkpoint (BitNet families, Qwen3) to GGUF, no Python. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Convert a Hugging Face checkpoint (config.json, safetensors, tokenizer) to GGUF:",
                "  BitNetForCausalLM (2B-4T, master or packed weights)  -> bitnet-b1.58",
                "  BitnetForCausalLM (1bitLLM, latent weights)          -> bitnet",
                "  LlamaForCausalLM + quant_method bitnet (packed)      -> llama",
                "  Qwen3ForCausalLM (float weights)                     -> qwen3",
                "BitNet latent weights are ternarized by absmean, packed ones unpacked with their",
                "weight_scale; Qwen3's float weights go through ggml's quantizer of the type. The tokenizer (tokenizer.model or a byte-level BPE tokenizer.json,",
                "with tokenizer_config.json) is written as llama.cpp's converter writes it."})
final class ConvertCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "HF_DIR", description = "the model directory (config.json, *.safetensors)")
    Path input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT", description = "the GGUF file to write")
    Path output;

    @Option(names = "--type", paramLabel = "TYPE",
            description = "projection type: i2_s, tq2_0, tq1_0, q1_0, q2_0, f16 or f32 (default: i2_s; q1_0 for Qwen3)")
    String type;

    @Option(names = "--embedding-type", paramLabel = "TYPE",
            description = "token_embd (and an untied output) type: f16, f32, q8_0 or q6_k (default: f16; f32 with --type f32)")
    String embeddingType;

    @Option(names = "--model-only", description = "write the model without a tokenizer (run/chat cannot use such a file)")
    boolean modelOnly;

    @Mixin
    OutputFileOptions outputFile;

    @Override
    public Integer call() throws Exception {
        TensorType t = type == null ? null : TypeOption.parse("--type", type, TensorType.I2_S, TensorType.TQ2_0, TensorType.TQ1_0,
                TensorType.Q1_0, TensorType.Q2_0, TensorType.F16, TensorType.F32);
        TensorType embd = embeddingType == null ? null
                : TypeOption.parse("--embedding-type", embeddingType, TensorType.F16, TensorType.F32, TensorType.Q8_0, TensorType.Q6_K);
        if (!Files.isDirectory(input)) throw new Errors.UsageException("input " + input + " is not a directory");
        if (t == null) t = HfConverter.defaultType(input);
        outputFile.checkTarget(output);
        HfConfig c = HfConfig.read(input);
        PrintWriter err = spec.commandLine().getErr();
        err.printf("convert: %s (%s, %d layers, hidden %d) -> %s (%s): projections %s%s%n",
                input, c.architecture(), c.numHiddenLayers(), c.hiddenSize(), output, HfConverter.ggufArchitecture(input), t,
                modelOnly ? " (no tokenizer)" : "");
        err.flush();
        GenDummyCommand.ProgressBar bar = outputFile.progressBar(err);
        HfConverter.Result r = HfConverter.convert(input, output, new HfConverter.Options(t, embd, modelOnly), bar);
        bar.finish();
        if (r.tokenizer() != null) {
            HfTokenizer tok = r.tokenizer();
            err.printf("tokenizer: %s, %s, %,d tokens%s, pre-tokenizer %s%n", tok.source().getFileName(), tok.model(), tok.size(),
                    tok.merges().isEmpty() ? "" : String.format(", %,d merges", tok.merges().size()), tok.pre());
            for (String n : tok.notes()) err.println("note: " + n);
            err.flush();
        }
        spec.commandLine().getOut().printf("wrote %s: %,d bytes (%s), %s, %d tensors%s, %,d parameters, %s%n",
                r.path(), r.fileBytes(), GenDummyCommand.bytes(r.fileBytes()), r.architecture(), r.tensorCount(),
                r.packedCount() > 0 ? " (" + r.packedCount() + " from packed weights, weight_scale "
                        + (c.packedScaleMultiplies() ? "multiplied" : "divided") + ")" : "", r.parameters(), t);
        return 0;
    }
}
