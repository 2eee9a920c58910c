package io.bitnet4j.model;

/** Which dimensions RoPE rotates together. */
public enum RopeStyle {
    /** Pairs (i, i + n_rot/2): GPT-NeoX style, used by the bitnet architectures (llama.cpp rope type 2). */
    NEOX,
    /** Adjacent pairs (2i, 2i+1): llama.cpp's LLaMA style (its converter permutes q/k for it). */
    NORMAL
}
