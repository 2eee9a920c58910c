package io.bitnet4j.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every llama.cpp vector: ids (.out), token bytes (.pieces) and detokenized text (.detok). */
class TokenizerVectorsTest {
    private static final TokenizerOptions DEFAULTS = TokenizerOptions.defaults();
    private static final TokenizerOptions LLAMA_CPP = TokenizerOptions.llamaCppCompatible();

    /** One .inp/.out pair, tokenized with a vocabulary and options. */
    private static DynamicContainer idCases(String title, String gguf, TokenizerOptions options, String inp,
            String out, boolean parseSpecial) {
        return DynamicContainer.dynamicContainer(title, Stream.of(0).flatMap(unused -> {
            List<String> cases = VectorFiles.cases(inp);
            List<int[]> expected = VectorFiles.ids(out, cases.size());
            List<DynamicNode> tests = new ArrayList<>();
            for (int i = 0; i < cases.size(); i++) {
                String input = cases.get(i);
                int[] want = expected.get(i);
                tests.add(DynamicTest.dynamicTest(VectorFiles.label(i, input), () -> {
                    int[] got = VectorFiles.tokenizer(gguf, options).encode(input, false, parseSpecial);
                    assertArrayEquals(want, got, () -> "input " + VectorFiles.label(0, input)
                            + "\nwant " + Arrays.toString(want) + "\ngot  " + Arrays.toString(got));
                }));
            }
            return tests.stream();
        }));
    }

    @TestFactory
    Stream<DynamicNode> llamaCppVocabularies() {
        List<DynamicNode> nodes = new ArrayList<>();
        for (String name : List.of("llama-spm", "phi-3", "gpt-2", "falcon")) {
            String base = "llama.cpp/ggml-vocab-" + name + ".gguf";
            nodes.add(idCases(name, base, DEFAULTS, base + ".inp", base + ".out", false));
        }
        nodes.add(idCases("llama-bpe", "ggml-vocab-llama-bpe.gguf", DEFAULTS,
                "ggml-vocab-llama-bpe.gguf.inp", "ggml-vocab-llama-bpe.gguf.out", false));
        nodes.add(idCases("llama-bpe-nopre (llama.cpp fallback)", "ggml-vocab-llama-bpe-nopre.gguf", LLAMA_CPP,
                "ggml-vocab-llama-bpe-nopre.gguf.inp", "ggml-vocab-llama-bpe-nopre.gguf.out", false));
        nodes.add(idCases("llama-bpe-nopre (repaired to llama-bpe)", "ggml-vocab-llama-bpe-nopre.gguf", DEFAULTS,
                "ggml-vocab-llama-bpe-nopre.gguf.inp", "ggml-vocab-llama-bpe.gguf.out", false));
        nodes.add(idCases("llama-bpe-nopre (forced default)", "ggml-vocab-llama-bpe-nopre.gguf",
                TokenizerOptions.forcePreTokenizer("default"),
                "ggml-vocab-llama-bpe-nopre.gguf.inp", "ggml-vocab-llama-bpe-nopre.gguf.out", false));
        return nodes.stream();
    }

    private record ExtraSet(String name, String gguf, TokenizerOptions options) {
    }

    private static final List<ExtraSet> EXTRA = List.of(
            new ExtraSet("llama-bpe", "ggml-vocab-llama-bpe.gguf", DEFAULTS),
            new ExtraSet("llama-bpe-nopre", "ggml-vocab-llama-bpe-nopre.gguf", LLAMA_CPP),
            new ExtraSet("llama-spm", "llama.cpp/ggml-vocab-llama-spm.gguf", DEFAULTS));

    @TestFactory
    Stream<DynamicNode> extraIds() {
        List<DynamicNode> nodes = new ArrayList<>();
        for (ExtraSet s : EXTRA) {
            for (String kind : List.of("extra", "extra-special")) {
                String base = "extra/" + kind + "-" + s.name;
                nodes.add(idCases(kind + "-" + s.name, s.gguf, s.options, base + ".inp", base + ".out",
                        kind.equals("extra-special")));
            }
        }
        // The repaired nopre vocabulary must tokenize like the real llama-bpe one.
        nodes.add(idCases("extra-llama-bpe on nopre (repaired)", "ggml-vocab-llama-bpe-nopre.gguf", DEFAULTS,
                "extra/extra-llama-bpe.inp", "extra/extra-llama-bpe.out", false));
        return nodes.stream();
    }

    @TestFactory
    Stream<DynamicNode> extraPiecesAndDetok() {
        List<DynamicNode> nodes = new ArrayList<>();
        for (ExtraSet s : EXTRA) {
            for (String kind : List.of("extra", "extra-special")) {
                String base = "extra/" + kind + "-" + s.name;
                nodes.add(DynamicContainer.dynamicContainer(kind + "-" + s.name, Stream.of(0).flatMap(u -> {
                    List<String> cases = VectorFiles.cases(base + ".inp");
                    List<int[]> ids = VectorFiles.ids(base + ".out", cases.size());
                    List<String> pieces = VectorFiles.lines(base + ".pieces", cases.size());
                    List<byte[]> detok = VectorFiles.byteCases(base + ".detok");
                    assertEquals(cases.size(), detok.size(), "detok case count");
                    List<DynamicNode> tests = new ArrayList<>();
                    for (int i = 0; i < cases.size(); i++) {
                        int[] caseIds = ids.get(i);
                        String wantPieces = pieces.get(i);
                        byte[] wantDetok = detok.get(i);
                        String label = VectorFiles.label(i, cases.get(i));
                        tests.add(DynamicTest.dynamicTest("pieces " + label, () -> {
                            Tokenizer t = VectorFiles.tokenizer(s.gguf, s.options);
                            StringBuilder sb = new StringBuilder();
                            for (int id : caseIds) {
                                if (!sb.isEmpty()) {
                                    sb.append(' ');
                                }
                                sb.append(VectorFiles.hex(t.tokenBytes(id)));
                            }
                            assertEquals(wantPieces, sb.toString());
                        }));
                        tests.add(DynamicTest.dynamicTest("detok " + label, () -> {
                            Tokenizer t = VectorFiles.tokenizer(s.gguf, s.options);
                            byte[] got = t.decodeBytes(caseIds, false, true);
                            assertEquals(VectorFiles.hex(wantDetok), VectorFiles.hex(got),
                                    () -> "want '" + new String(wantDetok, java.nio.charset.StandardCharsets.UTF_8)
                                            + "'\ngot  '" + new String(got, java.nio.charset.StandardCharsets.UTF_8) + "'");
                        }));
                    }
                    return tests.stream();
                })));
            }
        }
        return nodes.stream();
    }

    @TestFactory
    Stream<DynamicNode> llamaCppDocs() {
        return Stream.of(
                        new String[] {"llama-bpe", "ggml-vocab-llama-bpe.gguf"},
                        new String[] {"llama-spm", "llama.cpp/ggml-vocab-llama-spm.gguf"})
                .map(v -> DynamicTest.dynamicTest("llamacpp-docs.txt " + v[0], () -> {
                    String text = VectorFiles.text("extra/llamacpp-docs.txt");
                    int[] want = VectorFiles.text("extra/llamacpp-docs.txt." + v[0] + ".tokcpp").lines()
                            .filter(l -> !l.isBlank()).mapToInt(l -> Integer.parseInt(l.trim())).toArray();
                    Tokenizer t = VectorFiles.tokenizer(v[1]);
                    int[] got = t.encode(text, false, false);
                    int firstDiff = 0;
                    while (firstDiff < Math.min(want.length, got.length) && want[firstDiff] == got[firstDiff]) {
                        firstDiff++;
                    }
                    final int at = firstDiff;
                    assertArrayEquals(want, got, () -> "lengths want " + want.length + " got " + got.length
                            + ", first difference at " + at + ": want "
                            + Arrays.toString(Arrays.copyOfRange(want, at, Math.min(want.length, at + 8))) + " got "
                            + Arrays.toString(Arrays.copyOfRange(got, at, Math.min(got.length, at + 8))));
                }));
    }
}
