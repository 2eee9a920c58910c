package io.bitnet4j.model;

/** The weights of one transformer block; sub-norms are null for architectures without them. */
public record LayerWeights(float[] attnNorm, Linear wq, Linear wk, Linear wv, Linear wo, float[] attnSubNorm,
                           float[] ffnNorm, Linear gate, Linear up, Linear down, float[] ffnSubNorm) {
}
