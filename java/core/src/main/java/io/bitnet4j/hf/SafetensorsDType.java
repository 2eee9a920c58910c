package io.bitnet4j.hf;

import io.bitnet4j.tensor.TensorType;

/** The safetensors element types bitnet4j reads, with their size in bytes. */
public enum SafetensorsDType {
    F32(4, TensorType.F32),
    F16(2, TensorType.F16),
    BF16(2, TensorType.BF16),
    U8(1, null),
    I8(1, null);

    private final int bytes;
    private final TensorType floatType;

    SafetensorsDType(int bytes, TensorType floatType) {
        this.bytes = bytes;
        this.floatType = floatType;
    }

    /** Bytes per element. */
    public int bytes() { return bytes; }

    /** The GGUF float type with the same encoding, or null for the integer types. */
    public TensorType floatType() { return floatType; }

    /** The dtype of this header name, or null when bitnet4j does not read it. */
    static SafetensorsDType parse(String name) {
        for (SafetensorsDType d : values()) if (d.name().equals(name)) return d;
        return null;
    }
}
