package io.bitnet4j.model;

import java.util.List;
import java.util.Optional;

/**
 * What one model family does differently inside the shared transformer graph. Adding a family is
 * adding a row to {@link #KNOWN}, not a new graph.
 *
 * @param names              {@code general.architecture} values that mean this family
 * @param defaultActivation  FFN gate activation unless metadata says otherwise
 * @param subNorms           RMSNorm of the attention output before {@code attn_output} and of the
 *                           FFN hidden state before {@code ffn_down}
 * @param ropeStyle          how RoPE pairs dimensions
 * @param projectionScales   optional {@code blk.N.*.scale} tensors multiply projection outputs
 * @param qkNorm             RMSNorm of each Q and K head (over the head size, {@code attn_q_norm} /
 *                           {@code attn_k_norm}) after the projections, before RoPE
 * @param embeddingHead      the output head is always {@code token_embd}: the reference engines' BitNet graphs
 *                           read no {@code output.weight} (bitnet.cpp loads and ignores one, llama.cpp refuses
 *                           the file), so a file that has one gives their logits, not that tensor's
 */
public record Architecture(List<String> names, Activation defaultActivation, boolean subNorms,
                           RopeStyle ropeStyle, boolean projectionScales, boolean qkNorm, boolean embeddingHead) {

    /** microsoft/BitNet-b1.58-2B-4T ({@code bitnet-25} is its older name): ReLU², sub-norms, NEOX RoPE. */
    public static final Architecture BITNET_B158 =
            new Architecture(List.of("bitnet-b1.58", "bitnet-25"), Activation.RELU_SQUARED, true, RopeStyle.NEOX, false, false, true);
    /** 1bitLLM bitnet_b1_58-large / -3B: the same graph with SiLU and optional projection scales. */
    public static final Architecture BITNET =
            new Architecture(List.of("bitnet"), Activation.SILU, true, RopeStyle.NEOX, true, false, true);
    /** LLaMA with ternary weights (Llama3-8B-1.58, Falcon3-1.58bit, Falcon-E): SwiGLU, no sub-norms. */
    public static final Architecture LLAMA =
            new Architecture(List.of("llama"), Activation.SILU, false, RopeStyle.NORMAL, false, false, false);
    /**
     * Qwen3 (PrismML's Bonsai models, Q1_0/Q2_0): SwiGLU, no sub-norms, NEOX RoPE, per-head Q/K norm;
     * the head size ({@code key_length}) need not be the embedding length over the head count.
     */
    public static final Architecture QWEN3 =
            new Architecture(List.of("qwen3"), Activation.SILU, false, RopeStyle.NEOX, false, true, false);

    public static final List<Architecture> KNOWN = List.of(BITNET_B158, BITNET, LLAMA, QWEN3);

    public String name() {
        return names.getFirst();
    }

    public static Optional<Architecture> byName(String name) {
        return KNOWN.stream().filter(a -> a.names.contains(name)).findFirst();
    }

    public static String knownNames() {
        return String.join(", ", KNOWN.stream().flatMap(a -> a.names.stream()).toList());
    }
}
