package io.bitnet4j.hf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class HfConfigTest {

    /** Shaped like microsoft/bitnet-b1.58-2B-4T-bf16's config.json (values written here by hand). */
    static final String BITNET = """
            {
              "architectures": ["BitNetForCausalLM"],
              "bos_token_id": 128000, "eos_token_id": 128001,
              "hidden_act": "relu2", "hidden_size": 2560, "intermediate_size": 6912,
              "max_position_embeddings": 4096, "model_type": "bitnet",
              "num_attention_heads": 20, "num_hidden_layers": 30, "num_key_value_heads": 5,
              "rms_norm_eps": 1e-05, "rope_theta": 500000.0, "tie_word_embeddings": true,
              "torch_dtype": "bfloat16", "vocab_size": 128256,
              "quantization_config": {"quant_method": "bitnet", "linear_class": "autobitlinear", "quantization_mode": "offline", "x": null}
            }""";

    @Test
    void parsesABitNetConfig(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("config.json"), BITNET);
        HfConfig c = HfConfig.read(dir);
        assertEquals(List.of("BitNetForCausalLM"), c.architectures());
        assertEquals("BitNetForCausalLM", c.architecture());
        assertEquals(2560, c.hiddenSize());
        assertEquals(6912, c.intermediateSize());
        assertEquals(30, c.numHiddenLayers());
        assertEquals(20, c.numAttentionHeads());
        assertEquals(5, c.numKeyValueHeads());
        assertEquals(128, c.headDim());
        assertEquals(4096, c.maxPositionEmbeddings());
        assertEquals(1e-5, c.rmsNormEps());
        assertEquals(500000.0, c.ropeTheta());
        assertEquals(128256, c.vocabSize());
        assertEquals("relu2", c.hiddenAct());
        assertTrue(c.tieWordEmbeddings());
        assertEquals("bitnet", c.quantizationConfig().get("quant_method"));
        assertFalse(c.quantizationConfig().containsKey("x"));
    }

    @Test
    void transformersDefaults() {
        HfConfig c = HfConfig.parse(Path.of("c.json"), """
                {"architectures":["LlamaForCausalLM"],"hidden_size":64,"intermediate_size":128,"num_hidden_layers":2,
                 "num_attention_heads":4,"max_position_embeddings":256,"rms_norm_eps":1e-6,"vocab_size":300}""");
        assertEquals(4, c.numKeyValueHeads());
        assertEquals(16, c.headDim());
        assertEquals(10000.0, c.ropeTheta());
        assertEquals("silu", c.hiddenAct());
        assertTrue(c.tieWordEmbeddings());
        assertNull(c.quantizationConfig());
    }

    @ParameterizedTest
    @ValueSource(strings = {"architectures", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
            "max_position_embeddings", "rms_norm_eps", "vocab_size"})
    void missingRequiredKeyIsNamed(String key) {
        String json = BITNET.replace("\"" + key + "\"", "\"removed_" + key + "\"");
        var e = assertThrows(HfFormatException.class, () -> HfConfig.parse(Path.of("m/config.json"), json));
        assertTrue(e.getMessage().contains("missing key " + key), e.getMessage());
        assertTrue(e.getMessage().startsWith("m/config.json"), e.getMessage());
    }

    @Test
    void badValues() {
        for (String[] c : new String[][]{
                {"\"hidden_size\": 2560", "\"hidden_size\": \"big\"", "hidden_size must be a positive integer"},
                {"\"hidden_size\": 2560", "\"hidden_size\": -1", "hidden_size must be a positive integer"},
                {"\"num_hidden_layers\": 30", "\"num_hidden_layers\": 3.5", "num_hidden_layers must be a positive integer"},
                {"\"rms_norm_eps\": 1e-05", "\"rms_norm_eps\": 0", "rms_norm_eps must be a positive number"},
                {"\"tie_word_embeddings\": true", "\"tie_word_embeddings\": 1", "tie_word_embeddings must be true or false"},
                {"\"hidden_act\": \"relu2\"", "\"hidden_act\": 2", "hidden_act must be a string"},
                {"[\"BitNetForCausalLM\"]", "[1]", "architectures must hold strings"},
                {"\"quantization_config\": {", "\"quantization_config\": 3, \"q\": {", "quantization_config is not a JSON object"},
                {"\"vocab_size\": 128256", "\"vocab_size\": 128256,", "malformed JSON"}}) {
            String json = BITNET.replace(c[0], c[1]);
            assertNotEquals(BITNET, json, c[0]);
            var e = assertThrows(HfFormatException.class, () -> HfConfig.parse(Path.of("config.json"), json), c[1]);
            assertTrue(e.getMessage().contains(c[2]), e.getMessage());
        }
        assertThrows(HfFormatException.class, () -> HfConfig.parse(Path.of("config.json"), "[]"));
    }

    /** quantization_config as transformers reads it: AutoBitLinear multiplies by weight_scale, BitLinear divides. */
    @Test
    void bitnetQuantizationSettings() {
        HfConfig packed = HfConfig.parse(Path.of("config.json"), BITNET);
        assertTrue(packed.isBitnetQuantized());
        assertTrue(packed.packedScaleMultiplies());
        assertFalse(packed.onlineQuantization());
        assertNull(packed.ropeScaling());
        HfConfig llama = HfConfig.parse(Path.of("config.json"), BITNET.replace("\"linear_class\": \"autobitlinear\", ", "")
                .replace("\"vocab_size\"", "\"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}, \"vocab_size\""));
        assertTrue(llama.isBitnetQuantized());
        assertFalse(llama.packedScaleMultiplies(), "BitLinear (the default linear_class) divides");
        assertEquals(2.0, ((Number) llama.ropeScaling().get("factor")).doubleValue());
        HfConfig online = HfConfig.parse(Path.of("config.json"), BITNET.replace("\"offline\"", "\"online\""));
        assertTrue(online.onlineQuantization());
        HfConfig plain = HfConfig.parse(Path.of("config.json"), BITNET.replaceAll(",\\s*\"quantization_config\": \\{[^}]*}", ""));
        assertFalse(plain.isBitnetQuantized());
        assertFalse(plain.packedScaleMultiplies());
    }
}
