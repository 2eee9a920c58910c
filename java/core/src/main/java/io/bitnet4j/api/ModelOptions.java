package io.bitnet4j.api;

import io.bitnet4j.engine.LoadOptions;
import io.bitnet4j.graph.KvCacheType;
import io.bitnet4j.kernels.KernelTier;
import io.bitnet4j.tensor.TensorType;

/**
 * How to open a {@link BitnetModel}. Start from {@link #defaults()} and change what you need with the
 * {@code with…} methods; a value out of range is an {@link IllegalArgumentException} naming the option.
 *
 * @param threads       compute threads of the forward pass (the batcher's thread counts as one)
 * @param contextSize   tokens per sequence, prompt and answer together; 0 = the model's context length capped
 *                      at {@value #DEFAULT_CONTEXT}; more than the model's context length is capped at it
 * @param kernels       the kernel tier to force, or null for the fastest this machine supports
 * @param kvType        element type of the KV caches (F16 by default, as llama.cpp)
 * @param outputType    re-encode a float output head at load to this type (only Q8_0), or null to keep it as stored
 * @param parallel      requests decoded together, each with its own KV cache of {@code contextSize} tokens
 *                      (the server's {@code --parallel}); more concurrent requests wait in the queue
 * @param queueCapacity requests that may wait for a free slot; beyond it a request fails with
 *                      {@link ModelBusyException} instead of blocking
 * @param mmap          map the file (no copy, pages read on demand); false reads it into memory, so that a file
 *                      replaced or truncated on disk while the model runs cannot take the process down
 */
public record ModelOptions(int threads, int contextSize, KernelTier kernels, KvCacheType kvType, TensorType outputType,
                           int parallel, int queueCapacity, boolean mmap) {

    /** The context used when {@code contextSize} is 0 (the CLI's default too), unless the model's is smaller. */
    public static final int DEFAULT_CONTEXT = 4096;

    /** Checks every option; kvType null means F16. */
    public ModelOptions {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        if (contextSize < 0) throw new IllegalArgumentException("context size must be >= 0 (0 = the model's), got " + contextSize);
        if (parallel < 1) throw new IllegalArgumentException("parallel (slots) must be >= 1, got " + parallel);
        if (queueCapacity < 0) throw new IllegalArgumentException("queue capacity must be >= 0, got " + queueCapacity);
        if (kvType == null) kvType = KvCacheType.F16;
        // the rest of the engine's rules (e.g. which output types) are LoadOptions' own
        toLoadOptions(threads, kernels, kvType, outputType, mmap);
    }

    /**
     * All processors, the model's context (at most {@value #DEFAULT_CONTEXT}), automatic kernels, F16 KV cache,
     * output head as stored, 4 slots and 64 waiting requests (the server's defaults), mapped.
     */
    public static ModelOptions defaults() {
        return new ModelOptions(LoadOptions.defaultThreads(), 0, null, KvCacheType.F16, null, 4, 64, true);
    }

    /** These options with {@code n} compute threads. */
    public ModelOptions withThreads(int n) {
        return new ModelOptions(n, contextSize, kernels, kvType, outputType, parallel, queueCapacity, mmap);
    }

    /** These options with a context of {@code tokens} per sequence (0 = the model's). */
    public ModelOptions withContextSize(int tokens) {
        return new ModelOptions(threads, tokens, kernels, kvType, outputType, parallel, queueCapacity, mmap);
    }

    /** These options with the kernel tier forced ({@code null} = automatic). */
    public ModelOptions withKernels(KernelTier tier) {
        return new ModelOptions(threads, contextSize, tier, kvType, outputType, parallel, queueCapacity, mmap);
    }

    /** These options with KV caches of {@code type}. */
    public ModelOptions withKvType(KvCacheType type) {
        return new ModelOptions(threads, contextSize, kernels, type, outputType, parallel, queueCapacity, mmap);
    }

    /** These options with the output head re-encoded as {@code type} (only Q8_0; null = as stored). */
    public ModelOptions withOutputType(TensorType type) {
        return new ModelOptions(threads, contextSize, kernels, kvType, type, parallel, queueCapacity, mmap);
    }

    /** These options with {@code slots} requests decoded together. */
    public ModelOptions withParallel(int slots) {
        return new ModelOptions(threads, contextSize, kernels, kvType, outputType, slots, queueCapacity, mmap);
    }

    /** These options with room for {@code requests} waiting requests. */
    public ModelOptions withQueueCapacity(int requests) {
        return new ModelOptions(threads, contextSize, kernels, kvType, outputType, parallel, requests, mmap);
    }

    /** These options with the file mapped ({@code true}) or read into memory. */
    public ModelOptions withMmap(boolean map) {
        return new ModelOptions(threads, contextSize, kernels, kvType, outputType, parallel, queueCapacity, map);
    }

    /** The engine's load options for these. */
    LoadOptions loadOptions() {
        return toLoadOptions(threads, kernels, kvType, outputType, mmap);
    }

    private static LoadOptions toLoadOptions(int threads, KernelTier kernels, KvCacheType kvType, TensorType outputType,
                                             boolean mmap) {
        return LoadOptions.defaults().withThreads(threads).withKernels(kernels).withKvType(kvType)
                .withOutputType(outputType).withMmap(mmap);
    }
}
