package io.bitnet4j.cli;

import io.bitnet4j.gguf.GgufFormatException;
import io.bitnet4j.graph.ContextOverflowException;
import io.bitnet4j.model.ModelException;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;

/**
 * Turns failures into one clear line and an exit code; the stack trace only with --verbose.
 * Exit codes: 1 = the command failed (bad file, context overflow, I/O), 2 = wrong usage.
 */
final class Errors implements CommandLine.IExecutionExceptionHandler {

    static boolean verbose;

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, CommandLine.ParseResult parse) {
        PrintWriter err = cmd.getErr();
        err.println("error: " + describe(ex));
        if (verbose) ex.printStackTrace(err);
        err.flush();
        return ex instanceof UsageException ? 2 : 1;
    }

    static int usage(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println("error: " + ex.getMessage());
        err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for the options.");
        err.flush();
        return 2;
    }

    static String describe(Throwable ex) {
        if (ex instanceof NoSuchFileException e) return "file not found: " + e.getFile();
        if (ex instanceof FileSystemException e) return fileProblem(e) + ": " + e.getFile();
        if (ex instanceof GgufFormatException || ex instanceof ModelException || ex instanceof ContextOverflowException
                || ex instanceof UsageException || ex instanceof IllegalArgumentException
                || ex instanceof io.bitnet4j.hf.HfFormatException || ex instanceof io.bitnet4j.tokenizer.TokenizerException) {
            return ex.getMessage();
        }
        if (ex instanceof IOException) return "I/O error: " + ex.getMessage();
        String m = ex.getMessage();
        return ex.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    /**
     * What went wrong with a file, in words: the subclasses' messages are the bare path, which said
     * nothing ("I/O error: PATH" for a model the user may not read).
     */
    private static String fileProblem(FileSystemException e) {
        if (e.getReason() != null) return e.getReason();
        return switch (e) {
            case AccessDeniedException _ -> "permission denied";
            case NotDirectoryException _ -> "not a directory";
            default -> e.getClass().getSimpleName();
        };
    }

    /** A command used wrongly in a way picocli cannot see (e.g. two options that exclude each other). */
    static final class UsageException extends RuntimeException {
        UsageException(String message) {
            super(message);
        }
    }
}
