package io.bitnet4j.cli;

import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A gen-dummy killed with SIGTERM (what Process.destroy sends; Ctrl-C's SIGINT runs the same shutdown
 * hooks) in the middle of writing leaves neither the target nor a temporary file behind — also when the
 * command runs in the child JVM that Main restarts itself into. Started as {@code java -jar} starts it (no JVM
 * flags), Main restarts itself only when the Vector API tier could be needed (here: it is forced); where a native
 * library fits, the common case is one JVM.
 */
class InterruptTest {

    @ParameterizedTest(name = "relaunched child: {0}")
    @ValueSource(booleans = {false, true})
    void sigtermMidWriteLeavesNoFile(boolean viaRelaunch, @TempDir Path dir) throws Exception {
        Path out = dir.resolve("big.gguf");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m"));
        // the property makes Main restart itself with the Vector API module; without it, no restart
        if (viaRelaunch) cmd.add("-Dbitnet4j.kernels=vector");
        else assumeTrue(NativeAvailability.likely(), "no native library for this platform: Main restarts for the Vector API");
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "gen-dummy", "--size", "1B", "--type", "i2_s", "-q", "-o", out.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(dir.resolve("log.txt").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            Path temp = null;
            while (temp == null && System.nanoTime() < deadline && p.isAlive()) {
                temp = temps(dir).stream().filter(t -> size(t) > 0).findFirst().orElse(null);
                if (temp == null) Thread.sleep(5);
            }
            assertNotNull(temp, "gen-dummy never started writing (or finished first): " + Files.readString(dir.resolve("log.txt")));
            List<ProcessHandle> children = p.descendants().toList();
            assertEquals(viaRelaunch, !children.isEmpty(), "a child JVM exactly when relaunched: " + children);
            p.destroy();
            assertTrue(p.waitFor(10, TimeUnit.SECONDS), "terminated");
            for (ProcessHandle c : children) c.onExit().get(10, TimeUnit.SECONDS);
            assertNotEquals(0, p.exitValue(), "interrupted, not finished");
            assertEquals(List.of(), temps(dir), "temporary files left");
            assertFalse(Files.exists(out), "no output under the target name");
        } finally {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    private static List<Path> temps(Path dir) throws IOException {
        try (var s = Files.list(dir)) {
            return s.filter(f -> f.getFileName().toString().endsWith(".tmp")).toList();
        }
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException gone) {
            return 0;
        }
    }
}
