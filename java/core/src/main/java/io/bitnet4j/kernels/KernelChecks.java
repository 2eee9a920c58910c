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

    /** A block quantizer (Q8_K, Q8_0): ntok rows of k floats into ntok rows of the format's blocks. */
    public static void checkQuantize(String op, ActivationFormat format, MemorySegment x, int ntok, int k, MemorySegment y) {
        if (ntok <= 0) throw new IllegalArgumentException(op + ": ntok must be positive, got " + ntok);
        long row = rowBytes(op, format, k);
        need(op, "x", x, (long) ntok * k * 4, false);
        need(op, "y", y, ntok * row, true);
    }

    /** I2_S weights with I8 activations (q: ntok*k bytes, scales and sums: ntok entries). */
    public static void checkGemmI2S(MemorySegment w, int k, int row0, int row1, float wScale,
                                    MemorySegment act, MemorySegment scales, MemorySegment sums, int ntok,
                                    MemorySegment out, int outStride) {
        checkWeightsAndOut("gemmI2S", MatmulFormat.I2_S, w, k, row0, row1, ntok, out, outStride);
        if (!Float.isFinite(wScale)) {
            throw new IllegalArgumentException("gemmI2S: wScale must be finite, got " + wScale);
        }
        need("gemmI2S: act", act, ntok * ActivationFormat.I8.rowBytes(k), false);
        need("gemmI2S: scales", scales, ntok * 4L, false);
        need("gemmI2S: sums", sums, ntok * 4L, false);
    }

    /**
     * Every other gemm: weights of {@code format}, activations in its {@link MatmulFormat#activation()} (ntok rows
     * of that format's {@link ActivationFormat#rowBytes}: Q8_K or Q8_0 blocks, or k floats).
     */
    public static void checkGemm(String op, MatmulFormat format, MemorySegment w, int k, int row0, int row1,
                                 MemorySegment act, int ntok, MemorySegment out, int outStride) {
        checkWeightsAndOut(op, format, w, k, row0, row1, ntok, out, outStride);
        need(op, "act", act, ntok * format.activation().rowBytes(k), false);
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
    public static void checkWeightsAndOut(String op, MatmulFormat format, MemorySegment w, int k, int row0, int row1,
                                          int ntok, MemorySegment out, int outStride) {
        long rowBytes;
        try {
            rowBytes = format.weightRowBytes(k);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(op + ": " + e.getMessage(), e);
        }
        if (row0 < 0 || row1 < row0) {
            throw new IllegalArgumentException(op + ": bad row range [" + row0 + ", " + row1 + ")");
        }
        if (ntok <= 0) throw new IllegalArgumentException(op + ": ntok must be positive, got " + ntok);
        if (outStride < 0 || (ntok > 1 && outStride < row1)) {
            throw new IllegalArgumentException(op + ": outStride=" + outStride + " must be >= row1=" + row1
                    + " when ntok=" + ntok + " > 1");
        }
        Objects.requireNonNull(w, op);
        if (w.byteSize() < row1 * rowBytes) {
            throw new IllegalArgumentException(op + ": weights (" + format + ", " + row1 + " rows x " + rowBytes
                    + " bytes): segment has " + w.byteSize() + " bytes, needs " + row1 * rowBytes);
        }
        need(op, "out", out, ((long) (ntok - 1) * outStride + row1) * 4L, true);
    }

    /** The format's row bytes for k, or an IllegalArgumentException naming op. */
    private static long rowBytes(String op, ActivationFormat format, int k) {
        try {
            return format.rowBytes(k);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(op + ": " + e.getMessage(), e);
        }
    }

    static int positive(String what, int v) {
        if (v <= 0) {
            throw new IllegalArgumentException(what + " must be positive, got " + v);
        }
        return v;
    }

    /**
     * As {@link #need(String, MemorySegment, long, boolean)} with the message "op: what", concatenated only
     * on failure: these checks run before every kernel call, which must not allocate.
     */
    static void need(String op, String what, MemorySegment seg, long bytes, boolean output) {
        if (seg == null || seg.byteSize() < bytes || (output && seg.isReadOnly())) {
            need(op + ": " + what, seg, bytes, output);
        }
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

    /** As {@link #requireNative(String, MemorySegment)}; the message is built only on failure. */
    static void requireNative(String op, String what, MemorySegment seg) {
        if (!seg.isNative() && !seg.isMapped()) requireNative(op + ": " + what, seg);
    }

    /** For the native tier: the segment must be off-heap (the downcalls do not take heap arrays). */
    static void requireNative(String what, MemorySegment seg) {
        if (!seg.isNative() && !seg.isMapped()) {
            throw new IllegalArgumentException(what + ": native kernels need an off-heap segment, got a heap segment");
        }
    }
}
