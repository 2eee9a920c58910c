package io.bitnet4j.model;

/** A model file that can be read but not used: unknown architecture, missing or misshapen tensor, bad hyper-parameters. */
public final class ModelException extends RuntimeException {
    public ModelException(String message) {
        super(message);
    }
}
