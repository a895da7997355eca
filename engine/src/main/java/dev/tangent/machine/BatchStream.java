package dev.tangent.machine;

import java.util.SplittableRandom;

/**
 * The mini-batch index stream shared by a kernel machine and the network it is compared with: epoch after epoch, a
 * seeded permutation of 0..n−1 (or the natural order) cut into batches; the last batch of an epoch is smaller when
 * {@code batch} does not divide n (12,665 = 197·64 + 57 gives 198 steps per epoch, as the reference DataLoader).
 */
public final class BatchStream {
    private final int n;
    private final int batch;
    private final boolean shuffle;
    private final SplittableRandom rng;
    private int[] order;
    private int pos;
    private int epoch = -1;

    public BatchStream(int n, int batch, long seed, boolean shuffle) {
        if (n < 1 || batch < 1) {
            throw new IllegalArgumentException("n and batch must be >= 1");
        }
        this.n = n;
        this.batch = Math.min(batch, n);
        this.shuffle = shuffle;
        this.rng = new SplittableRandom(seed);
        this.pos = n;
    }

    public int stepsPerEpoch() {
        return (n + batch - 1) / batch;
    }

    /** The 0-based epoch of the batch last returned. */
    public int epoch() {
        return epoch;
    }

    /** The next batch of indices (a fresh array). */
    public int[] next() {
        if (pos >= n) {
            epoch++;
            pos = 0;
            order = new int[n];
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            if (shuffle) {
                for (int i = n - 1; i > 0; i--) {
                    int j = rng.nextInt(i + 1);
                    int t = order[i];
                    order[i] = order[j];
                    order[j] = t;
                }
            }
        }
        int size = Math.min(batch, n - pos);
        int[] b = new int[size];
        System.arraycopy(order, pos, b, 0, size);
        pos += size;
        return b;
    }
}
