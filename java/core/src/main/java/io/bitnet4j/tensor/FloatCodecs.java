package io.bitnet4j.tensor;

import java.lang.foreign.MemorySegment;

import static io.bitnet4j.tensor.TensorCodecs.F32_LE;
import static io.bitnet4j.tensor.TensorCodecs.I16_LE;

/**
 * F32, F16 and BF16 rows. Conversions match ggml: F32→F16 rounds to nearest even (what F16C's
 * {@code _mm256_cvtps_ph(x, 0)} and ggml's scalar fallback do), F32→BF16 is ggml's
 * {@code ggml_compute_fp32_to_bf16} (round to nearest even on the bits, NaN forced quiet).
 */
public final class FloatCodecs {
    private FloatCodecs() {}

    public static void dequantizeRowF32(MemorySegment src, long off, float[] dst, int dstOff, int k) {
        MemorySegment.copy(src, F32_LE, off, dst, dstOff, k);
    }

    public static void dequantizeRowF16(MemorySegment src, long off, float[] dst, int dstOff, int k) {
        for (int i = 0; i < k; i++) dst[dstOff + i] = Float.float16ToFloat(src.get(I16_LE, off + 2L * i));
    }

    public static void dequantizeRowBF16(MemorySegment src, long off, float[] dst, int dstOff, int k) {
        for (int i = 0; i < k; i++) dst[dstOff + i] = bf16ToFloat(src.get(I16_LE, off + 2L * i));
    }

    public static void quantizeRowF32(float[] src, int srcOff, MemorySegment dst, long dstOff, int k) {
        MemorySegment.copy(src, srcOff, dst, F32_LE, dstOff, k);
    }

    public static void quantizeRowF16(float[] src, int srcOff, MemorySegment dst, long dstOff, int k) {
        for (int i = 0; i < k; i++) dst.set(I16_LE, dstOff + 2L * i, Float.floatToFloat16(src[srcOff + i]));
    }

    public static void quantizeRowBF16(float[] src, int srcOff, MemorySegment dst, long dstOff, int k) {
        for (int i = 0; i < k; i++) dst.set(I16_LE, dstOff + 2L * i, floatToBf16(src[srcOff + i]));
    }

    /** bf16 bits → float (exact). */
    public static float bf16ToFloat(short h) {
        return Float.intBitsToFloat((h & 0xFFFF) << 16);
    }

    /** float → bf16 bits, as ggml: NaN keeps its top bits and is forced quiet, otherwise round to nearest even. */
    public static short floatToBf16(float f) {
        int u = Float.floatToRawIntBits(f);
        if ((u & 0x7fffffff) > 0x7f800000) return (short) ((u >>> 16) | 64);
        return (short) ((u + (0x7fff + ((u >>> 16) & 1))) >>> 16);
    }
}
