package io.bitnet4j.hf;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The hyper-parameters of a Hugging Face {@code config.json}, as far as conversion needs them.
 * Keys that transformers itself defaults ({@code num_key_value_heads} = heads, {@code rope_theta} =
 * 10000, {@code hidden_act} = "silu", {@code tie_word_embeddings} = true, {@code head_dim} = hidden / heads)
 * are optional; the others are required and a missing or mistyped one is a
 * {@link HfFormatException} naming the file and the key.
 *
 * @param quantizationConfig the {@code quantization_config} object as plain Java values, or null when absent
 * @param ropeScaling        the {@code rope_scaling} object as plain Java values, or null when absent
 */
public record HfConfig(List<String> architectures, int hiddenSize, int intermediateSize, int numHiddenLayers,
                       int numAttentionHeads, int numKeyValueHeads, int headDim, int maxPositionEmbeddings,
                       double rmsNormEps, double ropeTheta, int vocabSize, String hiddenAct,
                       boolean tieWordEmbeddings, Map<String, Object> quantizationConfig,
                       Map<String, Object> ropeScaling) {

    public static final String FILE = "config.json";

    public HfConfig {
        architectures = List.copyOf(architectures);
        quantizationConfig = quantizationConfig == null ? null : Map.copyOf(quantizationConfig);
        ropeScaling = ropeScaling == null ? null : Map.copyOf(ropeScaling);
    }

    /** The first (in practice the only) entry of {@code architectures}. */
    public String architecture() { return architectures.getFirst(); }

    /** Whether {@code quantization_config.quant_method} is "bitnet" (packed ternary weights with a weight_scale). */
    public boolean isBitnetQuantized() {
        return quantizationConfig != null && "bitnet".equals(quantizationConfig.get("quant_method"));
    }

    /**
     * How a packed projection's {@code weight_scale} applies, as transformers' {@code integrations/bitnet.py}
     * does it: {@code linear_class = "autobitlinear"} (BitNet-b1.58-2B-4T) multiplies the output by the scale,
     * the default {@code BitLinear} (Llama3-8B-1.58, Falcon3/Falcon-E 1.58bit) divides by it.
     */
    public boolean packedScaleMultiplies() {
        return quantizationConfig != null && "autobitlinear".equals(quantizationConfig.get("linear_class"));
    }

    /**
     * Whether the bitnet quantization is "online" ({@code linear_class = "autobitlinear"},
     * {@code quantization_mode = "online"}): the checkpoint holds latent weights that AutoBitLinear ternarizes
     * by absmean at every forward pass, as convert does.
     */
    public boolean onlineQuantization() {
        return packedScaleMultiplies() && "online".equals(quantizationConfig.get("quantization_mode"));
    }

    /** Reads {@code config.json} from a model directory (or the file itself). */
    public static HfConfig read(Path dirOrFile) throws IOException {
        Path p = Files.isDirectory(dirOrFile) ? dirOrFile.resolve(FILE) : dirOrFile;
        if (!Files.isRegularFile(p)) throw new HfFormatException(p, "no such file");
        try {
            return parse(p, Files.readString(p));
        } catch (MalformedInputException e) {
            throw new HfFormatException(p, "not UTF-8 text", e);
        }
    }

    /** Parses the text of a {@code config.json}; {@code file} only names it in messages. */
    public static HfConfig parse(Path file, String json) {
        JsonNode root;
        try {
            root = SafetensorsFile.JSON.readTree(json);
        } catch (JacksonException e) {
            throw new HfFormatException(file, "malformed JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) throw new HfFormatException(file, "config is not a JSON object");
        JsonNode arch = root.get("architectures");
        if (arch == null || !arch.isArray() || arch.isEmpty()) {
            throw new HfFormatException(file, "missing key architectures (a non-empty list of class names)");
        }
        List<String> archs = new ArrayList<>();
        for (JsonNode a : arch) {
            if (!a.isTextual()) throw new HfFormatException(file, "architectures must hold strings, found " + a);
            archs.add(a.asText());
        }
        int hidden = positiveInt(file, root, "hidden_size", null);
        int heads = positiveInt(file, root, "num_attention_heads", null);
        Map<String, Object> qc = object(file, root, "quantization_config");
        Map<String, Object> rs = object(file, root, "rope_scaling");
        return new HfConfig(archs, hidden,
                positiveInt(file, root, "intermediate_size", null),
                positiveInt(file, root, "num_hidden_layers", null),
                heads,
                positiveInt(file, root, "num_key_value_heads", heads),
                positiveInt(file, root, "head_dim", hidden / heads == 0 ? null : hidden / heads),
                positiveInt(file, root, "max_position_embeddings", null),
                positiveDouble(file, root, "rms_norm_eps", null),
                positiveDouble(file, root, "rope_theta", 10000.0),
                positiveInt(file, root, "vocab_size", null),
                string(file, root, "hidden_act", "silu"),
                bool(file, root, "tie_word_embeddings", true),
                qc, rs);
    }

    /** An optional JSON object as plain Java values (null settings dropped: they mean "unset"), or null. */
    private static Map<String, Object> object(Path file, JsonNode root, String key) {
        JsonNode q = root.get(key);
        if (q == null || q.isNull()) return null;
        if (!q.isObject()) throw new HfFormatException(file, key + " is not a JSON object");
        Map<String, Object> m = SafetensorsFile.JSON.convertValue(q, new TypeReference<Map<String, Object>>() {});
        m.values().removeIf(java.util.Objects::isNull); // Map.copyOf refuses nulls
        return m;
    }

    private static JsonNode value(JsonNode root, String key) {
        JsonNode v = root.get(key);
        return v == null || v.isNull() ? null : v;
    }

    private static int positiveInt(Path file, JsonNode root, String key, Integer dflt) {
        JsonNode v = value(root, key);
        if (v == null) {
            if (dflt == null) throw new HfFormatException(file, "missing key " + key);
            return dflt;
        }
        if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() <= 0) {
            throw new HfFormatException(file, key + " must be a positive integer, found " + v);
        }
        return v.asInt();
    }

    private static double positiveDouble(Path file, JsonNode root, String key, Double dflt) {
        JsonNode v = value(root, key);
        if (v == null) {
            if (dflt == null) throw new HfFormatException(file, "missing key " + key);
            return dflt;
        }
        if (!v.isNumber() || !(v.asDouble() > 0) || !Double.isFinite(v.asDouble())) {
            throw new HfFormatException(file, key + " must be a positive number, found " + v);
        }
        return v.asDouble();
    }

    private static String string(Path file, JsonNode root, String key, String dflt) {
        JsonNode v = value(root, key);
        if (v == null) return dflt;
        if (!v.isTextual()) throw new HfFormatException(file, key + " must be a string, found " + v);
        return v.asText();
    }

    private static boolean bool(Path file, JsonNode root, String key, boolean dflt) {
        JsonNode v = value(root, key);
        if (v == null) return dflt;
        if (!v.isBoolean()) throw new HfFormatException(file, key + " must be true or false, found " + v);
        return v.asBoolean();
    }
}
