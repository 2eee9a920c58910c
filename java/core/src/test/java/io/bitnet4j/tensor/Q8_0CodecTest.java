package io.bitnet4j.tensor;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/**
 * The Q8_0 weight quantizer is ggml's {@code quantize_row_q8_0_ref}, byte for byte, worked by hand: d = amax/127
 * stored as f16, q = roundf(x/d) — halves away from zero, where the x86 activation quantizer rounds them to even.
 */
class Q8_0CodecTest {

    @Test
    void quantizesAsGgmlsReferenceQuantizer() {
        float[] x = new float[2 * Q8_0Codec.BLOCK];
        float[] first = {127f, 2.5f, -2.5f, 0.5f, -0.5f, 1.49f, -126.6f};
        System.arraycopy(first, 0, x, 0, first.length); // block 2 stays zero
        byte[] want = new byte[2 * Q8_0Codec.BLOCK_BYTES];
        want[0] = 0x00; // f16 1.0 = 0x3C00, little-endian
        want[1] = 0x3C;
        byte[] q = {127, 3, -3, 1, -1, 1, -127};
        System.arraycopy(q, 0, want, 2, q.length); // the zero block: d = 0, q = 0
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(want.length);
            Q8_0Codec.quantizeRow(x, 0, out, 0, x.length);
            assertArrayEquals(want, out.toArray(ValueLayout.JAVA_BYTE));
        }
    }
}
