package io.bitnet4j.cli;

import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;

/** The options and checks every command that writes a GGUF file shares (gen-dummy, quantize, convert; a picocli mixin). */
final class OutputFileOptions {

    @Option(names = {"-f", "--force"}, description = "overwrite the output file if it exists")
    boolean force;

    @Option(names = {"-q", "--quiet"}, description = "no progress bar")
    boolean quiet;

    /** The output's directory exists, the output is not a directory, and it is new unless --force. */
    void checkTarget(Path output) {
        Path dir = output.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) throw new Errors.UsageException("output directory " + dir + " does not exist");
        if (Files.isDirectory(output)) throw new Errors.UsageException(output + " is a directory");
        if (Files.exists(output) && !force) throw new Errors.UsageException(output + " exists (pass --force to overwrite it)");
    }

    GenDummyCommand.ProgressBar progressBar(PrintWriter err) {
        return new GenDummyCommand.ProgressBar(err, quiet);
    }
}
