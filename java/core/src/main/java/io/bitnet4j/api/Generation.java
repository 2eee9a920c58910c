package io.bitnet4j.api;

import io.bitnet4j.generation.ContinuousBatcher;
import io.bitnet4j.generation.TokenText;

import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * One running request, from {@link BitnetModel#submit}: read its text with {@link #await(Consumer)} or
 * {@link #stream()}, end it early with {@link #cancel()}.
 *
 * <p>The model generates on its own thread whether or not anyone reads; the text is decoded, and stop
 * strings are matched, on the thread that reads it, in pieces of valid UTF-8. One thread reads a
 * generation (the reading methods are synchronized); {@link #cancel()} may be called from any thread.
 * Closing a generation that has not finished cancels it.
 */
public final class Generation implements AutoCloseable {

    private final ContinuousBatcher.Job job;
    private final TokenPipe pipe;
    private final TokenText text;
    private final int promptTokens;
    private final BooleanSupplier modelClosed;
    private final StringBuilder whole = new StringBuilder();
    private int consumed;
    private boolean interrupted;
    private Completion completion;
    private GenerationException failure;

    Generation(ContinuousBatcher.Job job, TokenPipe pipe, TokenText text, int promptTokens, BooleanSupplier modelClosed) {
        this.job = job;
        this.pipe = pipe;
        this.text = text;
        this.promptTokens = promptTokens;
        this.modelClosed = modelClosed;
    }

    /**
     * Ends the generation at the model's next step and frees its slot (or its place in the queue); its
     * finish reason is then {@link FinishReason#CANCELLED}, its text what was generated before.
     */
    public void cancel() {
        job.cancel();
    }

    /** True once the model has finished with this request (the text may not all be read yet). */
    public boolean isDone() {
        return pipe.finished();
    }

    /** Waits for the end and returns the result. */
    public Completion await() {
        return await(null);
    }

    /**
     * Hands each piece of text to {@code onText} as it is decoded, on the calling thread, then returns the
     * result. An interrupt of the calling thread cancels the generation (the interrupt flag stays set). If
     * {@code onText} throws, the generation is cancelled and the exception passes on.
     *
     * @throws GenerationException the generation failed, or the model was closed meanwhile
     */
    public synchronized Completion await(Consumer<String> onText) {
        try {
            for (String piece = nextPiece(); piece != null; piece = nextPiece()) {
                if (onText != null) onText.accept(piece);
            }
        } catch (RuntimeException | Error e) {
            cancel();
            throw e;
        }
        return completion;
    }

    /**
     * The text as a lazy stream of pieces, read on the consuming thread. Closing the stream (e.g. by
     * try-with-resources) before its end cancels the generation; {@link #await()} afterwards gives the result.
     */
    public Stream<String> stream() {
        Iterator<String> pieces = new Iterator<>() {
            private String next;
            private boolean ended;

            @Override
            public boolean hasNext() {
                if (next == null && !ended) {
                    next = nextPiece();
                    ended = next == null;
                }
                return next != null;
            }

            @Override
            public String next() {
                if (!hasNext()) throw new NoSuchElementException("the generation has ended");
                String piece = next;
                next = null;
                return piece;
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(pieces, Spliterator.ORDERED | Spliterator.NONNULL), false)
                .onClose(this::close);
    }

    /** Cancels the generation unless it has finished. */
    @Override
    public void close() {
        if (!pipe.finished()) cancel();
    }

    /**
     * The next non-empty piece of text, or null at the end, waiting for tokens as needed.
     *
     * @throws GenerationException the generation failed (again on every later call)
     */
    synchronized String nextPiece() {
        while (true) {
            if (failure != null) throw failure;
            if (completion != null) return null;
            if (consumed < pipe.published()) {
                String piece = text.accept(pipe.token(consumed++));
                if (text.stopped()) cancel(); // the rest is not wanted: free the slot now
                if (!piece.isEmpty()) return append(piece);
            } else if (pipe.finished()) {
                if (consumed < pipe.published()) continue; // published just before the end
                String tail = text.finish();
                end();
                if (!tail.isEmpty()) return append(tail);
            } else {
                pipe.await(consumed);
                if (Thread.interrupted()) { // cancel, wait for the end (one model step), then restore the flag
                    interrupted = true;
                    cancel();
                }
            }
        }
    }

    private String append(String piece) {
        whole.append(piece);
        return piece;
    }

    private void end() {
        if (interrupted) Thread.currentThread().interrupt();
        Throwable error = pipe.error();
        if (error != null) {
            failure = new GenerationException(modelClosed.getAsBoolean()
                    ? "the model was closed before the generation ended"
                    : "generation failed: " + error.getMessage(), error);
            throw failure;
        }
        FinishReason reason = text.stopped() ? FinishReason.STOP : switch (pipe.stopReason()) {
            case END_OF_GENERATION -> FinishReason.STOP;
            case LENGTH, CONTEXT_FULL -> FinishReason.LENGTH;
            case LISTENER -> FinishReason.CANCELLED;
        };
        completion = new Completion(whole.toString(), reason, promptTokens, text.tokens(), pipe.timeToFirstTokenNanos(),
                pipe.totalNanos());
    }
}
