package io.bitnet4j.api;

/**
 * Every slot of the model is generating and its queue of waiting requests
 * ({@link ModelOptions#queueCapacity()}) is full: the request was not started. Retry later, or open the
 * model with more slots or a longer queue.
 */
public final class ModelBusyException extends BitnetException {

    ModelBusyException(String message, Throwable cause) {
        super(message, cause);
    }
}
