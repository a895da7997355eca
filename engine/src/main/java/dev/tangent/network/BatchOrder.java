package dev.tangent.network;

import dev.tangent.TangentException;
import dev.tangent.data.rng.NumpyRandom;

import java.util.Locale;

/**
 * The order in which an epoch visits the training samples, and how it cuts them into batches (spec §7.4):
 * <ul>
 *   <li>{@code NONE}: the data's order (the reference's RF and NT);</li>
 *   <li>{@code BUFFER}: {@code tf.data.Dataset.shuffle(buffer)}: a pool of the next {@code buffer} samples, each output
 *       drawn uniformly from the pool and replaced by the next input, a weak, local shuffle (the reference's network,
 *       buffer 128; TensorFlow's own generator cannot be replayed, numpy's {@code RandomState(seed)} draws here);</li>
 *   <li>{@code FULL}: numpy's {@code RandomState(seed).permutation(n)}.</li>
 * </ul>
 * The reference re-initialises its iterator every epoch under a fixed graph seed, so every epoch repeats the same order
 * (tensorflow/tensorflow#13446); that is the default here, and {@code reshuffle} draws a new order per epoch (seed + t).
 * Batches are consecutive slices of the order; with {@code keepRemainder} false the last incomplete batch is dropped
 * ({@code drop_remainder=True}, spec §10 item 23), and the count of dropped samples is reported.
 *
 * @param shuffle       NONE, BUFFER or FULL
 * @param buffer        the pool size of BUFFER
 * @param reshuffle     a new order every epoch (false: the reference's repeated order)
 * @param seed          the order's seed
 * @param keepRemainder keep the last incomplete batch (false: drop it, as the reference)
 */
public record BatchOrder(Shuffle shuffle, int buffer, boolean reshuffle, long seed, boolean keepRemainder) {
    public enum Shuffle {
        NONE, BUFFER, FULL;

        public static Shuffle parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "none" -> NONE;
                case "buffer" -> BUFFER;
                case "full" -> FULL;
                default -> throw new IllegalArgumentException("expected none, buffer or full, found '" + s + "'");
            };
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public BatchOrder {
        if (shuffle == Shuffle.BUFFER && buffer < 1) {
            throw new TangentException("--shuffle-buffer must be >= 1, found " + buffer);
        }
    }

    /** The samples in order for epoch t, or null for the data's own order. */
    public int[] order(int n, int epoch) {
        if (shuffle == Shuffle.NONE) {
            return null;
        }
        long s = reshuffle ? (seed + epoch) & 0xFFFFFFFFL : seed;
        NumpyRandom rng = new NumpyRandom(s);
        return shuffle == Shuffle.FULL ? permutation(rng, n) : buffered(rng, n, buffer);
    }

    /** {@code RandomState.permutation(n)}: Fisher–Yates from the end with numpy's masked bounded draws. */
    static int[] permutation(NumpyRandom rng, int n) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i >= 1; i--) {
            int j = (int) rng.nextBounded(i + 1L);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    /** A shuffle buffer of {@code size}: sample i can come out no earlier than position i − size + 1. */
    static int[] buffered(NumpyRandom rng, int n, int size) {
        int[] out = new int[n];
        int[] pool = new int[Math.min(size, n)];
        int filled = 0;
        int next = 0;
        while (filled < pool.length) {
            pool[filled++] = next++;
        }
        for (int o = 0; o < n; o++) {
            int j = (int) rng.nextBounded(filled);
            out[o] = pool[j];
            if (next < n) {
                pool[j] = next++;
            } else {
                pool[j] = pool[--filled];
            }
        }
        return out;
    }

    /** Batches of size b an epoch of n samples has. */
    public int batches(int n, int b) {
        return keepRemainder ? (n + b - 1) / b : n / b;
    }

    /** Samples an epoch of n in batches of b leaves out (0 with keepRemainder). */
    public int dropped(int n, int b) {
        return keepRemainder ? 0 : n % b;
    }
}
