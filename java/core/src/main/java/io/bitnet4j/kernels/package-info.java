/**
 * Compute kernels in three tiers with one interface, {@link io.bitnet4j.kernels.Kernels}:
 * {@link io.bitnet4j.kernels.NativeKernels} (libbitnet4j through FFM, loaded by
 * {@link io.bitnet4j.kernels.NativeLoader}), {@link io.bitnet4j.kernels.VectorKernels} (the incubating
 * Vector API) and {@link io.bitnet4j.kernels.ScalarKernels} (plain Java, the oracle).
 *
 * <p>Typical use by the engine:
 * <pre>{@code
 * KernelSelector.Selection sel = KernelSelector.select(cliKernelsFlag);   // null/"auto" = best available
 * System.err.println(sel.explanation());                                  // "kernels: native avx512vnni (…)"
 * Kernels kernels = sel.kernels();
 * Parallel parallel = new Parallel(threads);
 * // per matmul, with a RowTask instance kept by the caller (no allocation per token):
 * parallel.forRows(rows, 4, task);   // task.run(r0, r1) calls kernels.gemmI2S(w, k, r0, r1, …)
 * }</pre>
 *
 * <p>Which kernel multiplies a weight type, and which activations it reads, is one row of
 * {@link io.bitnet4j.kernels.MatmulFormat}; an input is quantized once into a
 * {@link io.bitnet4j.kernels.QuantizedInput} and handed to every matmul that reads it:
 * <pre>{@code
 * QuantizedInput xq = …;                                   // allocated once, reserve(format, k) per format
 * xq.set(x, ntok, k);
 * xq.quantize(MatmulFormat.of(w.type()).activation(), kernels, parallel);
 * MatmulFormat.of(w.type()).gemm(kernels, w, wScale, xq, r0, r1, out, rows);   // in a RowTask
 * }</pre>
 *
 * <p>All tiers validate arguments with {@link io.bitnet4j.kernels.KernelChecks} and throw
 * IllegalArgumentException naming the problem; the native tier does so before every downcall.
 */
package io.bitnet4j.kernels;
