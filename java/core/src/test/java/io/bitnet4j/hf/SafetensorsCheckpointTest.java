package io.bitnet4j.hf;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

class SafetensorsCheckpointTest {

    @TempDir
    Path dir;

    @Test
    void readsShardsThroughTheIndex() throws Exception {
        new SafetensorsWriter().addF32("a", new long[]{2}, new float[]{1, 2}).addF32("b", new long[]{1}, new float[]{3})
                .write(dir.resolve("model-00001-of-00002.safetensors"));
        new SafetensorsWriter().addBF16("c", new long[]{2}, new float[]{4, 5})
                .write(dir.resolve("model-00002-of-00002.safetensors"));
        Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX), """
                {"metadata": {"total_size": 16},
                 "weight_map": {"a": "model-00001-of-00002.safetensors", "c": "model-00002-of-00002.safetensors",
                                "b": "model-00001-of-00002.safetensors"}}""");
        try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(dir)) {
            assertEquals(2, ck.fileCount(), "each shard opened once");
            assertEquals(List.of("a", "c", "b"), ck.names());
            assertArrayEquals(new float[]{1, 2}, ck.tensor("a").toFloats());
            assertArrayEquals(new float[]{3}, ck.tensor("b").toFloats());
            assertArrayEquals(new float[]{4, 5}, ck.tensor("c").toFloats());
            assertThrows(HfFormatException.class, () -> ck.tensor("d"));
        }
    }

    @Test
    void relativeDirectory() throws Exception {
        new SafetensorsWriter().addF32("a", new long[]{1}, new float[]{1}).write(dir.resolve("s1.safetensors"));
        Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX), "{\"weight_map\": {\"a\": \"s1.safetensors\"}}");
        Path rel = Path.of("").toAbsolutePath().relativize(dir.toAbsolutePath());
        try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(rel)) {
            assertArrayEquals(new float[]{1}, ck.tensor("a").toFloats());
        }
    }

    @Test
    void singleFile() throws Exception {
        new SafetensorsWriter().addF32("x", new long[]{1}, new float[]{9}).write(dir.resolve("model.safetensors"));
        try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(dir)) {
            assertEquals(1, ck.fileCount());
            assertArrayEquals(new float[]{9}, ck.tensor("x").toFloats());
        }
    }

    @Test
    void badIndexes() throws Exception {
        var none = assertThrows(HfFormatException.class, () -> SafetensorsCheckpoint.open(dir));
        assertTrue(none.getMessage().contains("model.safetensors"), none.getMessage());

        Path idx = dir.resolve(SafetensorsCheckpoint.INDEX);
        new SafetensorsWriter().addF32("a", new long[]{1}, new float[]{1}).write(dir.resolve("s1.safetensors"));
        for (String[] c : new String[][]{
                {"{\"weight_map\": {\"a\": \"missing.safetensors\"}}", "does not exist"},
                {"{\"weight_map\": {\"b\": \"s1.safetensors\"}}", "not in this shard"},
                {"{\"weight_map\": {\"a\": \"../s1.safetensors\"}}", "is not a file in"},
                {"{\"weight_map\": {\"a\": 3}}", "not a file name"},
                {"{\"nothing\": 1}", "no weight_map"},
                {"{\"weight_map\": ", "malformed JSON"}}) {
            Files.writeString(idx, c[0]);
            var e = assertThrows(HfFormatException.class, () -> SafetensorsCheckpoint.open(dir), c[0]);
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
    }
}
