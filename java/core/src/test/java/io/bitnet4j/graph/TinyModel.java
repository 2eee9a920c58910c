package io.bitnet4j.graph;

import io.bitnet4j.gguf.GgufWriter;
import io.bitnet4j.tensor.TensorCodecs;
import io.bitnet4j.tensor.TensorType;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A tiny random transformer in Hugging Face layout (weights {@code W[out][in]}, q/k unpermuted), written to
 * a GGUF file the way llama.cpp's converter would (q/k permuted for arch {@code llama}), and read back by
 * {@link ReferenceTransformer} from the same float values.
 */
final class TinyModel {

    enum Scales { NONE, SCALAR, PER_ROW }

    /** What to build. {@code activation} is the {@code hidden_activation} key or null for the arch default. */
    record Spec(String arch, int embd, int heads, int kvHeads, int headDim, int ff, int vocab, int layers, int ropeDim,
                boolean ropeFreqs, String activation, Scales scales, boolean untied,
                TensorType embdType, TensorType headType, int context) {

        /** bitnet, bitnet-b1.58: RMSNorm of the attention output and of the FFN hidden state. */
        boolean subNorms() {
            return arch.startsWith("bitnet");
        }

        /** Everything but llama: NEOX RoPE on unpermuted q/k (llama.cpp permutes llama's for adjacent pairs). */
        boolean neox() {
            return !arch.equals("llama");
        }

        /** qwen3: per-head RMSNorm of q and k before RoPE. */
        boolean qkNorm() {
            return arch.equals("qwen3");
        }

        boolean relu2() {
            if (activation != null) return activation.equals("relu2");
            return arch.equals("bitnet-b1.58") || arch.equals("bitnet-25");
        }

        static Spec of(String arch, int heads, int kvHeads) {
            return new Spec(arch, 64, heads, kvHeads, 64 / heads, 96, 300, 2, 64 / heads, false, null, Scales.NONE, false,
                    TensorType.F32, TensorType.F32, 32);
        }

        Spec withContext(int n) { return new Spec(arch, embd, heads, kvHeads, headDim, ff, vocab, layers, ropeDim, ropeFreqs, activation, scales, untied, embdType, headType, n); }

        /** A head size other than embd / heads (rotary over all of it). */
        Spec withHeadDim(int d) { return new Spec(arch, embd, heads, kvHeads, d, ff, vocab, layers, d, ropeFreqs, activation, scales, untied, embdType, headType, context); }

        Spec withRopeDim(int d) { return new Spec(arch, embd, heads, kvHeads, headDim, ff, vocab, layers, d, ropeFreqs, activation, scales, untied, embdType, headType, context); }
        Spec withRopeFreqs() { return new Spec(arch, embd, heads, kvHeads, headDim, ff, vocab, layers, ropeDim, true, activation, scales, untied, embdType, headType, context); }
        Spec withActivation(String a) { return new Spec(arch, embd, heads, kvHeads, headDim, ff, vocab, layers, ropeDim, ropeFreqs, a, scales, untied, embdType, headType, context); }
        Spec withScales(Scales s) { return new Spec(arch, embd, heads, kvHeads, headDim, ff, vocab, layers, ropeDim, ropeFreqs, activation, s, untied, embdType, headType, context); }
        Spec withUntied() { return new Spec(arch, embd, heads, kvHeads, headDim, ff, vocab, layers, ropeDim, ropeFreqs, activation, scales, true, embdType, headType, context); }
        Spec withTypes(TensorType e, TensorType h) { return new Spec(arch, embd, heads, kvHeads, headDim, ff, vocab, layers, ropeDim, ropeFreqs, activation, scales, untied, e, h, context); }
    }

    /** One layer, HF layout: matrices are [out][in] row-major. Scales null when absent. */
    record Layer(float[] attnNorm, float[] wq, float[] wk, float[] wv, float[] qNorm, float[] kNorm, float[] wo,
                 float[] attnSubNorm,
                 float[] ffnNorm, float[] gate, float[] up, float[] down, float[] ffnSubNorm,
                 float[][] scales /* q,k,v,o,gate,up,down */) {
    }

    final Spec spec;
    final List<Layer> layers = new ArrayList<>();
    float[] embedding;  // [vocab][embd], as dequantized from the stored bytes
    float[] head;       // [vocab][embd], as dequantized (== embedding when tied)
    float[] outputNorm;
    float[] ropeFreqs;  // ropeDim/2 or null
    private MemorySegment embdBytes;
    private MemorySegment headBytes;

    TinyModel(Spec spec, long seed) {
        this.spec = spec;
        Random r = new Random(seed);
        int e = spec.embd, q = spec.heads * spec.headDim(), kv = spec.kvHeads * spec.headDim(), f = spec.ff;
        boolean sub = spec.subNorms(), qk = spec.qkNorm();
        for (int l = 0; l < spec.layers; l++) {
            float[][] sc = null;
            if (spec.scales != Scales.NONE) {
                int[] rows = {q, kv, kv, e, f, f, e};
                sc = new float[7][];
                for (int i = 0; i < 7; i++) {
                    sc[i] = spec.scales == Scales.SCALAR ? new float[] {0.5f + r.nextFloat()} : positive(r, rows[i]);
                }
            }
            layers.add(new Layer(norm(r, e), mat(r, q, e), mat(r, kv, e), mat(r, kv, e),
                    qk ? norm(r, spec.headDim) : null, qk ? norm(r, spec.headDim) : null, mat(r, e, q),
                    sub ? norm(r, q) : null, norm(r, e), mat(r, f, e), mat(r, f, e), mat(r, e, f),
                    sub ? norm(r, f) : null, sc));
        }
        outputNorm = norm(r, e);
        float[] emb = new float[spec.vocab * e];
        for (int i = 0; i < emb.length; i++) emb[i] = (float) r.nextGaussian();
        embdBytes = TensorCodecs.quantize(spec.embdType, emb, spec.vocab, e);
        embedding = dequantize(spec.embdType, embdBytes, spec.vocab, e);
        if (spec.untied) {
            float[] h = mat(r, spec.vocab, e);
            headBytes = TensorCodecs.quantize(spec.headType, h, spec.vocab, e);
            head = dequantize(spec.headType, headBytes, spec.vocab, e);
        } else {
            head = embedding;
        }
        if (spec.ropeFreqs) {
            ropeFreqs = new float[spec.ropeDim / 2];
            for (int i = 0; i < ropeFreqs.length; i++) ropeFreqs[i] = 1f + 7f * r.nextFloat();
        }
    }

    private static float[] dequantize(TensorType t, MemorySegment bytes, int rows, int k) {
        float[] out = new float[rows * k];
        long rb = t.rowSize(k);
        for (int i = 0; i < rows; i++) TensorCodecs.dequantizeRow(t, bytes, i * rb, out, i * k, k);
        return out;
    }

    private static float[] mat(Random r, int rows, int cols) {
        float[] m = new float[rows * cols];
        double s = 1.0 / Math.sqrt(cols);
        for (int i = 0; i < m.length; i++) m[i] = (float) (r.nextGaussian() * s);
        return m;
    }

    private static float[] norm(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = 0.6f + 0.8f * r.nextFloat();
        return v;
    }

    private static float[] positive(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = 0.5f + r.nextFloat();
        return v;
    }

    /**
     * llama.cpp convert_hf_to_gguf.py {@code LlamaModel.permute}: per head,
     * {@code reshape(n_head, 2, head_dim/2, n_embd).swapaxes(1, 2)} — output row {@code 2i+j} of a head
     * is input row {@code j*head_dim/2 + i}.
     */
    static float[] permute(float[] w, int heads, int headDim, int cols) {
        float[] out = new float[w.length];
        int half = headDim / 2;
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < half; i++) {
                for (int j = 0; j < 2; j++) {
                    int src = h * headDim + j * half + i;
                    int dst = h * headDim + 2 * i + j;
                    System.arraycopy(w, src * cols, out, dst * cols, cols);
                }
            }
        }
        return out;
    }

    void write(Path path) throws IOException {
        write(path, !spec.neox());
    }

    /** {@code permuteQk = false} for arch llama writes a WRONG file (as a converter without the permutation would). */
    void write(Path path, boolean permuteQk) throws IOException {
        Spec s = spec;
        String a = s.arch + ".";
        GgufWriter g = new GgufWriter();
        g.putString("general.architecture", s.arch).putString("general.name", "tiny-" + s.arch)
                .putUInt32(a + "context_length", s.context).putUInt32(a + "embedding_length", s.embd)
                .putUInt32(a + "block_count", s.layers).putUInt32(a + "feed_forward_length", s.ff)
                .putUInt32(a + "attention.head_count", s.heads).putUInt32(a + "attention.head_count_kv", s.kvHeads)
                .putFloat32(a + "attention.layer_norm_rms_epsilon", 1e-5f).putFloat32(a + "rope.freq_base", 10000f)
                .putUInt32(a + "rope.dimension_count", s.ropeDim);
        if (s.heads * s.headDim != s.embd) {
            g.putUInt32(a + "attention.key_length", s.headDim).putUInt32(a + "attention.value_length", s.headDim);
        }
        if (s.activation != null) g.putString(a + "hidden_activation", s.activation);
        List<String> tokens = new ArrayList<>(List.of("<unk>", "<s>", "</s>"));
        List<Integer> types = new ArrayList<>(List.of(2, 3, 3));
        for (int b = 0; b < 256; b++) {
            tokens.add(String.format("<0x%02X>", b));
            types.add(6);
        }
        for (int i = tokens.size(); i < s.vocab; i++) {
            tokens.add("\u2581w" + i);
            types.add(1);
        }
        g.putString("tokenizer.ggml.model", "llama").putStringArray("tokenizer.ggml.tokens", tokens)
                .putInt32Array("tokenizer.ggml.token_type", types.stream().mapToInt(Integer::intValue).toArray())
                .putUInt32("tokenizer.ggml.bos_token_id", 1).putUInt32("tokenizer.ggml.eos_token_id", 2);

        int e = s.embd, hd = s.headDim(), q = s.heads * hd, kv = s.kvHeads * hd, f = s.ff;
        g.addTensor("token_embd.weight", s.embdType, new long[] {e, s.vocab}, embdBytes);
        for (int l = 0; l < s.layers; l++) {
            Layer L = layers.get(l);
            String p = "blk." + l + ".";
            boolean perm = permuteQk;
            f32(g, p + "attn_norm.weight", L.attnNorm, e);
            f32(g, p + "attn_q.weight", perm ? permute(L.wq, s.heads, hd, e) : L.wq, e, q);
            f32(g, p + "attn_k.weight", perm ? permute(L.wk, s.kvHeads, hd, e) : L.wk, e, kv);
            f32(g, p + "attn_v.weight", L.wv, e, kv);
            if (L.qNorm != null) f32(g, p + "attn_q_norm.weight", L.qNorm, L.qNorm.length);
            if (L.kNorm != null) f32(g, p + "attn_k_norm.weight", L.kNorm, L.kNorm.length);
            f32(g, p + "attn_output.weight", L.wo, q, e);
            if (L.attnSubNorm != null) f32(g, p + "attn_sub_norm.weight", L.attnSubNorm, q);
            f32(g, p + "ffn_norm.weight", L.ffnNorm, e);
            f32(g, p + "ffn_gate.weight", L.gate, e, f);
            f32(g, p + "ffn_up.weight", L.up, e, f);
            f32(g, p + "ffn_down.weight", L.down, f, e);
            if (L.ffnSubNorm != null) f32(g, p + "ffn_sub_norm.weight", L.ffnSubNorm, f);
            if (L.scales != null) {
                String[] names = {"attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"};
                for (int i = 0; i < 7; i++) f32(g, p + names[i] + ".scale", L.scales[i], L.scales[i].length);
            }
        }
        f32(g, "output_norm.weight", outputNorm, e);
        if (s.untied) g.addTensor("output.weight", s.headType, new long[] {e, s.vocab}, headBytes);
        if (ropeFreqs != null) f32(g, "rope_freqs.weight", ropeFreqs, ropeFreqs.length);
        g.write(path);
    }

    private static void f32(GgufWriter g, String name, float[] v, long... shape) {
        g.addTensor(name, TensorType.F32, shape, MemorySegment.ofArray(
                toBytes(v)));
    }

    private static byte[] toBytes(float[] v) {
        MemorySegment seg = TensorCodecs.quantize(TensorType.F32, v, 1, v.length);
        return seg.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE);
    }
}
