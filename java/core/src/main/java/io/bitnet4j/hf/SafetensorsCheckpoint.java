package io.bitnet4j.hf;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The weights of a Hugging Face model directory: a single {@code model.safetensors}, or shards listed
 * by {@code model.safetensors.index.json} ({@code weight_map}: tensor name → shard file name). Each
 * shard is opened (mapped) once; tensors are looked up by name across shards.
 */
public final class SafetensorsCheckpoint implements Closeable {
    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    private final Path dir;
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> byTensor;

    private SafetensorsCheckpoint(Path dir, List<SafetensorsFile> files, Map<String, SafetensorsFile> byTensor) {
        this.dir = dir;
        this.files = files;
        this.byTensor = byTensor;
    }

    /** Opens the checkpoint in {@code dir}: the shard index when present, else {@code model.safetensors}. */
    public static SafetensorsCheckpoint open(Path dir) throws IOException {
        Path index = dir.resolve(INDEX);
        if (Files.isRegularFile(index)) return openIndex(dir, index);
        Path single = dir.resolve(SINGLE);
        if (!Files.isRegularFile(single)) {
            boolean pickle = Files.isRegularFile(dir.resolve("pytorch_model.bin")) || Files.isRegularFile(dir.resolve("pytorch_model.bin.index.json"));
            throw new HfFormatException(dir, "neither " + INDEX + " nor " + SINGLE + " found"
                    + (pickle ? " (only PyTorch pickle weights, pytorch_model.bin, which bitnet4j does not read: save the model with"
                    + " safe_serialization=True, or take the repository's safetensors revision)" : ""));
        }
        SafetensorsFile f = SafetensorsFile.open(single);
        Map<String, SafetensorsFile> by = new LinkedHashMap<>();
        for (String n : f.names()) by.put(n, f);
        return new SafetensorsCheckpoint(dir, List.of(f), by);
    }

    private static SafetensorsCheckpoint openIndex(Path dir, Path index) throws IOException {
        JsonNode root;
        try {
            root = SafetensorsFile.JSON.readTree(Files.readString(index));
        } catch (JacksonException e) {
            throw new HfFormatException(index, "malformed JSON: " + e.getOriginalMessage(), e);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new HfFormatException(index, "not UTF-8 text", e);
        }
        JsonNode map = root == null ? null : root.get("weight_map");
        if (map == null || !map.isObject()) throw new HfFormatException(index, "no weight_map object");
        Map<String, SafetensorsFile> shards = new LinkedHashMap<>();
        Map<String, SafetensorsFile> by = new LinkedHashMap<>();
        List<SafetensorsFile> files = new ArrayList<>();
        try {
            for (var it = map.properties().iterator(); it.hasNext(); ) {
                var e = it.next();
                String tensor = e.getKey();
                if (!e.getValue().isTextual()) {
                    throw new HfFormatException(index, "weight_map entry of tensor '" + tensor + "' is not a file name");
                }
                String shard = e.getValue().asText();
                Path base = dir.toAbsolutePath().normalize();
                Path p = base.resolve(shard).normalize();
                if (shard.isEmpty() || !base.equals(p.getParent())) {
                    // a shard must be a plain file name in the model directory, never a path elsewhere
                    throw new HfFormatException(index, "shard '" + shard + "' of tensor '" + tensor + "' is not a file in " + dir);
                }
                SafetensorsFile f = shards.get(shard);
                if (f == null) {
                    if (!Files.isRegularFile(p)) {
                        throw new HfFormatException(index, "shard '" + shard + "' of tensor '" + tensor + "' does not exist");
                    }
                    f = SafetensorsFile.open(p);
                    shards.put(shard, f);
                    files.add(f);
                }
                if (!f.hasTensor(tensor)) {
                    throw new HfFormatException(p, "tensor '" + tensor + "' listed in " + INDEX + " is not in this shard");
                }
                by.put(tensor, f);
            }
        } catch (IOException | RuntimeException e) {
            for (SafetensorsFile f : files) f.close();
            throw e;
        }
        return new SafetensorsCheckpoint(dir, List.copyOf(files), Collections.unmodifiableMap(by));
    }

    public Path dir() { return dir; }

    /** Tensor names, index (or header) order. */
    public List<String> names() { return List.copyOf(byTensor.keySet()); }

    public boolean hasTensor(String name) { return byTensor.containsKey(name); }

    public SafetensorsTensor tensor(String name) {
        SafetensorsFile f = byTensor.get(name);
        if (f == null) throw new HfFormatException(dir, "no tensor '" + name + "' in the checkpoint");
        return f.tensor(name);
    }

    /** The number of distinct files opened. */
    public int fileCount() { return files.size(); }

    @Override
    public void close() {
        for (SafetensorsFile f : files) f.close();
    }
}
