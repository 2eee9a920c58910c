package io.bitnet4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import org.junit.jupiter.api.Test;

class ReadBandwidthTest {

    @Test
    void measuresLargeRegionsOnly() {
        try (Arena a = Arena.ofShared()) { // shared: the pool threads read it
            assertTrue(Double.isNaN(ReadBandwidth.measure(a.allocate(1 << 20), 2, 1)), "cache-sized region");
            double gbs = ReadBandwidth.measure(a.allocate(ReadBandwidth.MIN_BYTES), 2, 1);
            assertTrue(gbs > 0.1 && gbs < 10_000, "GB/s " + gbs);
        }
        BenchCommand.Roofline rf = new BenchCommand.Roofline(2, 1_000_000_000L, 40.0);
        assertEquals(40.0, rf.tokensPerSecond(), 1e-9);
    }
}
