package io.bitnet4j.api;

/**
 * What can go wrong using a {@link BitnetModel}, besides invalid arguments (those are
 * {@link IllegalArgumentException}s naming the option and the rule it breaks). Unchecked, so that
 * generation calls fit in lambdas and virtual-thread tasks; each subtype says what failed, and its
 * cause, where there is one, is the engine's own exception.
 */
public abstract sealed class BitnetException extends RuntimeException
        permits ModelLoadException, GenerationException, ModelBusyException {

    BitnetException(String message, Throwable cause) {
        super(message, cause);
    }
}
