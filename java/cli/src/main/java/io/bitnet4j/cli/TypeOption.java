package io.bitnet4j.cli;

import io.bitnet4j.tensor.TensorType;

import java.util.Locale;

/** Parses a tensor-type flag value by the type table's own names, accepting only the types a command supports. */
final class TypeOption {
    private TypeOption() {
    }

    /** The type named {@code value} (case-insensitive) among {@code allowed}, or a usage error naming them. */
    static TensorType parse(String option, String value, TensorType... allowed) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        for (TensorType t : allowed) {
            if (t.typeName().equals(v)) return t;
        }
        StringBuilder names = new StringBuilder();
        for (int i = 0; i < allowed.length; i++) {
            if (i > 0) names.append(i == allowed.length - 1 ? " or " : ", ");
            names.append(allowed[i].typeName());
        }
        throw new Errors.UsageException("unknown " + option + " '" + value + "' (expected " + names + ")");
    }
}
