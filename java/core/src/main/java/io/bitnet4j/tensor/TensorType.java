package io.bitnet4j.tensor;

/**
 * The tensor element types bitnet4j knows, keyed by their GGUF/ggml type id — the one table of
 * type traits (block size, bytes per block, row size), like ggml's {@code type_traits}.
 *
 * <p>Ids are the explicit values stored in GGUF files; code must use {@link #id()} and
 * {@link #byId(int)}, never {@code ordinal()}. Ids 36–39 belong to the bitnet.cpp fork of ggml
 * ({@code I2_S}, {@code I8_S}, {@code TL1}, {@code TL2}); in mainline ggml the same numbers meant
 * {@code IQ4_NL_4_4/4_8/8_8} (since removed) and {@code MXFP4} (39), so a reader must decide from the
 * file which meaning applies (see {@code io.bitnet4j.gguf.GgufFile}). Ids 41 ({@code Q1_0}) and 42
 * ({@code Q2_0}) exist only in mainline ggml (bitnet.cpp's fork stops at 39).
 *
 * <p>{@link #I2_S} is special: ggml declares it with block size 1 and 1 byte per element, but the
 * stored tensor is {@code n/4} bytes of 2-bit codes (4 weights per byte; a row of {@code k} weights is
 * {@code k/4} bytes) followed by a 32-byte tail whose first 4 bytes hold the per-tensor f32 scale.
 */
public enum TensorType {
    F32(0, "f32", 1, 4, true),
    F16(1, "f16", 1, 2, true),
    Q8_0(8, "q8_0", 32, 34, true),
    Q6_K(14, "q6_k", 256, 210, true),
    BF16(30, "bf16", 1, 2, true),
    TQ1_0(34, "tq1_0", 256, 54, true),
    TQ2_0(35, "tq2_0", 256, 66, true),
    /** bitnet.cpp ternary, 2 bits per weight, per-tensor scale (see class comment). */
    I2_S(36, "i2_s", 128, 32, true),
    /** bitnet.cpp lookup-table kernels' formats: recognised so that loading fails with a clear message. */
    TL1(38, "tl1", 1, 1, false),
    TL2(39, "tl2", 1, 1, false),
    /** llama.cpp's 1-bit signs times a per-128 f16 scale (PrismML Bonsai); mainline ggml only. */
    Q1_0(41, "q1_0", 128, 18, true),
    /** llama.cpp's 2-bit codes −1/0/+1/+2 times a per-64 f16 scale (PrismML Ternary-Bonsai); mainline ggml only. */
    Q2_0(42, "q2_0", 64, 18, true);

    /** Weights per 32-byte group of an I2_S row. */
    public static final int I2S_GROUP = 128;
    /** Bytes after the packed codes of an I2_S tensor; the f32 scale is at its start. */
    public static final int I2S_TAIL_BYTES = 32;

    private static final TensorType[] BY_ID = new TensorType[64];

    static {
        for (TensorType t : values()) {
            if (BY_ID[t.id] != null) throw new ExceptionInInitializerError("duplicate type id " + t.id);
            BY_ID[t.id] = t;
        }
    }

    private final int id;
    private final String typeName;
    private final int blockSize;
    private final int bytesPerBlock;
    private final boolean supported;

    TensorType(int id, String typeName, int blockSize, int bytesPerBlock, boolean supported) {
        this.id = id;
        this.typeName = typeName;
        this.blockSize = blockSize;
        this.bytesPerBlock = bytesPerBlock;
        this.supported = supported;
    }

    /** The type id as stored in GGUF files. */
    public int id() { return id; }

    /** ggml's lower-case type name, e.g. {@code "tq2_0"}. */
    public String typeName() { return typeName; }

    /** Elements per block (for I2_S: the 128-weight group packed into 32 bytes). */
    public int blockSize() { return blockSize; }

    /** Bytes per block. */
    public int bytesPerBlock() { return bytesPerBlock; }

    /** Whether bitnet4j can load and compute with this type (false for TL1/TL2). */
    public boolean isSupported() { return supported; }

    /** The type with this id in the bitnet.cpp-fork table, or null (no guessing about mainline ids). */
    public static TensorType byId(int id) {
        return id >= 0 && id < BY_ID.length ? BY_ID[id] : null;
    }

    /**
     * Why a row of {@code k} elements cannot be stored in this type, or null if it can.
     * Block types need {@code k % blockSize == 0}; I2_S needs {@code k % 128 == 0}.
     */
    public String rowLengthProblem(long k) {
        if (k <= 0) return "row length " + k + " must be positive";
        if (!supported) return "type " + typeName + " is not supported";
        if (k % blockSize != 0) {
            return "row length " + k + " is not a multiple of " + typeName + "'s block size " + blockSize;
        }
        return null;
    }

    /**
     * Bytes of one row of {@code k} elements (for I2_S: {@code k/4}, without the tensor tail).
     *
     * @throws IllegalArgumentException if {@code k} does not fit this type
     */
    public long rowSize(long k) {
        String p = rowLengthProblem(k);
        if (p != null) throw new IllegalArgumentException(p);
        return Math.multiplyExact(k / blockSize, (long) bytesPerBlock);
    }

    /**
     * Bytes of a whole tensor of {@code nrows} rows of {@code k} elements: {@code nrows * rowSize(k)},
     * plus the 32-byte scale tail for I2_S.
     *
     * @throws ArithmeticException on overflow; IllegalArgumentException if the shape does not fit
     */
    public long tensorBytes(long k, long nrows) {
        if (nrows <= 0) throw new IllegalArgumentException("row count " + nrows + " must be positive");
        long body = Math.multiplyExact(rowSize(k), nrows);
        return this == I2_S ? Math.addExact(body, I2S_TAIL_BYTES) : body;
    }

    @Override
    public String toString() { return typeName.toUpperCase(java.util.Locale.ROOT); }
}
