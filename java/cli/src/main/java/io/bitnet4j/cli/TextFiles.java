package io.bitnet4j.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Text files named on the command line ({@code -f}). */
final class TextFiles {

    private TextFiles() {
    }

    /**
     * The whole file as UTF-8 text. A directory, a missing file and bytes that are not UTF-8 are each
     * one clear error, the last naming the first bad byte and its offset. (llama.cpp would read such
     * bytes as U+FFFD for a BPE vocabulary and as byte tokens for a SentencePiece one: a text either
     * way, but not the one in the file.)
     */
    static String readUtf8(Path file) throws IOException {
        if (Files.isDirectory(file)) throw new IllegalArgumentException(file + " is a directory, not a text file");
        if (!Files.exists(file)) throw new NoSuchFileException(file.toString());
        byte[] bytes = Files.readAllBytes(file);
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder(); // reports malformed input instead of replacing it
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer text = CharBuffer.allocate(bytes.length); // UTF-8 never gives more chars than bytes
        CoderResult r = utf8.decode(in, text, true);
        if (!r.isError()) r = utf8.flush(text);
        if (r.isError()) {
            throw new IllegalArgumentException(String.format("%s: not UTF-8 text: invalid byte 0x%02X at offset %d",
                    file, bytes[in.position()] & 0xFF, in.position()));
        }
        return text.flip().toString();
    }
}
