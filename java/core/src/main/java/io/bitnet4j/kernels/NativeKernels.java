package io.bitnet4j.kernels;

import static io.bitnet4j.kernels.KernelChecks.requireNative;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The C kernels of libbitnet4j through FFM downcalls. Every method validates its arguments with
 * {@link KernelChecks} (and that segments are off-heap) before the downcall, so the C side never
 * sees an out-of-bounds request.
 */
@SuppressWarnings("restricted") // the FFM calls of the native tier: the reason this class exists
public final class NativeKernels implements Kernels {
    private static volatile NativeKernels instance;

    private NativeKernels() {}

    /** Whether libbitnet4j is loaded and usable. */
    public static boolean available() {
        return NativeSymbols.UNAVAILABLE == null;
    }

    /** Why the native tier is unavailable, or null if it is available. */
    public static String unavailableReason() {
        return NativeSymbols.UNAVAILABLE;
    }

    /** Where the library was loaded from (path and source), or null. */
    public static String librarySource() {
        return NativeSymbols.SOURCE;
    }

    /** The shared instance; IllegalStateException with the reason if the library is unavailable. */
    public static NativeKernels instance() {
        if (!available()) {
            throw new IllegalStateException("native kernels unavailable: " + NativeSymbols.UNAVAILABLE);
        }
        NativeKernels k = instance;
        if (k == null) {
            synchronized (NativeKernels.class) {
                if (instance == null) {
                    instance = new NativeKernels();
                }
                k = instance;
            }
        }
        return k;
    }

    @Override
    public KernelTier tier() {
        return KernelTier.NATIVE;
    }

    @Override
    public String description() {
        return "native " + isa();
    }

    /** b4j_abi_version(). */
    public int abiVersion() {
        try {
            return (int) NativeSymbols.ABI_VERSION.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The ISA variant in use, e.g. "avx512vnni". */
    public String isa() {
        try {
            return ((MemorySegment) NativeSymbols.ISA.invokeExact()).reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** ISA variants this CPU can run, best first, e.g. ["avx512vnni", "avx2", "scalar"]. */
    public java.util.List<String> supportedIsas() {
        try {
            String s = ((MemorySegment) NativeSymbols.SUPPORTED_ISAS.invokeExact()).reinterpret(4096).getString(0);
            return java.util.Arrays.stream(s.split(",")).map(String::trim).filter(x -> !x.isEmpty()).toList();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Selects an ISA variant for the whole process (tests and benchmarks). Not thread-safe with
     * concurrent kernel calls. Throws IllegalArgumentException if this CPU cannot run it.
     */
    public void setIsa(String name) {
        int rc;
        try (Arena a = Arena.ofConfined()) {
            rc = (int) NativeSymbols.SET_ISA.invokeExact(a.allocateFrom(name));
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (rc != 0) {
            throw new IllegalArgumentException("ISA '" + name + "' not supported here (supported: " + supportedIsas() + ")");
        }
    }

    // ---- quantization ----

    @Override
    public void quantizeI8(MemorySegment x, int ntok, int k, MemorySegment q, MemorySegment scales, MemorySegment sums) {
        KernelChecks.checkQuantizeI8(x, ntok, k, q, scales, sums);
        requireNative("quantizeI8: x", x);
        requireNative("quantizeI8: q", q);
        requireNative("quantizeI8: scales", scales);
        requireNative("quantizeI8: sums", sums);
        try {
            NativeSymbols.QUANTIZE_I8.invokeExact(x, (long) ntok, (long) k, q, scales, sums);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public void quantizeQ8K(MemorySegment x, int ntok, int k, MemorySegment y) {
        quant(NativeSymbols.QUANTIZE_Q8_K, "quantizeQ8K", ActivationFormat.Q8_K, x, ntok, k, y);
    }

    @Override
    public void quantizeQ80(MemorySegment x, int ntok, int k, MemorySegment y) {
        quant(NativeSymbols.QUANTIZE_Q8_0, "quantizeQ80", ActivationFormat.Q8_0, x, ntok, k, y);
    }

    /** A block quantizer's downcall, after its checks. */
    private static void quant(MethodHandle h, String op, ActivationFormat format, MemorySegment x, int ntok, int k,
                              MemorySegment y) {
        KernelChecks.checkQuantize(op, format, x, ntok, k, y);
        requireNative(op, "x", x);
        requireNative(op, "y", y);
        try {
            h.invokeExact(x, (long) ntok, (long) k, y);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---- matmuls ----

    @Override
    public void gemmI2S(MemorySegment w, int k, int row0, int row1, float wScale, MemorySegment act,
                        MemorySegment scales, MemorySegment sums, int ntok, MemorySegment out, int outStride) {
        KernelChecks.checkGemmI2S(w, k, row0, row1, wScale, act, scales, sums, ntok, out, outStride);
        requireNative("gemmI2S: w", w);
        requireNative("gemmI2S: act", act);
        requireNative("gemmI2S: scales", scales);
        requireNative("gemmI2S: sums", sums);
        requireNative("gemmI2S: out", out);
        if (row0 == row1) {
            return;
        }
        try {
            NativeSymbols.GEMM_I2S_I8.invokeExact(w, (long) k, (long) row0, (long) row1, wScale, act, scales, sums,
                    (long) ntok, out, (long) outStride);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public void gemmTQ20(MemorySegment w, int k, int row0, int row1, MemorySegment actQ8K, int ntok,
                         MemorySegment out, int outStride, MatmulOrder order) {
        gemm(NativeSymbols.GEMM_TQ2_0_Q8_K, "gemmTQ20", MatmulFormat.TQ2_0, w, k, row0, row1, actQ8K, ntok, out, outStride,
                order.fusedBlocks() ? 1 : 0);
    }

    @Override
    public void gemmTQ10(MemorySegment w, int k, int row0, int row1, MemorySegment actQ8K, int ntok,
                         MemorySegment out, int outStride, MatmulOrder order) {
        gemm(NativeSymbols.GEMM_TQ1_0_Q8_K, "gemmTQ10", MatmulFormat.TQ1_0, w, k, row0, row1, actQ8K, ntok, out, outStride,
                order.fusedBlocks() ? 1 : 0);
    }

    @Override
    public void gemmQ80(MemorySegment w, int k, int row0, int row1, MemorySegment actQ80, int ntok,
                        MemorySegment out, int outStride) {
        gemm(NativeSymbols.GEMM_Q8_0_Q8_0, "gemmQ80", MatmulFormat.Q8_0, w, k, row0, row1, actQ80, ntok, out, outStride);
    }

    @Override
    public void gemmQ10(MemorySegment w, int k, int row0, int row1, MemorySegment actQ80, int ntok,
                        MemorySegment out, int outStride) {
        gemm(NativeSymbols.GEMM_Q1_0_Q8_0, "gemmQ10", MatmulFormat.Q1_0, w, k, row0, row1, actQ80, ntok, out, outStride);
    }

    @Override
    public void gemmQ20(MemorySegment w, int k, int row0, int row1, MemorySegment actQ80, int ntok,
                        MemorySegment out, int outStride) {
        gemm(NativeSymbols.GEMM_Q2_0_Q8_0, "gemmQ20", MatmulFormat.Q2_0, w, k, row0, row1, actQ80, ntok, out, outStride);
    }

    @Override
    public void gemmF32(MemorySegment w, int k, int row0, int row1, MemorySegment x, int ntok,
                        MemorySegment out, int outStride, MatmulOrder order) {
        gemm(NativeSymbols.GEMM_F32, "gemmF32", MatmulFormat.F32, w, k, row0, row1, x, ntok, out, outStride,
                order.floatDot().forLength(k).code());
    }

    @Override
    public void gemmF16(MemorySegment w, int k, int row0, int row1, MemorySegment x, int ntok,
                        MemorySegment out, int outStride, MatmulOrder order) {
        gemm(NativeSymbols.GEMM_F16, "gemmF16", MatmulFormat.F16, w, k, row0, row1, x, ntok, out, outStride,
                order.floatDot().forLength(k).code());
    }

    @Override
    public void gemmBF16(MemorySegment w, int k, int row0, int row1, MemorySegment x, int ntok,
                         MemorySegment out, int outStride) {
        gemm(NativeSymbols.GEMM_BF16, "gemmBF16", MatmulFormat.BF16, w, k, row0, row1, x, ntok, out, outStride);
    }

    @Override
    public void attention(AttentionShape shape, MemorySegment q, MemorySegment k, MemorySegment v, int pos0, int row0,
                          int row1, AttentionOrder order, MemorySegment scratch, MemorySegment out) {
        KernelChecks.checkAttention(shape, q, k, v, pos0, row0, row1, scratch, out);
        requireNative("attention: q", q);
        requireNative("attention: k", k);
        requireNative("attention: v", v);
        requireNative("attention: scratch", scratch);
        requireNative("attention: out", out);
        if (row0 == row1) {
            return;
        }
        try {
            NativeSymbols.ATTENTION.invokeExact(q, k, v, shape.kvF16() ? 1 : 0, (long) shape.headSize(),
                    (long) shape.kvHeads(), (long) shape.group(), shape.scale(), (long) pos0, (long) row0, (long) row1,
                    order.code(), scratch, out);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The common (w, k, row0, row1, act, ntok, out, outStride) downcall, after its checks. */
    private static void gemm(MethodHandle h, String op, MatmulFormat format, MemorySegment w, int k, int row0, int row1,
                             MemorySegment act, int ntok, MemorySegment out, int outStride) {
        if (!checkedGemm(op, format, w, k, row0, row1, act, ntok, out, outStride)) return;
        try {
            h.invokeExact(w, (long) k, (long) row0, (long) row1, act, (long) ntok, out, (long) outStride);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A gemm downcall with its order argument (TQ: fused blocks; F32/F16: the {@link GgmlDot} code), after its checks. */
    private static void gemm(MethodHandle h, String op, MatmulFormat format, MemorySegment w, int k, int row0, int row1,
                             MemorySegment act, int ntok, MemorySegment out, int outStride, int order) {
        if (!checkedGemm(op, format, w, k, row0, row1, act, ntok, out, outStride)) return;
        try {
            h.invokeExact(w, (long) k, (long) row0, (long) row1, act, (long) ntok, out, (long) outStride, order);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The checks every gemm downcall passes first; false when the row range is empty (nothing to call). */
    private static boolean checkedGemm(String op, MatmulFormat format, MemorySegment w, int k, int row0, int row1,
                                       MemorySegment act, int ntok, MemorySegment out, int outStride) {
        KernelChecks.checkGemm(op, format, w, k, row0, row1, act, ntok, out, outStride);
        requireNative(op, "w", w);
        requireNative(op, "act", act);
        requireNative(op, "out", out);
        return row0 != row1;
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("native call failed", t);
    }
}
