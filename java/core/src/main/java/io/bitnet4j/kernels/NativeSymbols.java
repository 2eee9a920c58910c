package io.bitnet4j.kernels;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Every native symbol bitnet4j calls, bound once as a downcall handle (static finals, so the JIT treats
 * them as constants): libbitnet4j's, initialised from {@link NativeLoader#load()} (if the library is
 * missing, incomplete or has another ABI version, all its handles are null and {@link #UNAVAILABLE} says
 * why; only {@link NativeKernels} calls them, after validating its arguments), and the few C library
 * functions in {@link C} (only {@link SystemLibrary} calls those).
 */
@SuppressWarnings("restricted") // the FFM calls of the native tier: the reason this class exists
final class NativeSymbols {
    private NativeSymbols() {}

    static final int EXPECTED_ABI = 6;

    /** null when loaded, else the reason the native tier is unavailable. */
    static final String UNAVAILABLE;
    /** Where the library came from, for the explanation line. */
    static final String SOURCE;

    static final MethodHandle ABI_VERSION, SUPPORTED_ISAS, ISA, SET_ISA;
    static final MethodHandle QUANTIZE_I8, QUANTIZE_Q8_K, QUANTIZE_Q8_0;
    static final MethodHandle GEMM_I2S_I8, GEMM_TQ2_0_Q8_K, GEMM_TQ1_0_Q8_K, GEMM_Q8_0_Q8_0, GEMM_Q1_0_Q8_0, GEMM_Q2_0_Q8_0;
    static final MethodHandle GEMM_F32, GEMM_F16, GEMM_BF16;
    static final MethodHandle ATTENTION;

    static {
        String reason = null, source = null;
        MethodHandle[] h = new MethodHandle[17];
        try {
            NativeLoader.Result r = NativeLoader.load();
            if (r instanceof NativeLoader.Unavailable u) {
                reason = u.reason();
            } else if (r instanceof NativeLoader.Loaded loaded) {
                source = loaded.path() + " (" + loaded.source() + ")";
                reason = bind(loaded.lookup(), h);
            }
        } catch (Throwable e) {
            reason = "cannot bind libbitnet4j: " + e;
        }
        if (reason != null) {
            java.util.Arrays.fill(h, null);
        }
        UNAVAILABLE = reason;
        SOURCE = source;
        int i = 0;
        ABI_VERSION = h[i++]; SUPPORTED_ISAS = h[i++]; ISA = h[i++]; SET_ISA = h[i++];
        QUANTIZE_I8 = h[i++]; QUANTIZE_Q8_K = h[i++]; QUANTIZE_Q8_0 = h[i++];
        GEMM_I2S_I8 = h[i++]; GEMM_TQ2_0_Q8_K = h[i++]; GEMM_TQ1_0_Q8_K = h[i++]; GEMM_Q8_0_Q8_0 = h[i++];
        GEMM_Q1_0_Q8_0 = h[i++]; GEMM_Q2_0_Q8_0 = h[i++];
        GEMM_F32 = h[i++]; GEMM_F16 = h[i++]; GEMM_BF16 = h[i++];
        ATTENTION = h[i++];
    }

    /** Fills h in the order of the static fields; returns a reason string on failure. */
    private static String bind(SymbolLookup lookup, MethodHandle[] h) throws Throwable {
        Linker linker = Linker.nativeLinker();
        // Short, non-blocking calls skip the thread-state transition. The matmuls can run for
        // milliseconds, so they stay ordinary downcalls (a critical call delays safepoints).
        Linker.Option critical = Linker.Option.critical(false);
        FunctionDescriptor gemmQ = FunctionDescriptor.ofVoid(ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS,
                JAVA_LONG, ADDRESS, JAVA_LONG);
        FunctionDescriptor gemmOrdered = gemmQ.appendArgumentLayouts(JAVA_INT);
        FunctionDescriptor quant = FunctionDescriptor.ofVoid(ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS);
        Object[][] specs = {
            {"b4j_abi_version", FunctionDescriptor.of(JAVA_INT), true},
            {"b4j_supported_isas", FunctionDescriptor.of(ADDRESS), true},
            {"b4j_isa", FunctionDescriptor.of(ADDRESS), true},
            {"b4j_set_isa", FunctionDescriptor.of(JAVA_INT, ADDRESS), false},
            {"b4j_quantize_i8", FunctionDescriptor.ofVoid(ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS, ADDRESS), true},
            {"b4j_quantize_q8_k", quant, true},
            {"b4j_quantize_q8_0", quant, true},
            {"b4j_gemm_i2s_i8", FunctionDescriptor.ofVoid(ADDRESS, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_FLOAT,
                    ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS, JAVA_LONG), false},
            {"b4j_gemm_tq2_0_q8_k", gemmOrdered, false},
            {"b4j_gemm_tq1_0_q8_k", gemmOrdered, false},
            {"b4j_gemm_q8_0_q8_0", gemmQ, false},
            {"b4j_gemm_q1_0_q8_0", gemmQ, false},
            {"b4j_gemm_q2_0_q8_0", gemmQ, false},
            {"b4j_gemm_f32", gemmOrdered, false},
            {"b4j_gemm_f16", gemmOrdered, false},
            {"b4j_gemm_bf16", gemmQ, false},
            {"b4j_attention", FunctionDescriptor.ofVoid(ADDRESS, ADDRESS, ADDRESS, JAVA_INT, JAVA_LONG, JAVA_LONG,
                    JAVA_LONG, JAVA_FLOAT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS), false},
        };
        for (int i = 0; i < specs.length; i++) {
            String name = (String) specs[i][0];
            MemorySegment addr = lookup.find(name).orElse(null);
            if (addr == null) {
                return "libbitnet4j lacks symbol " + name;
            }
            FunctionDescriptor fd = (FunctionDescriptor) specs[i][1];
            h[i] = (Boolean) specs[i][2] ? linker.downcallHandle(addr, fd, critical) : linker.downcallHandle(addr, fd);
        }
        int abi = (int) h[0].invokeExact();
        if (abi != EXPECTED_ABI) {
            return "libbitnet4j has ABI version " + abi + ", this bitnet4j needs " + EXPECTED_ABI;
        }
        return null;
    }

    /**
     * The C library's functions, from the linker's default lookup (bound independently of libbitnet4j;
     * null where the platform lacks one or native access is denied).
     */
    static final class C {
        private C() {}

        static final MethodHandle CALLOC, FREE, COSF, SINF;
        /**
         * {@code int mlock(const void *, size_t)} and {@code munlock}, each taking the call-state segment
         * ({@link #CALL_STATE}, where the JVM saves {@code errno}) as a first argument; {@code char *strerror(int)}.
         */
        static final MethodHandle MLOCK, MUNLOCK, STRERROR;
        /** The layout of the call state {@link #MLOCK} and {@link #MUNLOCK} write; {@link #ERRNO} reads it. */
        static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
        static final VarHandle ERRNO = CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

        static {
            MethodHandle calloc = null, free = null, cosf = null, sinf = null, mlock = null, munlock = null, strerror = null;
            try {
                Linker linker = Linker.nativeLinker();
                SymbolLookup lookup = linker.defaultLookup();
                Linker.Option critical = Linker.Option.critical(false);
                FunctionDescriptor floatFn = FunctionDescriptor.of(JAVA_FLOAT, JAVA_FLOAT);
                calloc = lookup.find("calloc").map(a -> linker.downcallHandle(a,
                        FunctionDescriptor.of(ADDRESS, JAVA_LONG, JAVA_LONG))).orElse(null);
                free = lookup.find("free").map(a -> linker.downcallHandle(a, FunctionDescriptor.ofVoid(ADDRESS))).orElse(null);
                cosf = lookup.find("cosf").map(a -> linker.downcallHandle(a, floatFn, critical)).orElse(null);
                sinf = lookup.find("sinf").map(a -> linker.downcallHandle(a, floatFn, critical)).orElse(null);
                FunctionDescriptor lockFn = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG);
                Linker.Option errno = Linker.Option.captureCallState("errno");
                mlock = lookup.find("mlock").map(a -> linker.downcallHandle(a, lockFn, errno)).orElse(null);
                munlock = lookup.find("munlock").map(a -> linker.downcallHandle(a, lockFn, errno)).orElse(null);
                strerror = lookup.find("strerror").map(a -> linker.downcallHandle(a, FunctionDescriptor.of(ADDRESS, JAVA_INT))).orElse(null);
            } catch (RuntimeException | Error e) {
                calloc = free = cosf = sinf = mlock = munlock = strerror = null; // no native access: the Java fallbacks
            }
            if (calloc == null || free == null) calloc = free = null;
            if (cosf == null || sinf == null) cosf = sinf = null;
            if (mlock == null || munlock == null) mlock = munlock = null;
            CALLOC = calloc;
            FREE = free;
            COSF = cosf;
            SINF = sinf;
            MLOCK = mlock;
            MUNLOCK = munlock;
            STRERROR = strerror;
        }
    }
}
