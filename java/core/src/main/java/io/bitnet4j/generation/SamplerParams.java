package io.bitnet4j.generation;

/**
 * How the next token is chosen from the logits, with llama.cpp's meanings and defaults.
 *
 * @param temperature   0 or less = greedy (argmax); otherwise logits are divided by it
 * @param topK          keep the k most likely tokens (0 = all)
 * @param topP          keep the smallest set whose probability reaches p (1 = all)
 * @param minP          drop tokens whose probability is below minP × the best one's (0 = off)
 * @param repeatPenalty divide positive / multiply negative logits of recent tokens (1 = off)
 * @param repeatLastN   how many recent tokens the penalty looks at (0 = off, -1 = whole context)
 * @param seed          seed of the random generator: the same seed gives the same text
 */
public record SamplerParams(float temperature, int topK, float topP, float minP,
                            float repeatPenalty, int repeatLastN, long seed) {

    public static final SamplerParams GREEDY = new SamplerParams(0f, 0, 1f, 0f, 1f, 0, 0);

    /** llama.cpp's defaults (temp 0.8, top-k 40, top-p 0.95, min-p 0.05, penalty 1.0 over 64). */
    public static SamplerParams defaults(long seed) {
        return new SamplerParams(0.8f, 40, 0.95f, 0.05f, 1.0f, 64, seed);
    }

    public SamplerParams {
        if (Float.isNaN(temperature)) throw new IllegalArgumentException("temperature is NaN");
        if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0, got " + topK);
        if (!(topP > 0f && topP <= 1f)) throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        if (!(minP >= 0f && minP <= 1f)) throw new IllegalArgumentException("min-p must be in [0, 1], got " + minP);
        if (!(repeatPenalty > 0f)) throw new IllegalArgumentException("repeat penalty must be > 0, got " + repeatPenalty);
        if (repeatLastN < -1) throw new IllegalArgumentException("repeat-last-n must be >= -1, got " + repeatLastN);
    }

    public boolean greedy() {
        return temperature <= 0f;
    }

    public SamplerParams withSeed(long newSeed) {
        return new SamplerParams(temperature, topK, topP, minP, repeatPenalty, repeatLastN, newSeed);
    }
}
