package io.bitnet4j.gguf;

import java.util.EnumSet;
import java.util.Set;

/**
 * The GGUF tensor names of the architectures bitnet4j runs, spelled once (llama.cpp's
 * {@code LLM_TENSOR_NAMES} in {@code llama-arch.cpp}): the model-wide tensors as constants, the
 * per-layer ones ({@code blk.N.<stem>.weight}) as {@link Layer}.
 */
public final class GgufTensorNames {
    private GgufTensorNames() {}

    public static final String TOKEN_EMBD = "token_embd.weight";
    public static final String OUTPUT_NORM = "output_norm.weight";
    /** The output head; absent when it is tied to {@link #TOKEN_EMBD}. */
    public static final String OUTPUT = "output.weight";
    public static final String ROPE_FREQS = "rope_freqs.weight";
    /** What every per-layer tensor's name starts with, before the layer number. */
    public static final String BLOCK_PREFIX = "blk.";

    /** A tensor of every layer, in the order the converters write them. */
    public enum Layer {
        ATTN_NORM("attn_norm"),
        ATTN_Q("attn_q"),
        ATTN_K("attn_k"),
        ATTN_V("attn_v"),
        /** Per-head RMSNorm of Q and of K, head-size values each (qwen3). */
        ATTN_Q_NORM("attn_q_norm"),
        ATTN_K_NORM("attn_k_norm"),
        ATTN_OUTPUT("attn_output"),
        ATTN_SUB_NORM("attn_sub_norm"),
        FFN_NORM("ffn_norm"),
        FFN_GATE("ffn_gate"),
        FFN_UP("ffn_up"),
        FFN_DOWN("ffn_down"),
        FFN_SUB_NORM("ffn_sub_norm");

        /** The linear projections (the tensors a ternary type is for). */
        public static final Set<Layer> PROJECTIONS = EnumSet.of(ATTN_Q, ATTN_K, ATTN_V, ATTN_OUTPUT, FFN_GATE, FFN_UP, FFN_DOWN);

        /** The name between {@code blk.N.} and {@code .weight}. */
        public final String stem;

        Layer(String stem) {
            this.stem = stem;
        }

        /** {@code blk.<layer>.<stem>.weight}. */
        public String weight(int layer) {
            return BLOCK_PREFIX + layer + "." + stem + ".weight";
        }

        /** {@code blk.<layer>.<stem>.scale}: a projection's per-tensor scale (the {@code bitnet} architecture). */
        public String scale(int layer) {
            return BLOCK_PREFIX + layer + "." + stem + ".scale";
        }
    }
}
