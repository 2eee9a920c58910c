package io.bitnet4j.api;

import io.bitnet4j.generation.SamplerParams;

import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How to generate: how much, how tokens are sampled (llama.cpp's meanings, see {@link SamplerParams}), and
 * where to stop. Start from {@link #defaults()} (llama.cpp's sampling defaults) or {@link #greedy()} and
 * change what you need with the {@code with…} methods; a value the sampler gives no meaning to is a
 * {@link SamplerParams.InvalidParameterException} (an {@link IllegalArgumentException}) naming it.
 *
 * @param maxTokens     most tokens to generate; -1 = until the end of generation or a full context
 * @param temperature   0 or less = greedy (always the most likely token)
 * @param topK          keep the k most likely tokens (0 = all)
 * @param topP          keep the smallest set whose probability reaches p (1 = all)
 * @param minP          drop tokens below minP × the best one's probability (0 = off)
 * @param repeatPenalty penalty on recently generated tokens (1 = off)
 * @param repeatLastN   how many recent tokens the penalty looks at (0 = off, -1 = the whole context)
 * @param seed          the sampler's seed: the same seed, prompt and options give the same text; empty = a
 *                      random seed per request (llama.cpp's default)
 * @param stop          stop strings, llama.cpp's semantics: generation ends where one first appears in the
 *                      text (across token boundaries), which ends before it; the finish reason is then STOP
 */
public record GenerateOptions(int maxTokens, float temperature, int topK, float topP, float minP, float repeatPenalty,
                              int repeatLastN, OptionalLong seed, List<String> stop) {

    /** Checks every option (the sampling ones by {@link SamplerParams}' rule); null seed or stop mean none. */
    public GenerateOptions {
        if (maxTokens < -1) throw new IllegalArgumentException("max tokens must be >= 0, or -1 for no limit; got " + maxTokens);
        if (seed == null) seed = OptionalLong.empty();
        if (stop == null) stop = List.of();
        for (String s : stop) {
            if (s == null) throw new IllegalArgumentException("a stop string is null");
        }
        stop = List.copyOf(stop);
        new SamplerParams(temperature, topK, topP, minP, repeatPenalty, repeatLastN, 0); // its rule, checked now
    }

    /** llama.cpp's defaults: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, no repeat penalty; 256 tokens. */
    public static GenerateOptions defaults() {
        SamplerParams d = SamplerParams.defaults(0);
        return new GenerateOptions(256, d.temperature(), d.topK(), d.topP(), d.minP(), d.repeatPenalty(), d.repeatLastN(),
                OptionalLong.empty(), List.of());
    }

    /** {@link #defaults()} with temperature 0: always the most likely token, the same text every time. */
    public static GenerateOptions greedy() {
        return defaults().withTemperature(0f);
    }

    /** True when sampling is greedy (temperature 0 or less). */
    public boolean isGreedy() {
        return temperature <= 0f;
    }

    /** These options generating at most {@code n} tokens (-1 = no limit but the context). */
    public GenerateOptions withMaxTokens(int n) {
        return new GenerateOptions(n, temperature, topK, topP, minP, repeatPenalty, repeatLastN, seed, stop);
    }

    /** These options with temperature {@code t} (0 = greedy). */
    public GenerateOptions withTemperature(float t) {
        return new GenerateOptions(maxTokens, t, topK, topP, minP, repeatPenalty, repeatLastN, seed, stop);
    }

    /** These options with top-k {@code k}. */
    public GenerateOptions withTopK(int k) {
        return new GenerateOptions(maxTokens, temperature, k, topP, minP, repeatPenalty, repeatLastN, seed, stop);
    }

    /** These options with top-p {@code p}. */
    public GenerateOptions withTopP(float p) {
        return new GenerateOptions(maxTokens, temperature, topK, p, minP, repeatPenalty, repeatLastN, seed, stop);
    }

    /** These options with min-p {@code p}. */
    public GenerateOptions withMinP(float p) {
        return new GenerateOptions(maxTokens, temperature, topK, topP, p, repeatPenalty, repeatLastN, seed, stop);
    }

    /** These options with repeat penalty {@code penalty} over the last {@code lastN} tokens. */
    public GenerateOptions withRepeatPenalty(float penalty, int lastN) {
        return new GenerateOptions(maxTokens, temperature, topK, topP, minP, penalty, lastN, seed, stop);
    }

    /** These options with a fixed seed. */
    public GenerateOptions withSeed(long s) {
        return new GenerateOptions(maxTokens, temperature, topK, topP, minP, repeatPenalty, repeatLastN, OptionalLong.of(s), stop);
    }

    /** These options with stop strings {@code strings} (replacing any). */
    public GenerateOptions withStop(String... strings) {
        return new GenerateOptions(maxTokens, temperature, topK, topP, minP, repeatPenalty, repeatLastN, seed,
                strings == null ? List.of() : Arrays.asList(strings)); // nulls reach the constructor's check
    }

    /** The sampler's parameters for one request: its seed, or a fresh random one. */
    SamplerParams samplerParams() {
        long s = seed.isPresent() ? seed.getAsLong() : ThreadLocalRandom.current().nextLong();
        return new SamplerParams(temperature, topK, topP, minP, repeatPenalty, repeatLastN, s);
    }
}
