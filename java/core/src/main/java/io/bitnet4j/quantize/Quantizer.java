package io.bitnet4j.quantize;

import io.bitnet4j.gguf.GgufEntry;
import io.bitnet4j.gguf.GgufFile;
import io.bitnet4j.gguf.GgufFileType;
import io.bitnet4j.gguf.GgufKeys;
import io.bitnet4j.gguf.GgufTensorNames;
import io.bitnet4j.gguf.GgufTensorNames.Layer;
import io.bitnet4j.gguf.GgufTensorInfo;
import io.bitnet4j.gguf.GgufWriter;
import io.bitnet4j.model.Architecture;
import io.bitnet4j.model.ModelException;
import io.bitnet4j.tensor.Tensor;
import io.bitnet4j.tensor.TensorCodecs;
import io.bitnet4j.tensor.TensorType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Quantizes a float (F32/F16/BF16) GGUF model ({@link #ARCHITECTURES}: the BitNet ones and {@code qwen3}) to a low-bit type, like the reference engines'
 * {@code llama-quantize}: the linear projections ({@code blk.N.attn_q/k/v/output}, {@code ffn_gate/up/down})
 * become I2_S, TQ2_0, TQ1_0, Q1_0 or Q2_0, {@code token_embd} and {@code output} take their own (float, Q8_0 or Q6_K) type,
 * every other tensor (norms, scales) is copied unchanged. Metadata is copied; {@code general.file_type}
 * and {@code general.quantization_version} are set. Tensor order is the input's (bitnet.cpp) or mainline's sorted order (see below).
 *
 * <p>The output is streamed tensor by tensor, a chunk of rows at a time, so memory stays small whatever
 * the model size (I2_S reads each tensor twice: its scale is the max over the whole tensor).
 *
 * <p>Metadata order follows the engine that owns the architecture, so that quantizing the reference
 * F32 files reproduces the reference quantized files' headers byte for byte: bitnet.cpp (its older gguf
 * code) sets {@code general.file_type} in place and appends {@code general.quantization_version};
 * mainline llama.cpp removes both keys and appends quantization_version, then file_type. Tensor order
 * too: bitnet.cpp keeps the input's order, mainline llama-quantize writes tensors sorted by layer
 * number (tensors outside {@code blk.N.} first), then by name — see {@link #MAINLINE_ORDER}.
 */
public final class Quantizer {
    private Quantizer() {}

    /** The architectures this tool knows the tensor names of. */
    public static final Set<String> ARCHITECTURES = Set.of("bitnet-b1.58", "bitnet-25", "bitnet", "llama", "qwen3");
    /** The projection types: bitnet.cpp's and llama.cpp's ternary ones, and llama.cpp's Q1_0 / Q2_0 (Bonsai). */
    public static final Set<TensorType> PROJECTION_TYPES = EnumSet.of(TensorType.I2_S, TensorType.TQ2_0, TensorType.TQ1_0,
            TensorType.Q1_0, TensorType.Q2_0);
    /** Types for token_embd / output. */
    public static final Set<TensorType> EMBEDDING_TYPES = EnumSet.of(TensorType.F32, TensorType.F16, TensorType.Q8_0, TensorType.Q6_K);
    /** {@link #EMBEDDING_TYPES} as users type them, for messages. */
    public static final String EMBEDDING_TYPE_NAMES = "f32, f16, q8_0, q6_k";
    /** {@code blk.N.<projection>.weight}. */
    private static final Pattern LINEAR = Pattern.compile(Pattern.quote(GgufTensorNames.BLOCK_PREFIX) + "\\d+\\.("
            + Layer.PROJECTIONS.stream().map(l -> l.stem).collect(Collectors.joining("|")) + ")\\.weight");
    private static final Set<TensorType> FLOAT_TYPES = EnumSet.of(TensorType.F32, TensorType.F16, TensorType.BF16);

    /**
     * What to produce.
     *
     * @param type          the projections' type: I2_S, TQ2_0, TQ1_0, Q1_0 or Q2_0
     * @param embeddingType {@code token_embd.weight}'s type: F32, F16, Q8_0 or Q6_K
     * @param outputType    {@code output.weight}'s type (when the model has one); null = the embedding type
     */
    public record Options(TensorType type, TensorType embeddingType, TensorType outputType) {
        public Options {
            Objects.requireNonNull(type, "type");
            Objects.requireNonNull(embeddingType, "embeddingType");
            if (!PROJECTION_TYPES.contains(type)) {
                throw new IllegalArgumentException("not a projection type: " + type + " (expected i2_s, tq2_0, tq1_0, q1_0 or q2_0)");
            }
            if (!EMBEDDING_TYPES.contains(embeddingType)) throw new IllegalArgumentException("embedding type " + embeddingType + " is not one of " + EMBEDDING_TYPE_NAMES);
            if (outputType == null) outputType = embeddingType;
            if (!EMBEDDING_TYPES.contains(outputType)) throw new IllegalArgumentException("output type " + outputType + " is not one of " + EMBEDDING_TYPE_NAMES);
        }

        /** The reference files' choice: token embedding (and output) F16. */
        public static Options of(TensorType type) {
            return new Options(type, TensorType.F16, null);
        }
    }

    /** What was written. */
    public record Result(Path path, String architecture, TensorType type, long fileBytes, int tensorCount,
                         int quantizedCount, long parameters) {}

    /**
     * Mainline llama.cpp's tensor order (its loader's {@code weight_name_comparer}): the layer number
     * parsed from {@code blk.N.} (−1 for other tensors), then the name's bytes.
     */
    static final Comparator<String> MAINLINE_ORDER = Comparator.comparingInt(Quantizer::layerOf)
            .thenComparing(Quantizer::compareBytes);

    private static int layerOf(String name) {
        if (!name.startsWith(GgufTensorNames.BLOCK_PREFIX)) return -1;
        int i = GgufTensorNames.BLOCK_PREFIX.length(), v = 0;
        boolean digits = false;
        while (i < name.length() && Character.isDigit(name.charAt(i)) && v < 100_000_000) {
            v = v * 10 + (name.charAt(i++) - '0');
            digits = true;
        }
        return digits ? v : -1;
    }

    private static int compareBytes(String a, String b) {
        return Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
    }

    /** Whether the engine that owns this architecture is bitnet.cpp (else mainline llama.cpp). */
    static boolean bitnetCppStyle(String arch) {
        return Architecture.BITNET_B158.names().contains(arch);
    }

    /**
     * Why architecture {@code arch} cannot have projections of {@code type}, or null — the rule quantize, convert and
     * the dummy models share: Q1_0 / Q2_0 are mainline ggml's only, so bitnet.cpp's architecture cannot have them;
     * I2_S is bitnet.cpp's only, and {@code qwen3} is a mainline llama.cpp architecture (bitnet.cpp's fork predates it).
     */
    public static String typeProblem(String arch, TensorType type) {
        if (bitnetCppStyle(arch) && (type == TensorType.Q1_0 || type == TensorType.Q2_0)) {
            return "architecture '" + arch + "' is bitnet.cpp's, whose ggml has no " + type
                    + " (a mainline-only type); use i2_s or tq2_0, or a model of architecture bitnet or llama";
        }
        if (Architecture.QWEN3.names().contains(arch) && type == TensorType.I2_S) {
            return "architecture '" + arch + "' is mainline llama.cpp's, whose ggml has no I2_S (bitnet.cpp's type);"
                    + " use q1_0, q2_0, tq2_0 or tq1_0";
        }
        return null;
    }

    /** One output tensor: where it comes from and what it becomes. */
    record Plan(Tensor source, TensorType target) {
        boolean copy() { return source.type() == target; }

        long bytes() { return target.tensorBytes(source.cols(), source.rows()); }
    }

    /** Whether a tensor is one of the linear projections that take the ternary type. */
    public static boolean isLinear(String name) {
        return LINEAR.matcher(name).matches();
    }

    /** The type a tensor gets. */
    static TensorType targetType(String name, TensorType current, Options o) {
        if (isLinear(name)) return o.type();
        if (name.equals(GgufTensorNames.TOKEN_EMBD)) return o.embeddingType();
        if (name.equals(GgufTensorNames.OUTPUT)) return o.outputType();
        return current;
    }

    /** What {@link #check} found: the input can be quantized with these options. */
    public record Summary(String architecture, int tensorCount, int convertCount, boolean hasOutput) {}

    /** Checks, without writing anything, that {@code in} can be quantized with these options. */
    public static Summary check(Path in, Options o) throws IOException {
        try (GgufFile g = GgufFile.open(in)) {
            String arch = architecture(g, o);
            List<Plan> plans = plan(g, o);
            return new Summary(arch, plans.size(), (int) plans.stream().filter(p -> !p.copy()).count(), g.hasTensor(GgufTensorNames.OUTPUT));
        }
    }

    private static String architecture(GgufFile g, Options o) {
        String arch = g.getString(GgufKeys.ARCHITECTURE, null);
        if (arch == null) throw new ModelException(g.path() + ": no " + GgufKeys.ARCHITECTURE + " in the metadata");
        if (!ARCHITECTURES.contains(arch)) {
            throw new ModelException(g.path() + ": architecture '" + arch + "' is not supported by quantize (expected one of "
                    + String.join(", ", ARCHITECTURES.stream().sorted().toList()) + ")");
        }
        String problem = typeProblem(arch, o.type());
        if (problem != null) throw new ModelException(g.path() + ": " + problem);
        return arch;
    }

    /** Quantizes {@code in} into {@code out} (temp file + atomic rename; an existing out is replaced). */
    public static Result quantize(Path in, Path out, Options o, GgufWriter.Progress progress) throws IOException {
        Objects.requireNonNull(progress);
        try (GgufFile g = GgufFile.open(in)) {
            String arch = architecture(g, o);
            List<Plan> plans = plan(g, o);
            if (!bitnetCppStyle(arch)) plans.sort(Comparator.comparing(p -> p.source().name(), MAINLINE_ORDER));

            GgufWriter w = new GgufWriter();
            copyMetadata(g, w, arch, GgufFileType.of(o.type()));
            long total = 0;
            for (Plan p : plans) total += p.bytes();
            long[] done = {0};
            long finalTotal = total;
            long params = 0;
            int quantized = 0;
            for (Plan p : plans) {
                Tensor t = p.source();
                params += t.elementCount();
                GgufWriter.TensorSource src;
                if (p.copy()) {
                    src = sink -> {
                        sink.write(t.data());
                        progress.update(done[0] += p.bytes(), finalTotal);
                    };
                } else {
                    quantized++;
                    src = sink -> convert(t, p.target(), sink, n -> progress.update(done[0] += n, finalTotal));
                }
                w.addTensor(t.name(), p.target(), t.shape(), src);
            }
            progress.update(0, total);
            w.write(out);
            return new Result(out, arch, o.type(), java.nio.file.Files.size(out), plans.size(), quantized, params);
        }
    }

    /** Every tensor with its target type, after checking that the conversion is possible. */
    static List<Plan> plan(GgufFile g, Options o) {
        List<Plan> plans = new ArrayList<>();
        for (GgufTensorInfo info : g.tensorInfos()) {
            Tensor t = g.tensor(info);
            TensorType target = targetType(t.name(), t.type(), o);
            if (isLinear(t.name()) && !FLOAT_TYPES.contains(t.type())) {
                if (PROJECTION_TYPES.contains(t.type()) || t.type() == TensorType.TL1 || t.type() == TensorType.TL2) {
                    throw new ModelException(g.path() + " is already quantized (" + t.name() + " is " + t.type()
                            + "); quantize needs an F32, F16 or BF16 model");
                }
                throw new ModelException(t.name() + " is " + t.type() + "; quantize needs F32, F16 or BF16 weights");
            }
            if (t.type() != target) {
                if (!FLOAT_TYPES.contains(t.type())) {
                    throw new ModelException(t.name() + " is " + t.type() + " and cannot be converted to " + target
                            + " (quantize reads F32, F16 or BF16 tensors)");
                }
                if (t.cols() % target.blockSize() != 0) {
                    throw new ModelException("tensor " + t.name() + " of shape " + Arrays.toString(t.shape())
                            + " cannot be " + target + ": its rows of " + t.cols() + " are not a multiple of "
                            + target + "'s block size " + target.blockSize());
                }
            }
            plans.add(new Plan(t, target));
        }
        if (plans.stream().noneMatch(p -> isLinear(p.source().name()))) {
            throw new ModelException(g.path() + ": no linear projection tensors (blk.N.attn_q.weight, …) to quantize");
        }
        return plans;
    }

    private static void copyMetadata(GgufFile g, GgufWriter w, String arch, int fileType) {
        boolean inPlace = bitnetCppStyle(arch);
        boolean fileTypeDone = false, versionDone = false;
        for (GgufEntry e : g.entries()) {
            switch (e.key()) {
                case GgufKeys.FILE_TYPE -> {
                    if (inPlace) {
                        w.putUInt32(e.key(), fileType);
                        fileTypeDone = true;
                    }
                }
                case GgufKeys.QUANTIZATION_VERSION -> {
                    if (inPlace) {
                        w.putUInt32(e.key(), GgufFileType.QUANTIZATION_VERSION);
                        versionDone = true;
                    }
                }
                default -> w.put(e);
            }
        }
        if (!versionDone) w.putUInt32(GgufKeys.QUANTIZATION_VERSION, GgufFileType.QUANTIZATION_VERSION);
        if (!fileTypeDone) w.putUInt32(GgufKeys.FILE_TYPE, fileType);
    }

    /** Converts a float tensor to {@code target}, a chunk of rows at a time. */
    private static void convert(Tensor t, TensorType target, GgufWriter.TensorSink sink, RowEncoder.Written written)
            throws IOException {
        int k = Math.toIntExact(t.cols());
        RowEncoder.RowSource rows = (r0, n, x) -> {
            for (int i = 0; i < n; i++) TensorCodecs.dequantizeRow(t, r0 + i, x, i * k);
        };
        RowEncoder.write(rows, t.rows(), k, target, Float.NaN, sink, written);
    }
}
