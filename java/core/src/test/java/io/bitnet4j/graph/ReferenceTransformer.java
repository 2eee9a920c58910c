package io.bitnet4j.graph;


/**
 * An independent forward pass in double precision, written from the Hugging Face model definitions
 * (LlamaForCausalLM / BitNetForCausalLM / Qwen3ForCausalLM), not from {@link Forward}: it works on the ORIGINAL q/k weights
 * and applies RoPE in {@code rotate_half} form. It recomputes the whole prefix for every position.
 */
final class ReferenceTransformer {

    private final TinyModel m;
    private final TinyModel.Spec s;
    private final boolean qkNorm;

    ReferenceTransformer(TinyModel m) {
        this(m, m.spec.qkNorm());
    }

    /** {@code qkNorm = false} on a qwen3 model leaves out its per-head q/k norm (a WRONG oracle, for negative controls). */
    ReferenceTransformer(TinyModel m, boolean qkNorm) {
        this.m = m;
        this.s = m.spec;
        this.qkNorm = qkNorm;
    }

    /** Logits of the last token of {@code tokens}. */
    double[] logits(int[] tokens) {
        int n = tokens.length, e = s.embd();
        double[][] x = new double[n][e];
        for (int t = 0; t < n; t++) for (int i = 0; i < e; i++) x[t][i] = m.embedding[tokens[t] * e + i];
        int hd = s.headDim(), group = s.heads() / s.kvHeads();
        for (TinyModel.Layer L : m.layers) {
            double[][] q = new double[n][], k = new double[n][], v = new double[n][];
            for (int t = 0; t < n; t++) {
                double[] h = rmsNorm(x[t], L.attnNorm());
                q[t] = scaled(matvec(L.wq(), h), L, 0);
                k[t] = scaled(matvec(L.wk(), h), L, 1);
                v[t] = scaled(matvec(L.wv(), h), L, 2);
                if (qkNorm) {                      // Qwen3Attention: q_norm / k_norm over head_dim, before RoPE
                    headNorm(q[t], s.heads(), L.qNorm());
                    headNorm(k[t], s.kvHeads(), L.kNorm());
                }
                rope(q[t], s.heads(), t);
                rope(k[t], s.kvHeads(), t);
            }
            for (int t = 0; t < n; t++) {
                double[] att = new double[s.heads() * hd];
                for (int h = 0; h < s.heads(); h++) {
                    int kh = h / group;
                    double[] sc = new double[t + 1];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j <= t; j++) {
                        double d = 0;
                        for (int i = 0; i < hd; i++) d += q[t][h * hd + i] * k[j][kh * hd + i];
                        sc[j] = d / Math.sqrt(hd);
                        max = Math.max(max, sc[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j <= t; j++) sum += sc[j] = Math.exp(sc[j] - max);
                    for (int j = 0; j <= t; j++) {
                        for (int i = 0; i < hd; i++) att[h * hd + i] += sc[j] / sum * v[j][kh * hd + i];
                    }
                }
                if (L.attnSubNorm() != null) att = rmsNorm(att, L.attnSubNorm());
                double[] o = scaled(matvec(L.wo(), att), L, 3);
                for (int i = 0; i < e; i++) x[t][i] += o[i];
            }
            for (int t = 0; t < n; t++) {
                double[] h = rmsNorm(x[t], L.ffnNorm());
                double[] g = scaled(matvec(L.gate(), h), L, 4);
                double[] u = scaled(matvec(L.up(), h), L, 5);
                double[] a = new double[s.ff()];
                for (int i = 0; i < s.ff(); i++) {
                    double act = s.relu2() ? Math.pow(Math.max(g[i], 0), 2) : g[i] / (1 + Math.exp(-g[i]));
                    a[i] = act * u[i];
                }
                if (L.ffnSubNorm() != null) a = rmsNorm(a, L.ffnSubNorm());
                double[] d = scaled(matvec(L.down(), a), L, 6);
                for (int i = 0; i < e; i++) x[t][i] += d[i];
            }
        }
        // the BitNet graphs (bitnet.cpp's and llama.cpp's) always project with token_embd, output.weight or not
        float[] head = s.subNorms() ? m.embedding : m.head;
        return matvec(head, rmsNorm(x[n - 1], m.outputNorm));
    }

    private double[] rmsNorm(double[] x, float[] w) {
        double ss = 0;
        for (double v : x) ss += v * v;
        double inv = 1 / Math.sqrt(ss / x.length + 1e-5);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[i] * inv * w[i];
        return y;
    }

    /** RMSNorm of each head's {@code head_dim} values, in place. */
    private void headNorm(double[] v, int heads, float[] w) {
        int hd = s.headDim();
        for (int h = 0; h < heads; h++) {
            double[] y = rmsNorm(java.util.Arrays.copyOfRange(v, h * hd, (h + 1) * hd), w);
            System.arraycopy(y, 0, v, h * hd, hd);
        }
    }

    private static double[] matvec(float[] w, double[] x) {
        int cols = x.length, rows = w.length / cols;
        double[] y = new double[rows];
        for (int r = 0; r < rows; r++) {
            double d = 0;
            for (int c = 0; c < cols; c++) d += w[r * cols + c] * x[c];
            y[r] = d;
        }
        return y;
    }

    private static double[] scaled(double[] y, TinyModel.Layer L, int which) {
        if (L.scales() == null) return y;
        float[] sc = L.scales()[which];
        for (int i = 0; i < y.length; i++) y[i] *= sc.length == 1 ? sc[0] : sc[i];
        return y;
    }

    /**
     * HF {@code q*cos + rotate_half(q)*sin}: dimension i pairs with i + half, inv_freq_i = base^(-2i/rot)
     * (divided by rope_freqs[i], Llama-3 style). bitnet (NEOX, GPT-NeoX rotary_pct): the first rot dims
     * rotate, half = rot/2. llama: the pairs llama.cpp's adjacent-pair RoPE on permuted weights means in
     * the original layout are (i, i + head_dim/2) for i < rot/2 — for rot = head_dim exactly rotate_half.
     */
    private void rope(double[] v, int heads, int pos) {
        int hd = s.headDim(), rot = s.ropeDim();
        int partner = s.neox() ? rot / 2 : hd / 2;
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < rot / 2; i++) {
                double invFreq = Math.pow(10000.0, -2.0 * i / rot);
                if (m.ropeFreqs != null) invFreq /= m.ropeFreqs[i];
                double ang = pos * invFreq, c = Math.cos(ang), sn = Math.sin(ang);
                int a = h * hd + i, b = a + partner;
                double x0 = v[a], x1 = v[b];
                v[a] = x0 * c - x1 * sn;
                v[b] = x1 * c + x0 * sn;
            }
        }
    }

}
