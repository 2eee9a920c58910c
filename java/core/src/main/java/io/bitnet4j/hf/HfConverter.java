package io.bitnet4j.hf;

import io.bitnet4j.gguf.GgufFileType;
import io.bitnet4j.gguf.GgufKeys;
import io.bitnet4j.gguf.GgufTensorNames;
import io.bitnet4j.gguf.GgufTensorNames.Layer;
import io.bitnet4j.gguf.GgufWriter;
import io.bitnet4j.model.ModelException;
import io.bitnet4j.quantize.Quantizer;
import io.bitnet4j.quantize.RowEncoder;
import io.bitnet4j.tensor.TensorType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Converts a Hugging Face checkpoint (config.json, safetensors, tokenizer) of one of the {@link HfFamily}
 * families to a GGUF model, without Python.
 *
 * <p>BitNet families' projections ({@code q/k/v/o_proj}, {@code gate/up/down_proj}) come as latent master weights
 * (BF16/F16/F32, ternarized by absmean) or packed (uint8 + {@code weight_scale}), each tensor read as its
 * dtype says (see {@link WeightSource}); either way the GGUF holds the ternary values times their scale,
 * packed into the requested type. Qwen3's float projections are the model's weights: they are encoded as
 * they are, by ggml's reference quantizer of the requested type ({@code quantize_row_q1_0_ref}, …) — the
 * same bytes as converting to F32 and running {@code quantize}. Which types an architecture may have is
 * {@link Quantizer#typeProblem}'s rule. Norms are F32; the token embedding (and an untied {@code lm_head}) F16,
 * or F32 with {@code --type f32}, or the requested embedding type (Q8_0, Q6_K).
 *
 * <p>Memory stays bounded: tensors are streamed a chunk of rows at a time from the memory-mapped
 * safetensors into the GGUF writer, which writes a temporary file and renames it at the end.
 *
 * <p>The tokenizer ({@link HfTokenizer}) is written into the metadata unless {@link Options#modelOnly};
 * a missing tokenizer is then an error.
 */
public final class HfConverter {
    private HfConverter() {}

    /** Types of the projections. */
    public static final Set<TensorType> TYPES =
            EnumSet.of(TensorType.I2_S, TensorType.TQ2_0, TensorType.TQ1_0, TensorType.Q1_0, TensorType.Q2_0, TensorType.F16, TensorType.F32);

    /**
     * @param type          the projections' type
     * @param embeddingType {@code token_embd} (and an untied {@code output}) type: F32, F16, Q8_0 or Q6_K; null = F32 for
     *                      {@code type} F32, else F16 (what the reference GGUF files use)
     * @param modelOnly     write a model without tokenizer metadata (it cannot be run by run/chat)
     */
    public record Options(TensorType type, TensorType embeddingType, boolean modelOnly) {
        public Options {
            Objects.requireNonNull(type, "type");
            if (!TYPES.contains(type)) throw new IllegalArgumentException("type " + type + " is not one of i2_s, tq2_0, tq1_0, q1_0, q2_0, f16, f32");
            if (embeddingType == null) embeddingType = type == TensorType.F32 ? TensorType.F32 : TensorType.F16;
            if (!Quantizer.EMBEDDING_TYPES.contains(embeddingType)) {
                throw new IllegalArgumentException("embedding type " + embeddingType + " is not one of " + Quantizer.EMBEDDING_TYPE_NAMES);
            }
        }

        public Options(TensorType type, boolean modelOnly) {
            this(type, null, modelOnly);
        }
    }

    /** What was written; {@code tokenizer} is null for a model-only conversion. */
    public record Result(Path path, String architecture, TensorType type, long fileBytes, int tensorCount, long parameters,
                         int packedCount, HfTokenizer tokenizer) {}

    /** What one GGUF tensor is made of. */
    record Plan(String ggufName, WeightSource source, TensorType target) {
        long[] ggufShape() {
            return source.tensor().shape().length == 1 ? new long[]{source.cols()} : new long[]{source.cols(), source.rows()};
        }

        long bytes() { return target.tensorBytes(source.cols(), source.rows()); }
    }

    /** The GGUF architecture name the checkpoint in {@code hfDir} converts to (reads config.json only). */
    public static String ggufArchitecture(Path hfDir) throws IOException {
        return HfFamily.of(HfConfig.read(hfDir), hfDir).ggufArchitecture();
    }

    /**
     * The projection type convert writes when none is asked for: I2_S for the BitNet families (bitnet.cpp's
     * files), Q1_0 for {@code qwen3} (PrismML's Bonsai files; I2_S is not a mainline type). Reads config.json only.
     */
    public static TensorType defaultType(Path hfDir) throws IOException {
        return HfFamily.of(HfConfig.read(hfDir), hfDir) == HfFamily.QWEN3 ? TensorType.Q1_0 : TensorType.I2_S;
    }

    public static Result convert(Path hfDir, Path out, Options o, GgufWriter.Progress progress) throws IOException {
        Objects.requireNonNull(progress);
        HfConfig c = HfConfig.read(hfDir);
        HfFamily family = HfFamily.of(c, hfDir);
        String problem = Quantizer.typeProblem(family.ggufArchitecture(), o.type());
        if (problem != null) throw new ModelException(hfDir + ": " + c.architecture() + " → " + problem);
        HfTokenizer tok = o.modelOnly() ? null : HfTokenizer.read(hfDir, c.vocabSize());
        try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(hfDir)) {
            List<Plan> plans = plan(family, c, ck, o);
            GgufWriter w = new GgufWriter();
            putMetadata(w, family, c, o.type(), hfDir);
            if (tok != null) tok.writeTo(w);
            long total = 0, params = 0;
            int packed = 0;
            for (Plan p : plans) {
                total += p.bytes();
                params += p.source().rows() * p.source().cols();
                if (p.source() instanceof WeightSource.Packed) packed++;
            }
            long[] done = {0};
            long finalTotal = total;
            for (Plan p : plans) {
                w.addTensor(p.ggufName(), p.target(), p.ggufShape(),
                        sink -> write(p, sink, n -> progress.update(done[0] += n, finalTotal)));
            }
            progress.update(0, total);
            w.write(out);
            return new Result(out, family.ggufArchitecture(), o.type(), Files.size(out), plans.size(), params, packed, tok);
        }
    }

    /** Every GGUF tensor with its source, after checking names, shapes and dtypes against the config. */
    static List<Plan> plan(HfFamily family, HfConfig c, SafetensorsCheckpoint ck, Options o) {
        long h = c.hiddenSize(), f = c.intermediateSize(), v = c.vocabSize();
        long q = (long) c.numAttentionHeads() * c.headDim(), kv = (long) c.numKeyValueHeads() * c.headDim();
        Planner pl = new Planner(family, c, ck, o);
        List<Plan> p = new ArrayList<>();
        TensorType e = o.embeddingType();
        p.add(pl.plain("model.embed_tokens.weight", GgufTensorNames.TOKEN_EMBD, e, v, h));
        var qPerm = family.permuteQk ? new WeightSource.QkPermutation(c.numAttentionHeads(), c.headDim()) : null;
        var kPerm = family.permuteQk ? new WeightSource.QkPermutation(c.numKeyValueHeads(), c.headDim()) : null;
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String s = "model.layers." + i + ".";
            p.add(pl.plain(s + "input_layernorm.weight", Layer.ATTN_NORM.weight(i), TensorType.F32, h));
            p.add(pl.projection(s + "self_attn.q_proj.weight", Layer.ATTN_Q.weight(i), qPerm, q, h));
            p.add(pl.projection(s + "self_attn.k_proj.weight", Layer.ATTN_K.weight(i), kPerm, kv, h));
            if (family.architecture.qkNorm()) {
                p.add(pl.plain(s + "self_attn.q_norm.weight", Layer.ATTN_Q_NORM.weight(i), TensorType.F32, c.headDim()));
                p.add(pl.plain(s + "self_attn.k_norm.weight", Layer.ATTN_K_NORM.weight(i), TensorType.F32, c.headDim()));
            }
            p.add(pl.projection(s + "self_attn.v_proj.weight", Layer.ATTN_V.weight(i), null, kv, h));
            p.add(pl.projection(s + "self_attn.o_proj.weight", Layer.ATTN_OUTPUT.weight(i), null, h, q));
            if (family.attnSubNorm != null) p.add(pl.plain(s + family.attnSubNorm + ".weight", Layer.ATTN_SUB_NORM.weight(i), TensorType.F32, q));
            p.add(pl.plain(s + "post_attention_layernorm.weight", Layer.FFN_NORM.weight(i), TensorType.F32, h));
            p.add(pl.projection(s + "mlp.gate_proj.weight", Layer.FFN_GATE.weight(i), null, f, h));
            p.add(pl.projection(s + "mlp.up_proj.weight", Layer.FFN_UP.weight(i), null, f, h));
            p.add(pl.projection(s + "mlp.down_proj.weight", Layer.FFN_DOWN.weight(i), null, h, f));
            if (family.ffnSubNorm != null) p.add(pl.plain(s + family.ffnSubNorm + ".weight", Layer.FFN_SUB_NORM.weight(i), TensorType.F32, f));
        }
        p.add(pl.plain("model.norm.weight", GgufTensorNames.OUTPUT_NORM, TensorType.F32, h));
        if (!c.tieWordEmbeddings()) p.add(pl.plain("lm_head.weight", GgufTensorNames.OUTPUT, e, v, h));
        return p;
    }

    /** Finds and checks the tensors of one checkpoint. */
    private record Planner(HfFamily family, HfConfig c, SafetensorsCheckpoint ck, Options o) {

        SafetensorsTensor find(String hfName) {
            if (!ck.hasTensor(hfName)) throw new ModelException(ck.dir() + ": missing tensor " + hfName);
            return ck.tensor(hfName);
        }

        void checkShape(SafetensorsTensor t, long[] expected, String what) {
            if (!Arrays.equals(t.shape(), expected)) {
                throw new ModelException(ck.dir() + ": tensor " + t.name() + " has shape " + Arrays.toString(t.shape())
                        + ", config.json implies " + Arrays.toString(expected) + what);
            }
        }

        void checkTarget(String hfName, long[] shape, TensorType target) {
            String problem = target.rowLengthProblem(shape[shape.length - 1]);
            if (problem != null) {
                throw new ModelException("tensor " + hfName + " of shape " + Arrays.toString(shape) + " cannot be " + target + ": " + problem
                        + (Quantizer.PROJECTION_TYPES.contains(target) ? " (use --type f16 or f32, or a type whose block fits)" : ""));
            }
        }

        Plan plain(String hfName, String ggufName, TensorType target, long... shape) {
            SafetensorsTensor t = find(hfName);
            checkShape(t, shape, "");
            if (t.dtype().floatType() == null) {
                throw new ModelException(ck.dir() + ": tensor " + hfName + " is " + t.dtype() + "; convert needs F32, F16 or BF16 here");
            }
            checkTarget(hfName, shape, target);
            return new Plan(ggufName, new WeightSource.Plain(t, null), target);
        }

        Plan projection(String hfName, String ggufName, WeightSource.QkPermutation order, long rows, long cols) {
            SafetensorsTensor t = find(hfName);
            String bias = hfName.replace(".weight", ".bias");
            if (ck.hasTensor(bias)) throw new ModelException(ck.dir() + ": tensor " + bias + ": projection biases are not supported");
            long[] shape = {rows, cols};
            checkTarget(hfName, shape, o.type());
            WeightSource src;
            if (t.dtype() == SafetensorsDType.U8) {
                if (!c.isBitnetQuantized()) {
                    throw new ModelException(ck.dir() + ": tensor " + hfName + " is packed (U8) but config.json has no quantization_config"
                            + " with quant_method \"bitnet\"");
                }
                if (rows % 4 != 0) throw new ModelException(ck.dir() + ": tensor " + hfName + ": " + rows + " rows cannot be packed 4 per byte");
                checkShape(t, new long[]{rows / 4, cols}, " for weights packed 4 per byte along the rows");
                src = new WeightSource.Packed(t, rows, order, weightScale(hfName), c.packedScaleMultiplies());
            } else if (t.dtype().floatType() != null) {
                checkShape(t, shape, "");
                if (family == HfFamily.LLAMA && !c.onlineQuantization()) {
                    throw new ModelException(ck.dir() + ": tensor " + hfName + " is " + t.dtype() + ", not packed; an offline"
                            + " bitnet-quantized " + family.hfClass + " needs its projections as uint8 with weight_scale");
                }
                src = family.ternarizesLatent() ? new WeightSource.Latent(t, order) : new WeightSource.Plain(t, order);
            } else {
                throw new ModelException(ck.dir() + ": tensor " + hfName + " is " + t.dtype()
                        + "; convert reads F32, F16 or BF16 latent weights or U8 packed ones");
            }
            return new Plan(ggufName, src, o.type());
        }

        /** The single positive, finite value of {@code <name>_scale}. */
        float weightScale(String hfName) {
            String name = hfName.replace(".weight", ".weight_scale");
            if (!ck.hasTensor(name)) throw new ModelException(ck.dir() + ": missing tensor " + name + " (the scale of packed " + hfName + ")");
            SafetensorsTensor s = ck.tensor(name);
            if (s.dtype().floatType() == null || s.elementCount() != 1) {
                throw new ModelException(ck.dir() + ": tensor " + name + " is " + s + "; expected one F32/F16/BF16 value (a per-tensor scale)");
            }
            float v = s.toFloats()[0];
            if (!(v > 0) || !Float.isFinite(v)) throw new ModelException(ck.dir() + ": tensor " + name + " holds " + v + ", not a positive scale");
            return v;
        }
    }

    private static void putMetadata(GgufWriter w, HfFamily family, HfConfig c, TensorType type, Path dir) {
        w.putString(GgufKeys.ARCHITECTURE, family.ggufArchitecture());
        Path name = dir.toAbsolutePath().normalize().getFileName();
        w.putString(GgufKeys.NAME, name == null ? "model" : name.toString());
        w.putUInt32(GgufKeys.FILE_TYPE, GgufFileType.of(type));
        family.modelConfig(c, dir).writeTo(w);
        w.putUInt32(GgufKeys.QUANTIZATION_VERSION, GgufFileType.QUANTIZATION_VERSION);
    }

    private static void write(Plan p, GgufWriter.TensorSink sink, RowEncoder.Written written) throws IOException {
        WeightSource src = p.source().prepared();
        RowEncoder.write(src::read, src.rows(), src.cols(), p.target(), src.i2sScale(), sink, written);
    }
}
