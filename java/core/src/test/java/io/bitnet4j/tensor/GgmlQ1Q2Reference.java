package io.bitnet4j.tensor;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * ggml's own Q1_0/Q2_0 results on seeded random inputs (test resource {@code ggml-q1q2/}, its README says how
 * they were made): per case the f32 weights, {@code quantize_row_q*_0_ref}'s bytes, {@code to_float}'s
 * values, f32 activations, their Q8_0 bytes by ggml's {@code from_float}, and {@code vec_dot} of every
 * (token, row).
 */
public final class GgmlQ1Q2Reference {
    private GgmlQ1Q2Reference() {}

    /** One shape; {@code dots[t * rows + r]} is ggml's vec_dot of weight row r and activation row t. */
    public record Case(TensorType type, int k, int rows, int ntok, float[] weights, byte[] quantized, float[] dequantized,
                       float[] activations, byte[] actQ80, float[] dots) {
        @Override
        public String toString() {
            return type + " k=" + k + " rows=" + rows;
        }
    }

    private static List<Case> cases;

    public static synchronized List<Case> cases() {
        if (cases == null) cases = read();
        return cases;
    }

    public static List<Case> cases(TensorType type) {
        return cases().stream().filter(c -> c.type() == type).toList();
    }

    private static List<Case> read() {
        try (InputStream in = GgmlQ1Q2Reference.class.getResourceAsStream("/ggml-q1q2/q1_q2_ggml.bin.gz")) {
            if (in == null) throw new IllegalStateException("test resource ggml-q1q2/q1_q2_ggml.bin.gz missing");
            ByteBuffer b = ByteBuffer.wrap(new GZIPInputStream(in).readAllBytes()).order(ByteOrder.LITTLE_ENDIAN);
            if (b.getInt() != 0x3231514B) throw new IllegalStateException("bad magic");
            int n = b.getInt();
            List<Case> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                TensorType type = TensorType.byId(b.getInt());
                int k = b.getInt(), rows = b.getInt(), ntok = b.getInt();
                float[] w = floats(b, rows * k);
                byte[] q = bytes(b, (int) type.tensorBytes(k, rows));
                float[] dq = floats(b, rows * k);
                float[] a = floats(b, ntok * k);
                byte[] aq = bytes(b, (int) TensorType.Q8_0.tensorBytes(k, ntok));
                out.add(new Case(type, k, rows, ntok, w, q, dq, a, aq, floats(b, rows * ntok)));
            }
            if (b.hasRemaining()) throw new IllegalStateException(b.remaining() + " bytes left over");
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static float[] floats(ByteBuffer b, int n) {
        float[] f = new float[n];
        b.asFloatBuffer().get(f);
        b.position(b.position() + 4 * n);
        return f;
    }

    private static byte[] bytes(ByteBuffer b, int n) {
        byte[] a = new byte[n];
        b.get(a);
        return a;
    }

    /** A copy of the bytes in native memory (the native tier reads off-heap segments only). */
    public static MemorySegment offHeap(byte[] bytes, java.lang.foreign.Arena arena) {
        MemorySegment s = arena.allocate(Math.max(1, bytes.length), 64);
        s.copyFrom(MemorySegment.ofArray(bytes));
        return s;
    }
}
