package io.bitnet4j.hf;

import io.bitnet4j.gguf.GgufFile;
import io.bitnet4j.gguf.GgufWriter;
import io.bitnet4j.graph.Forward;
import io.bitnet4j.graph.KvCache;
import io.bitnet4j.graph.KvCacheType;
import io.bitnet4j.kernels.Parallel;
import io.bitnet4j.kernels.ScalarKernels;
import io.bitnet4j.model.ModelConfig;
import io.bitnet4j.model.ModelWeights;
import io.bitnet4j.tensor.TensorCodecs;
import io.bitnet4j.tensor.TensorType;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Random;

/**
 * What the checkpoint round trips ({@link ConvertTest}, {@link HfFamiliesTest}) share: the tiny model's
 * shape, random values and their float roundings, the tests' own absmean ternarization, the reference
 * all-F32 GGUF (its keys spelled here, independently of the converter) and a scalar forward pass.
 */
final class RoundTrip {
    private RoundTrip() {}

    static final int H = 256, HEADS = 4, KV_HEADS = 2, HEAD = 64, FFN = 512, LAYERS = 2;

    static float[] gauss(Random r, int n, double sd, double mean) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (mean + sd * r.nextGaussian());
        return x;
    }

    static float bf16(float x) { return Float.intBitsToFloat(Float.floatToRawIntBits(x) & 0xFFFF0000); }

    static float[] bf16(float[] x) {
        float[] y = x.clone();
        for (int i = 0; i < y.length; i++) y[i] = bf16(y[i]);
        return y;
    }

    static float[] f16(float[] x) {
        float[] y = x.clone();
        for (int i = 0; i < y.length; i++) y[i] = Float.float16ToFloat(Float.floatToFloat16(y[i]));
        return y;
    }

    /** BitNet b1.58 absmean, computed independently of the converter: q = clamp(round(w / mean|w|)), value q·mean. */
    static float[] ternarized(float[] w) {
        double sum = 0;
        for (float x : w) sum += Math.abs(x);
        float mean = (float) Math.max(sum / w.length, 1e-5);
        float[] y = new float[w.length];
        for (int i = 0; i < w.length; i++) y[i] = (float) Math.max(-1, Math.min(1, Math.rint(w[i] / mean))) * mean;
        return y;
    }

    /** A writer holding the reference model's metadata: architecture and hyper-parameters of the shape above. */
    static GgufWriter reference(String arch, int ctx, float ropeBase) {
        GgufWriter w = new GgufWriter();
        String a = arch + ".";
        w.putString("general.architecture", arch);
        w.putUInt32(a + "context_length", ctx);
        w.putUInt32(a + "embedding_length", H);
        w.putUInt32(a + "block_count", LAYERS);
        w.putUInt32(a + "feed_forward_length", FFN);
        w.putUInt32(a + "attention.head_count", HEADS);
        w.putUInt32(a + "attention.head_count_kv", KV_HEADS);
        w.putFloat32(a + "attention.layer_norm_rms_epsilon", 1e-5f);
        w.putFloat32(a + "rope.freq_base", ropeBase);
        return w;
    }

    /** Adds an F32 tensor of GGUF shape {@code ne} holding {@code v}. */
    static void addF32(GgufWriter w, String name, long[] ne, float[] v) {
        MemorySegment seg = MemorySegment.ofArray(new byte[4 * v.length]);
        MemorySegment.copy(v, 0, seg, TensorCodecs.F32_LE, 0, v.length);
        w.addTensor(name, TensorType.F32, ne, seg);
    }

    /** The logits of every token of {@code tokens}, one batch, scalar kernels. */
    static float[][] logits(Path gguf, int[] tokens, int ctx, int vocab) throws Exception {
        try (GgufFile g = GgufFile.open(gguf); Parallel par = new Parallel(1)) {
            ModelConfig c = ModelConfig.from(g);
            ModelWeights mw = ModelWeights.load(g, c);
            try (Forward f = new Forward(c, mw, ScalarKernels.instance(), par, ctx, tokens.length, KvCacheType.F32);
                 KvCache cache = new KvCache(c, ctx, KvCacheType.F32)) {
                f.run(cache, tokens, 0, tokens.length, true);
                float[][] out = new float[tokens.length][vocab];
                for (int i = 0; i < tokens.length; i++) f.copyLogits(i, out[i]);
                return out;
            }
        }
    }
}
