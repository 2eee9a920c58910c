package io.bitnet4j.generation;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token from a row of logits: repetition penalty → top-k → top-p → min-p →
 * temperature → draw, the order llama.cpp's default sampler chain uses; greedy when the temperature
 * is 0. All scratch space is allocated once per vocabulary size, so sampling allocates nothing.
 *
 * <p>The sampler owns its sequence's history for the repetition penalty (as llama.cpp's penalties
 * sampler does): the caller {@link #accept}s every token the sequence holds (prompt and fed-back
 * tokens, oldest first) and {@link #rewind}s it with the sequence's cache.
 */
public final class Sampler {

    private final SamplerParams params;
    private final SplittableRandom random;
    private final int[] candidates;   // token ids, best first after selection
    private final float[] probs;      // working values for the candidates
    private final int[] heap;         // top-k selection heap
    private int[] history = new int[0]; // the sequence's tokens, oldest first; grows geometrically
    private int historySize;            // how many entries of history are valid

    public Sampler(SamplerParams params, int vocabSize) {
        if (vocabSize <= 0) throw new IllegalArgumentException("vocabulary size must be > 0");
        this.params = params;
        this.random = new SplittableRandom(params.seed());
        this.candidates = new int[vocabSize];
        this.probs = new float[vocabSize];
        this.heap = new int[Math.max(1, Math.min(params.topK() == 0 ? 1 : params.topK(), vocabSize))];
    }

    public SamplerParams params() {
        return params;
    }

    /** Records a token the sequence now holds (for the repetition penalty). */
    public void accept(int token) {
        reserve(historySize + 1);
        history[historySize++] = token;
    }

    /** Records {@code n} tokens of {@code ids} from {@code offset}, oldest first. */
    public void accept(int[] ids, int offset, int n) {
        reserve(historySize + n);
        System.arraycopy(ids, offset, history, historySize, n);
        historySize += n;
    }

    /**
     * Makes room for a history of {@code tokens} tokens (e.g. the context size) so that later
     * {@link #accept}s allocate nothing; the array grows geometrically.
     */
    public void reserve(int tokens) {
        if (tokens > history.length) history = Arrays.copyOf(history, Math.max(history.length * 2, tokens));
    }

    /** Forgets the tokens after the first {@code position} (a rewound cache); keeps a shorter history as it is. */
    public void rewind(int position) {
        if (position < 0) throw new IllegalArgumentException("cannot rewind to " + position);
        historySize = Math.min(historySize, position);
    }

    /** Forgets the whole history (a new sequence). */
    public void reset() {
        historySize = 0;
    }

    /** Tokens in the history. */
    public int historySize() {
        return historySize;
    }

    /**
     * Chooses a token after the tokens {@link #accept}ed so far. {@code logits} is modified in place
     * by the repetition penalty.
     */
    public int sample(float[] logits, int vocabSize) {
        applyRepeatPenalty(logits, history, historySize);
        if (params.greedy()) return argmax(logits, vocabSize);

        int n = params.topK() > 0 && params.topK() < vocabSize
                ? selectTopK(logits, vocabSize, params.topK())
                : selectAll(logits, vocabSize);
        // softmax over the candidates (sorted best first) at temperature 1 for top-p / min-p, like llama.cpp
        n = cutTopP(logits, n);
        n = cutMinP(logits, n);
        // temperature, then draw
        float inv = 1f / params.temperature();
        float max = logits[candidates[0]];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float p = (float) Math.exp((logits[candidates[i]] - max) * inv);
            probs[i] = p;
            sum += p;
        }
        double r = random.nextDouble() * sum;
        double acc = 0;
        for (int i = 0; i < n; i++) {
            acc += probs[i];
            if (r < acc) return candidates[i];
        }
        return candidates[n - 1];
    }

    static int argmax(float[] logits, int n) {
        int best = 0;
        float bestValue = logits[0];
        for (int i = 1; i < n; i++) {
            if (logits[i] > bestValue) {
                bestValue = logits[i];
                best = i;
            }
        }
        return best;
    }

    private void applyRepeatPenalty(float[] logits, int[] recent, int recentSize) {
        float penalty = params.repeatPenalty();
        if (penalty == 1f || params.repeatLastN() == 0 || recentSize == 0) return;
        int window = params.repeatLastN() < 0 ? recentSize : Math.min(params.repeatLastN(), recentSize);
        // each distinct token is penalised once, as llama.cpp does: mark by negating into probs as a set
        for (int i = recentSize - window; i < recentSize; i++) {
            int id = recent[i];
            if (id < 0 || id >= logits.length || probs[id] == -1f) continue;
            probs[id] = -1f;
            logits[id] = logits[id] > 0 ? logits[id] / penalty : logits[id] * penalty;
        }
        for (int i = recentSize - window; i < recentSize; i++) {
            int id = recent[i];
            if (id >= 0 && id < probs.length) probs[id] = 0f;
        }
    }

    /** Keeps the k best logits in {@code candidates[0..k)}, sorted best first. */
    private int selectTopK(float[] logits, int vocabSize, int k) {
        // min-heap of the k best seen so far
        int size = 0;
        for (int id = 0; id < vocabSize; id++) {
            float v = logits[id];
            if (size < k) {
                heap[size] = id;
                siftUp(logits, size++);
            } else if (v > logits[heap[0]]) {
                heap[0] = id;
                siftDown(logits, 0, size);
            }
        }
        // pop in ascending order, fill from the back so the best ends first
        for (int i = size - 1; i >= 0; i--) {
            candidates[i] = heap[0];
            heap[0] = heap[i];
            siftDown(logits, 0, i);
        }
        return size;
    }

    private void siftUp(float[] logits, int i) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (less(logits, heap[i], heap[parent])) {
                swap(heap, i, parent);
                i = parent;
            } else {
                return;
            }
        }
    }

    private void siftDown(float[] logits, int i, int size) {
        while (true) {
            int l = 2 * i + 1;
            if (l >= size) return;
            int smallest = l + 1 < size && less(logits, heap[l + 1], heap[l]) ? l + 1 : l;
            if (!less(logits, heap[smallest], heap[i])) return;
            swap(heap, i, smallest);
            i = smallest;
        }
    }

    /** Strict order: lower logit first; on ties the higher id is "less" so lower ids win, as a stable sort would. */
    private static boolean less(float[] logits, int a, int b) {
        return logits[a] < logits[b] || (logits[a] == logits[b] && a > b);
    }

    private static void swap(int[] a, int i, int j) {
        int t = a[i];
        a[i] = a[j];
        a[j] = t;
    }

    /** All tokens, sorted best first (only when top-k is off). */
    private int selectAll(float[] logits, int vocabSize) {
        for (int i = 0; i < vocabSize; i++) candidates[i] = i;
        sortByLogitDescending(logits, 0, vocabSize - 1);
        return vocabSize;
    }

    private void sortByLogitDescending(float[] logits, int lo, int hi) {
        // iterative quicksort on candidate ids (no boxing, no allocation)
        while (lo < hi) {
            if (hi - lo < 16) {
                for (int i = lo + 1; i <= hi; i++) {
                    int id = candidates[i];
                    int j = i - 1;
                    while (j >= lo && less(logits, candidates[j], id)) {
                        candidates[j + 1] = candidates[j];
                        j--;
                    }
                    candidates[j + 1] = id;
                }
                return;
            }
            int pivot = candidates[(lo + hi) >>> 1];
            int i = lo, j = hi;
            while (i <= j) {
                while (less(logits, pivot, candidates[i])) i++;
                while (less(logits, candidates[j], pivot)) j--;
                if (i <= j) swap(candidates, i++, j--);
            }
            if (j - lo < hi - i) {
                sortByLogitDescending(logits, lo, j);
                lo = i;
            } else {
                sortByLogitDescending(logits, i, hi);
                hi = j;
            }
        }
    }

    private int cutTopP(float[] logits, int n) {
        if (params.topP() >= 1f) return n;
        float max = logits[candidates[0]];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            probs[i] = (float) Math.exp(logits[candidates[i]] - max);
            sum += probs[i];
        }
        double acc = 0;
        for (int i = 0; i < n; i++) {
            acc += probs[i] / sum;
            if (acc >= params.topP()) return i + 1;
        }
        return n;
    }

    private int cutMinP(float[] logits, int n) {
        if (params.minP() <= 0f) return n;
        float max = logits[candidates[0]];
        float threshold = (float) Math.log(params.minP());
        int keep = 1;
        while (keep < n && logits[candidates[keep]] - max >= threshold) keep++;
        return keep;
    }
}
