package io.bitnet4j.kernels;

import static io.bitnet4j.kernels.ScalarKernels.F32;
import static io.bitnet4j.kernels.ScalarKernels.I16;

import java.lang.foreign.MemorySegment;

/**
 * The attention kernel in plain Java, shared by the scalar and Vector API tiers: the reference numerics
 * of {@code b4j_attention} (bitnet4j.h) in each {@link AttentionOrder}, which the native variants
 * reproduce bit for bit.
 *
 * <p>Scratch layout (floats, {@link AttentionShape#scratchFloats}): [group × headSize] queries as the cache type
 * sees them, [headSize] one K or V row converted once per KV head, [group × len] scores/weights, then the
 * weighted sums: one [group × headSize] block per partial-sum slot (up to {@link AttentionOrder#MAX_SLOTS}).
 * The reductions use the thread's {@link GgmlDot#SLOTS} buffer.
 */
final class JavaAttention {
    private JavaAttention() {}

    static void run(AttentionShape s, MemorySegment q, MemorySegment k, MemorySegment v, int pos0, int row0, int row1,
                    AttentionOrder order, MemorySegment scratch, MemorySegment out) {
        int hs = s.headSize(), kvHeads = s.kvHeads(), group = s.group();
        int qDim = s.qDim(), kvDim = s.kvDim();
        boolean f16 = s.kvF16();
        boolean roundWeights = f16 && order.roundsWeights();
        GgmlDot qk = order.qkFor(hs), pv = order.pv;
        float[] lanes = GgmlDot.SLOTS.get();
        int slots = pv.slots();
        long rowBuf = (long) group * hs;       // float index of the converted K/V row
        long scores = rowBuf + hs;             // float index of the scores
        long block = (long) group * hs;        // floats per slot
        for (int row = row0; row < row1; row++) {
            int t = row / kvHeads, kvh = row % kvHeads, len = pos0 + t + 1;
            long qBase = (long) t * qDim + (long) kvh * group * hs;
            long sums = scores + (long) group * len;
            for (int i = 0; i < group * hs; i++) {
                float qv = q.getAtIndex(F32, qBase + i);
                scratch.setAtIndex(F32, i, f16 ? Float.float16ToFloat(Float.floatToFloat16(qv)) : qv);
            }
            for (int j = 0; j < len; j++) {
                loadRow(k, (long) j * kvDim + (long) kvh * hs, hs, f16, scratch, rowBuf);
                for (int g = 0; g < group; g++) {
                    float d = dot(qk, scratch, (long) g * hs, 1, rowBuf, 1, hs, lanes);
                    scratch.setAtIndex(F32, scores + (long) g * len + j, d * s.scale());
                }
            }
            for (int g = 0; g < group; g++) {
                softmax(scratch, scores + (long) g * len, len, order.softmaxBlock, roundWeights, lanes);
            }
            // P·V: position j < full into slot j % slots (fma), the rest (ggml_vec_dot_f16's tail) after the reduction
            int full = !pv.hasTail() ? len : Math.min(len, roundUp(len, order.kvPad) & -slots);
            for (long i = 0; i < slots * block; i++) scratch.setAtIndex(F32, sums + i, 0f);
            for (int j = 0; j < full; j++) {
                loadRow(v, (long) j * kvDim + (long) kvh * hs, hs, f16, scratch, rowBuf);
                long slot = sums + (long) (j % slots) * block;
                for (int g = 0; g < group; g++) {
                    float p = scratch.getAtIndex(F32, scores + (long) g * len + j);
                    long a = slot + (long) g * hs;
                    for (int i = 0; i < hs; i++) {
                        float x = scratch.getAtIndex(F32, rowBuf + i), acc = scratch.getAtIndex(F32, a + i);
                        scratch.setAtIndex(F32, a + i, Math.fma(p, x, acc));
                    }
                }
            }
            for (int i = 0; i < group * hs; i++) out.setAtIndex(F32, qBase + i, reduce(pv, scratch, sums + i, block, lanes));
            if (full < len) {   // only ggml_vec_dot_f16 has a tail: added in double, position by position
                for (int i = 0; i < group * hs; i++) {
                    double sum = out.getAtIndex(F32, qBase + i);
                    int g = i / hs;
                    for (int j = full; j < len; j++) {
                        float p = scratch.getAtIndex(F32, scores + (long) g * len + j);
                        long vb = (long) j * kvDim + (long) kvh * hs + i % hs;
                        float x = f16 ? Float.float16ToFloat(v.getAtIndex(I16, vb)) : v.getAtIndex(F32, vb);
                        sum += p * x;
                    }
                    out.setAtIndex(F32, qBase + i, (float) sum);
                }
            }
        }
    }

    private static int roundUp(int n, int multiple) {
        return (n + multiple - 1) / multiple * multiple;
    }

    /**
     * Σ a_i·b_i over n elements (a at index a + i·aStride, b likewise) in the dot's order: fma chains per slot
     * i % slots over the largest multiple of the slots, reduced as the dot reduces, and for
     * {@code ggml_vec_dot_f16} the rest added in double (float products) — tinyBLAS only runs on multiples of
     * its width.
     */
    private static float dot(GgmlDot d, MemorySegment s, long a, int aStride, long b, int bStride, int n, float[] lanes) {
        int slots = d.slots(), full = d.hasTail() ? n & -slots : n;
        for (int l = 0; l < slots; l++) {
            float acc = 0;
            for (int i = l; i < full; i += slots) {
                acc = Math.fma(s.getAtIndex(F32, a + (long) i * aStride), s.getAtIndex(F32, b + (long) i * bStride), acc);
            }
            lanes[l] = acc;
        }
        float r = d.reduce(lanes);
        if (full == n) return r;
        double sum = r;
        for (int i = full; i < n; i++) sum += s.getAtIndex(F32, a + (long) i * aStride) * s.getAtIndex(F32, b + (long) i * bStride);
        return (float) sum;
    }

    /** The slot values at {@code at}, {@code stride} apart, reduced as the dot reduces its registers. */
    private static float reduce(GgmlDot d, MemorySegment s, long at, long stride, float[] lanes) {
        for (int l = 0; l < d.slots(); l++) lanes[l] = s.getAtIndex(F32, at + l * stride);
        return d.reduce(lanes);
    }

    private static void loadRow(MemorySegment cache, long base, int n, boolean f16, MemorySegment dst, long at) {
        for (int i = 0; i < n; i++) {
            float x = f16 ? Float.float16ToFloat(cache.getAtIndex(I16, base + i)) : cache.getAtIndex(F32, base + i);
            dst.setAtIndex(F32, at + i, x);
        }
    }

    /**
     * Scores → weights as ggml_vec_soft_max_f32 with registers of {@code width} lanes: e = ggml's vector exp of
     * (s − max) (the AVX2 flavour at 8 lanes, the AVX-512 one at 16); per block of {@code width} positions the
     * halving sum in float (zeros past the end: the engine's masked padding), blocks summed in double; then
     * e · (float) (1 / sum), rounded to f16 if asked.
     */
    private static void softmax(MemorySegment s, long at, int len, int width, boolean roundWeights, float[] lanes) {
        GgmlDot register = width == 16 ? GgmlDot.TINYBLAS16 : GgmlDot.TINYBLAS8;   // a register summed by halving
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < len; j++) max = Math.max(max, s.getAtIndex(F32, at + j));
        double sum = 0;
        for (int j0 = 0; j0 < len; j0 += width) {
            for (int l = 0; l < width; l++) {
                float e = 0f;
                if (j0 + l < len) {
                    float x = s.getAtIndex(F32, at + j0 + l) - max;
                    e = width == 16 ? GgmlMath.expf512(x) : GgmlMath.expf(x);
                    s.setAtIndex(F32, at + j0 + l, e);
                }
                lanes[l] = e;
            }
            sum += register.reduce(lanes);
        }
        float inv = (float) (1.0 / sum);
        for (int j = 0; j < len; j++) {
            float p = s.getAtIndex(F32, at + j) * inv;
            s.setAtIndex(F32, at + j, roundWeights ? Float.float16ToFloat(Float.floatToFloat16(p)) : p);
        }
    }
}
