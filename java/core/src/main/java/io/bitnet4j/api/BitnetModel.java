package io.bitnet4j.api;

import io.bitnet4j.engine.LoadedModel;
import io.bitnet4j.generation.ChatFormat;
import io.bitnet4j.generation.ContinuousBatcher;
import io.bitnet4j.generation.TokenText;
import io.bitnet4j.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.function.Consumer;
import java.util.function.IntPredicate;
import java.util.stream.Stream;

/**
 * A 1-bit model opened for generation: the high-level entry point of bitnet4j.
 *
 * <pre>{@code
 * try (BitnetModel model = BitnetModel.open(Path.of("model.gguf"))) {
 *     System.out.println(model.generate("Once upon a time", GenerateOptions.greedy()).text());
 * }
 * }</pre>
 *
 * <p><b>Thread-safety.</b> One instance serves any number of threads (virtual threads included) at once.
 * Every request goes through one {@link ContinuousBatcher}: up to {@link ModelOptions#parallel()} requests
 * are decoded together, each step one forward pass over all of them, and the rest wait in a queue of
 * {@link ModelOptions#queueCapacity()} (beyond it, {@link ModelBusyException}). A request's tokens do not
 * depend on what else is decoded with it: greedy requests made concurrently give exactly the text they
 * give one at a time, and so do sampled ones with a fixed seed.
 *
 * <p>The low-level classes it is built on stay available for other uses: {@link LoadedModel},
 * {@link io.bitnet4j.graph.Forward}, {@link io.bitnet4j.graph.KvCache}, {@link io.bitnet4j.generation.Generator}.
 */
public final class BitnetModel implements AutoCloseable {

    private final Path file;
    private final LoadedModel model;
    private final ContinuousBatcher batcher;
    private final Tokenizer tokenizer;
    private final IntPredicate isEndOfGeneration;
    private final ChatFormat chatFormat;
    private volatile boolean closed;

    private BitnetModel(Path file, LoadedModel model, ContinuousBatcher batcher) {
        this.file = file;
        this.model = model;
        this.batcher = batcher;
        this.tokenizer = model.tokenizer();
        this.isEndOfGeneration = tokenizer::isEndOfGeneration;
        this.chatFormat = ChatFormat.forModel(model.config().architectureName(), tokenizer);
    }

    /** Opens a GGUF model file with {@link ModelOptions#defaults()}. */
    public static BitnetModel open(Path file) {
        return open(file, ModelOptions.defaults());
    }

    /**
     * Opens a GGUF model file and starts its batcher thread.
     *
     * @throws ModelLoadException the file is missing or unreadable, not a model bitnet4j can run, or the
     *                            options do not fit this machine (e.g. a kernel tier it lacks); the message
     *                            names the file and the reason
     */
    public static BitnetModel open(Path file, ModelOptions options) {
        if (file == null) throw new IllegalArgumentException("the model path is null");
        if (options == null) throw new IllegalArgumentException("the model options are null");
        LoadedModel model;
        try {
            model = LoadedModel.open(file, options.loadOptions());
        } catch (NoSuchFileException e) {
            throw new ModelLoadException(file, "no such file", e);
        } catch (IOException | RuntimeException e) {
            throw new ModelLoadException(file, reason(file, e), e);
        }
        try {
            int max = model.config().contextLength();
            int context = Math.min(options.contextSize() == 0 ? ModelOptions.DEFAULT_CONTEXT : options.contextSize(), max);
            return new BitnetModel(file, model, new ContinuousBatcher(model, options.parallel(), context, options.queueCapacity()));
        } catch (RuntimeException | OutOfMemoryError e) {
            model.close();
            throw new ModelLoadException(file, "cannot allocate " + options.parallel() + " KV caches: " + e.getMessage(), e);
        }
    }

    /** The engine's message without the file name it starts with (the exception's message names it once). */
    private static String reason(Path file, Exception e) {
        String m = String.valueOf(e.getMessage());
        String prefix = file + ": ";
        return m.startsWith(prefix) ? m.substring(prefix.length()) : m;
    }

    /** Generates a continuation of {@code prompt} with {@link GenerateOptions#defaults()}; blocks until done. */
    public Completion generate(String prompt) {
        return generate(prompt, GenerateOptions.defaults());
    }

    /** Generates a continuation of {@code prompt}; blocks until done. */
    public Completion generate(String prompt, GenerateOptions options) {
        return generate(Prompt.text(prompt), options, null);
    }

    /**
     * Generates, handing each piece of text (valid UTF-8, stop strings cut out) to {@code onText} on the
     * calling thread as soon as it is decoded; blocks until done. Interrupting the caller cancels it.
     *
     * @param onText receives the text in pieces, or null
     */
    public Completion generate(Prompt prompt, GenerateOptions options, Consumer<String> onText) {
        try (Generation g = submit(prompt, options)) {
            return g.await(onText);
        }
    }

    /** Answers a conversation as the assistant, with the model's chat template (thinking on); blocks until done. */
    public Completion chat(List<ChatMessage> messages, GenerateOptions options) {
        return generate(Prompt.chat(messages), options, null);
    }

    /**
     * The generated text as a lazy stream of pieces; the request starts now. Close the stream (try-with-resources)
     * to cancel a generation not read to its end.
     */
    public Stream<String> stream(Prompt prompt, GenerateOptions options) {
        return submit(prompt, options).stream();
    }

    /**
     * The generated text as a cold {@link Flow.Publisher}: each subscriber starts its own request, gets the
     * pieces as it requests them, and cancels the request by cancelling its subscription. A request that
     * cannot start (see {@link #submit}) is the subscriber's {@code onError}.
     */
    public Flow.Publisher<String> publisher(Prompt prompt, GenerateOptions options) {
        return new TextPublisher(() -> submit(prompt, options));
    }

    /**
     * Starts a request and returns at once: read its text from the handle, or cancel it.
     *
     * @throws IllegalArgumentException the prompt is empty, or longer than the context allows
     *                                  (it needs room for at least one generated token)
     * @throws ModelBusyException       every slot is busy and the queue is full
     * @throws IllegalStateException    the model is closed
     */
    public Generation submit(Prompt prompt, GenerateOptions options) {
        if (prompt == null) throw new IllegalArgumentException("the prompt is null");
        if (options == null) throw new IllegalArgumentException("the generate options are null");
        if (closed) throw new IllegalStateException("the model " + file + " is closed");
        int[] ids = switch (prompt) {
            case Prompt.Text t -> tokenizer.encode(t.text(), true, false);
            case Prompt.Chat c -> tokenizer.encode(chatFormat.thinking(c.thinking())
                    .render(c.messages().stream().map(ChatMessage::toFormatMessage).toList(), true, tokenizer), false, true);
        };
        int context = batcher.contextSize();
        if (ids.length == 0) throw new IllegalArgumentException("the prompt is empty: nothing to continue from");
        if (ids.length >= context) {
            throw new IllegalArgumentException("the prompt is " + ids.length + " tokens; the context holds " + context
                    + " (prompt plus at least one generated token)");
        }
        int maxTokens = options.maxTokens() < 0 ? Integer.MAX_VALUE : options.maxTokens();
        // a sequence ends when its cache is full: at most context - prompt + 1 tokens
        TokenPipe pipe = new TokenPipe(Math.min(maxTokens, context - ids.length + 1));
        ContinuousBatcher.Job job;
        try {
            job = batcher.submit(new ContinuousBatcher.Request(ids, maxTokens, options.samplerParams(), isEndOfGeneration, pipe));
        } catch (ContinuousBatcher.QueueFullException e) {
            throw new ModelBusyException(e.getMessage(), e);
        } catch (IllegalStateException e) { // closed meanwhile
            throw new IllegalStateException("the model " + file + " is closed", e);
        }
        return new Generation(job, pipe, new TokenText(tokenizer, options.stop()), ids.length, this::isClosed);
    }

    /** Tokens of {@code text} alone, as a prompt would encode it but without the BOS token a prompt starts with. */
    public int countTokens(String text) {
        if (text == null) throw new IllegalArgumentException("the text is null");
        return tokenizer.encode(text, false, false).length;
    }

    /** Tokens per sequence, prompt and answer together. */
    public int contextSize() {
        return batcher.contextSize();
    }

    /** Requests decoded together. */
    public int parallel() {
        return batcher.slotCount();
    }

    /** The chat template {@link #chat} uses, e.g. "bitnet", "llama3", "chatml (qwen3, thinking on)". */
    public String chatFormatName() {
        return chatFormat.name();
    }

    /** The kernels chosen and why. */
    public String kernelDescription() {
        return model.kernelExplanation();
    }

    /** The batcher's counters (for tests: whether requests were decoded together). */
    ContinuousBatcher.Stats batcherStats() {
        return batcher.stats();
    }

    /** True once {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Stops the batcher and frees the model. Requests still waiting or running end with a
     * {@link GenerationException}; later calls throw {@link IllegalStateException}.
     */
    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        try {
            batcher.close();
        } finally {
            model.close();
        }
    }
}
