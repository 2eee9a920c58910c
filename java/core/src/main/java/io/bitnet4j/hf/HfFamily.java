package io.bitnet4j.hf;

import io.bitnet4j.model.Activation;
import io.bitnet4j.model.Architecture;
import io.bitnet4j.model.ModelConfig;
import io.bitnet4j.model.ModelException;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * The Hugging Face model families convert reads, and what each becomes in GGUF — the one place that
 * knows their class names, tensor names and conventions.
 *
 * <ul>
 *   <li>{@link #BITNET_B158} {@code BitNetForCausalLM} (microsoft/BitNet-b1.58-2B-4T and its -bf16 master
 *       weights) → {@code bitnet-b1.58}: ReLU², sub-norms {@code attn_sub_norm}/{@code ffn_sub_norm}.</li>
 *   <li>{@link #BITNET} {@code BitnetForCausalLM} (1bitLLM/bitnet_b1_58-large, -3B: latent weights) →
 *       {@code bitnet}: SiLU (or {@code hidden_act}), sub-norms named {@code inner_attn_ln}/{@code ffn_layernorm}.</li>
 *   <li>{@link #LLAMA} {@code LlamaForCausalLM} with {@code quantization_config.quant_method = "bitnet"}
 *       (HF1BitLLM/Llama3-8B-1.58, tiiuae/Falcon3-*-1.58bit, Falcon-E) → {@code llama}: SwiGLU, no sub-norms,
 *       q/k rows permuted as llama.cpp's converter does (GGUF {@code llama} rotates adjacent pairs, HF
 *       rotates halves).</li>
 *   <li>{@link #QWEN3} {@code Qwen3ForCausalLM} → {@code qwen3}, as llama.cpp's {@code convert_hf_to_gguf.py}
 *       ({@code Qwen3Model}) writes it: SwiGLU, per-head {@code q_norm}/{@code k_norm} → {@code attn_q_norm}/{@code attn_k_norm},
 *       {@code head_dim} apart from hidden / heads. Its projections are float weights kept as they are (not
 *       ternarized): a quantized type is ggml's own quantizer of the float rows.</li>
 * </ul>
 * BitNet's and Qwen's RoPE is NEOX-style (halves) in GGUF too, so their q/k are not permuted.
 */
enum HfFamily {
    BITNET_B158("BitNetForCausalLM", Architecture.BITNET_B158, "self_attn.attn_sub_norm", "mlp.ffn_sub_norm", false),
    BITNET("BitnetForCausalLM", Architecture.BITNET, "self_attn.inner_attn_ln", "mlp.ffn_layernorm", false),
    LLAMA("LlamaForCausalLM", Architecture.LLAMA, null, null, true),
    QWEN3("Qwen3ForCausalLM", Architecture.QWEN3, null, null, false);

    final String hfClass;
    final Architecture architecture;
    /** HF names (after {@code model.layers.N.}) of the sub-norms, null when the family has none. */
    final String attnSubNorm, ffnSubNorm;
    final boolean permuteQk;

    HfFamily(String hfClass, Architecture architecture, String attnSubNorm, String ffnSubNorm, boolean permuteQk) {
        this.hfClass = hfClass;
        this.architecture = architecture;
        this.attnSubNorm = attnSubNorm;
        this.ffnSubNorm = ffnSubNorm;
        this.permuteQk = permuteQk;
    }

    String ggufArchitecture() { return architecture.name(); }

    /** The family of a config, after checking what the family requires of it. */
    static HfFamily of(HfConfig c, Path dir) {
        HfFamily f = Arrays.stream(values()).filter(v -> c.architectures().contains(v.hfClass)).findFirst()
                .orElseThrow(() -> new ModelException(dir + ": architecture " + c.architectures() + " is not supported (convert reads "
                        + String.join(", ", Arrays.stream(values()).map(v -> v.hfClass).toList()) + ")"));
        if (f == LLAMA && !c.isBitnetQuantized()) {
            throw new ModelException(dir + ": LlamaForCausalLM without quantization_config.quant_method = \"bitnet\" is not a ternary model"
                    + " (convert reads 1.58-bit Llama checkpoints such as Llama3-8B-1.58 or Falcon3-*-1.58bit)");
        }
        if (f == QWEN3) checkQwen3(c, dir);
        f.activation(c, dir); // checks hidden_act
        if (c.ropeScaling() != null) {
            Object type = c.ropeScaling().getOrDefault("rope_type", c.ropeScaling().get("type"));
            Object factor = c.ropeScaling().get("factor");
            boolean identity = "linear".equals(type) && factor instanceof Number n && n.doubleValue() == 1.0;
            if (!identity) throw new ModelException(dir + ": rope_scaling " + c.ropeScaling() + " is not supported (only none or linear with factor 1)");
        }
        if (c.isBitnetQuantized() && Boolean.TRUE.equals(c.quantizationConfig().get("use_rms_norm"))) {
            throw new ModelException(dir + ": quantization_config.use_rms_norm = true (an extra RMSNorm inside every BitLinear) is not supported");
        }
        return f;
    }

    /** What the {@code qwen3} graph needs of the config: float weights, whole GQA groups, an even head size (NEOX RoPE). */
    private static void checkQwen3(HfConfig c, Path dir) {
        if (c.quantizationConfig() != null) {
            throw new ModelException(dir + ": quantization_config " + c.quantizationConfig() + " is not supported for Qwen3ForCausalLM"
                    + " (convert reads its float weights)");
        }
        if (c.numAttentionHeads() % c.numKeyValueHeads() != 0) {
            throw new ModelException(dir + ": num_attention_heads " + c.numAttentionHeads() + " is not a multiple of num_key_value_heads "
                    + c.numKeyValueHeads());
        }
        if (c.headDim() % 2 != 0) throw new ModelException(dir + ": head_dim " + c.headDim() + " is odd; RoPE rotates pairs of values");
    }

    /** Whether the family's float projections are latent weights to ternarize (BitNet's), rather than the model's weights. */
    boolean ternarizesLatent() { return this != QWEN3; }

    private static final Map<String, Activation> ACTIVATIONS = Map.of("relu2", Activation.RELU_SQUARED, "silu", Activation.SILU);

    Activation activation(HfConfig c, Path dir) {
        String act = c.hiddenAct().toLowerCase(Locale.ROOT);
        Activation a = ACTIVATIONS.get(act);
        boolean ok = switch (this) {
            case BITNET_B158 -> a == Activation.RELU_SQUARED;
            case LLAMA, QWEN3 -> a == Activation.SILU;
            case BITNET -> a != null;
        };
        if (!ok) {
            throw new ModelException(dir + ": hidden_act '" + c.hiddenAct() + "' is not supported for " + hfClass + " (→ "
                    + ggufArchitecture() + (this == BITNET ? ", which takes silu or relu2)" : ", which uses " + architecture.defaultActivation().key() + ")"));
        }
        return a;
    }

    /** The GGUF hyper-parameters. */
    ModelConfig modelConfig(HfConfig c, Path dir) {
        return new ModelConfig(architecture, ggufArchitecture(), c.hiddenSize(), c.numHiddenLayers(),
                c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim(), c.intermediateSize(), c.vocabSize(),
                c.maxPositionEmbeddings(), (float) c.rmsNormEps(), (float) c.ropeTheta(), c.headDim(), activation(c, dir));
    }
}
