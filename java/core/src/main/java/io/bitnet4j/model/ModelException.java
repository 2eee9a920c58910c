package io.bitnet4j.model;

import java.nio.file.Path;

/**
 * A model file that can be read but not used: unknown architecture, missing or misshapen tensor, bad
 * hyper-parameters, metadata that contradicts the tensors. Loading a file names it first in the message.
 */
public final class ModelException extends RuntimeException {
    public ModelException(String message) {
        super(message);
    }

    /** A problem of the model file {@code file} (named first in the message, as {@code GgufFormatException} does). */
    public ModelException(Path file, String message) {
        super(file + ": " + message);
    }

    /** This problem as one of the model file {@code file}, for messages made where the file is not known. */
    public ModelException inFile(Path file) {
        return new ModelException(file, getMessage());
    }
}
