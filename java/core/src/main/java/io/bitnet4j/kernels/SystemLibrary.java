package io.bitnet4j.kernels;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The C library functions bitnet4j uses (bound in {@link NativeSymbols.C}), each with a Java fallback
 * for platforms or JVMs where they cannot be called.
 */
public final class SystemLibrary {
    private SystemLibrary() {}

    /**
     * The C library's {@code cosf}, which ggml calls for RoPE angles. It is not correctly rounded (glibc's
     * is within 0.56 ulp), so {@code (float) Math.cos} differs from it in the last bit for about 2 % of
     * angles, and each such bit can flip an int8 rounding downstream: the reference engines' value is the
     * one to use. Falls back to {@code Math.cos} where the C library cannot be called.
     */
    public static float cosf(float x) {
        if (NativeSymbols.C.COSF == null) return (float) Math.cos(x);
        try {
            return (float) NativeSymbols.C.COSF.invokeExact(x);
        } catch (Throwable t) {
            throw new IllegalStateException("cosf failed", t);
        }
    }

    /** The C library's {@code sinf}; see {@link #cosf}. */
    public static float sinf(float x) {
        if (NativeSymbols.C.SINF == null) return (float) Math.sin(x);
        try {
            return (float) NativeSymbols.C.SINF.invokeExact(x);
        } catch (Throwable t) {
            throw new IllegalStateException("sinf failed", t);
        }
    }

    /**
     * {@code bytes} of zeros (at least 16-byte aligned) whose pages are touched only when written: the C
     * library's {@code calloc} (large blocks come fresh from the kernel, zero pages supplied on first write)
     * rather than {@code Arena.allocate}, which writes every byte at once. Freed when {@code arena} closes.
     * Falls back to the arena where {@code calloc} cannot be called.
     */
    @SuppressWarnings("restricted") // reinterpret: the size calloc was asked for
    public static MemorySegment callocZeroed(long bytes, Arena arena) {
        if (NativeSymbols.C.CALLOC == null) return arena.allocate(bytes, 64);
        MemorySegment p;
        try {
            p = (MemorySegment) NativeSymbols.C.CALLOC.invokeExact(1L, bytes);
        } catch (Throwable t) {
            return arena.allocate(bytes, 64);
        }
        if (p.equals(MemorySegment.NULL)) throw new OutOfMemoryError("calloc could not allocate " + bytes + " bytes");
        return p.reinterpret(bytes, arena, SystemLibrary::free);
    }

    private static void free(MemorySegment p) {
        try {
            NativeSymbols.C.FREE.invokeExact(p);
        } catch (Throwable t) {
            throw new IllegalStateException("free failed", t);
        }
    }
}
