package io.bitnet4j.gguf;

import io.bitnet4j.tensor.TensorType;

/**
 * The values of {@link GgufKeys#FILE_TYPE} bitnet4j writes (llama.cpp's {@code LLAMA_FTYPE_*}; I2_S is
 * bitnet.cpp's) and of {@link GgufKeys#QUANTIZATION_VERSION}.
 */
public final class GgufFileType {
    private GgufFileType() {}

    public static final int ALL_F32 = 0;
    public static final int MOSTLY_F16 = 1;
    public static final int MOSTLY_TQ1_0 = 36;
    public static final int MOSTLY_TQ2_0 = 37;
    /** LLAMA_FTYPE_MOSTLY_I2_S in bitnet.cpp's llama.h. */
    public static final int MOSTLY_I2_S = 40;
    /** LLAMA_FTYPE_MOSTLY_Q1_0 in mainline llama.h: the same number as bitnet.cpp's MOSTLY_I2_S. */
    public static final int MOSTLY_Q1_0 = 40;
    /** LLAMA_FTYPE_MOSTLY_Q2_0 in mainline llama.h. */
    public static final int MOSTLY_Q2_0 = 41;

    /** ggml's GGML_QNT_VERSION, which llama-quantize writes. */
    public static final int QUANTIZATION_VERSION = 2;

    /**
     * The file type of a model whose projections are of this type.
     *
     * @throws IllegalArgumentException for a type other than F32, F16, I2_S, TQ2_0, TQ1_0, Q1_0 or Q2_0
     */
    public static int of(TensorType projections) {
        return switch (projections) {
            case F32 -> ALL_F32;
            case F16 -> MOSTLY_F16;
            case I2_S -> MOSTLY_I2_S;
            case TQ1_0 -> MOSTLY_TQ1_0;
            case TQ2_0 -> MOSTLY_TQ2_0;
            case Q1_0 -> MOSTLY_Q1_0;
            case Q2_0 -> MOSTLY_Q2_0;
            default -> throw new IllegalArgumentException("no general.file_type for projections of type " + projections);
        };
    }
}
