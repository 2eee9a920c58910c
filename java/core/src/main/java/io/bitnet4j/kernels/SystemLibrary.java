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

    /**
     * Locks the pages of {@code memory} in RAM with the C library's {@code mlock} (llama.cpp's {@code --mlock}),
     * best effort: returns null when they are locked, else why they are not (the {@code errno} text, and for
     * ENOMEM the limit to raise), never throws. Nothing is locked where the C library cannot be called.
     */
    public static String lockMemory(MemorySegment memory) {
        if (NativeSymbols.C.MLOCK == null) return "mlock is not available (no native access to the C library)";
        if (memory.byteSize() == 0) return null;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(NativeSymbols.C.CALL_STATE);
            int rc = (int) NativeSymbols.C.MLOCK.invokeExact(state, memory, memory.byteSize());
            if (rc == 0) return null;
            int errno = (int) NativeSymbols.C.ERRNO.get(state, 0L);
            return "mlock of " + memory.byteSize() + " bytes failed: " + errorText(errno)
                    + (errno == ENOMEM ? " (raise the locked-memory limit: ulimit -l, or RLIMIT_MEMLOCK)" : "");
        } catch (Throwable t) {
            return "mlock failed: " + t;
        }
    }

    /** Undoes {@link #lockMemory} (before the memory is unmapped or freed); failures are ignored. */
    public static void unlockMemory(MemorySegment memory) {
        if (NativeSymbols.C.MUNLOCK == null || memory.byteSize() == 0) return;
        try (Arena arena = Arena.ofConfined()) {
            int ignored = (int) NativeSymbols.C.MUNLOCK.invokeExact(arena.allocate(NativeSymbols.C.CALL_STATE), memory, memory.byteSize());
        } catch (Throwable t) {
            // nothing was locked, or the pages are about to go anyway
        }
    }

    /** Linux's (and every glibc target's) ENOMEM: for mlock, "the locked-memory limit would be exceeded". */
    private static final int ENOMEM = 12;

    /** The C library's {@code strerror} text of an errno value. */
    @SuppressWarnings("restricted") // reinterpret: strerror returns a NUL-terminated string
    private static String errorText(int errno) {
        if (NativeSymbols.C.STRERROR == null) return "errno " + errno;
        try {
            MemorySegment text = (MemorySegment) NativeSymbols.C.STRERROR.invokeExact(errno);
            return text.reinterpret(1024).getString(0) + " (errno " + errno + ")";
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    private static void free(MemorySegment p) {
        try {
            NativeSymbols.C.FREE.invokeExact(p);
        } catch (Throwable t) {
            throw new IllegalStateException("free failed", t);
        }
    }
}
