package dev.tangent.network;

import dev.tangent.TangentException;

/**
 * Paper B's first-order schedule over E epochs (spec §7.4, {@code train.py::_fc_optimizer}):
 * <ul>
 *   <li>learning rate of epoch t: lr·2t/15 during the warm-up t &lt; 15 (epoch 0 runs with rate 0), then
 *       max(lr·(1 + cos(π(t − 15)/(E − 15))), lr/15): up to 2·lr, cosine decay, floored at lr/15. π is the
 *       reference's literal 3.141592 (its angle is 2.1e-7 relative short of the true one);</li>
 *   <li>batch size of epoch t: {@code firstBatch} for t &lt; {@code switchEpoch}, then {@code batch} (FMNIST's network:
 *       500 then 1,000 from epoch 15; RF and NT: max_batch_size throughout).</li>
 * </ul>
 *
 * @param lr          the base learning rate (reference flag {@code learning_rate}, 0.001)
 * @param epochs      E (the reference's {@code max_cg_iters}, 750)
 * @param firstBatch  the batch size before {@code switchEpoch}
 * @param switchEpoch the first epoch of {@code batch}
 * @param batch       the batch size from {@code switchEpoch} on
 */
public record EpochSchedule(double lr, int epochs, int firstBatch, int switchEpoch, int batch) {
    /** Warm-up epochs. */
    public static final int WARMUP = 15;
    /** The reference's value of π in the cosine. */
    public static final double PI = 3.141592;

    public EpochSchedule {
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new TangentException("--lr must be finite and > 0, found " + lr);
        }
        if (epochs < 1) {
            throw new TangentException("--epochs must be >= 1, found " + epochs);
        }
        if (firstBatch < 1 || batch < 1 || switchEpoch < 0) {
            throw new TangentException("--batch: sizes must be >= 1 and the switch epoch >= 0, found " + firstBatch + ":" + switchEpoch + ","
                    + batch);
        }
    }

    /** A constant batch size. */
    public static EpochSchedule constant(double lr, int epochs, int batch) {
        return new EpochSchedule(lr, epochs, batch, 0, batch);
    }

    /** The learning rate of epoch t (0-based). */
    public double lr(int t) {
        if (t < WARMUP) {
            return lr * 2 * t / (WARMUP + 0.0);
        }
        double n = t - WARMUP;
        double big = epochs - WARMUP + 0.0;
        return Math.max(lr * (1 + Math.cos(n * PI / big)), lr / 15.0);
    }

    /** The batch size of epoch t (0-based). */
    public int batch(int t) {
        return t < switchEpoch ? firstBatch : batch;
    }

    /** The largest batch size used. */
    public int largestBatch() {
        return Math.max(switchEpoch > 0 ? firstBatch : batch, batch);
    }
}
