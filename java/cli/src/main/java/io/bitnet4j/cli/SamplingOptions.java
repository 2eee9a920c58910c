package io.bitnet4j.cli;

import io.bitnet4j.generation.SamplerParams;
import picocli.CommandLine.Option;

/** Sampling flags with llama.cpp's names and defaults. */
final class SamplingOptions {

    @Option(names = "--temp", paramLabel = "T", description = "temperature; 0 = greedy (default: ${DEFAULT-VALUE})")
    float temperature = 0.8f;

    @Option(names = "--top-k", paramLabel = "K", description = "top-k sampling, 0 = off (default: ${DEFAULT-VALUE})")
    int topK = 40;

    @Option(names = "--top-p", paramLabel = "P", description = "top-p sampling, 1.0 = off (default: ${DEFAULT-VALUE})")
    float topP = 0.95f;

    @Option(names = "--min-p", paramLabel = "P", description = "min-p sampling, 0 = off (default: ${DEFAULT-VALUE})")
    float minP = 0.05f;

    @Option(names = "--repeat-penalty", paramLabel = "X", description = "repetition penalty, 1.0 = off (default: ${DEFAULT-VALUE})")
    float repeatPenalty = 1.0f;

    @Option(names = "--repeat-last-n", paramLabel = "N",
            description = "tokens the penalty looks back at, 0 = off, -1 = context (default: ${DEFAULT-VALUE})")
    int repeatLastN = 64;

    @Option(names = {"-s", "--seed"}, paramLabel = "N", description = "random seed, -1 = random (default: ${DEFAULT-VALUE})")
    long seed = -1;

    SamplerParams params() {
        long s = seed == -1 ? System.nanoTime() ^ 0x5DEECE66DL : seed;
        return new SamplerParams(temperature, topK, topP, minP, repeatPenalty, repeatLastN, s);
    }
}
