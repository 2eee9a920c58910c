package io.bitnet4j.hf;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Reads the JSON files of a Hugging Face model directory, with errors that name the file. */
final class HfJson {
    private HfJson() {}

    /** The file's JSON value (never null; an empty file is an error). */
    static JsonNode read(Path file) throws IOException {
        try {
            JsonNode n = SafetensorsFile.JSON.readTree(Files.readString(file));
            if (n == null || n.isMissingNode()) throw new HfFormatException(file, "empty JSON file");
            return n;
        } catch (JacksonException e) {
            throw new HfFormatException(file, "malformed JSON: " + e.getOriginalMessage(), e);
        } catch (MalformedInputException e) {
            throw new HfFormatException(file, "not UTF-8 text", e);
        }
    }
}
