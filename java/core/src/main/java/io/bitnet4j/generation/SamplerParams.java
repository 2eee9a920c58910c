package io.bitnet4j.generation;

/**
 * How the next token is chosen from the logits, with llama.cpp's meanings and defaults. The compact
 * constructor is the one rule for every front end (the CLI's flags, the server's JSON fields): a value
 * outside it is an {@link InvalidParameterException} naming the {@link Parameter}.
 *
 * @param temperature   0 or less = greedy (argmax); otherwise logits are divided by it
 * @param topK          keep the k most likely tokens (0 = all)
 * @param topP          keep the smallest set whose probability reaches p (1 = all; 0 = the most likely token only,
 *                      as llama.cpp's top-p, where the first token's probability already reaches 0)
 * @param minP          drop tokens whose probability is below minP × the best one's (0 = off)
 * @param repeatPenalty divide positive / multiply negative logits of recent tokens (1 = off)
 * @param repeatLastN   how many recent tokens the penalty looks at (0 = off, -1 = whole context)
 * @param seed          seed of the random generator: the same seed gives the same text
 */
public record SamplerParams(float temperature, int topK, float topP, float minP,
                            float repeatPenalty, int repeatLastN, long seed) {

    public static final SamplerParams GREEDY = new SamplerParams(0f, 0, 1f, 0f, 1f, 0, 0);

    /** The parameters a value can be wrong for, by the names llama.cpp's options give them. */
    public enum Parameter {
        TEMPERATURE("temperature"), TOP_K("top-k"), TOP_P("top-p"), MIN_P("min-p"),
        REPEAT_PENALTY("repeat penalty"), REPEAT_LAST_N("repeat-last-n");

        private final String displayName;

        Parameter(String displayName) {
            this.displayName = displayName;
        }

        public String displayName() {
            return displayName;
        }
    }

    /** A parameter value the sampler gives no meaning to. */
    public static final class InvalidParameterException extends IllegalArgumentException {
        private final Parameter parameter;
        private final String rule;
        private final String value;

        InvalidParameterException(Parameter parameter, String rule, Object value) {
            super(parameter.displayName() + " " + rule + ", got " + value);
            this.parameter = parameter;
            this.rule = rule;
            this.value = String.valueOf(value);
        }

        public Parameter parameter() {
            return parameter;
        }

        /** What the value must be, e.g. "must be in [0, 1]". */
        public String rule() {
            return rule;
        }

        /** The value given, as text. */
        public String value() {
            return value;
        }
    }

    /** llama.cpp's defaults (temp 0.8, top-k 40, top-p 0.95, min-p 0.05, penalty 1.0 over 64). */
    public static SamplerParams defaults(long seed) {
        return new SamplerParams(0.8f, 40, 0.95f, 0.05f, 1.0f, 64, seed);
    }

    public SamplerParams {
        if (Float.isNaN(temperature)) throw new InvalidParameterException(Parameter.TEMPERATURE, "must be a number", temperature);
        if (topK < 0) throw new InvalidParameterException(Parameter.TOP_K, "must be >= 0", topK);
        if (!(topP >= 0f && topP <= 1f)) throw new InvalidParameterException(Parameter.TOP_P, "must be in [0, 1]", topP);
        if (!(minP >= 0f && minP <= 1f)) throw new InvalidParameterException(Parameter.MIN_P, "must be in [0, 1]", minP);
        // llama.cpp's common_sampler_init rule: positive logits are divided by the penalty, so 1/penalty must be finite too
        if (!(Float.isFinite(repeatPenalty) && repeatPenalty > 0f && Float.isFinite(1f / repeatPenalty))) {
            throw new InvalidParameterException(Parameter.REPEAT_PENALTY, "must be finite and greater than 0", repeatPenalty);
        }
        if (repeatLastN < -1) throw new InvalidParameterException(Parameter.REPEAT_LAST_N, "must be >= -1", repeatLastN);
    }

    public boolean greedy() {
        return temperature <= 0f;
    }

    public SamplerParams withSeed(long newSeed) {
        return new SamplerParams(temperature, topK, topP, minP, repeatPenalty, repeatLastN, newSeed);
    }
}
