package io.bitnet4j.model;

import java.util.List;

/**
 * The weights of one transformer block; sub-norms and the per-head Q/K norms ({@code headSize} values
 * each) are null for architectures without them.
 */
public record LayerWeights(float[] attnNorm, Linear wq, Linear wk, Linear wv, float[] attnQNorm, float[] attnKNorm,
                           Linear wo, float[] attnSubNorm,
                           float[] ffnNorm, Linear gate, Linear up, Linear down, float[] ffnSubNorm) {

    /** The block's seven matrices: q, k, v, o, gate, up, down. */
    public List<Linear> projections() {
        return List.of(wq, wk, wv, wo, gate, up, down);
    }
}
