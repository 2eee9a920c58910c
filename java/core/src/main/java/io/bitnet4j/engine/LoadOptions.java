package io.bitnet4j.engine;

import io.bitnet4j.graph.KvCacheType;
import io.bitnet4j.kernels.KernelTier;
import io.bitnet4j.tensor.TensorType;
import io.bitnet4j.tokenizer.TokenizerOptions;

/**
 * How to load and run a model.
 *
 * @param threads    compute threads (the calling thread counts as one)
 * @param kernels    the kernel tier to force, or null for the automatic choice
 * @param kvType     KV cache element type
 * @param batchSize  tokens per forward pass when processing a prompt (llama.cpp's ubatch)
 * @param tokenizer  tokenizer choices (pre-tokenizer repair / llama.cpp compatibility)
 * @param outputType re-encode a float output head at load to this type (only Q8_0: half the bytes of f16
 *                   read per token, llama.cpp's own Q8_0 encoding), or null to run it as stored
 * @param mmap       map the file (the default: no copy, pages read on demand); false reads the whole file
 *                   into memory (llama.cpp's {@code --no-mmap}), so that a model file replaced or truncated
 *                   on disk while the model runs cannot take the process down (SIGBUS in native code)
 * @param mlock      lock the model's pages in RAM (llama.cpp's {@code --mlock}), best effort: when the
 *                   C library's {@code mlock} fails (e.g. {@code ulimit -l}), the model loads and a note says why
 */
public record LoadOptions(int threads, KernelTier kernels, KvCacheType kvType, int batchSize, TokenizerOptions tokenizer,
                          TensorType outputType, boolean mmap, boolean mlock) {

    public LoadOptions {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        if (kvType == null) kvType = KvCacheType.F16;
        if (tokenizer == null) tokenizer = TokenizerOptions.defaults();
        if (outputType != null && outputType != TensorType.Q8_0) {
            throw new IllegalArgumentException("the output head can be re-encoded at load only as q8_0, not " + outputType.typeName());
        }
    }

    /** Mapped, not locked. */
    public LoadOptions(int threads, KernelTier kernels, KvCacheType kvType, int batchSize, TokenizerOptions tokenizer,
                       TensorType outputType) {
        this(threads, kernels, kvType, batchSize, tokenizer, outputType, true, false);
    }

    public LoadOptions(int threads, KernelTier kernels, KvCacheType kvType, int batchSize, TokenizerOptions tokenizer) {
        this(threads, kernels, kvType, batchSize, tokenizer, null);
    }

    public static LoadOptions defaults() {
        return new LoadOptions(defaultThreads(), null, KvCacheType.F16, 256, TokenizerOptions.defaults());
    }

    public LoadOptions withThreads(int t) {
        return new LoadOptions(t, kernels, kvType, batchSize, tokenizer, outputType, mmap, mlock);
    }

    public LoadOptions withKernels(KernelTier k) {
        return new LoadOptions(threads, k, kvType, batchSize, tokenizer, outputType, mmap, mlock);
    }

    public LoadOptions withKvType(KvCacheType kv) {
        return new LoadOptions(threads, kernels, kv, batchSize, tokenizer, outputType, mmap, mlock);
    }

    public LoadOptions withBatchSize(int b) {
        return new LoadOptions(threads, kernels, kvType, b, tokenizer, outputType, mmap, mlock);
    }

    public LoadOptions withTokenizer(TokenizerOptions t) {
        return new LoadOptions(threads, kernels, kvType, batchSize, t, outputType, mmap, mlock);
    }

    public LoadOptions withOutputType(TensorType t) {
        return new LoadOptions(threads, kernels, kvType, batchSize, tokenizer, t, mmap, mlock);
    }

    public LoadOptions withMmap(boolean m) {
        return new LoadOptions(threads, kernels, kvType, batchSize, tokenizer, outputType, m, mlock);
    }

    public LoadOptions withMlock(boolean m) {
        return new LoadOptions(threads, kernels, kvType, batchSize, tokenizer, outputType, mmap, m);
    }

    /** Like llama.cpp: the available processors (on a 2-core machine, 2). */
    public static int defaultThreads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }
}
