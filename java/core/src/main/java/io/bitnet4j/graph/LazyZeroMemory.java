package io.bitnet4j.graph;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Large zero-filled buffers whose pages are touched only when written: libc's {@code calloc} (which
 * maps large blocks fresh from the kernel, zero pages supplied on first write) instead of
 * {@code Arena.allocate}, which writes every byte at allocation. For the KV cache this saves load time
 * (0.3 GB of zeros for a 2B-4T context of 4096) and keeps RSS to the positions actually used. Falls
 * back to the arena where libc's allocator cannot be bound.
 */
@SuppressWarnings("restricted") // two libc calls: the reason this class exists
final class LazyZeroMemory {
    private LazyZeroMemory() {}

    private static final MethodHandle CALLOC, FREE;

    static {
        MethodHandle calloc = null, free = null;
        try {
            Linker linker = Linker.nativeLinker();
            var lookup = linker.defaultLookup();
            var c = lookup.find("calloc");
            var f = lookup.find("free");
            if (c.isPresent() && f.isPresent()) {
                calloc = linker.downcallHandle(c.get(), FunctionDescriptor.of(ADDRESS, JAVA_LONG, JAVA_LONG));
                free = linker.downcallHandle(f.get(), FunctionDescriptor.ofVoid(ADDRESS));
            }
        } catch (RuntimeException | Error e) {
            calloc = free = null; // no native access: plain arena memory
        }
        CALLOC = calloc;
        FREE = free;
    }

    /** {@code bytes} of zeros (at least 16-byte aligned), freed when {@code arena} closes. */
    static MemorySegment allocate(long bytes, Arena arena) {
        if (CALLOC == null) return arena.allocate(bytes, 64);
        MemorySegment p;
        try {
            p = (MemorySegment) CALLOC.invokeExact(1L, bytes);
        } catch (Throwable t) {
            return arena.allocate(bytes, 64);
        }
        if (p.equals(MemorySegment.NULL)) throw new OutOfMemoryError("cannot allocate " + bytes + " bytes of KV cache");
        return p.reinterpret(bytes, arena, LazyZeroMemory::free);
    }

    private static void free(MemorySegment p) {
        try {
            FREE.invokeExact(p);
        } catch (Throwable t) {
            throw new IllegalStateException("free failed", t);
        }
    }
}
