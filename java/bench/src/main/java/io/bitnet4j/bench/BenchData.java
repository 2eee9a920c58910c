package io.bitnet4j.bench;

import io.bitnet4j.kernels.ActivationFormat;
import io.bitnet4j.kernels.KernelFormats;
import io.bitnet4j.kernels.KernelSelector;
import io.bitnet4j.kernels.KernelTier;
import io.bitnet4j.kernels.Kernels;
import io.bitnet4j.kernels.MatmulFormat;
import io.bitnet4j.kernels.NativeKernels;
import io.bitnet4j.kernels.ScalarKernels;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/** Random weights and activations for the benchmarks (contents do not change the kernels' speed). */
final class BenchData {
    private BenchData() {}

    static final ValueLayout.OfFloat F = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    static final ValueLayout.OfShort S = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** "native", "vector", "scalar", or "native-<isa>" (e.g. native-avx2) to pin a native ISA variant. */
    static Kernels kernels(String tier) {
        if (tier.startsWith("native-")) {
            NativeKernels n = NativeKernels.instance();
            n.setIsa(tier.substring("native-".length()));   // process-wide; each JMH fork has one tier
            return n;
        }
        return KernelSelector.kernels(KernelTier.fromId(tier));
    }

    /** "2560x6912" -> {rows, k}. */
    static int[] shape(String s) {
        String[] p = s.split("x");
        return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1])};
    }

    static MemorySegment randomBytes(Arena arena, long n, long seed) {
        MemorySegment m = arena.allocate(n, 64);
        SplittableRandom rnd = new SplittableRandom(seed);
        long i = 0;
        for (; i + 8 <= n; i += 8) {
            m.set(ValueLayout.JAVA_LONG_UNALIGNED, i, rnd.nextLong());
        }
        for (; i < n; i++) {
            m.set(ValueLayout.JAVA_BYTE, i, (byte) rnd.nextInt());
        }
        return m;
    }

    static MemorySegment gaussian(Arena arena, long n, long seed) {
        MemorySegment m = arena.allocate(4 * n, 64);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (long i = 0; i < n; i++) {
            m.setAtIndex(F, i, (float) (rnd.nextDouble() * 2 - 1));
        }
        return m;
    }

    /** Random TQ2_0 bytes with sane fp16 block scales. */
    static MemorySegment tq20(Arena arena, int rows, int k, long seed) {
        MemorySegment w = randomBytes(arena, rows * MatmulFormat.TQ2_0.weightRowBytes(k), seed);
        long blocks = (long) rows * (k / KernelFormats.QK_K);
        for (long b = 0; b < blocks; b++) {
            w.set(S, b * KernelFormats.TQ2_0_BLOCK_BYTES + 64, Float.floatToFloat16(0.02f));
        }
        return w;
    }

    /** f16 weights in [-0.05, 0.05]. */
    static MemorySegment f16(Arena arena, int rows, int k, long seed) {
        long n = (long) rows * k;
        MemorySegment w = arena.allocate(2 * n, 64);
        SplittableRandom rnd = new SplittableRandom(seed);
        for (long i = 0; i < n; i++) {
            w.setAtIndex(S, i, Float.floatToFloat16((float) (rnd.nextDouble() * 0.1 - 0.05)));
        }
        return w;
    }

    /** I8 activations {q, scales, sums} for ntok tokens, quantized by the scalar oracle. */
    static MemorySegment[] i8(Arena arena, int ntok, int k, long seed) {
        MemorySegment q = arena.allocate((long) ntok * k, 64), s = arena.allocate(4L * ntok, 64), u = arena.allocate(4L * ntok, 64);
        ScalarKernels.instance().quantizeI8(gaussian(arena, (long) ntok * k, seed), ntok, k, q, s, u);
        return new MemorySegment[] {q, s, u};
    }

    static MemorySegment q8k(Arena arena, int ntok, int k, long seed) {
        MemorySegment y = arena.allocate(ntok * ActivationFormat.Q8_K.rowBytes(k), 64);
        ScalarKernels.instance().quantizeQ8K(gaussian(arena, (long) ntok * k, seed), ntok, k, y);
        return y;
    }
}
