package io.bitnet4j.graph;

import io.bitnet4j.kernels.AttentionOrder;
import io.bitnet4j.kernels.MatmulOrder;
import io.bitnet4j.model.LayerWeights;
import io.bitnet4j.model.Linear;
import io.bitnet4j.model.ModelConfig;
import io.bitnet4j.model.ModelWeights;
import io.bitnet4j.tensor.TensorType;

import java.util.List;

/**
 * Which reference engine's arithmetic to reproduce where the two differ.
 *
 * <p>Ternary models are numerically fragile: every projection re-quantizes its input to int8, so a
 * one-ulp difference anywhere upstream can flip a rounding and move the logits by several percent
 * (measured on the reference models: a 1e-6 relative nudge of the norm outputs moved logits by
 * 0.1–0.2). Matching bitnet.cpp and llama.cpp "token for token" therefore means doing the float
 * work in their order. Most of it is common to both (kernel epilogues, the SIMD exp of SiLU); this
 * type holds what is not. The choice follows the engine that writes such files: bitnet.cpp for its
 * architectures ({@code bitnet-b1.58}, {@code bitnet-25}) and for I2_S weights, llama.cpp otherwise.
 */
public enum ReferenceNumerics {
    /**
     * bitnet.cpp (its llama.cpp fork, clang, AVX-512 build, as the shared reference data were made): ggml's
     * 16-lane kernels, tinyBLAS on f32 input for batches, ggml_vec_dot_f16 on f16 input for one token; TQ
     * blocks multiplied, then added (clang does not contract ggml's intrinsics).
     */
    BITNET_CPP,
    /**
     * llama.cpp (gcc, x86 AVX2 build, flash attention off): tinyBLAS's eight fma lanes for the matmuls of a
     * batch, ggml_vec_dot's 32 for a single token, ggml's vector exp in the softmax, attention weights
     * always rounded to f16 before the product with the f16 V cache, F16 matmul input rounded to f16, TQ
     * blocks fused (gcc contracts ggml's multiply and add).
     */
    LLAMA_CPP;

    /** The attention arithmetic of a pass that processes {@code batchTokens} tokens of a sequence. */
    public AttentionOrder attentionOrder(int batchTokens) {
        if (this == LLAMA_CPP) return batchTokens == 1 ? AttentionOrder.GGML_VEC_DOT : AttentionOrder.TINYBLAS;
        return batchTokens == 1 ? AttentionOrder.BITNET_CPP_SINGLE : AttentionOrder.BITNET_CPP_BATCH;
    }

    /** The float order of the matmuls of a pass that processes {@code batchTokens} tokens of a sequence. */
    public MatmulOrder matmulOrder(int batchTokens) {
        if (this == LLAMA_CPP) return batchTokens == 1 ? MatmulOrder.LLAMA_CPP_SINGLE : MatmulOrder.LLAMA_CPP_BATCH;
        return batchTokens == 1 ? MatmulOrder.BITNET_CPP_SINGLE : MatmulOrder.BITNET_CPP_BATCH;
    }

    public static ReferenceNumerics forModel(ModelConfig config, ModelWeights weights) {
        if (config.architectureName().startsWith("bitnet-")) return BITNET_CPP;
        for (LayerWeights l : weights.layers()) {
            for (Linear w : List.of(l.wq(), l.wk(), l.wv(), l.wo(), l.gate(), l.up(), l.down())) {
                if (w.type() == TensorType.I2_S) return BITNET_CPP;
            }
        }
        return LLAMA_CPP;
    }
}
