package io.bitnet4j.cli;

import io.bitnet4j.gguf.GgufFile;
import io.bitnet4j.tokenizer.Tokenizer;
import io.bitnet4j.tokenizer.TokenizerOptions;
import io.bitnet4j.tokenizer.Tokenizers;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code tokenize}: like llama-tokenize; works on vocabulary-only GGUF files. */
@Command(name = "tokenize", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Tokenize text with a GGUF file's vocabulary (vocabulary-only files work too), like llama-tokenize.")
final class TokenizeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, paramLabel = "FILE", required = true, description = "GGUF file with a tokenizer")
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    PromptInput input;

    @Option(names = "--ids", description = "print only the ids, as [1, 2, 3]")
    boolean idsOnly;

    @Option(names = "--no-bos", description = "do not add BOS even if the vocabulary asks for it")
    boolean noBos;

    @Option(names = "--parse-special", description = "recognise special-token text such as <|eot_id|>")
    boolean parseSpecial;

    @Option(names = "--llama-cpp-pretokenizer", description = "reproduce llama.cpp's fallback when tokenizer.ggml.pre is missing")
    boolean llamaCpp;

    @Option(names = {"-v", "--verbose"}, description = "print stack traces of errors")
    void verbose(boolean v) {
        Errors.verbose = v;
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!Files.exists(model)) throw new java.nio.file.NoSuchFileException(model.toString());
        String text = input.read("");
        try (GgufFile g = GgufFile.open(model)) {
            Tokenizer tok = Tokenizers.fromGguf(g, llamaCpp ? TokenizerOptions.llamaCppCompatible() : TokenizerOptions.defaults());
            tok.notes().forEach(n -> err.println("note: " + n));
            int[] ids = tok.encode(text, !noBos, parseSpecial);
            if (idsOnly) {
                out.println(Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(", ", "[", "]")));
            } else {
                for (int id : ids) {
                    out.printf("%6d -> '%s'%n", id, tok.decode(new int[] {id}, false, true));
                }
            }
        }
        out.flush();
        err.flush();
        return 0;
    }
}
