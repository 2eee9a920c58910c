package io.bitnet4j.api;

import io.bitnet4j.engine.LoadOptions;
import io.bitnet4j.engine.LoadedModel;
import io.bitnet4j.engine.ModelFiles;
import io.bitnet4j.generation.Generator;
import io.bitnet4j.generation.Sampler;
import io.bitnet4j.generation.SamplerParams;
import io.bitnet4j.gguf.GgufFormatException;
import io.bitnet4j.graph.Forward;
import io.bitnet4j.graph.KvCache;
import io.bitnet4j.tokenizer.Tokenizer;
import io.bitnet4j.tokenizer.Utf8StreamDecoder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;

/**
 * {@link BitnetModel} on the shipped model (BitNet b1.58, context 256): its text is the low-level
 * {@link Generator}'s, streamed pieces make up the same text, stop strings and limits end it as llama.cpp
 * does, cancelling frees the slot, concurrent callers get what they get one at a time, and bad input is a
 * clear exception.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BitnetModelTest {

    static final List<String> PROMPTS = List.of("Once upon a time", "The man said that", "In the morning the",
            "It was a", "She looked at", "The city of", "There is no", "He went to the");

    static BitnetModel model;

    @BeforeAll
    static void open() {
        model = BitnetModel.open(ModelFiles.shippedModel(), ModelOptions.defaults().withThreads(2).withParallel(4));
    }

    @AfterAll
    static void close() {
        if (model != null) model.close();
    }

    /** What the low-level classes generate greedily for {@code prompt}, as text. */
    static String lowLevelGreedy(String prompt, int maxTokens) throws Exception {
        StringBuilder text = new StringBuilder();
        try (LoadedModel m = LoadedModel.open(ModelFiles.shippedModel(), LoadOptions.defaults().withThreads(2));
             Forward forward = m.newForward(256);
             KvCache cache = m.newKvCache(256)) {
            Tokenizer tok = m.tokenizer();
            Utf8StreamDecoder out = new Utf8StreamDecoder();
            new Generator(forward, cache).generate(tok.encode(prompt, true, false), maxTokens,
                    new Sampler(SamplerParams.GREEDY, m.config().vocabSize()), tok::isEndOfGeneration,
                    id -> { text.append(out.accept(tok, id)); return true; }, null);
            text.append(out.flush());
        }
        return text.toString();
    }

    @Test
    void greedyTextIsTheLowLevelGenerators() throws Exception {
        Completion c = model.generate(PROMPTS.get(0), GenerateOptions.greedy().withMaxTokens(24));
        assertEquals(lowLevelGreedy(PROMPTS.get(0), 24), c.text());
        assertEquals(FinishReason.LENGTH, c.finishReason());
        assertEquals(24, c.generatedTokens());
        assertEquals(model.countTokens(PROMPTS.get(0)) + 1, c.promptTokens(), "the prompt's tokens and BOS");
        assertTrue(c.timeToFirstTokenNanos() > 0 && c.totalNanos() >= c.timeToFirstTokenNanos(), c.toString());
        assertTrue(c.generationTokensPerSecond() > 0, c.toString());
    }

    @Test
    void streamedPiecesMakeUpTheText() throws Exception {
        GenerateOptions greedy = GenerateOptions.greedy().withMaxTokens(32);
        String expected = model.generate(PROMPTS.get(1), greedy).text();
        List<String> pieces = new ArrayList<>();
        Completion viaCallback = model.generate(Prompt.text(PROMPTS.get(1)), greedy, pieces::add);
        assertEquals(expected, viaCallback.text());
        assertEquals(expected, String.join("", pieces));
        assertTrue(pieces.size() > 1 && pieces.stream().noneMatch(String::isEmpty), pieces.toString());
        try (Stream<String> s = model.stream(Prompt.text(PROMPTS.get(1)), greedy)) {
            assertEquals(expected, s.collect(Collectors.joining()));
        }
        assertEquals(expected, collect(model.publisher(Prompt.text(PROMPTS.get(1)), greedy)).get(60, TimeUnit.SECONDS));
    }

    /** Subscribes requesting one piece at a time; completes with the joined text. */
    static CompletableFuture<String> collect(Flow.Publisher<String> publisher) {
        CompletableFuture<String> result = new CompletableFuture<>();
        publisher.subscribe(new Flow.Subscriber<>() {
            final StringBuilder text = new StringBuilder();
            Flow.Subscription subscription;

            public void onSubscribe(Flow.Subscription s) {
                subscription = s;
                s.request(1);
            }

            public void onNext(String piece) {
                text.append(piece);
                subscription.request(1);
            }

            public void onError(Throwable e) {
                result.completeExceptionally(e);
            }

            public void onComplete() {
                result.complete(text.toString());
            }
        });
        return result;
    }

    @Test
    void aStopStringEndsTheTextBeforeIt() {
        GenerateOptions greedy = GenerateOptions.greedy().withMaxTokens(48);
        String full = model.generate(PROMPTS.get(2), greedy).text();
        assertTrue(full.length() > 20, full);
        String stop = full.substring(10, 14); // spans tokens, most likely
        Completion c = model.generate(PROMPTS.get(2), greedy.withStop("never appears", stop));
        assertEquals(full.substring(0, full.indexOf(stop)), c.text());
        assertEquals(FinishReason.STOP, c.finishReason());
        assertTrue(c.generatedTokens() < 48, c.toString());
    }

    @Test
    void chatUsesTheModelsTemplate() {
        assertEquals("bitnet", model.chatFormatName());
        List<ChatMessage> conversation = List.of(ChatMessage.system("Be brief."), ChatMessage.user("Tell me a story."));
        Completion c = model.chat(conversation, GenerateOptions.greedy().withMaxTokens(16));
        assertFalse(c.text().isEmpty());
        // "System: Be brief.<eot>User: Tell me a story.<eot>Assistant: " with BOS: more than the two contents
        assertTrue(c.promptTokens() > model.countTokens("Be brief.") + model.countTokens("Tell me a story.") + 4, c.toString());
        // the BitNet template has no thinking switch: off is the same prompt
        Completion off = model.generate(Prompt.chat(conversation).withThinking(false), GenerateOptions.greedy().withMaxTokens(16), null);
        assertEquals(c.text(), off.text());
        assertEquals(c.promptTokens(), off.promptTokens());
    }

    @Test
    void countsTokensWithoutBos() {
        assertEquals(0, model.countTokens(""));
        int n = model.countTokens("Once upon a time");
        assertTrue(n >= 4 && n <= 8, n + " tokens");
        assertEquals(n + model.countTokens(" there"), model.countTokens("Once upon a time there"));
    }

    @Test
    void cancellingEndsTheGenerationAndFreesItsSlot() throws Exception {
        try (BitnetModel one = BitnetModel.open(ModelFiles.shippedModel(),
                ModelOptions.defaults().withThreads(2).withParallel(1).withQueueCapacity(0))) {
            Generation g = one.submit(Prompt.text(PROMPTS.get(3)), GenerateOptions.greedy().withMaxTokens(-1));
            // one slot, no queue: a second request is refused while the first runs (or waits to be admitted)
            ModelBusyException busy = assertThrows(ModelBusyException.class,
                    () -> one.submit(Prompt.text(PROMPTS.get(4)), GenerateOptions.greedy()));
            assertTrue(busy.getMessage().contains("queue"), busy.getMessage());
            Iterator<String> pieces = g.stream().iterator();
            assertTrue(pieces.hasNext());
            g.cancel();
            Completion c = g.await();
            assertEquals(FinishReason.CANCELLED, c.finishReason());
            assertTrue(c.generatedTokens() < 200, c.toString());
            // the slot is free again
            assertEquals(FinishReason.LENGTH, one.generate(PROMPTS.get(4), GenerateOptions.greedy().withMaxTokens(4)).finishReason());
        }
    }

    @Test
    void closingAStreamEarlyCancelsItsGeneration() {
        Generation g = model.submit(Prompt.text(PROMPTS.get(5)), GenerateOptions.greedy().withMaxTokens(-1));
        try (Stream<String> s = g.stream()) {
            assertEquals(3, s.limit(3).count());
        }
        Completion c = g.await();
        assertTrue(c.finishReason() == FinishReason.CANCELLED || c.finishReason() == FinishReason.STOP, c.toString());
    }

    @Test
    void anInterruptedCallerCancelsItsRequest() throws Exception {
        CompletableFuture<Completion> result = new CompletableFuture<>();
        CountDownLatch firstPiece = new CountDownLatch(1);
        Thread caller = Thread.ofVirtual().start(() -> {
            try {
                result.complete(model.generate(Prompt.text(PROMPTS.get(6)), GenerateOptions.greedy().withMaxTokens(-1),
                        piece -> firstPiece.countDown()));
                assertTrue(Thread.currentThread().isInterrupted(), "the interrupt flag should stay set");
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
        assertTrue(firstPiece.await(60, TimeUnit.SECONDS));
        caller.interrupt();
        Completion c = result.get(60, TimeUnit.SECONDS);
        assertTrue(c.finishReason() == FinishReason.CANCELLED || c.finishReason() == FinishReason.STOP, c.toString());
    }

    /**
     * The thread-safety promise: eight virtual threads generating at once (four slots, so batches of up to four
     * and a queue) get exactly the text each gets alone, greedy and sampled with a fixed seed.
     */
    @Test
    void concurrentCallersGetWhatTheyGetOneAtATime() throws Exception {
        List<GenerateOptions> options = List.of(GenerateOptions.greedy().withMaxTokens(40),
                GenerateOptions.defaults().withMaxTokens(40).withSeed(7));
        for (GenerateOptions o : options) {
            List<Completion> alone = new ArrayList<>();
            for (String p : PROMPTS) alone.add(model.generate(p, o));
            List<Future<Completion>> together = new ArrayList<>();
            var before = model.batcherStats();
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                for (String p : PROMPTS) together.add(threads.submit(() -> model.generate(p, o)));
            }
            for (int i = 0; i < PROMPTS.size(); i++) {
                Completion c = together.get(i).get();
                assertEquals(alone.get(i).text(), c.text(), "prompt " + i + " with " + o);
                assertEquals(alone.get(i).finishReason(), c.finishReason());
                assertEquals(alone.get(i).generatedTokens(), c.generatedTokens());
            }
            var after = model.batcherStats();
            long steps = after.steps() - before.steps(), tokens = after.generatedTokens() - before.generatedTokens();
            assertTrue(steps < tokens - PROMPTS.size(), "the requests should have been decoded together: " + steps
                    + " steps for " + tokens + " tokens");
        }
    }

    @Test
    void closingTheModelFailsItsRequestsAndRefusesNewOnes() {
        BitnetModel closing = BitnetModel.open(ModelFiles.shippedModel(), ModelOptions.defaults().withThreads(2).withParallel(1));
        Generation running = closing.submit(Prompt.text(PROMPTS.get(7)), GenerateOptions.greedy().withMaxTokens(-1));
        Generation waiting = closing.submit(Prompt.text(PROMPTS.get(0)), GenerateOptions.greedy().withMaxTokens(-1));
        closing.close();
        for (Generation g : List.of(running, waiting)) {
            try {
                Completion c = g.await(); // it may have finished before the close
                assertNotNull(c.finishReason());
            } catch (GenerationException e) {
                assertTrue(e.getMessage().contains("closed"), e.getMessage());
            }
        }
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> closing.generate("x"));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        closing.close(); // twice is fine
    }

    @Test
    void aMissingFileIsNamed(@TempDir Path tmp) {
        Path missing = tmp.resolve("nope.gguf");
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> BitnetModel.open(missing));
        assertEquals("cannot open model " + missing + ": no such file", e.getMessage());
        assertEquals(missing, e.file());
    }

    @Test
    void aFileThatIsNoModelIsNamedWithTheReason(@TempDir Path tmp) throws Exception {
        Path junk = Files.writeString(tmp.resolve("junk.gguf"), "this is not a GGUF file, just some text to read");
        ModelLoadException e = assertThrows(ModelLoadException.class, () -> BitnetModel.open(junk));
        assertTrue(e.getMessage().startsWith("cannot open model " + junk + ": "), e.getMessage());
        assertInstanceOf(GgufFormatException.class, e.getCause());
        assertFalse(e.getMessage().substring(("cannot open model " + junk).length()).contains(junk.toString()),
                "the file is named once: " + e.getMessage());
        ModelLoadException dir = assertThrows(ModelLoadException.class, () -> BitnetModel.open(tmp));
        assertTrue(dir.getMessage().startsWith("cannot open model " + tmp + ": "), dir.getMessage());
    }

    @Test
    void badOptionsAreRefusedWithTheirName() {
        assertEquals("top-p must be in [0, 1], got 2.0",
                assertThrows(IllegalArgumentException.class, () -> GenerateOptions.defaults().withTopP(2f)).getMessage());
        assertEquals("top-k must be >= 0, got -1",
                assertThrows(IllegalArgumentException.class, () -> GenerateOptions.defaults().withTopK(-1)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> GenerateOptions.defaults().withMaxTokens(-2))
                .getMessage().startsWith("max tokens must be >= 0"));
        assertThrows(IllegalArgumentException.class, () -> GenerateOptions.defaults().withStop("a", null));
        assertEquals("threads must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> ModelOptions.defaults().withThreads(0)).getMessage());
        assertEquals("parallel (slots) must be >= 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> ModelOptions.defaults().withParallel(0)).getMessage());
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> ModelOptions.defaults().withOutputType(io.bitnet4j.tensor.TensorType.F32)).getMessage().contains("q8_0"));
        assertThrows(IllegalArgumentException.class, () -> Prompt.chat(List.of()));
        assertThrows(NullPointerException.class, () -> ChatMessage.user("x").equals(new ChatMessage(null, "x")));
    }

    @Test
    void aPromptLongerThanTheContextIsRefused() {
        String tooLong = "the man ".repeat(400);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model.generate(tooLong, GenerateOptions.greedy()));
        assertTrue(e.getMessage().contains("the context holds " + model.contextSize()), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> model.generate(null, GenerateOptions.greedy()));
        assertThrows(IllegalArgumentException.class, () -> model.generate("x", null));
    }

    @Test
    void aLimitOfZeroGeneratesNothing() {
        Completion c = model.generate("Once", GenerateOptions.greedy().withMaxTokens(0));
        assertEquals("", c.text());
        assertEquals(FinishReason.LENGTH, c.finishReason());
        assertEquals(0, c.generatedTokens());
    }
}
