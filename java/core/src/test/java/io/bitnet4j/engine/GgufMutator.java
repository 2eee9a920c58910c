package io.bitnet4j.engine;

import io.bitnet4j.engine.GgufLayout.Field;
import io.bitnet4j.engine.GgufLayout.Kind;
import io.bitnet4j.engine.GgufLayout.Range;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Mutants of a well-formed GGUF file, each from one seeded {@link Random}: bit flips, boundary values in
 * the counts, lengths, types, shapes, offsets and values its {@link GgufLayout} locates, truncation, inserted
 * and deleted bytes, overwritten runs, duplicated metadata entries and tensor infos, model and tokenizer keys
 * set to values of any type (replaced or added) — one operation, and
 * sometimes a second on top. Random positions favour the header (metadata and tensor infos), where a byte
 * changes what the reader believes; the tensor data gets its share.
 */
final class GgufMutator {
    /** A mutant's bytes and what was done, to reproduce and report it. */
    record Mutant(byte[] bytes, String description) {}

    enum Operation { BOUNDARY_VALUE, BIT_FLIP, OVERWRITE_RUN, TRUNCATE, INSERT, DELETE, DUPLICATE_KEY, DUPLICATE_TENSOR_INFO, SET_KEY }

    /** Relative weights of the first operation, in {@link Operation} order. */
    private static final int[] WEIGHTS = {32, 14, 6, 13, 6, 6, 8, 5, 10};

    /**
     * Keys {@link Operation#SET_KEY} gives a value of a random type, present in the file or not (so optional
     * ones such as {@code key_length} get one too); {@code <arch>} is the file's architecture.
     */
    private static final String[] KEYS = {"<arch>.context_length", "<arch>.embedding_length", "<arch>.block_count",
            "<arch>.feed_forward_length", "<arch>.attention.head_count", "<arch>.attention.head_count_kv",
            "<arch>.attention.key_length", "<arch>.attention.value_length", "<arch>.attention.layer_norm_rms_epsilon",
            "<arch>.rope.freq_base", "<arch>.rope.dimension_count", "<arch>.hidden_activation", "<arch>.vocab_size",
            "general.architecture", "general.alignment", "general.file_type", "tokenizer.ggml.model", "tokenizer.ggml.pre",
            "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "tokenizer.ggml.eot_token_id",
            "tokenizer.ggml.eom_token_id", "tokenizer.ggml.unknown_token_id", "tokenizer.ggml.padding_token_id",
            "tokenizer.ggml.seperator_token_id", "tokenizer.ggml.add_bos_token", "tokenizer.ggml.add_eos_token",
            "tokenizer.ggml.add_space_prefix", "tokenizer.chat_template"};
    private static final String[] STRINGS = {"", "llama", "gpt2", "bitnet", "bitnet-b1.58", "qwen3", "gelu", "silu",
            "relu2", "qwen2", "llama-bpe", "no-such-thing", "\u0000", "x".repeat(300)};

    /** Integer boundary values; each is written in the field's width (so -1 is 0xFF.. of that width). */
    private static final long[] BOUNDARIES = {0, 1, 2, 3, -1, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFFL,
            0x8000_0000L, 0xFFFF_FFFFL, 0x1_0000_0000L, 1L << 40, Long.MAX_VALUE, Long.MIN_VALUE};
    private static final double[] FLOAT_BOUNDARIES = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
            0.0, -0.0, -1.0, 1e-45, 3.4e38, 1e300};

    private final byte[] original;
    private final GgufLayout layout;
    private final Random r;

    private GgufMutator(byte[] original, GgufLayout layout, Random r) {
        this.original = original;
        this.layout = layout;
        this.r = r;
    }

    static Mutant mutate(byte[] original, GgufLayout layout, Random r) {
        return new GgufMutator(original, layout, r).mutate();
    }

    private Mutant mutate() {
        StringBuilder what = new StringBuilder();
        byte[] bytes = apply(pick(), original, what);
        if (r.nextInt(4) == 0) {
            what.append("; then ");
            // the layout's offsets still hold only while the length is the original's
            Operation second = bytes.length == original.length && r.nextBoolean() ? Operation.BOUNDARY_VALUE : Operation.BIT_FLIP;
            bytes = apply(second, bytes, what);
        }
        return new Mutant(bytes, what.toString());
    }

    private Operation pick() {
        int x = r.nextInt(Arrays.stream(WEIGHTS).sum());
        for (Operation op : Operation.values()) {
            x -= WEIGHTS[op.ordinal()];
            if (x < 0) return op;
        }
        throw new AssertionError();
    }

    private byte[] apply(Operation op, byte[] in, StringBuilder what) {
        return switch (op) {
            case BOUNDARY_VALUE -> boundaryValue(in.clone(), what);
            case BIT_FLIP -> {
                byte[] out = in.clone();
                int at = position(out.length);
                int bit = r.nextInt(8);
                out[at] ^= (byte) (1 << bit);
                what.append("flip bit ").append(bit).append(" of byte ").append(at);
                yield out;
            }
            case OVERWRITE_RUN -> {
                byte[] out = in.clone();
                int at = position(out.length);
                int n = Math.min(1 + r.nextInt(32), out.length - at);
                int fill = r.nextInt(3); // 0: zeros, 1: 0xFF, 2: random
                for (int i = at; i < at + n; i++) out[i] = (byte) (fill == 0 ? 0 : fill == 1 ? 0xFF : r.nextInt(256));
                what.append("overwrite ").append(n).append(" bytes at ").append(at).append(fill == 0 ? " with 0x00" : fill == 1 ? " with 0xFF" : " at random");
                yield out;
            }
            case TRUNCATE -> {
                int at = truncationPoint(in.length);
                what.append("truncate to ").append(at).append(" of ").append(in.length).append(" bytes");
                yield Arrays.copyOf(in, at);
            }
            case INSERT -> {
                int at = position(in.length + 1);
                byte[] ins = new byte[1 << r.nextInt(5)];
                if (r.nextBoolean()) r.nextBytes(ins);
                what.append("insert ").append(ins.length).append(" bytes at ").append(at);
                yield splice(in, at, 0, ins);
            }
            case DELETE -> {
                int at = position(in.length);
                int n = Math.min(1 << r.nextInt(5), in.length - at);
                what.append("delete ").append(n).append(" bytes at ").append(at);
                yield splice(in, at, n, new byte[0]);
            }
            case DUPLICATE_KEY -> duplicate(in, layout.entries, GgufLayout.METADATA_COUNT_AT, "metadata entry", what);
            case DUPLICATE_TENSOR_INFO -> duplicate(in, layout.tensorInfos, GgufLayout.TENSOR_COUNT_AT, "tensor info", what);
            case SET_KEY -> setKey(in, what);
        };
    }

    /** Gives a key a value of a random GGUF type: replacing its entry if the file has one, else added after the others. */
    private byte[] setKey(byte[] in, StringBuilder what) {
        if (in.length != original.length) return apply(Operation.BIT_FLIP, in, what);
        String key = KEYS[r.nextInt(KEYS.length)].replace("<arch>", layout.architecture);
        ByteBuffer entry = ByteBuffer.allocate(8 + key.length() + 4 + 8 + 400).order(ByteOrder.LITTLE_ENDIAN);
        byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        entry.putLong(keyBytes.length).put(keyBytes);
        String value = switch (r.nextInt(6)) {
            case 0 -> {
                String v = STRINGS[r.nextInt(STRINGS.length)];
                byte[] b = v.getBytes(StandardCharsets.UTF_8);
                entry.putInt(8).putLong(b.length).put(b);
                yield "string '" + (v.length() > 20 ? v.substring(0, 20) + "…" : v) + "'";
            }
            case 1 -> {
                float f = (float) FLOAT_BOUNDARIES[r.nextInt(FLOAT_BOUNDARIES.length)];
                entry.putInt(6).putFloat(f);
                yield "float32 " + f;
            }
            case 2 -> {
                int b = r.nextInt(3);
                entry.putInt(7).put((byte) b);
                yield "bool byte " + b;
            }
            case 3 -> {
                long v = BOUNDARIES[r.nextInt(BOUNDARIES.length)];
                entry.putInt(10).putLong(v);
                yield "uint64 0x" + Long.toHexString(v);
            }
            case 4 -> {
                int v = (int) BOUNDARIES[r.nextInt(BOUNDARIES.length)];
                entry.putInt(5).putInt(v);
                yield "int32 " + v;
            }
            default -> {
                int v = r.nextInt(4) == 0 ? (int) BOUNDARIES[r.nextInt(BOUNDARIES.length)] : r.nextInt(1 << 16);
                entry.putInt(4).putInt(v);
                yield "uint32 " + Integer.toUnsignedString(v);
            }
        };
        byte[] bytes = Arrays.copyOf(entry.array(), entry.position());
        Range old = layout.entries.stream().filter(e -> e.name().equals(key)).findFirst().orElse(null);
        what.append("set key ").append(key).append(" to ").append(value).append(old != null ? " (replaced)" : " (added)");
        if (old != null) return splice(in, old.start(), old.end() - old.start(), bytes);
        byte[] out = splice(in, layout.metadataEnd, 0, bytes);
        putLong(out, GgufLayout.METADATA_COUNT_AT, getLong(out, GgufLayout.METADATA_COUNT_AT) + 1);
        return out;
    }

    /** A field of a kind chosen first (so the thousands of vocabulary string lengths do not drown the header counts). */
    private byte[] boundaryValue(byte[] out, StringBuilder what) {
        List<Kind> kinds = new ArrayList<>(layout.byKind.keySet());
        List<Field> ofKind = layout.byKind.get(kinds.get(r.nextInt(kinds.size())));
        Field f = ofKind.get(r.nextInt(ofKind.size()));
        long value;
        if (f.kind() == Kind.FLOAT) {
            double d = FLOAT_BOUNDARIES[r.nextInt(FLOAT_BOUNDARIES.length)];
            value = f.width() == 4 ? Float.floatToRawIntBits((float) d) : Double.doubleToRawLongBits(d);
        } else {
            long old = get(out, f);
            value = switch (r.nextInt(6)) {
                case 0 -> old + 1;
                case 1 -> old - 1;
                case 2 -> old * 2;
                case 3 -> out.length - f.offset(); // "the rest of the file"
                default -> BOUNDARIES[r.nextInt(BOUNDARIES.length)];
            };
        }
        put(out, f.offset(), f.width(), value);
        what.append("set ").append(f.label()).append(" (").append(f.width()).append(" bytes at ").append(f.offset())
                .append(") to 0x").append(Long.toHexString(get(out, f)));
        return out;
    }

    /** Inserts a copy of one entry (or tensor info) right after another and counts it. */
    private byte[] duplicate(byte[] in, List<Range> ranges, int countAt, String kind, StringBuilder what) {
        if (ranges.isEmpty() || in.length != original.length) return apply(Operation.BIT_FLIP, in, what);
        Range copy = ranges.get(r.nextInt(ranges.size()));
        Range after = ranges.get(r.nextInt(ranges.size()));
        byte[] out = splice(in, after.end(), 0, Arrays.copyOfRange(in, copy.start(), copy.end()));
        putLong(out, countAt, getLong(out, countAt) + 1);
        what.append("duplicate ").append(kind).append(" '").append(copy.name()).append("' after '").append(after.name()).append("'");
        return out;
    }

    /** A byte position: three times in four in the header (metadata and tensor infos), else anywhere. */
    private int position(int length) {
        int header = Math.min(layout.headerEnd, length);
        return r.nextInt(4) > 0 && header > 0 ? r.nextInt(header) : r.nextInt(length);
    }

    /** Where to cut: at or next to a field's edge, in the header, or anywhere. */
    private int truncationPoint(int length) {
        return switch (r.nextInt(3)) {
            case 0 -> {
                Field f = layout.fields.get(r.nextInt(layout.fields.size()));
                yield Math.min(length - 1, f.offset() + (r.nextBoolean() ? 0 : r.nextInt(f.width() + 1)));
            }
            case 1 -> r.nextInt(Math.min(layout.headerEnd + 64, length));
            default -> r.nextInt(length);
        };
    }

    private static byte[] splice(byte[] in, int at, int remove, byte[] insert) {
        byte[] out = new byte[in.length - remove + insert.length];
        System.arraycopy(in, 0, out, 0, at);
        System.arraycopy(insert, 0, out, at, insert.length);
        System.arraycopy(in, at + remove, out, at + insert.length, in.length - at - remove);
        return out;
    }

    private static long get(byte[] b, Field f) {
        return get(b, f.offset(), f.width());
    }

    /** The little-endian integer of {@code width} bytes at {@code at}. */
    private static long get(byte[] b, int at, int width) {
        long v = 0;
        for (int i = width - 1; i >= 0; i--) v = (v << 8) | (b[at + i] & 0xFF);
        return v;
    }

    private static void put(byte[] b, int at, int width, long value) {
        for (int i = 0; i < width; i++) b[at + i] = (byte) (value >>> (8 * i));
    }

    private static long getLong(byte[] b, int at) {
        return get(b, at, 8);
    }

    private static void putLong(byte[] b, int at, long value) {
        put(b, at, 8, value);
    }
}
