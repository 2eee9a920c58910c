package io.bitnet4j.cli;

import picocli.CommandLine.Option;

/**
 * {@code --reasoning on|off}: the chat template's {@code enable_thinking} for models that think (Qwen3). On by
 * default, as llama.cpp ({@code --reasoning-budget -1}); off is what its {@code --reasoning-budget 0} does.
 */
final class ReasoningOption {

    enum Reasoning { on, off }

    @Option(names = "--reasoning", paramLabel = "on|off",
            description = "let a thinking model (Qwen3) think before it answers (default: ${DEFAULT-VALUE})")
    Reasoning reasoning = Reasoning.on;

    boolean on() {
        return reasoning == Reasoning.on;
    }
}
