package io.bitnet4j.kernels;

import static io.bitnet4j.kernels.ScalarKernels.F32;
import static io.bitnet4j.kernels.ScalarKernels.I16;

import java.lang.foreign.MemorySegment;

/**
 * The attention kernel in plain Java, shared by the scalar and Vector API tiers: the reference numerics
 * of {@code b4j_attention} (bitnet4j.h), which the native variants reproduce bit for bit.
 *
 * <p>Scratch layout (floats): [group × headSize] queries as the cache type sees them, [headSize] one K or
 * V row converted once per KV head, then [group × len] scores/weights.
 */
final class JavaAttention {
    private JavaAttention() {}

    static void run(AttentionShape s, MemorySegment q, MemorySegment k, MemorySegment v, int pos0, int row0, int row1,
                    boolean roundWeights, MemorySegment scratch, MemorySegment out) {
        int hs = s.headSize(), kvHeads = s.kvHeads(), group = s.group();
        int qDim = s.qDim(), kvDim = s.kvDim();
        boolean f16 = s.kvF16();
        long rowBuf = (long) group * hs;       // float index of the converted K/V row
        long scores = rowBuf + hs;             // float index of the scores
        for (int row = row0; row < row1; row++) {
            int t = row / kvHeads, kvh = row % kvHeads, len = pos0 + t + 1;
            long qBase = (long) t * qDim + (long) kvh * group * hs;
            for (int i = 0; i < group * hs; i++) {
                float qv = q.getAtIndex(F32, qBase + i);
                scratch.setAtIndex(F32, i, f16 ? Float.float16ToFloat(Float.floatToFloat16(qv)) : qv);
            }
            for (int j = 0; j < len; j++) {
                loadRow(k, (long) j * kvDim + (long) kvh * hs, hs, f16, scratch, rowBuf);
                for (int g = 0; g < group; g++) {
                    float d = f16 ? dotExact(scratch, (long) g * hs, rowBuf, hs) : dotInOrder(scratch, (long) g * hs, rowBuf, hs);
                    scratch.setAtIndex(F32, scores + (long) g * len + j, d * s.scale());
                }
            }
            for (int g = 0; g < group; g++) softmax(scratch, scores + (long) g * len, len, roundWeights);
            for (int i = 0; i < group * hs; i++) out.setAtIndex(F32, qBase + i, 0f);
            for (int j = 0; j < len; j++) {
                loadRow(v, (long) j * kvDim + (long) kvh * hs, hs, f16, scratch, rowBuf);
                for (int g = 0; g < group; g++) {
                    float p = scratch.getAtIndex(F32, scores + (long) g * len + j);
                    long o = qBase + (long) g * hs;
                    for (int i = 0; i < hs; i++) {
                        out.setAtIndex(F32, o + i, out.getAtIndex(F32, o + i) + p * scratch.getAtIndex(F32, rowBuf + i));
                    }
                }
            }
        }
    }

    private static void loadRow(MemorySegment cache, long base, int n, boolean f16, MemorySegment dst, long at) {
        for (int i = 0; i < n; i++) {
            float x = f16 ? Float.float16ToFloat(cache.getAtIndex(I16, base + i)) : cache.getAtIndex(F32, base + i);
            dst.setAtIndex(F32, at + i, x);
        }
    }

    /** Σ q·k of f16-valued factors: exact float products summed in double, eight lanes i % 8. */
    private static float dotExact(MemorySegment s, long q, long k, int n) {
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0, a4 = 0, a5 = 0, a6 = 0, a7 = 0;
        int i = 0;
        for (; i + 8 <= n; i += 8) {
            a0 += s.getAtIndex(F32, q + i) * s.getAtIndex(F32, k + i);
            a1 += s.getAtIndex(F32, q + i + 1) * s.getAtIndex(F32, k + i + 1);
            a2 += s.getAtIndex(F32, q + i + 2) * s.getAtIndex(F32, k + i + 2);
            a3 += s.getAtIndex(F32, q + i + 3) * s.getAtIndex(F32, k + i + 3);
            a4 += s.getAtIndex(F32, q + i + 4) * s.getAtIndex(F32, k + i + 4);
            a5 += s.getAtIndex(F32, q + i + 5) * s.getAtIndex(F32, k + i + 5);
            a6 += s.getAtIndex(F32, q + i + 6) * s.getAtIndex(F32, k + i + 6);
            a7 += s.getAtIndex(F32, q + i + 7) * s.getAtIndex(F32, k + i + 7);
        }
        double sum = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
        for (; i < n; i++) sum += s.getAtIndex(F32, q + i) * s.getAtIndex(F32, k + i);
        return (float) sum;
    }

    /** Σ q·k in f32, in order (the f32 cache). */
    private static float dotInOrder(MemorySegment s, long q, long k, int n) {
        float sum = 0;
        for (int i = 0; i < n; i++) sum += s.getAtIndex(F32, q + i) * s.getAtIndex(F32, k + i);
        return sum;
    }

    /** Scores → weights: f32 softmax with a double sum, optionally rounded to f16. */
    private static void softmax(MemorySegment s, long at, int len, boolean roundWeights) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < len; j++) max = Math.max(max, s.getAtIndex(F32, at + j));
        double sum = 0;
        for (int j = 0; j < len; j++) {
            float e = (float) Math.exp(s.getAtIndex(F32, at + j) - max);
            s.setAtIndex(F32, at + j, e);
            sum += e;
        }
        float inv = (float) (1.0 / sum);
        for (int j = 0; j < len; j++) {
            float p = s.getAtIndex(F32, at + j) * inv;
            s.setAtIndex(F32, at + j, roundWeights ? Float.float16ToFloat(Float.floatToFloat16(p)) : p);
        }
    }
}
