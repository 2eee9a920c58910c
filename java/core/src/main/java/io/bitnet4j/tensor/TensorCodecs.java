package io.bitnet4j.tensor;

import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/** Shared little-endian unaligned layouts for reading and writing tensor bytes. */
public final class TensorCodecs {
    private TensorCodecs() {}

    public static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
}
