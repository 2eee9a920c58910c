package io.bitnet4j.generation;

import io.bitnet4j.graph.Forward;
import io.bitnet4j.graph.KvCache;

import java.util.Objects;

/**
 * Perplexity of a token sequence, measured the way llama.cpp's {@code llama-perplexity} does: the
 * tokens are cut into chunks of {@code ctx} tokens (a shorter tail is dropped), each chunk is evaluated
 * from an empty KV cache with its first token replaced by BOS, and only the second half of each chunk
 * is scored (token {@code j+1} predicted from tokens {@code 0..j} for {@code j} in {@code ctx/2 .. ctx-2}),
 * so every scored token sees at least half a context. PPL = exp(mean negative log-likelihood).
 *
 * <p>The caller tokenizes the text as llama-perplexity does (with the model's BOS first when the
 * model asks for one).
 */
public final class Perplexity {

    /**
     * @param ppl           exp of the mean negative log-likelihood
     * @param chunks        chunks evaluated
     * @param scoredTokens  tokens scored
     * @param nll           mean negative log-likelihood (natural log)
     * @param stdError      standard error of {@code ppl} (llama-perplexity's "+/-", from the NLL variance)
     */
    public record Result(double ppl, int chunks, int scoredTokens, double nll, double stdError) {}

    /** Called after each chunk with the running result (for progress output). */
    @FunctionalInterface
    public interface ChunkListener {
        void chunkDone(int chunk, int totalChunks, Result runningResult);
    }

    private Perplexity() {}

    /**
     * @param forward   the forward pass
     * @param cache     the KV cache the chunks are evaluated in (rewound to 0 before each), of at least
     *                  {@code ctx} tokens
     * @param tokens    the tokenized text
     * @param ctx       tokens per chunk (at least 4)
     * @param maxChunks evaluate at most this many chunks (≤ 0: all)
     * @param bos       the id that replaces the first token of every chunk
     */
    public static Result measure(Forward forward, KvCache cache, int[] tokens, int ctx, int maxChunks, int bos,
                                 ChunkListener listener) {
        Objects.requireNonNull(tokens, "tokens");
        int vocab = forward.vocabSize();
        if (ctx < 4) throw new IllegalArgumentException("perplexity needs a context of at least 4 tokens, got " + ctx);
        if (ctx > cache.contextSize()) {
            throw new IllegalArgumentException("chunk size " + ctx + " exceeds the session's context " + cache.contextSize()
                    + " (the KV cache's)");
        }
        if (bos < 0 || bos >= vocab) throw new IllegalArgumentException("BOS id " + bos + " outside the vocabulary");
        int available = tokens.length / ctx;
        if (available == 0) {
            throw new IllegalArgumentException("the text has " + tokens.length + " tokens; perplexity needs at least one chunk of "
                    + ctx + " (use a smaller --ctx-size or a longer text)");
        }
        int chunks = maxChunks > 0 ? Math.min(maxChunks, available) : available;
        int first = ctx / 2;
        int[] chunk = new int[ctx];
        float[] row = new float[vocab];
        double sum = 0, sumSq = 0;
        int count = 0;
        Result running = null;
        for (int c = 0; c < chunks; c++) {
            System.arraycopy(tokens, c * ctx, chunk, 0, ctx);
            chunk[0] = bos;
            cache.rewind(0);
            // in pieces of at most the batch size: run(..., allLogits) keeps the logits of its last piece only
            int batch = forward.batchSize();
            for (int off = 0; off < ctx; off += batch) {
                int n = Math.min(batch, ctx - off);
                forward.run(cache, chunk, off, n, true);
                for (int i = 0; i < n; i++) {
                    int j = off + i;
                    if (j < first || j >= ctx - 1) continue;
                    forward.copyLogits(i, row);
                    double nll = negativeLogLikelihood(row, chunk[j + 1]);
                    sum += nll;
                    sumSq += nll * nll;
                    count++;
                }
            }
            running = result(sum, sumSq, count, c + 1);
            if (listener != null) listener.chunkDone(c + 1, chunks, running);
        }
        return running;
    }

    private static Result result(double sum, double sumSq, int count, int chunks) {
        double mean = sum / count;
        double var = count > 1 ? Math.max(0, sumSq / count - mean * mean) / (count - 1) : 0;
        double ppl = Math.exp(mean);
        return new Result(ppl, chunks, count, mean, ppl * Math.sqrt(var));
    }

    /** −log softmax(logits)[target], in double. */
    static double negativeLogLikelihood(float[] logits, int target) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) max = Math.max(max, v);
        double sum = 0;
        for (float v : logits) sum += Math.exp(v - max);
        return Math.log(sum) - (logits[target] - max);
    }
}
