package io.bitnet4j.graph;

import static org.junit.jupiter.api.Assertions.*;

import io.bitnet4j.engine.LoadOptions;
import io.bitnet4j.engine.LoadedModel;
import io.bitnet4j.model.Linear;
import io.bitnet4j.tensor.Q8_0Codec;
import io.bitnet4j.tensor.TensorCodecs;
import io.bitnet4j.tensor.TensorType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.Test;

/** --output-type q8_0: llama-quantize's encoding of the head, and logits that move only by Q8_0 rounding. */
class OutputRequantizerTest {

    @Test
    void headIsReencodedAsQ80AndLogitsStayClose() throws Exception {
        ReferenceData ref = ReferenceData.load("bitnetcpp-tiny-bitnet-b1.58-i2_s");
        LoadOptions plain = LoadOptions.defaults().withThreads(2);
        float[] want, got;
        try (LoadedModel m = LoadedModel.open(ref.model(), plain)) {
            assertEquals(TensorType.F16, m.weights().output().type(), "the reference head is f16");
            want = lastLogits(m, ref.promptIds());
        }
        try (LoadedModel m = LoadedModel.open(ref.model(), plain.withOutputType(TensorType.Q8_0))) {
            Linear head = m.weights().output();
            assertEquals(TensorType.Q8_0, head.type());
            assertTrue(m.notes().stream().anyMatch(n -> n.contains("q8_0")), m.notes().toString());
            // byte for byte the reference encoder (Q8_0Codec = llama.cpp's quantize_row_q8_0_ref) on the f16 rows
            int cols = head.cols();
            float[] row = new float[cols];
            try (Arena a = Arena.ofConfined()) {
                MemorySegment expect = a.allocate(TensorType.Q8_0.rowSize(cols));
                for (int r = 0; r < head.rows(); r++) {
                    TensorCodecs.dequantizeRow(m.weights().tokenEmbedding(), r, row, 0);
                    Q8_0Codec.quantizeRow(row, 0, expect, 0, cols);
                    assertEquals(-1, expect.mismatch(head.tensor().row(r)), "row " + r);
                }
            }
            got = lastLogits(m, ref.promptIds());
        }
        float max = 0, worst = 0;
        boolean changed = false;
        for (int i = 0; i < want.length; i++) {
            max = Math.max(max, Math.abs(want[i]));
            worst = Math.max(worst, Math.abs(want[i] - got[i]));
            changed |= want[i] != got[i];
        }
        assertTrue(changed, "the Q8_0 head must actually be used");
        assertTrue(worst <= 0.02f * max, "Q8_0 head moved a logit by " + worst + " (max |logit| " + max + ")");
    }

    @Test
    void onlyQ80CanBeRequested() {
        assertThrows(IllegalArgumentException.class, () -> LoadOptions.defaults().withOutputType(TensorType.TQ2_0));
    }

    private static float[] lastLogits(LoadedModel m, int[] prompt) {
        try (Forward f = m.newForward(64); KvCache cache = m.newKvCache(64)) {
            f.run(cache, prompt, 0, prompt.length, false);
            float[] l = new float[m.config().vocabSize()];
            f.copyLogits(0, l);
            return l;
        }
    }
}
