package io.bitnet4j.cli;

import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/** The text a command works on: {@code -p TEXT} or {@code -f FILE} (an exclusive picocli group). */
final class PromptInput {
    @Option(names = {"-p", "--prompt"}, paramLabel = "TEXT", description = "the text (prompt)")
    String text;

    @Option(names = {"-f", "--file"}, paramLabel = "FILE", description = "read the text from a file")
    Path file;

    /** The text, or {@code fallback} when neither option was given. */
    String read(String fallback) throws IOException {
        if (file != null) return TextFiles.readUtf8(file);
        return text != null ? text : fallback;
    }
}
