package io.bitnet4j.kernels;

import static io.bitnet4j.kernels.ScalarKernels.F32;
import static io.bitnet4j.kernels.ScalarKernels.I16;

import java.lang.foreign.MemorySegment;

/**
 * The attention kernel in plain Java, shared by the scalar and Vector API tiers: the reference numerics
 * of {@code b4j_attention} (bitnet4j.h) in each {@link AttentionOrder}, which the native variants
 * reproduce bit for bit.
 *
 * <p>Scratch layout (floats): [group × headSize] queries as the cache type sees them, [headSize] one K or
 * V row converted once per KV head, [group × len] scores/weights, then the weighted sums: one
 * [group × headSize] block per accumulator slot (1, 8 or 32 of them, by order).
 */
final class JavaAttention {
    private JavaAttention() {}

    static void run(AttentionShape s, MemorySegment q, MemorySegment k, MemorySegment v, int pos0, int row0, int row1,
                    AttentionOrder order, MemorySegment scratch, MemorySegment out) {
        int hs = s.headSize(), kvHeads = s.kvHeads(), group = s.group();
        int qDim = s.qDim(), kvDim = s.kvDim();
        boolean f16 = s.kvF16();
        boolean roundWeights = f16 && order.roundsWeights();
        // tinyBLAS declines a head size that is not a multiple of eight: llama.cpp falls back to ggml_vec_dot_f16
        if (order == AttentionOrder.TINYBLAS && hs % 8 != 0) order = AttentionOrder.GGML_VEC_DOT;
        int slots = switch (order) {                      // accumulators per weighted sum; slot of position j: j % slots
            case SEQUENTIAL, SEQUENTIAL_F16_WEIGHTS -> 1;
            case TINYBLAS -> 8;
            case GGML_VEC_DOT -> 32;
        };
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
                    long qg = (long) g * hs;
                    float d = switch (order) {
                        case SEQUENTIAL, SEQUENTIAL_F16_WEIGHTS ->
                                f16 ? dotExact(scratch, qg, rowBuf, hs) : dotInOrder(scratch, qg, rowBuf, hs);
                        case TINYBLAS -> dotTinyBlas(scratch, qg, rowBuf, hs);
                        case GGML_VEC_DOT -> dotVec(scratch, qg, rowBuf, hs);
                    };
                    scratch.setAtIndex(F32, scores + (long) g * len + j, d * s.scale());
                }
            }
            for (int g = 0; g < group; g++) {
                if (slots == 1) softmax(scratch, scores + (long) g * len, len, roundWeights);
                else softmaxBlocks(scratch, scores + (long) g * len, len, roundWeights);
            }
            for (long i = 0; i < slots * block; i++) scratch.setAtIndex(F32, sums + i, 0f);
            for (int j = 0; j < len; j++) {
                loadRow(v, (long) j * kvDim + (long) kvh * hs, hs, f16, scratch, rowBuf);
                long slot = sums + (long) (j % slots) * block;
                for (int g = 0; g < group; g++) {
                    float p = scratch.getAtIndex(F32, scores + (long) g * len + j);
                    long a = slot + (long) g * hs;
                    for (int i = 0; i < hs; i++) {
                        float x = scratch.getAtIndex(F32, rowBuf + i), acc = scratch.getAtIndex(F32, a + i);
                        scratch.setAtIndex(F32, a + i, slots == 1 ? acc + p * x : Math.fma(p, x, acc));
                    }
                }
            }
            for (int i = 0; i < group * hs; i++) {
                long at = sums + i;
                float o = switch (slots) {
                    case 1 -> scratch.getAtIndex(F32, at);
                    case 8 -> tree8(scratch, at, block);
                    default -> tree32(scratch, at, block);
                };
                out.setAtIndex(F32, qBase + i, o);
            }
        }
    }

    /** ((x0+x4)+(x2+x6))+((x1+x5)+(x3+x7)) of eight floats {@code stride} apart: tinyBLAS's hsum of an AVX register. */
    private static float tree8(MemorySegment s, long at, long stride) {
        float x0 = s.getAtIndex(F32, at), x1 = s.getAtIndex(F32, at + stride);
        float x2 = s.getAtIndex(F32, at + 2 * stride), x3 = s.getAtIndex(F32, at + 3 * stride);
        float x4 = s.getAtIndex(F32, at + 4 * stride), x5 = s.getAtIndex(F32, at + 5 * stride);
        float x6 = s.getAtIndex(F32, at + 6 * stride), x7 = s.getAtIndex(F32, at + 7 * stride);
        return ((x0 + x4) + (x2 + x6)) + ((x1 + x5) + (x3 + x7));
    }

    /**
     * ggml_vec_dot_f16's reduction of its four accumulators of eight lanes (slot 8a + l, {@code stride}
     * apart): x_l = (s0+s2)+(s1+s3) lane-wise (GGML_F32x8_REDUCE), then ((x0+x4)+(x1+x5))+((x2+x6)+(x3+x7)).
     */
    private static float tree32(MemorySegment s, long at, long stride) {
        float x0 = lane32(s, at, stride, 0), x1 = lane32(s, at, stride, 1), x2 = lane32(s, at, stride, 2);
        float x3 = lane32(s, at, stride, 3), x4 = lane32(s, at, stride, 4), x5 = lane32(s, at, stride, 5);
        float x6 = lane32(s, at, stride, 6), x7 = lane32(s, at, stride, 7);
        return ((x0 + x4) + (x1 + x5)) + ((x2 + x6) + (x3 + x7));
    }

    private static float lane32(MemorySegment s, long at, long stride, int l) {
        float s0 = s.getAtIndex(F32, at + l * stride), s1 = s.getAtIndex(F32, at + (8 + l) * stride);
        float s2 = s.getAtIndex(F32, at + (16 + l) * stride), s3 = s.getAtIndex(F32, at + (24 + l) * stride);
        return (s0 + s2) + (s1 + s3);
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

    /** One fma chain over i = first, first + step, ... below end. */
    private static float chain(MemorySegment s, long q, long k, int first, int end, int step) {
        float a = 0;
        for (int i = first; i < end; i += step) a = Math.fma(s.getAtIndex(F32, q + i), s.getAtIndex(F32, k + i), a);
        return a;
    }

    /** tinyBLAS (n a multiple of eight): eight fma lanes i % 8 combined as {@link #tree8}. */
    private static float dotTinyBlas(MemorySegment s, long q, long k, int n) {
        float x0 = chain(s, q, k, 0, n, 8), x1 = chain(s, q, k, 1, n, 8), x2 = chain(s, q, k, 2, n, 8);
        float x3 = chain(s, q, k, 3, n, 8), x4 = chain(s, q, k, 4, n, 8), x5 = chain(s, q, k, 5, n, 8);
        float x6 = chain(s, q, k, 6, n, 8), x7 = chain(s, q, k, 7, n, 8);
        return ((x0 + x4) + (x2 + x6)) + ((x1 + x5) + (x3 + x7));
    }

    /** ggml_vec_dot_f16: 32 fma slots i % 32 combined as {@link #tree32}; a tail past a multiple of 32 added in double. */
    private static float dotVec(MemorySegment s, long q, long k, int n) {
        int np = n & ~31;
        float x0 = vecLane(s, q, k, np, 0), x1 = vecLane(s, q, k, np, 1), x2 = vecLane(s, q, k, np, 2);
        float x3 = vecLane(s, q, k, np, 3), x4 = vecLane(s, q, k, np, 4), x5 = vecLane(s, q, k, np, 5);
        float x6 = vecLane(s, q, k, np, 6), x7 = vecLane(s, q, k, np, 7);
        double sum = ((x0 + x4) + (x1 + x5)) + ((x2 + x6) + (x3 + x7));
        for (int i = np; i < n; i++) sum += s.getAtIndex(F32, q + i) * s.getAtIndex(F32, k + i);
        return (float) sum;
    }

    private static float vecLane(MemorySegment s, long q, long k, int np, int l) {
        float s0 = chain(s, q, k, l, np, 32), s1 = chain(s, q, k, 8 + l, np, 32);
        float s2 = chain(s, q, k, 16 + l, np, 32), s3 = chain(s, q, k, 24 + l, np, 32);
        return (s0 + s2) + (s1 + s3);
    }

    /** Scores → weights: f32 softmax with exp and the sum in double, optionally rounded to f16. */
    private static void softmax(MemorySegment s, long at, int len, boolean roundWeights) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < len; j++) max = Math.max(max, s.getAtIndex(F32, at + j));
        double sum = 0;
        for (int j = 0; j < len; j++) {
            float e = (float) Math.exp(s.getAtIndex(F32, at + j) - max);
            s.setAtIndex(F32, at + j, e);
            sum += e;
        }
        scale(s, at, len, (float) (1.0 / sum), roundWeights);
    }

    /**
     * Scores → weights as ggml_vec_soft_max_f32 (AVX2): e = ggml's vector exp of (s − max); per block of
     * eight positions the {@link #tree8} sum in float (zeros past the end), blocks summed in double.
     */
    private static void softmaxBlocks(MemorySegment s, long at, int len, boolean roundWeights) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = 0; j < len; j++) max = Math.max(max, s.getAtIndex(F32, at + j));
        double sum = 0;
        for (int j0 = 0; j0 < len; j0 += 8) {
            float x0 = exp(s, at, j0, len, max), x1 = exp(s, at, j0 + 1, len, max);
            float x2 = exp(s, at, j0 + 2, len, max), x3 = exp(s, at, j0 + 3, len, max);
            float x4 = exp(s, at, j0 + 4, len, max), x5 = exp(s, at, j0 + 5, len, max);
            float x6 = exp(s, at, j0 + 6, len, max), x7 = exp(s, at, j0 + 7, len, max);
            sum += ((x0 + x4) + (x2 + x6)) + ((x1 + x5) + (x3 + x7));
        }
        scale(s, at, len, (float) (1.0 / sum), roundWeights);
    }

    /** Score j replaced by ggml's exp of (score − max); 0 past the end (the block's padding). */
    private static float exp(MemorySegment s, long at, int j, int len, float max) {
        if (j >= len) return 0f;
        float e = GgmlMath.expf(s.getAtIndex(F32, at + j) - max);
        s.setAtIndex(F32, at + j, e);
        return e;
    }

    private static void scale(MemorySegment s, long at, int len, float inv, boolean roundWeights) {
        for (int j = 0; j < len; j++) {
            float p = s.getAtIndex(F32, at + j) * inv;
            s.setAtIndex(F32, at + j, roundWeights ? Float.float16ToFloat(Float.floatToFloat16(p)) : p);
        }
    }
}
