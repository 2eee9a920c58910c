package io.bitnet4j.convert;

import io.bitnet4j.model.Activation;
import io.bitnet4j.model.Architecture;
import io.bitnet4j.model.ModelConfig;
import io.bitnet4j.gguf.GgufWriter;
import io.bitnet4j.model.ModelException;
import io.bitnet4j.tensor.I2sCodec;
import io.bitnet4j.tensor.TensorCodecs;
import io.bitnet4j.tensor.TensorType;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Converts a Hugging Face {@code BitNetForCausalLM} checkpoint with unpacked master weights (BF16/F16/F32
 * safetensors, e.g. {@code microsoft/bitnet-b1.58-2B-4T-bf16}) to a GGUF model of architecture
 * {@code bitnet-b1.58}, without Python.
 *
 * <p>Each linear projection is ternarized as the model was trained (BitNet b1.58 absmean): with
 * {@code scale = 1 / max(mean|W|, 1e-5)} over the whole tensor, {@code W_t = clamp(round(W·scale), −1, 1)}
 * (round half to even, as {@code torch.round}) and the stored values are {@code W_t / scale}; these are
 * then packed into the requested type. Norms are F32; the token embedding (and an untied
 * {@code lm_head}) F16, or F32 with {@code --type f32}. HF's rotate-half RoPE layout is the NEOX style the
 * {@code bitnet-b1.58} architecture uses, so q/k need no permutation.
 *
 * <p>The tokenizer ({@code tokenizer.json} or {@code tokenizer.model}, see {@link HfTokenizer}) is written
 * into the metadata unless {@link Options#modelOnly}; a missing tokenizer is then an error.
 */
public final class HfConverter {
    private HfConverter() {}

    public static final String ARCHITECTURE = "BitNetForCausalLM";
    public static final String GGUF_ARCHITECTURE = "bitnet-b1.58";
    /** Types of the projections. */
    public static final Set<TensorType> TYPES =
            EnumSet.of(TensorType.I2_S, TensorType.TQ2_0, TensorType.TQ1_0, TensorType.F16, TensorType.F32);
    static final int CHUNK_FLOATS = 1 << 20;

    /**
     * @param type      the projections' type
     * @param modelOnly write a model without tokenizer metadata (it cannot be run by run/chat)
     */
    public record Options(TensorType type, boolean modelOnly) {
        public Options {
            Objects.requireNonNull(type, "type");
            if (!TYPES.contains(type)) throw new IllegalArgumentException("type " + type + " is not one of i2_s, tq2_0, tq1_0, f16, f32");
        }

        TensorType embeddingType() { return type == TensorType.F32 ? TensorType.F32 : TensorType.F16; }
    }

    /** What was written; {@code tokenizer} is null for a model-only conversion. */
    public record Result(Path path, TensorType type, long fileBytes, int tensorCount, long parameters, HfTokenizer tokenizer) {}

    /** What one GGUF tensor is made of. */
    record Plan(String ggufName, SafetensorsTensor source, TensorType target, boolean ternarize) {
        long[] ggufShape() {
            long[] s = source.shape();
            long[] r = new long[s.length];
            for (int i = 0; i < s.length; i++) r[i] = s[s.length - 1 - i]; // row-major → ggml ne order
            return r;
        }
    }

    public static Result convert(Path hfDir, Path out, Options o, DummyModel.Progress progress) throws IOException {
        Objects.requireNonNull(progress);
        HfConfig c = HfConfig.read(hfDir);
        if (!c.architectures().contains(ARCHITECTURE)) {
            throw new ModelException(hfDir + ": architecture " + c.architectures() + " is not supported (convert reads " + ARCHITECTURE + ")");
        }
        if (!c.hiddenAct().equals("relu2")) {
            throw new ModelException(hfDir + ": hidden_act '" + c.hiddenAct() + "' is not relu2, which " + GGUF_ARCHITECTURE + " uses");
        }
        HfTokenizer tok = o.modelOnly() ? null : HfTokenizer.read(hfDir, c.vocabSize());
        try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(hfDir)) {
            List<Plan> plans = plan(c, ck, o);
            GgufWriter w = new GgufWriter();
            putMetadata(w, c, o.type(), hfDir);
            if (tok != null) tok.writeTo(w);
            long total = 0, params = 0;
            for (Plan p : plans) {
                total += p.target().tensorBytes(p.source().cols(), p.source().rows());
                params += p.source().elementCount();
            }
            long[] done = {0};
            long finalTotal = total;
            for (Plan p : plans) {
                w.addTensor(p.ggufName(), p.target(), p.ggufShape(),
                        sink -> write(p, sink, n -> progress.update(done[0] += n, finalTotal)));
            }
            progress.update(0, total);
            w.write(out);
            return new Result(out, o.type(), Files.size(out), plans.size(), params, tok);
        }
    }

    /** Every GGUF tensor with its source, after checking names and shapes against the config. */
    static List<Plan> plan(HfConfig c, SafetensorsCheckpoint ck, Options o) {
        long h = c.hiddenSize(), f = c.intermediateSize(), v = c.vocabSize();
        long q = (long) c.numAttentionHeads() * c.headDim(), kv = (long) c.numKeyValueHeads() * c.headDim();
        List<Plan> p = new ArrayList<>();
        TensorType e = o.embeddingType();
        p.add(plan(ck, "model.embed_tokens.weight", "token_embd.weight", e, false, v, h));
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String s = "model.layers." + i + ".", b = "blk." + i + ".";
            p.add(plan(ck, s + "input_layernorm.weight", b + "attn_norm.weight", TensorType.F32, false, h));
            p.add(plan(ck, s + "self_attn.q_proj.weight", b + "attn_q.weight", o.type(), true, q, h));
            p.add(plan(ck, s + "self_attn.k_proj.weight", b + "attn_k.weight", o.type(), true, kv, h));
            p.add(plan(ck, s + "self_attn.v_proj.weight", b + "attn_v.weight", o.type(), true, kv, h));
            p.add(plan(ck, s + "self_attn.o_proj.weight", b + "attn_output.weight", o.type(), true, h, q));
            p.add(plan(ck, s + "self_attn.attn_sub_norm.weight", b + "attn_sub_norm.weight", TensorType.F32, false, h));
            p.add(plan(ck, s + "post_attention_layernorm.weight", b + "ffn_norm.weight", TensorType.F32, false, h));
            p.add(plan(ck, s + "mlp.gate_proj.weight", b + "ffn_gate.weight", o.type(), true, f, h));
            p.add(plan(ck, s + "mlp.up_proj.weight", b + "ffn_up.weight", o.type(), true, f, h));
            p.add(plan(ck, s + "mlp.down_proj.weight", b + "ffn_down.weight", o.type(), true, h, f));
            p.add(plan(ck, s + "mlp.ffn_sub_norm.weight", b + "ffn_sub_norm.weight", TensorType.F32, false, f));
        }
        p.add(plan(ck, "model.norm.weight", "output_norm.weight", TensorType.F32, false, h));
        if (!c.tieWordEmbeddings()) p.add(plan(ck, "lm_head.weight", "output.weight", e, false, v, h));
        return p;
    }

    private static Plan plan(SafetensorsCheckpoint ck, String hfName, String ggufName, TensorType target,
                             boolean ternarize, long... shape) {
        if (!ck.hasTensor(hfName)) {
            String hint = ck.hasTensor(hfName.replace(".weight", ".weight_scale")) || ck.names().stream().anyMatch(n -> n.endsWith("weight_scale"))
                    ? " (this looks like a packed checkpoint; convert needs the unpacked master weights, e.g. the -bf16 repository)" : "";
            throw new ModelException(ck.dir() + ": missing tensor " + hfName + hint);
        }
        SafetensorsTensor t = ck.tensor(hfName);
        if (!Arrays.equals(t.shape(), shape)) {
            throw new ModelException(ck.dir() + ": tensor " + hfName + " has shape " + Arrays.toString(t.shape())
                    + ", config.json implies " + Arrays.toString(shape));
        }
        if (t.dtype().floatType() == null) {
            throw new ModelException(ck.dir() + ": tensor " + hfName + " is " + t.dtype()
                    + " (packed weights?); convert needs F32, F16 or BF16 master weights");
        }
        String problem = target.rowLengthProblem(t.cols());
        if (problem != null) {
            throw new ModelException("tensor " + hfName + " of shape " + Arrays.toString(t.shape()) + " cannot be " + target + ": " + problem);
        }
        return new Plan(ggufName, t, target, ternarize);
    }

    private static void putMetadata(GgufWriter w, HfConfig c, TensorType type, Path dir) {
        w.putString("general.architecture", GGUF_ARCHITECTURE);
        Path name = dir.toAbsolutePath().normalize().getFileName();
        w.putString("general.name", name == null ? "model" : name.toString());
        w.putUInt32("general.file_type", type == TensorType.F32 ? 0 : type == TensorType.F16 ? 1 : DummyModel.fileType(type));
        new ModelConfig(Architecture.BITNET_B158, GGUF_ARCHITECTURE, c.hiddenSize(), c.numHiddenLayers(),
                c.numAttentionHeads(), c.numKeyValueHeads(), c.headDim(), c.intermediateSize(), c.vocabSize(),
                c.maxPositionEmbeddings(), (float) c.rmsNormEps(), (float) c.ropeTheta(), c.headDim(),
                Activation.RELU_SQUARED).writeTo(w);
        w.putUInt32("general.quantization_version", Quantizer.QUANTIZATION_VERSION);
    }

    @FunctionalInterface
    private interface Written {
        void add(long bytes);
    }

    /** absmean's {@code 1 / max(mean|W|, 1e-5)} over the whole tensor (mean accumulated in double). */
    static float ternaryScale(SafetensorsTensor t) {
        int k = Math.toIntExact(t.cols());
        float[] x = new float[k];
        double sum = 0;
        for (long r = 0; r < t.rows(); r++) {
            t.readFloats(r * k, x, 0, k);
            for (float v : x) sum += Math.abs(v);
        }
        float mean = t.elementCount() == 0 ? 0f : (float) (sum / t.elementCount());
        return 1f / Math.max(mean, 1e-5f);
    }

    /** {@code clamp(round(w·scale), −1, 1) / scale} in place. */
    static void ternarize(float[] x, int off, int n, float scale) {
        for (int i = off; i < off + n; i++) {
            float q = (float) Math.rint(x[i] * scale);
            x[i] = Math.max(-1f, Math.min(1f, q)) / scale;
        }
    }

    private static void write(Plan p, GgufWriter.TensorSink sink, Written written) throws IOException {
        SafetensorsTensor t = p.source();
        TensorType target = p.target();
        int k = Math.toIntExact(t.cols());
        long rows = t.rows();
        float scale = p.ternarize() ? ternaryScale(t) : 1f;
        float i2sScale = 0;
        if (target == TensorType.I2_S) {
            // I2_S keeps one scale per tensor, max|x|: after ternarization that is 1/scale unless all are 0
            float[] x = new float[k];
            for (long r = 0; r < rows; r++) {
                t.readFloats(r * k, x, 0, k);
                ternarize(x, 0, k, scale);
                i2sScale = I2sCodec.scale(i2sScale, x, 0, k);
            }
        }
        int chunkRows = (int) Math.max(1, Math.min(rows, CHUNK_FLOATS / Math.max(k, 1)));
        float[] x = new float[Math.toIntExact((long) chunkRows * k)];
        long rowBytes = target.rowSize(k);
        byte[] buf = new byte[Math.toIntExact(chunkRows * rowBytes)];
        MemorySegment seg = MemorySegment.ofArray(buf);
        for (long r0 = 0; r0 < rows; r0 += chunkRows) {
            int n = (int) Math.min(chunkRows, rows - r0);
            t.readFloats(r0 * k, x, 0, n * k);
            if (p.ternarize()) ternarize(x, 0, n * k, scale);
            for (int i = 0; i < n; i++) {
                if (target == TensorType.I2_S) I2sCodec.quantizeRow(x, i * k, i2sScale, seg, i * rowBytes, k);
                else TensorCodecs.quantizeRow(target, x, i * k, seg, i * rowBytes, k);
            }
            int len = Math.toIntExact(n * rowBytes);
            sink.write(buf, 0, len);
            written.add(len);
        }
        if (target == TensorType.I2_S) {
            byte[] tail = new byte[I2sCodec.TAIL_BYTES];
            MemorySegment.ofArray(tail).set(TensorCodecs.F32_LE, 0, i2sScale);
            sink.write(tail, 0, tail.length);
            written.add(tail.length);
        }
    }
}
