package io.bitnet4j.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code bitnet4j} command. Runs from {@code java -jar bitnet4j.jar} with no JVM flags: when the
 * incubating Vector API module is missing from this JVM and the Vector API tier could be needed, it
 * starts itself once more with {@code --add-modules jdk.incubator.vector} (native access comes from
 * the jar manifest's {@code Enable-Native-Access}).
 */
@Command(name = "bitnet4j", mixinStandardHelpOptions = true, versionProvider = Version.class,
        description = "Inference for 1.58-bit (ternary) LLMs: BitNet b1.58 GGUF files from bitnet.cpp and llama.cpp.",
        subcommands = {RunCommand.class, ChatCommand.class, InfoCommand.class, TokenizeCommand.class,
                SelfCheckCommand.class, BenchCommand.class, GenDummyCommand.class, QuantizeCommand.class, ConvertCommand.class,
                ServeCommand.class, PerplexityCommand.class,
                CommandLine.HelpCommand.class})
public final class Main {

    static final String RELAUNCHED = "bitnet4j.relaunched";

    public static void main(String[] args) {
        if (needsRelaunch(args)) {
            System.exit(relaunch(args));
        }
        System.exit(execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true)));
    }

    /** Runs the command line and returns the exit code (0 ok, 1 failure, 2 usage error). */
    public static int execute(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cmd = new CommandLine(new Main());
        cmd.setOut(out);
        cmd.setErr(err);
        cmd.setCaseInsensitiveEnumValuesAllowed(true);
        cmd.setExecutionExceptionHandler(new Errors());
        cmd.setParameterExceptionHandler(Errors::usage);
        return cmd.execute(args);
    }

    private static boolean needsRelaunch(String[] args) {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent()) return false;
        if (Boolean.getBoolean(RELAUNCHED)) return false;
        // Only when the Vector API tier might run: it was asked for, or no native library fits here.
        for (String a : args) {
            if (a.equals("vector") || a.equals("--kernels=vector")) return true;
        }
        String forced = System.getProperty("bitnet4j.kernels", "");
        if (forced.equals("vector")) return true;
        return !NativeAvailability.likely();
    }

    private static int relaunch(String[] args) {
        try {
            String java = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            List<String> cmd = new ArrayList<>();
            cmd.add(java);
            cmd.add("--add-modules");
            cmd.add("jdk.incubator.vector");
            cmd.add("--enable-native-access=ALL-UNNAMED");
            // the Vector API's C1-compiled code allocates until C2 takes over; a capped young generation
            // keeps that garbage from growing the heap (peak RSS 2.0 -> 1.35 GB on 2B-4T, same speed)
            cmd.add("-XX:MaxNewSize=96m");
            cmd.add("-D" + RELAUNCHED + "=true");
            for (String key : System.getProperties().stringPropertyNames()) {
                if (key.startsWith("bitnet4j.")) cmd.add("-D" + key + "=" + System.getProperty(key));
            }
            cmd.add("-cp");
            cmd.add(System.getProperty("java.class.path"));
            cmd.add(Main.class.getName());
            cmd.addAll(List.of(args));
            Process p = new ProcessBuilder(cmd).inheritIO().start();
            // A SIGTERM sent to this JVM alone (Ctrl-C reaches the whole process group anyway) must still
            // stop the child, whose own hook then deletes a half-written output file.
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                if (!p.isAlive()) return;
                p.destroy();
                try {
                    p.waitFor(10, TimeUnit.SECONDS);
                } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                }
            }, "bitnet4j-stop-child"));
            return p.waitFor();
        } catch (IOException | InterruptedException e) {
            System.err.println("bitnet4j: could not restart with the Vector API module (" + e.getMessage()
                    + "); continuing without it");
            return execute(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true));
        }
    }

    /** Where the checkout (or install) lives: models/ is found from here. */
    static Path home() {
        String prop = System.getProperty("bitnet4j.home");
        if (prop != null) return Path.of(prop);
        try {
            Path jar = Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            // java/cli/target/bitnet4j.jar → checkout root
            for (Path p = jar.getParent(); p != null; p = p.getParent()) {
                if (Files.isDirectory(p.resolve("models"))) return p;
            }
        } catch (Exception ignored) {
            // fall through to the working directory
        }
        return Path.of("").toAbsolutePath();
    }
}
