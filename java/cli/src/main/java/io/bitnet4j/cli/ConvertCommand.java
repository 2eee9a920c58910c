package io.bitnet4j.cli;

import io.bitnet4j.convert.HfConfig;
import io.bitnet4j.convert.HfConverter;
import io.bitnet4j.convert.HfTokenizer;
import io.bitnet4j.tensor.TensorType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code convert}: a Hugging Face BitNetForCausalLM checkpoint (safetensors master weights) to GGUF, no Python. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Convert a Hugging Face checkpoint directory (config.json + safetensors, single or sharded) to GGUF:",
                "BitNetForCausalLM (2B-4T, master or packed weights) -> bitnet-b1.58, BitnetForCausalLM (1bitLLM) -> bitnet,",
                "LlamaForCausalLM with quant_method bitnet (Llama3-8B-1.58, Falcon3/Falcon-E 1.58bit) -> llama.",
                "Latent weights are ternarized by absmean, packed ones unpacked with their weight_scale; packed as TYPE.",
                "The tokenizer (tokenizer.json for byte-level BPE, tokenizer.model for SentencePiece, plus",
                "tokenizer_config.json) is written into the GGUF metadata as llama.cpp's converter does."})
final class ConvertCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "HF_DIR", description = "the model directory (config.json, *.safetensors)")
    Path input;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT", description = "the GGUF file to write")
    Path output;

    @Option(names = "--type", paramLabel = "TYPE", description = "projection type: i2_s, tq2_0, tq1_0, f16 or f32 (default: ${DEFAULT-VALUE})")
    String type = "i2_s";

    @Option(names = "--embedding-type", paramLabel = "TYPE",
            description = "token_embd (and an untied output) type: f16, f32 or q8_0 (default: f16; f32 with --type f32)")
    String embeddingType;

    @Option(names = "--model-only", description = "write the model without a tokenizer (run/chat cannot use such a file)")
    boolean modelOnly;

    @Option(names = {"-f", "--force"}, description = "overwrite OUT if it exists")
    boolean force;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        TensorType t = TypeOption.parse("--type", type, TensorType.I2_S, TensorType.TQ2_0, TensorType.TQ1_0,
                TensorType.F16, TensorType.F32);
        TensorType embd = embeddingType == null ? null
                : TypeOption.parse("--embedding-type", embeddingType, TensorType.F16, TensorType.F32, TensorType.Q8_0);
        if (!Files.isDirectory(input)) throw new Errors.UsageException("input " + input + " is not a directory");
        Path dir = output.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) throw new Errors.UsageException("output directory " + dir + " does not exist");
        if (Files.isDirectory(output)) throw new Errors.UsageException(output + " is a directory");
        if (Files.exists(output) && !force) throw new Errors.UsageException(output + " exists (pass --force to overwrite it)");
        HfConfig c = HfConfig.read(input);
        PrintWriter err = spec.commandLine().getErr();
        err.printf("convert: %s (%s, %d layers, hidden %d) -> %s (%s): projections %s%s%n",
                input, c.architecture(), c.numHiddenLayers(), c.hiddenSize(), output, HfConverter.ggufArchitecture(input), t,
                modelOnly ? " (no tokenizer)" : "");
        err.flush();
        GenDummyCommand.ProgressBar bar = new GenDummyCommand.ProgressBar(err, quiet);
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
                r.packedCount() > 0 ? " (" + r.packedCount() + " from packed weights)" : "", r.parameters(), t);
        return 0;
    }
}
