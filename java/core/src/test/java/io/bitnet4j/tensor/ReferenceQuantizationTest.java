package io.bitnet4j.tensor;

import io.bitnet4j.gguf.GgufFile;
import io.bitnet4j.gguf.TestData;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The reference engines' llama-quantize output on the tiny models: quantizing the F32 file's tensors
 * with our codecs must reproduce the quantized file's tensor bytes, and dequantizing them must give
 * back the F32 values (the weights are exactly representable: s·t, s = 1/32, t ∈ {−1,0,1}).
 */
class ReferenceQuantizationTest {

    @ParameterizedTest
    @CsvSource({
            "tiny-bitnet-b1.58-f32.gguf, tiny-bitnet-b1.58-i2_s.gguf",
            "tiny-bitnet-b1.58-f32.gguf, tiny-bitnet-b1.58-tq2_0.gguf",
            "tiny-bitnet-f32.gguf, tiny-bitnet-tq2_0.gguf",
            "tiny-bitnet-f32.gguf, tiny-bitnet-tq1_0.gguf"})
    void quantizingTheF32ModelReproducesTheReferenceBytes(String f32Name, String quantName) throws Exception {
        try (GgufFile f32 = GgufFile.open(TestData.reference(f32Name)); GgufFile q = GgufFile.open(TestData.reference(quantName))) {
            assertEquals(f32.tensorInfos().size(), q.tensorInfos().size());
            int quantized = 0;
            for (Tensor ref : q.tensors()) {
                Tensor src = f32.tensor(ref.name());
                assertEquals(TensorType.F32, src.type());
                assertArrayEquals(src.shape(), ref.shape(), ref.name());
                float[] x = TensorCodecs.dequantize(src);
                int k = (int) src.cols();
                int rows = (int) src.rows();
                MemorySegment mine = TensorCodecs.quantize(ref.type(), x, rows, k);
                if (ref.type() == TensorType.I2_S) {
                    // codes and the f32 scale must match; the reference leaves the rest of the 32-byte tail uninitialised
                    long n = (long) rows * k;
                    assertSameBytes(ref.name(), ref.data().asSlice(0, n / 4 + 4), mine.asSlice(0, n / 4 + 4));
                } else {
                    assertSameBytes(ref.name(), ref.data(), mine);
                }
                if (ref.type() != TensorType.F32) quantized++;

                float[] back = TensorCodecs.dequantize(ref);
                if (ref.type() == TensorType.F16) {
                    for (int i = 0; i < x.length; i++) {
                        assertEquals(Float.float16ToFloat(Float.floatToFloat16(x[i])), back[i], ref.name() + " @" + i);
                    }
                } else {
                    assertArrayEquals(x, back, ref.name());
                }
            }
            assertEquals(1 + 4 * 7, quantized, "token_embd + 7 linear per layer");
        }
    }

    private static void assertSameBytes(String what, MemorySegment expected, MemorySegment actual) {
        assertEquals(expected.byteSize(), actual.byteSize(), what + " size");
        long mismatch = expected.mismatch(actual);
        if (mismatch >= 0) {
            fail(what + ": first differing byte at " + mismatch + ": expected "
                    + (expected.get(ValueLayout.JAVA_BYTE, mismatch) & 0xFF) + ", got " + (actual.get(ValueLayout.JAVA_BYTE, mismatch) & 0xFF));
        }
    }
}
