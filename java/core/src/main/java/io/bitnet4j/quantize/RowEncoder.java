package io.bitnet4j.quantize;

import io.bitnet4j.gguf.GgufWriter;
import io.bitnet4j.tensor.I2sCodec;
import io.bitnet4j.tensor.TensorCodecs;
import io.bitnet4j.tensor.TensorType;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * Writes a tensor given as float rows in another type, a chunk of rows at a time, so memory stays
 * bounded whatever the tensor's size: {@code quantize} (rows from a GGUF tensor) and {@code convert}
 * (rows from a checkpoint) share it. I2_S gets its per-tensor scale (computed in a first pass when the
 * caller does not know it) and bitnet.cpp's 32-byte tail.
 */
public final class RowEncoder {
    private RowEncoder() {}

    /** Floats converted per chunk (4 MB of f32). */
    static final int CHUNK_FLOATS = 1 << 20;

    /** Reads rows [r0, r0 + n) of k floats each into dst[0 .. n*k). */
    @FunctionalInterface
    public interface RowSource {
        void read(long r0, int n, float[] dst) throws IOException;
    }

    /** Told the bytes written after each chunk (progress). */
    @FunctionalInterface
    public interface Written {
        void add(long bytes);
    }

    /**
     * Encodes {@code rows} rows of {@code k} floats from {@code src} as {@code target} into {@code sink}.
     * {@code i2sScale}: the I2_S tensor scale, or NaN to compute it (max |x| over the tensor, bitnet.cpp's).
     */
    public static void write(RowSource src, long rows, int k, TensorType target, float i2sScale, GgufWriter.TensorSink sink,
                             Written written) throws IOException {
        int chunkRows = (int) Math.max(1, Math.min(rows, CHUNK_FLOATS / Math.max(k, 1)));
        float[] x = new float[Math.toIntExact((long) chunkRows * k)];
        if (target == TensorType.I2_S && Float.isNaN(i2sScale)) {
            i2sScale = 0;
            for (long r0 = 0; r0 < rows; r0 += chunkRows) {
                int n = (int) Math.min(chunkRows, rows - r0);
                src.read(r0, n, x);
                i2sScale = I2sCodec.scale(i2sScale, x, 0, n * k);
            }
        }
        long rowBytes = target.rowSize(k);
        byte[] buf = new byte[Math.toIntExact(chunkRows * rowBytes)];
        MemorySegment seg = MemorySegment.ofArray(buf);
        for (long r0 = 0; r0 < rows; r0 += chunkRows) {
            int n = (int) Math.min(chunkRows, rows - r0);
            src.read(r0, n, x);
            for (int i = 0; i < n; i++) {
                if (target == TensorType.I2_S) I2sCodec.quantizeRow(x, i * k, i2sScale, seg, i * rowBytes, k);
                else TensorCodecs.quantizeRow(target, x, i * k, seg, i * rowBytes, k);
            }
            int len = Math.toIntExact(n * rowBytes);
            sink.write(buf, 0, len);
            written.add(len);
        }
        if (target == TensorType.I2_S) {
            // the 32-byte tail: the f32 scale, then zeros (the reference leaves those uninitialised)
            byte[] tail = new byte[I2sCodec.TAIL_BYTES];
            MemorySegment.ofArray(tail).set(TensorCodecs.F32_LE, 0, i2sScale);
            sink.write(tail, 0, tail.length);
            written.add(tail.length);
        }
    }
}
