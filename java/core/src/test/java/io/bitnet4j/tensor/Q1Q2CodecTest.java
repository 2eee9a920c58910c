package io.bitnet4j.tensor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.lang.foreign.MemorySegment;

import static org.junit.jupiter.api.Assertions.*;

/** Q1_0 / Q2_0 codecs against ggml's own quantize_row_q*_0_ref and to_float on the same floats. */
class Q1Q2CodecTest {

    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q1_0", "Q2_0"})
    void quantizerIsByteIdenticalToGgml(TensorType type) {
        var cases = GgmlQ1Q2Reference.cases(type);
        assertEquals(4, cases.size());
        for (var c : cases) {
            MemorySegment mine = TensorCodecs.quantize(type, c.weights(), c.rows(), c.k());
            assertArrayEquals(c.quantized(), mine.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), c.toString());
        }
    }

    @ParameterizedTest
    @EnumSource(value = TensorType.class, names = {"Q1_0", "Q2_0"})
    void dequantizeIsIdenticalToGgml(TensorType type) {
        for (var c : GgmlQ1Q2Reference.cases(type)) {
            MemorySegment q = MemorySegment.ofArray(c.quantized());
            float[] out = new float[c.rows() * c.k()];
            long rb = type.rowSize(c.k());
            for (int r = 0; r < c.rows(); r++) TensorCodecs.dequantizeRow(type, q, r * rb, out, r * c.k(), c.k());
            for (int i = 0; i < out.length; i++) {
                assertEquals(Float.floatToRawIntBits(c.dequantized()[i]), Float.floatToRawIntBits(out[i]), c + " value " + i);
            }
        }
    }

    @Test
    void typeRowsFollowGgml() {
        assertEquals(41, TensorType.Q1_0.id());
        assertEquals(42, TensorType.Q2_0.id());
        assertEquals(18, TensorType.Q1_0.rowSize(128));
        assertEquals(18 * 3, TensorType.Q2_0.rowSize(192));
        assertNotNull(TensorType.Q1_0.rowLengthProblem(64));
        assertSame(TensorType.Q2_0, TensorType.byId(42));
    }

    @Test
    void q2_0EdgeCodes() {
        // a zero block: d = 0, every code 1 (value 0); ties w/amax = ±0.5 round away from zero
        float[] x = new float[64];
        x[1] = 2f;
        x[2] = 1f;
        x[3] = -1f;
        MemorySegment q = TensorCodecs.quantize(TensorType.Q2_0, x, 1, 64);
        assertEquals(1, Q2_0Codec.code(q, 0, 0));
        assertEquals(2, Q2_0Codec.code(q, 0, 1));
        assertEquals(2, Q2_0Codec.code(q, 0, 2));
        assertEquals(0, Q2_0Codec.code(q, 0, 3));
        MemorySegment z = TensorCodecs.quantize(TensorType.Q2_0, new float[64], 1, 64);
        for (int j = 0; j < 64; j++) assertEquals(1, Q2_0Codec.code(z, 0, j));
    }
}
