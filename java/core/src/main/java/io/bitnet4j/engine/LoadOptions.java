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
 */
public record LoadOptions(int threads, KernelTier kernels, KvCacheType kvType, int batchSize, TokenizerOptions tokenizer,
                          TensorType outputType) {

    public LoadOptions {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        if (kvType == null) kvType = KvCacheType.F16;
        if (tokenizer == null) tokenizer = TokenizerOptions.defaults();
        if (outputType != null && outputType != TensorType.Q8_0) {
            throw new IllegalArgumentException("the output head can be re-encoded at load only as q8_0, not " + outputType.typeName());
        }
    }

    public LoadOptions(int threads, KernelTier kernels, KvCacheType kvType, int batchSize, TokenizerOptions tokenizer) {
        this(threads, kernels, kvType, batchSize, tokenizer, null);
    }

    public static LoadOptions defaults() {
        return new LoadOptions(defaultThreads(), null, KvCacheType.F16, 256, TokenizerOptions.defaults());
    }

    public LoadOptions withThreads(int t) {
        return new LoadOptions(t, kernels, kvType, batchSize, tokenizer, outputType);
    }

    public LoadOptions withKernels(KernelTier k) {
        return new LoadOptions(threads, k, kvType, batchSize, tokenizer, outputType);
    }

    public LoadOptions withKvType(KvCacheType kv) {
        return new LoadOptions(threads, kernels, kv, batchSize, tokenizer, outputType);
    }

    public LoadOptions withBatchSize(int b) {
        return new LoadOptions(threads, kernels, kvType, b, tokenizer, outputType);
    }

    public LoadOptions withTokenizer(TokenizerOptions t) {
        return new LoadOptions(threads, kernels, kvType, batchSize, t, outputType);
    }

    public LoadOptions withOutputType(TensorType t) {
        return new LoadOptions(threads, kernels, kvType, batchSize, tokenizer, t);
    }

    /** Like llama.cpp: the available processors (on a 2-core machine, 2). */
    public static int defaultThreads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }
}
