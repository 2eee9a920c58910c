package io.bitnet4j.kernels;

import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Argument validation shared by all tiers. Every kernel calls the matching {@code check*} method before
 * touching memory, so bad shapes fail with an IllegalArgumentException naming the problem instead of an
 * IndexOutOfBoundsException (Java tiers) or a crash (native tier). All size arithmetic is in long.
 */
public final class KernelChecks {
    private KernelChecks() {}

    /** Which weight layout a gemm reads; decides the row size. */
    public enum WeightFormat {
        I2_S("I2_S"), TQ2_0("TQ2_0"), TQ1_0("TQ1_0"), Q8_0("Q8_0"), F32("F32"), F16("F16"), BF16("BF16");

        private final String label;

        WeightFormat(String label) {
            this.label = label;
        }

        /** Bytes of one row of k weights; throws if k does not fit the block size. */
        public long rowBytes(int k) {
            return switch (this) {
                case I2_S -> KernelFormats.i2sRowBytes(k);
                case TQ2_0 -> KernelFormats.tq20RowBytes(k);
                case TQ1_0 -> KernelFormats.tq10RowBytes(k);
                case Q8_0 -> KernelFormats.q80RowBytes(k);
                case F32 -> positive(label, k) * 4L;
                case F16, BF16 -> positive(label, k) * 2L;
            };
        }

        @Override
        public String toString() {
            return label;
        }
    }

    public static void checkQuantizeI8(MemorySegment x, int ntok, int k, MemorySegment q,
                                       MemorySegment scales, MemorySegment sums) {
        positive("quantizeI8: ntok", ntok);
        positive("quantizeI8: k", k);
        long n = (long) ntok * k;
        need("quantizeI8: x", x, n * 4, false);
        need("quantizeI8: q", q, n, true);
        need("quantizeI8: scales", scales, ntok * 4L, true);
        need("quantizeI8: sums", sums, ntok * 4L, true);
    }

    public static void checkQuantizeQ8K(MemorySegment x, int ntok, int k, MemorySegment y) {
        positive("quantizeQ8K: ntok", ntok);
        long row = KernelFormats.q8kRowBytes(k);
        need("quantizeQ8K: x", x, (long) ntok * k * 4, false);
        need("quantizeQ8K: y", y, ntok * row, true);
    }

    public static void checkQuantizeQ80(MemorySegment x, int ntok, int k, MemorySegment y) {
        positive("quantizeQ80: ntok", ntok);
        long row = KernelFormats.q80RowBytes(k);
        need("quantizeQ80: x", x, (long) ntok * k * 4, false);
        need("quantizeQ80: y", y, ntok * row, true);
    }

    /** I2_S weights with I8 activations (q: ntok*k bytes, scales and sums: ntok entries). */
    public static void checkGemmI2S(MemorySegment w, int k, int row0, int row1, float wScale,
                                    MemorySegment act, MemorySegment scales, MemorySegment sums, int ntok,
                                    MemorySegment out, int outStride) {
        checkWeightsAndOut("gemmI2S", WeightFormat.I2_S, w, k, row0, row1, ntok, out, outStride);
        if (!Float.isFinite(wScale)) {
            throw new IllegalArgumentException("gemmI2S: wScale must be finite, got " + wScale);
        }
        need("gemmI2S: act", act, (long) ntok * k, false);
        need("gemmI2S: scales", scales, ntok * 4L, false);
        need("gemmI2S: sums", sums, ntok * 4L, false);
    }

    /** TQ2_0 / TQ1_0 weights with Q8_K activations. */
    public static void checkGemmQ8K(String op, WeightFormat format, MemorySegment w, int k, int row0, int row1,
                                    MemorySegment actQ8K, int ntok, MemorySegment out, int outStride) {
        checkWeightsAndOut(op, format, w, k, row0, row1, ntok, out, outStride);
        need(op + ": actQ8K", actQ8K, ntok * KernelFormats.q8kRowBytes(k), false);
    }

    public static void checkGemmQ80(MemorySegment w, int k, int row0, int row1, MemorySegment actQ80, int ntok,
                                    MemorySegment out, int outStride) {
        checkWeightsAndOut("gemmQ80", WeightFormat.Q8_0, w, k, row0, row1, ntok, out, outStride);
        need("gemmQ80: actQ80", actQ80, ntok * KernelFormats.q80RowBytes(k), false);
    }

    /** F32 / F16 / BF16 weights with f32 activations (x: ntok rows of k floats). */
    public static void checkGemmFloat(String op, WeightFormat format, MemorySegment w, int k, int row0, int row1,
                                      MemorySegment x, int ntok, MemorySegment out, int outStride) {
        checkWeightsAndOut(op, format, w, k, row0, row1, ntok, out, outStride);
        need(op + ": x", x, (long) ntok * k * 4, false);
    }

    /** Attention: row range, token rows of q/out, cache rows of k/v, and the scratch the longest row needs. */
    public static void checkAttention(AttentionShape s, MemorySegment q, MemorySegment k, MemorySegment v, int pos0,
                                      int row0, int row1, MemorySegment scratch, MemorySegment out) {
        Objects.requireNonNull(s, "attention: shape");
        if (pos0 < 0 || row0 < 0 || row1 < row0) {
            throw new IllegalArgumentException("attention: bad rows [" + row0 + ", " + row1 + ") at position " + pos0);
        }
        if (row0 == row1) return;
        long tokens = (row1 - 1) / s.kvHeads() + 1;
        long positions = pos0 + tokens;
        need("attention: q", q, tokens * s.qDim() * 4, false);
        need("attention: out", out, tokens * s.qDim() * 4, true);
        need("attention: k", k, positions * s.kvDim() * s.kvBytes(), false);
        need("attention: v", v, positions * s.kvDim() * s.kvBytes(), false);
        need("attention: scratch", scratch, s.scratchFloats(positions) * 4, true);
    }

    /**
     * The part common to every gemm: k fits the format, 0 <= row0 <= row1, the weights hold row1 rows,
     * ntok >= 1, outStride >= row1 when ntok > 1 (tokens must not overlap), and out holds
     * (ntok-1)*outStride + row1 floats.
     */
    public static void checkWeightsAndOut(String op, WeightFormat format, MemorySegment w, int k, int row0, int row1,
                                          int ntok, MemorySegment out, int outStride) {
        long rowBytes;
        try {
            rowBytes = format.rowBytes(k);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(op + ": " + e.getMessage(), e);
        }
        if (row0 < 0 || row1 < row0) {
            throw new IllegalArgumentException(op + ": bad row range [" + row0 + ", " + row1 + ")");
        }
        positive(op + ": ntok", ntok);
        if (outStride < 0 || (ntok > 1 && outStride < row1)) {
            throw new IllegalArgumentException(op + ": outStride=" + outStride + " must be >= row1=" + row1
                    + " when ntok=" + ntok + " > 1");
        }
        need(op + ": weights (" + format + ", " + row1 + " rows x " + rowBytes + " bytes)", w, row1 * rowBytes, false);
        need(op + ": out", out, ((long) (ntok - 1) * outStride + row1) * 4L, true);
    }

    static int positive(String what, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(what + " must be positive, got " + v);
        }
        return v;
    }

    /** The segment exists, holds at least {@code bytes}, and is writable if it is an output. */
    static void need(String what, MemorySegment seg, long bytes, boolean output) {
        Objects.requireNonNull(seg, what);
        if (seg.byteSize() < bytes) {
            throw new IllegalArgumentException(what + ": segment has " + seg.byteSize() + " bytes, needs " + bytes);
        }
        if (output && seg.isReadOnly()) {
            throw new IllegalArgumentException(what + ": output segment is read-only");
        }
    }

    /** For the native tier: the segment must be off-heap (the downcalls do not take heap arrays). */
    static void requireNative(String what, MemorySegment seg) {
        if (!seg.isNative() && !seg.isMapped()) {
            throw new IllegalArgumentException(what + ": native kernels need an off-heap segment, got a heap segment");
        }
    }
}
