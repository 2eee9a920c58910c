package io.bitnet4j.tensor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.*;

/** The Q6_K quantizer: byte identity with ggml's reference, 6-bit error bounds, and edge cases. */
class Q6_KCodecTest {

    private static final int B = Q6_KCodec.BLOCK;
    private static final int BB = Q6_KCodec.BLOCK_BYTES;

    @Test
    void reproducesGgmlReferenceBytes() throws IOException {
        float[] x = floats(resource("q6k/ggml-q6_k-input.f32"));
        byte[] expected = resource("q6k/ggml-q6_k-expected.bin");
        int blocks = x.length / B;
        assertEquals(54, blocks);
        assertEquals(blocks * BB, expected.length);
        byte[] mine = quantize(x);
        for (int b = 0; b < blocks; b++) {
            assertArrayEquals(Arrays.copyOfRange(expected, b * BB, (b + 1) * BB), Arrays.copyOfRange(mine, b * BB, (b + 1) * BB),
                    "block " + b);
        }
    }

    @Test
    void nearestIntRoundsHalfToEven() {
        assertEquals(0, Q6_KCodec.nearestInt(0.5f));
        assertEquals(2, Q6_KCodec.nearestInt(1.5f));
        assertEquals(2, Q6_KCodec.nearestInt(2.5f));
        assertEquals(0, Q6_KCodec.nearestInt(-0.5f));
        assertEquals(-2, Q6_KCodec.nearestInt(-1.5f));
        assertEquals(-2, Q6_KCodec.nearestInt(-2.5f));
        assertEquals(3, Q6_KCodec.nearestInt(3.4999998f));
        assertEquals(-31, Q6_KCodec.nearestInt(-31.2f));
        assertEquals(4194303, Q6_KCodec.nearestInt(4194303f));
        assertEquals(-4194304, Q6_KCodec.nearestInt(-4194304f));
    }

    /**
     * Every decoded weight lies within half a step (d·scale of its sub-block) of the input, unless its
     * code sits at the clamp (-32 or 31) and the input lies beyond it; and Gaussian rows come back with
     * an RMS error of about step/√12 — about 1.8 % of σ for 64 levels over a 16-weight sub-block.
     */
    @ParameterizedTest
    @ValueSource(floats = {0.02f, 0.1f, 1f, 1000f})   // σ ≥ ~0.01: tinier rows get a subnormal f16 d, coarser than 6 bits
    void roundTripStaysWithinHalfAStep(float sigma) {
        Random rnd = new Random(Float.floatToIntBits(sigma));
        int n = 64 * B;
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (float) (rnd.nextGaussian() * sigma);
        byte[] q = quantize(x);
        float[] y = dequantize(q, n);
        MemorySegment s = MemorySegment.ofArray(q);
        double se = 0;
        for (int i = 0; i < n; i++) {
            int b = i / B;
            int j = i % B;
            float d = Float.float16ToFloat(s.get(TensorCodecs.I16_LE, (long) b * BB + 208));
            int sc = q[b * BB + 192 + j / 16];
            float step = Math.abs(d * sc);
            int code = code(q, b, j);
            double err = x[i] - y[i];
            boolean clampedBeyond = (code == -32 && x[i] / (d * sc) < -32) || (code == 31 && x[i] / (d * sc) > 31);
            if (!clampedBeyond) assertTrue(Math.abs(err) <= 0.5 * step * (1 + 1e-5), "weight " + i + ": " + x[i] + " → " + y[i]);
            se += err * err;
        }
        double rel = Math.sqrt(se / n) / sigma;
        assertTrue(rel < 0.025 && rel > 0.005, "relative RMS error " + rel);
    }

    @Test
    void allZerosGiveAZeroBlock() {
        byte[] q = quantize(new float[2 * B]);
        assertArrayEquals(new byte[2 * BB], q);
        for (float v : dequantize(q, 2 * B)) assertEquals(0f, Math.abs(v));   // d·0·(-32) is -0.0
    }

    /** Values below GROUP_MAX_EPS count as zero; the block is all zero bytes (d = +0). */
    @Test
    void valuesBelowGroupMaxEpsGiveAZeroBlock() {
        float[] x = new float[B];
        for (int i = 0; i < B; i++) x[i] = (i % 2 == 0 ? 1 : -1) * 0.9e-15f;
        assertArrayEquals(new byte[BB], quantize(x));
    }

    /**
     * Values just above GROUP_MAX_EPS get nonzero sub-block scales, but d = scale/128 underflows f16:
     * ggml still writes the int8 scales and the codes make_qx_quants chose, and everything decodes to 0.
     */
    @Test
    void tinyValuesWhoseSuperScaleUnderflowsDecodeToZero() {
        float[] x = new float[B];
        for (int i = 0; i < B; i++) x[i] = 1e-12f * ((i % 7) - 3);
        byte[] q = quantize(x);
        assertEquals(0, q[208]);
        assertEquals(0, q[209]);
        for (int s = 0; s < 16; s++) assertNotEquals(0, q[192 + s], "sub-block " + s + " has a scale");
        assertTrue(Arrays.asList(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15).stream().anyMatch(s -> q[192 + s] == -128),
                "the largest sub-block scale maps to -128");
        assertEquals(0, code(q, 0, 3), "x = 0 keeps make_qx_quants' code 0, not the zero block's -32");
        assertEquals(-32, code(q, 0, 0), "the sub-block's signed max keeps code -32");
        for (float v : dequantize(q, B)) assertEquals(0f, Math.abs(v));
    }

    /** A constant row: every code is -32 (the max maps to -nmax), every scale -128, and it decodes exactly. */
    @ParameterizedTest
    @ValueSource(floats = {1f, -2f, 0.25f, 3f})
    void constantRows(float c) {
        float[] x = new float[B];
        Arrays.fill(x, c);
        byte[] q = quantize(x);
        for (int j = 0; j < B; j++) assertEquals(-32, code(q, 0, j));
        for (int s = 0; s < 16; s++) assertEquals(-128, q[192 + s]);
        float d = Float.float16ToFloat(MemorySegment.ofArray(q).get(TensorCodecs.I16_LE, 208));
        assertEquals(c / 4096f, d, Math.abs(c / 4096f) / 1024, "d = c/(32·128), rounded to f16");
        for (float v : dequantize(q, B)) assertEquals(d * -128 * -32, v);
        if (c == 1f || c == -2f || c == 0.25f) for (float v : dequantize(q, B)) assertEquals(c, v);   // d exact in f16
    }

    /** One outlier among zeros: it survives (up to the f16 rounding of d = v/4096); every other weight decodes to 0. */
    @ParameterizedTest
    @ValueSource(floats = {5f, -5f, 0.3f, 6e4f})
    void singleOutlier(float v) {
        float[] x = new float[B];
        x[37] = v;
        float[] y = dequantize(quantize(x), B);
        assertEquals(v, y[37], Math.abs(v) * 1e-3);
        for (int i = 0; i < B; i++) if (i != 37) assertEquals(0f, Math.abs(y[i]), "weight " + i);
    }

    /**
     * Negating a block negates only d: ggml's algorithm is sign-symmetric (the signed max is kept and
     * every product changes sign exactly), so the codes and int8 scales are the same bytes.
     */
    @Test
    void negatedBlockFlipsOnlyTheSignOfD() {
        Random rnd = new Random(11);
        float[] x = new float[16 * B];
        for (int i = 0; i < x.length; i++) x[i] = (float) (rnd.nextGaussian() * (1 + (i / B)));
        float[] neg = new float[x.length];
        for (int i = 0; i < x.length; i++) neg[i] = -x[i];
        byte[] a = quantize(x);
        byte[] b = quantize(neg);
        for (int blk = 0; blk < 16; blk++) {
            int p = blk * BB;
            assertArrayEquals(Arrays.copyOfRange(a, p, p + 208), Arrays.copyOfRange(b, p, p + 208));
            assertEquals(a[p + 208], b[p + 208]);
            assertEquals(a[p + 209] ^ (byte) 0x80, b[p + 209]);
        }
    }

    @Test
    void dispatchesThroughTensorCodecsAndRejectsBadRowLengths() {
        float[] x = new float[3 * B];
        for (int i = 0; i < x.length; i++) x[i] = (float) Math.sin(i);
        MemorySegment whole = TensorCodecs.quantize(TensorType.Q6_K, x, 3, B);
        assertEquals(3L * BB, whole.byteSize());
        assertArrayEquals(quantize(x), whole.toArray(ValueLayout.JAVA_BYTE));
        assertThrows(IllegalArgumentException.class,
                () -> TensorCodecs.quantizeRow(TensorType.Q6_K, new float[100], 0, MemorySegment.ofArray(new byte[BB]), 0, 100));
    }

    private static byte[] quantize(float[] x) {
        byte[] q = new byte[x.length / B * BB];
        TensorCodecs.quantizeRow(TensorType.Q6_K, x, 0, MemorySegment.ofArray(q), 0, x.length);
        return q;
    }

    private static float[] dequantize(byte[] q, int n) {
        float[] y = new float[n];
        TensorCodecs.dequantizeRow(TensorType.Q6_K, MemorySegment.ofArray(q), 0, y, 0, n);
        return y;
    }

    /** Code (q, in -32..31) of weight j of block b, read from the packed layout independently of the decoder. */
    private static int code(byte[] q, int b, int j) {
        int p = b * BB;
        int half = j / 128, r = j % 128, quarter = r / 32, l = r % 32;
        int ql = q[p + half * 64 + l + (quarter % 2) * 32] & 0xFF;
        int lo = quarter < 2 ? ql & 0xF : ql >> 4;
        int hi = ((q[p + 128 + half * 32 + l] & 0xFF) >> (2 * quarter)) & 3;
        return (lo | hi << 4) - 32;
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = Q6_KCodecTest.class.getClassLoader().getResourceAsStream(name)) {
            assertNotNull(in, name);
            return in.readAllBytes();
        }
    }

    private static float[] floats(byte[] bytes) {
        float[] f = new float[bytes.length / 4];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(f);
        return f;
    }
}
