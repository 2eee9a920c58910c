package io.bitnet4j.model;

/** The gate activation of the gated FFN: {@code down(act(gate(x)) * up(x))}. */
public enum Activation {
    /** relu(x)², BitNet-b1.58-2B-4T. */
    RELU_SQUARED("relu2"),
    /** x·sigmoid(x), LLaMA and the 1bitLLM models. */
    SILU("silu");

    private final String key;

    Activation(String key) {
        this.key = key;
    }

    /** The name used in GGUF metadata ({@code <arch>.hidden_activation}) and in messages. */
    public String key() {
        return key;
    }

    public static Activation fromKey(String key) {
        for (Activation a : values()) {
            if (a.key.equalsIgnoreCase(key)) return a;
        }
        if ("relu_sqr".equalsIgnoreCase(key) || "relu_squared".equalsIgnoreCase(key)) return RELU_SQUARED;
        throw new IllegalArgumentException("unknown hidden activation '" + key + "' (known: relu2, silu)");
    }
}
