package io.bitnet4j.kernels;

/**
 * What the attention kernel needs to know about a model's attention: the head size, the number of KV
 * heads, the query heads per KV head ({@code group}, 1 without GQA), whether the KV cache holds f16
 * (else f32) values, and the score scale (1/sqrt(headSize) for every supported architecture).
 */
public record AttentionShape(int headSize, int kvHeads, int group, boolean kvF16, float scale) {

    public AttentionShape {
        if (headSize <= 0 || kvHeads <= 0 || group <= 0) {
            throw new IllegalArgumentException("attention shape: headSize " + headSize + ", kvHeads " + kvHeads
                    + ", group " + group + " must all be positive");
        }
        if (!Float.isFinite(scale)) {
            throw new IllegalArgumentException("attention shape: scale must be finite, got " + scale);
        }
    }

    /** Floats per token of queries (and of the attention output). */
    public int qDim() {
        return kvHeads * group * headSize;
    }

    /** Values per token in the K (and V) cache. */
    public int kvDim() {
        return kvHeads * headSize;
    }

    /** Bytes per cache value. */
    public int kvBytes() {
        return kvF16 ? 2 : 4;
    }

    /**
     * Scratch floats a call needs when its last token attends to {@code maxLen} positions: the queries, one
     * K/V row, the scores, and up to {@link AttentionOrder#MAX_SLOTS} slots of partial sums for the weighted
     * sum.
     */
    public long scratchFloats(long maxLen) {
        return (long) (group + 1) * headSize + (long) group * maxLen + (long) AttentionOrder.MAX_SLOTS * group * headSize;
    }
}
