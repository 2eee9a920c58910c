package io.bitnet4j.generation;

/** Receives each generated token as soon as it is chosen; return false to stop generating. */
@FunctionalInterface
public interface TokenListener {
    boolean onToken(int tokenId);
}
