package io.bitnet4j.cli;

import io.bitnet4j.engine.LoadOptions;
import io.bitnet4j.engine.LoadedModel;
import io.bitnet4j.graph.KvCacheType;
import io.bitnet4j.kernels.KernelTier;
import io.bitnet4j.tensor.TensorType;
import io.bitnet4j.tokenizer.TokenizerOptions;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The options every model-running command shares (a picocli mixin). */
final class ModelOptions {

    /** The model the README's main command runs when -m is not given. */
    static final String SHIPPED_MODEL = "models/bitnet4j-brown-6m-i2_s.gguf";

    @Option(names = {"-m", "--model"}, paramLabel = "FILE",
            description = "GGUF model file (default: the model shipped in models/)")
    Path model;

    @Option(names = {"-t", "--threads"}, paramLabel = "N", description = "compute threads (default: ${DEFAULT-VALUE})")
    int threads = LoadOptions.defaultThreads();

    /** Used when -c is not given: llama.cpp's default, capped at the model's context_length. */
    static final int DEFAULT_CONTEXT = 4096;

    @Option(names = {"-c", "--ctx-size"}, paramLabel = "N",
            description = "context size in tokens (0 = the model's context_length; default: 4096 or the model's, if smaller)")
    Integer contextSize;

    @Option(names = {"-b", "--batch-size"}, paramLabel = "N",
            description = "tokens per forward pass when reading a prompt (default: ${DEFAULT-VALUE})")
    int batchSize = 256;

    @Option(names = "--kernels", paramLabel = "TIER",
            description = "kernel tier: auto, native, vector or scalar (default: ${DEFAULT-VALUE})")
    String kernels = "auto";

    @Option(names = "--kv-type", paramLabel = "TYPE", description = "KV cache type: f16 or f32 (default: ${DEFAULT-VALUE})")
    String kvType = "f16";

    @Option(names = "--output-type", paramLabel = "TYPE", description = {
            "re-encode a float output head at load: q8_0 reads about half the bytes of f16 per token",
            "(llama.cpp's Q8_0; logits change slightly; default: run the head as stored)"})
    String outputType;

    @Option(names = "--llama-cpp-pretokenizer", description = {
            "when the file has no tokenizer.ggml.pre, use llama.cpp's 'default' split exactly as llama.cpp does",
            "(by default a LLaMA-3 vocabulary gets the llama-bpe split it was trained with)"})
    boolean llamaCppPreTokenizer;

    @Option(names = "--no-mmap", description = {
            "read the model into memory instead of mapping the file (as llama.cpp): slower to load, but a model",
            "file replaced or truncated on disk while running cannot crash the process"})
    boolean noMmap;

    @Option(names = "--mlock", description = "lock the model in RAM (as llama.cpp; best effort: a note says why when it fails, e.g. ulimit -l)")
    boolean mlock;

    @Option(names = {"-v", "--verbose"}, description = "print stack traces of errors")
    void verbose(boolean v) {
        Errors.verbose = v;
    }

    Path modelPath() throws IOException {
        Path p = model != null ? model : Main.home().resolve(SHIPPED_MODEL);
        if (!Files.exists(p)) {
            throw new java.nio.file.NoSuchFileException(p.toString() + (model == null ? " (the shipped model; pass -m FILE)" : ""));
        }
        if (Files.isDirectory(p)) throw new IllegalArgumentException(p + " is a directory, not a GGUF file");
        return p;
    }

    LoadOptions loadOptions() {
        if (threads < 1) throw new IllegalArgumentException("--threads must be >= 1, got " + threads);
        if (contextSize != null && contextSize < 0) throw new IllegalArgumentException("--ctx-size must be >= 0, got " + contextSize);
        KernelTier tier = kernels == null || kernels.equalsIgnoreCase("auto") ? null : KernelTier.fromId(kernels);
        TokenizerOptions tok = llamaCppPreTokenizer ? TokenizerOptions.llamaCppCompatible() : TokenizerOptions.defaults();
        TensorType head = outputType == null ? null : TypeOption.parse("--output-type", outputType, TensorType.Q8_0);
        return new LoadOptions(threads, tier, KvCacheType.fromKey(kvType), batchSize, tok, head, !noMmap, mlock);
    }

    /** Context size to use: the requested one, capped at the model's (with a note when capped). */
    int contextFor(LoadedModel m, java.io.PrintWriter err) {
        int max = m.config().contextLength();
        if (contextSize == null) return Math.min(DEFAULT_CONTEXT, max);
        if (contextSize == 0) return max;
        if (contextSize > max) {
            err.println("note: --ctx-size " + contextSize + " is larger than the model's context_length " + max + "; using " + max);
            return max;
        }
        return contextSize;
    }

    /** Opens the model; warnings about the options (more threads than processors) go to {@code err}. */
    LoadedModel open(java.io.PrintWriter err) throws IOException {
        LoadOptions options = loadOptions();
        warnIfOversubscribed(options.threads(), err);
        return LoadedModel.open(modelPath(), options);
    }

    /**
     * Threads beyond the processors this JVM may use do not add compute; they make every pool hand-off
     * wait for a descheduled thread (on 2 cores, -t 1000 took 19 s per token). Allowed, but said.
     */
    static void warnIfOversubscribed(int threads, java.io.PrintWriter err) {
        int cpus = Runtime.getRuntime().availableProcessors();
        if (threads > cpus) {
            err.println("warning: -t " + threads + " is more than the " + cpus + " processor" + (cpus == 1 ? "" : "s")
                    + " available; the extra threads only wait for each other (much slower): use -t " + cpus + " or less");
        }
    }
}
