package io.bitnet4j.engine;

import io.bitnet4j.kernels.KernelTier;
import io.bitnet4j.tokenizer.TokenizerOptions;

/**
 * How to load and run a model.
 *
 * @param threads    compute threads (the calling thread counts as one)
 * @param kernels    the kernel tier to force, or null for the automatic choice
 * @param kvType     KV cache element type
 * @param batchSize  tokens per forward pass when processing a prompt (llama.cpp's ubatch)
 * @param tokenizer  tokenizer choices (pre-tokenizer repair / llama.cpp compatibility)
 */
public record LoadOptions(int threads, KernelTier kernels, KvCacheType kvType, int batchSize, TokenizerOptions tokenizer) {

    public LoadOptions {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        if (kvType == null) kvType = KvCacheType.F16;
        if (tokenizer == null) tokenizer = TokenizerOptions.defaults();
    }

    public static LoadOptions defaults() {
        return new LoadOptions(defaultThreads(), null, KvCacheType.F16, 256, TokenizerOptions.defaults());
    }

    public LoadOptions withThreads(int t) {
        return new LoadOptions(t, kernels, kvType, batchSize, tokenizer);
    }

    public LoadOptions withKernels(KernelTier k) {
        return new LoadOptions(threads, k, kvType, batchSize, tokenizer);
    }

    public LoadOptions withKvType(KvCacheType kv) {
        return new LoadOptions(threads, kernels, kv, batchSize, tokenizer);
    }

    public LoadOptions withBatchSize(int b) {
        return new LoadOptions(threads, kernels, kvType, b, tokenizer);
    }

    public LoadOptions withTokenizer(TokenizerOptions t) {
        return new LoadOptions(threads, kernels, kvType, batchSize, t);
    }

    /** Like llama.cpp: the available processors (on a 2-core machine, 2). */
    public static int defaultThreads() {
        return Math.max(1, Runtime.getRuntime().availableProcessors());
    }
}
