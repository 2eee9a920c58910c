package io.bitnet4j.engine;

import io.bitnet4j.gguf.GgufFile;
import io.bitnet4j.gguf.GgufKeys;
import io.bitnet4j.gguf.GgufTensorNames;
import io.bitnet4j.graph.Forward;
import io.bitnet4j.graph.KvCache;
import io.bitnet4j.graph.OutputRequantizer;
import io.bitnet4j.kernels.KernelSelector;
import io.bitnet4j.kernels.Kernels;
import io.bitnet4j.kernels.Parallel;
import io.bitnet4j.kernels.SystemLibrary;
import io.bitnet4j.model.ModelConfig;
import io.bitnet4j.model.ModelException;
import io.bitnet4j.model.ModelWeights;
import io.bitnet4j.tensor.TensorType;
import io.bitnet4j.tokenizer.Tokenizer;
import io.bitnet4j.tokenizer.Tokenizers;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A model ready to run: the mapped GGUF file, its config and weights, its tokenizer, the chosen
 * kernels and the thread pool. The entry point for embedding bitnet4j in an application (the forward
 * pass and KV caches it makes are {@code io.bitnet4j.graph}'s, the generation loop
 * {@code io.bitnet4j.generation}'s):
 * <pre>{@code
 * try (LoadedModel m = LoadedModel.open(path, LoadOptions.defaults());
 *      Forward f = m.newForward(2048);
 *      KvCache cache = m.newKvCache(2048)) {
 *     Generator g = new Generator(f, cache);
 *     ...
 * }
 * }</pre>
 */
public final class LoadedModel implements AutoCloseable {

    private final GgufFile gguf;
    private final ModelConfig config;
    private final ModelWeights weights;
    private final Tokenizer tokenizer;
    private final Kernels kernels;
    private final String kernelExplanation;
    private final Parallel parallel;
    private final LoadOptions options;
    private final List<String> notes;
    /** Memory the model owns besides the mapped file (a re-encoded output head). */
    private final Arena arena = Arena.ofShared();
    /** Whether the file's pages were locked ({@link LoadOptions#mlock}), to unlock them at close. */
    private final boolean locked;

    private LoadedModel(GgufFile gguf, ModelConfig config, ModelWeights weights, Tokenizer tokenizer,
                        KernelSelector.Selection selection, LoadOptions options) {
        this.gguf = gguf;
        this.config = config;
        this.tokenizer = tokenizer;
        this.kernels = selection.kernels();
        this.kernelExplanation = selection.explanation();
        this.options = options;
        this.parallel = new Parallel(options.threads());
        List<String> n = new ArrayList<>(tokenizer.notes());
        if (options.outputType() == TensorType.Q8_0 && OutputRequantizer.applies(weights.output())) {
            long t0 = System.nanoTime();
            try {
                weights = weights.withOutput(OutputRequantizer.toQ80(weights.output(), parallel, arena));
            } catch (RuntimeException e) {
                parallel.close();
                arena.close();
                throw e;
            }
            n.add(String.format(java.util.Locale.ROOT, "output head re-encoded as q8_0 at load: %.0f MB in %.2f s",
                    weights.output().bytes() / 1e6, (System.nanoTime() - t0) / 1e9));
        } else if (options.outputType() != null && weights.output().type() != options.outputType()) {
            n.add("--output-type " + options.outputType().typeName() + " ignored: the output head is "
                    + weights.output().type().typeName() + ", not a float type");
        }
        this.weights = weights;
        String lockProblem = options.mlock() ? SystemLibrary.lockMemory(gguf.segment()) : null;
        if (lockProblem != null) n.add("--mlock: " + lockProblem + "; the model runs unlocked");
        this.locked = options.mlock() && lockProblem == null;
        this.notes = List.copyOf(n);
    }

    /**
     * Opens and checks a model file: mapped, or read into memory ({@link LoadOptions#mmap}). Errors, each
     * naming the file: {@link java.nio.file.NoSuchFileException} and other IOExceptions,
     * {@link io.bitnet4j.gguf.GgufFormatException} for a malformed file, {@link ModelException} for an
     * unsupported model or metadata that contradicts the tensors, {@link io.bitnet4j.tokenizer.TokenizerException}
     * for an unusable vocabulary; IllegalStateException when the requested kernel tier is unavailable.
     */
    public static LoadedModel open(Path path, LoadOptions options) throws IOException {
        KernelSelector.Selection selection = KernelSelector.select(options.kernels());
        GgufFile gguf = options.mmap() ? GgufFile.open(path) : GgufFile.read(path);
        try {
            ModelConfig config = ModelConfig.from(gguf);
            ModelWeights weights = ModelWeights.load(gguf, config);
            Tokenizer tokenizer = Tokenizers.fromGguf(gguf, options.tokenizer());
            if (tokenizer.vocabSize() > config.vocabSize()) {
                // the tokenizer could produce ids the graph has no embedding row (and no logit) for
                throw new ModelException(gguf.path(), GgufKeys.TOKENIZER_TOKENS + " has " + tokenizer.vocabSize()
                        + " tokens, but " + GgufTensorNames.TOKEN_EMBD + " has only " + config.vocabSize() + " rows");
            }
            return new LoadedModel(gguf, config, weights, tokenizer, selection, options);
        } catch (RuntimeException | Error e) {
            gguf.close();
            throw e;
        }
    }

    /**
     * A forward pass serving KV caches of up to {@code contextSize} tokens (0 = the model's
     * context_length), its workspace holding the options' batch size of rows (at most the context).
     */
    public Forward newForward(int contextSize) {
        return newForward(contextSize, options.batchSize());
    }

    /** {@link #newForward(int)} with a workspace of {@code batchRows} rows (e.g. one per batched sequence). */
    public Forward newForward(int contextSize, int batchRows) {
        return new Forward(config, weights, kernels, parallel, context(contextSize), batchRows, options.kvType());
    }

    /** One sequence's KV cache of {@code contextSize} tokens (0 = the model's context_length), of the options' KV type. */
    public KvCache newKvCache(int contextSize) {
        return new KvCache(config, context(contextSize), options.kvType());
    }

    private int context(int contextSize) {
        return contextSize <= 0 ? config.contextLength() : contextSize;
    }

    public GgufFile gguf() {
        return gguf;
    }

    public ModelConfig config() {
        return config;
    }

    public ModelWeights weights() {
        return weights;
    }

    public Tokenizer tokenizer() {
        return tokenizer;
    }

    public Kernels kernels() {
        return kernels;
    }

    /** One line: which kernel tier runs and why. */
    public String kernelExplanation() {
        return kernelExplanation;
    }

    public int threads() {
        return parallel.threads();
    }

    public LoadOptions options() {
        return options;
    }

    /** Things worth telling the user once (e.g. a repaired pre-tokenizer). */
    public List<String> notes() {
        return notes;
    }

    @Override
    public void close() {
        parallel.close();
        arena.close();
        if (locked) SystemLibrary.unlockMemory(gguf.segment());
        gguf.close();
    }
}
