package io.bitnet4j.dummy;

import io.bitnet4j.model.Architecture;
import io.bitnet4j.model.ModelConfig;
import io.bitnet4j.gguf.GgufFileType;
import io.bitnet4j.gguf.GgufKeys;
import io.bitnet4j.gguf.GgufTensorNames;
import io.bitnet4j.gguf.GgufTensorNames.Layer;
import io.bitnet4j.gguf.GgufWriter;
import io.bitnet4j.tensor.I2sCodec;
import io.bitnet4j.tensor.TensorCodecs;
import io.bitnet4j.tensor.TensorType;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Writes a {@code bitnet-b1.58} GGUF model of any size with random weights — the metadata keys and tensor
 * set bitnet.cpp writes for BitNet-b1.58-2B-4T, ternary projections in I2_S, TQ2_0 or TQ1_0, token
 * embedding F16, norms F32, output tied to the embedding — for testing and benchmarking without a download;
 * or a {@code qwen3} one (the tensor set llama.cpp's converter writes for Qwen3: no sub-norms, per-head
 * {@code attn_q_norm} / {@code attn_k_norm}, head size apart from hidden / heads) with TQ2_0, TQ1_0, Q1_0 or
 * Q2_0 projections; in Q1_0 and Q2_0 the embedding and the output head (untied for 8B, as Qwen3-8B) are in
 * that type too, as in PrismML's Bonsai files. Both carry the dummy byte-level BPE vocabulary ({@code llama-bpe} pre-tokenizer) and
 * BitNet's chat template, not Qwen's.
 *
 * <p>Tensors are generated while the file is written, a row at a time through a small reused buffer, so
 * a 100B model needs a few MB of heap. Each tensor has its own random stream derived from the seed and
 * its name: the same seed gives the same weights whatever the type, layer count or vocabulary of the
 * other tensors, and the three ternary types hold exactly the same values.
 *
 * <p>Values: each projection is {@code s·t} with t uniform in {−1, 0, +1} (in Q1_0, which has no zero, t
 * uniform in {−1, +1}) and s the power of two nearest
 * {@code 1/sqrt(2k/3)} for row length k, so every projection output has about unit variance; norm
 * weights {@code 1 + 0.1·N(0,1)}; token embedding (and an untied output) {@code 0.25·N(0,1)}. The final norm is scaled by
 * {@link #outputNormScale} so that the (tied) logits have a spread of about 2 whatever the hidden size:
 * with unscaled norms they would spread as {@code 0.25·sqrt(hidden)}, and sampling at the default
 * temperature would pick the top token almost always, repeating one word.
 */
public final class DummyModel {
    private DummyModel() {}

    /** The architecture of the bitnet.cpp-table sizes. */
    public static final String ARCHITECTURE = "bitnet-b1.58";
    /** Bytes generated before each write and progress report. */
    static final int CHUNK_BYTES = 1 << 20;

    /**
     * What was written.
     *
     * @param maxBufferBytes the largest buffer the generator held at once (a chunk, never a whole tensor)
     */
    public record Result(Path path, DummyShape shape, TensorType type, long fileBytes, long tensorBytes,
                         long parameters, int tensorCount, long maxBufferBytes) {}

    /** One tensor to write: name, ggml shape (row length first) and type. */
    record TensorPlan(String name, TensorType type, long[] shape) {
        long bytes() {
            return type.tensorBytes(shape[0], shape.length == 1 ? 1 : shape[1]);
        }

        long elements() {
            return shape.length == 1 ? shape[0] : shape[0] * shape[1];
        }
    }

    /** The tensors of a shape, in the order they are written. */
    static List<TensorPlan> plan(DummyShape s, TensorType type) {
        List<TensorPlan> p = new ArrayList<>();
        long h = s.hidden(), q = s.qDim(), kv = s.kvDim(), f = s.ffn(), hd = s.headSize();
        boolean sub = s.architecture().subNorms(), qkNorm = s.architecture().qkNorm();
        TensorType embd = s.embeddingType(type);
        p.add(new TensorPlan(GgufTensorNames.TOKEN_EMBD, embd, new long[] {h, s.vocab()}));
        for (int i = 0; i < s.layers(); i++) {
            p.add(new TensorPlan(Layer.ATTN_NORM.weight(i), TensorType.F32, new long[] {h}));
            p.add(new TensorPlan(Layer.ATTN_Q.weight(i), type, new long[] {h, q}));
            p.add(new TensorPlan(Layer.ATTN_K.weight(i), type, new long[] {h, kv}));
            p.add(new TensorPlan(Layer.ATTN_V.weight(i), type, new long[] {h, kv}));
            if (qkNorm) p.add(new TensorPlan(Layer.ATTN_Q_NORM.weight(i), TensorType.F32, new long[] {hd}));
            if (qkNorm) p.add(new TensorPlan(Layer.ATTN_K_NORM.weight(i), TensorType.F32, new long[] {hd}));
            p.add(new TensorPlan(Layer.ATTN_OUTPUT.weight(i), type, new long[] {q, h}));
            if (sub) p.add(new TensorPlan(Layer.ATTN_SUB_NORM.weight(i), TensorType.F32, new long[] {q}));
            p.add(new TensorPlan(Layer.FFN_NORM.weight(i), TensorType.F32, new long[] {h}));
            p.add(new TensorPlan(Layer.FFN_GATE.weight(i), type, new long[] {h, f}));
            p.add(new TensorPlan(Layer.FFN_UP.weight(i), type, new long[] {h, f}));
            p.add(new TensorPlan(Layer.FFN_DOWN.weight(i), type, new long[] {f, h}));
            if (sub) p.add(new TensorPlan(Layer.FFN_SUB_NORM.weight(i), TensorType.F32, new long[] {f}));
        }
        p.add(new TensorPlan(GgufTensorNames.OUTPUT_NORM, TensorType.F32, new long[] {h}));
        if (!s.tiedOutput()) p.add(new TensorPlan(GgufTensorNames.OUTPUT, embd, new long[] {h, s.vocab()}));
        return p;
    }

    /**
     * Checks the shape and type, then writes the model to {@code out} (temporary file + atomic rename).
     *
     * @throws IllegalArgumentException for a shape the type cannot hold, or a missing output directory
     */
    public static Result write(Path out, DummyShape shape, TensorType type, long seed, GgufWriter.Progress progress) throws IOException {
        Objects.requireNonNull(out, "out");
        Objects.requireNonNull(progress, "progress");
        String problem = shape.problem(type);
        if (problem != null) throw new IllegalArgumentException(problem);
        Path dir = out.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("output directory " + dir + " does not exist");
        }
        if (Files.isDirectory(out)) throw new IllegalArgumentException(out + " is a directory");

        DummyVocabulary vocab = DummyVocabulary.build(shape.vocab());
        GgufWriter w = new GgufWriter();
        putMetadata(w, shape, type, vocab);

        List<TensorPlan> plan = plan(shape, type);
        long total = 0, params = 0;
        for (TensorPlan t : plan) {
            total += t.bytes();
            params += t.elements();
        }
        // statvfs on the folder itself: Files.getFileStore looks the folder up in /proc/self/mounts and
        // fails ("Mount point not found") in a chroot or container whose root is not a mount point
        long usable = dir.toFile().getUsableSpace();
        if (usable > 0 && usable < total) {
            throw new IOException(String.format("not enough disk space in %s: the model needs %,d bytes, %,d are free", dir, total, usable));
        }
        Generator gen = new Generator(shape, seed, total, progress);
        for (TensorPlan t : plan) w.addTensor(t.name(), t.type(), t.shape(), sink -> gen.write(t, sink));
        w.write(out);
        progress.update(gen.done, total);
        return new Result(out, shape, type, Files.size(out), total, params, plan.size(), gen.maxBuffer());
    }

    private static void putMetadata(GgufWriter w, DummyShape s, TensorType type, DummyVocabulary v) {
        Architecture arch = s.architecture();
        String prefix = arch == Architecture.BITNET_B158 ? "bitnet4j-dummy-" : "bitnet4j-dummy-" + arch.name() + "-";
        w.putString(GgufKeys.ARCHITECTURE, arch.name());
        w.putString(GgufKeys.NAME, prefix + s.size() + "-" + s.layers() + "x" + s.hidden());
        w.putUInt32(GgufKeys.FILE_TYPE, GgufFileType.of(type));
        new ModelConfig(arch, arch.name(), s.hidden(), s.layers(), s.heads(), s.kvHeads(),
                s.headSize(), s.ffn(), s.vocab(), s.context(), s.rmsEps(), s.ropeTheta(), s.headSize(),
                arch.defaultActivation()).writeTo(w);
        w.putString(GgufKeys.TOKENIZER_MODEL, "gpt2");
        w.putString(GgufKeys.TOKENIZER_PRE, "llama-bpe");
        w.putStringArray(GgufKeys.TOKENIZER_TOKENS, v.tokens());
        w.putInt32Array(GgufKeys.TOKENIZER_TOKEN_TYPE, v.tokenTypes());
        w.putStringArray(GgufKeys.TOKENIZER_MERGES, v.merges());
        w.putUInt32(GgufKeys.TOKENIZER_BOS_ID, v.bosId());
        w.putUInt32(GgufKeys.TOKENIZER_EOS_ID, v.eosId());
        w.putBool(GgufKeys.TOKENIZER_ADD_BOS, true);
        w.putBool(GgufKeys.TOKENIZER_ADD_EOS, false);
        w.putString(GgufKeys.TOKENIZER_CHAT_TEMPLATE, CHAT_TEMPLATE);
        w.putUInt32(GgufKeys.QUANTIZATION_VERSION, GgufFileType.QUANTIZATION_VERSION);
    }

    /** BitNet-b1.58-2B-4T's chat format: {@code User: …<|eot_id|>Assistant: }. */
    static final String CHAT_TEMPLATE = "{% for message in messages %}"
            + "{% if loop.first %}{{ bos_token }}{% endif %}"
            + "{% if message['role'] == 'system' %}{{ 'System: ' + message['content'] + '<|eot_id|>' }}"
            + "{% elif message['role'] == 'user' %}{{ 'User: ' + message['content'] + '<|eot_id|>' }}"
            + "{% else %}{{ 'Assistant: ' + message['content'] + '<|eot_id|>' }}{% endif %}"
            + "{% endfor %}{% if add_generation_prompt %}{{ 'Assistant: ' }}{% endif %}";

    /** Factor of {@code output_norm.weight}: logits ≈ N(0, (0.25·sqrt(h)·c)²) become ≈ N(0, 2²). */
    static double outputNormScale(int hidden) {
        return 2.0 / (0.25 * Math.sqrt(hidden));
    }

    /** The per-tensor scale of a ternary projection with rows of k weights (see class comment). */
    static float ternaryScale(long k) {
        double ideal = 1.0 / Math.sqrt(2.0 * k / 3.0);
        return (float) Math.scalb(1.0, (int) Math.round(Math.log(ideal) / Math.log(2)));
    }

    /** A random stream per tensor: seed and name mixed (SplitMix64's finaliser) so tensors are independent. */
    static SplittableRandom random(long seed, String name) {
        long z = seed * 0x9E3779B97F4A7C15L + name.hashCode();
        for (int i = 0; i < name.length(); i++) z = (z ^ name.charAt(i)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return new SplittableRandom(z ^ (z >>> 31));
    }

    /** Fills {@code row[0..k)} with s·t, t uniform in {−1, 0, +1} (two trits per random long). */
    static void ternaryRow(SplittableRandom rnd, float s, float[] row, int k) {
        int i = 0;
        for (; i + 1 < k; i += 2) {
            long r = rnd.nextLong();
            row[i] = s * ((int) (((r & 0xFFFFFFFFL) * 3) >>> 32) - 1);
            row[i + 1] = s * ((int) (((r >>> 32) * 3) >>> 32) - 1);
        }
        if (i < k) row[i] = s * ((int) (((rnd.nextLong() & 0xFFFFFFFFL) * 3) >>> 32) - 1);
    }

    /** Fills {@code row[0..k)} with s·t, t uniform in {−1, +1} (64 signs per random long). */
    static void signRow(SplittableRandom rnd, float s, float[] row, int k) {
        long bits = 0;
        for (int i = 0; i < k; i++) {
            if (i % 64 == 0) bits = rnd.nextLong();
            row[i] = (bits >>> (i % 64) & 1) != 0 ? s : -s;
        }
    }

    /** Generates tensor data chunk by chunk into one reused buffer. */
    private static final class Generator {
        private final long seed;
        private final long total;
        private final GgufWriter.Progress progress;
        private final byte[] buf;
        private final MemorySegment seg;
        private final float[] row;
        private final double outputNormScale;
        long done;

        Generator(DummyShape s, long seed, long total, GgufWriter.Progress progress) {
            this.seed = seed;
            this.total = total;
            this.progress = progress;
            int maxRow = Math.max(Math.max(s.hidden(), s.ffn()), Math.max(s.qDim(), 1));
            // a chunk holds at least one row of any tensor (an F16 embedding row: 2 bytes per value)
            this.buf = new byte[Math.max(CHUNK_BYTES, maxRow * 4)];
            this.seg = MemorySegment.ofArray(buf);
            this.row = new float[maxRow];
            this.outputNormScale = outputNormScale(s.hidden());
        }

        long maxBuffer() {
            return buf.length + (long) row.length * Float.BYTES;
        }

        void write(TensorPlan t, GgufWriter.TensorSink sink) throws IOException {
            SplittableRandom rnd = random(seed, t.name());
            int k = (int) t.shape()[0];
            long rows = t.shape().length == 1 ? 1 : t.shape()[1];
            int fill = 0;
            if (t.type() == TensorType.F32) {
                double c = t.name().equals(GgufTensorNames.OUTPUT_NORM) ? outputNormScale : 1.0;
                for (int i = 0; i < k; i++) row[i] = (float) (c * (1.0 + 0.1 * rnd.nextGaussian()));
                TensorCodecs.quantizeRow(TensorType.F32, row, 0, seg, 0, k);
                emit(sink, k * 4);
                return;
            }
            long rowBytes = t.type().rowSize(k);
            float scale = ternaryScale(k);
            for (long r = 0; r < rows; r++) {
                if (fill + rowBytes > buf.length) {
                    emit(sink, fill);
                    fill = 0;
                }
                boolean embedding = t.name().equals(GgufTensorNames.TOKEN_EMBD) || t.name().equals(GgufTensorNames.OUTPUT);
                if (embedding) {
                    for (int i = 0; i < k; i++) row[i] = (float) (0.25 * rnd.nextGaussian());
                    TensorCodecs.quantizeRow(t.type(), row, 0, seg, fill, k);
                    fill += (int) rowBytes;
                    continue;
                }
                switch (t.type()) {
                    case I2_S -> {
                        ternaryRow(rnd, scale, row, k);
                        I2sCodec.quantizeRow(row, 0, scale, seg, fill, k);
                    }
                    case Q1_0 -> {
                        signRow(rnd, scale, row, k);
                        TensorCodecs.quantizeRow(TensorType.Q1_0, row, 0, seg, fill, k);
                    }
                    default -> {
                        ternaryRow(rnd, scale, row, k);
                        TensorCodecs.quantizeRow(t.type(), row, 0, seg, fill, k);
                    }
                }
                fill += (int) rowBytes;
            }
            if (t.type() == TensorType.I2_S) {
                // the tensor's tail: the f32 scale, then zeros (every nonzero weight is ±scale, so max|w| = scale)
                if (fill + I2sCodec.TAIL_BYTES > buf.length) {
                    emit(sink, fill);
                    fill = 0;
                }
                seg.asSlice(fill, I2sCodec.TAIL_BYTES).fill((byte) 0);
                seg.set(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), fill, scale);
                fill += I2sCodec.TAIL_BYTES;
            }
            emit(sink, fill);
        }

        private void emit(GgufWriter.TensorSink sink, int n) throws IOException {
            if (n == 0) return;
            sink.write(buf, 0, n);
            done += n;
            progress.update(done, total);
        }
    }
}
