package dev.tangent.machine;

import dev.tangent.TangentException;
import dev.tangent.compute.KernelMatrix;
import dev.tangent.compute.RowOps;

import java.util.TreeSet;

/**
 * Paper A's training of the kernel machine g = K·α by (stochastic) subgradient descent (spec §4.3–4.4), for every loss
 * of Table 1. Per mini-batch B from a {@link BatchStream}:
 * <pre>
 *   g_B = K[B, :]·α
 *   α_i ← (1 − ηλ)·α_i − (η/|B|)·l′(g_B(i), y_i)      for i ∈ B     (decay BATCH: the reference code)
 *   α   ← (1 − ηλ)·α, then the batch step without decay            (decay ALL: the primal subgradient)
 * </pre>
 * Full-batch gradient descent is the special case batch = n in natural order. Evaluations (losses, accuracies, outputs
 * of tracked points) happen before the update at the steps round(logspace(0, log10(total), evaluations)), as the
 * reference; accuracy counts |g| &lt; 1e-6 as wrong. Kernel rows come from the provider's {@link KernelMatrix}, read in
 * double precision whatever its dtype.
 */
public final class SubgradientSolver {

    private SubgradientSolver() {
    }

    public enum Decay { BATCH, ALL }

    /**
     * @param batch       mini-batch size; ≥ n means full batch
     * @param shuffle     seeded shuffling each epoch (false: natural order)
     * @param evaluations number of log-spaced evaluation points requested (duplicates collapse)
     */
    public record Config(Loss loss, double lambda, double lr, int batch, int epochs, long seed, boolean shuffle,
                         Decay decay, int evaluations) {
        public Config {
            if (!(lambda >= 0)) {
                throw new TangentException("--lambda must be >= 0, found " + lambda);
            }
            if (!(lr > 0)) {
                throw new TangentException("--lr must be > 0, found " + lr);
            }
            if (batch < 1) {
                throw new TangentException("--batch must be >= 1, found " + batch);
            }
            if (epochs < 1) {
                throw new TangentException("--epochs must be >= 1, found " + epochs);
            }
        }
    }

    /** Metrics at each evaluated step; test arrays are empty without a test set. */
    public record Trace(int[] steps, double[] trainLoss, double[] trainAccuracy, double[] testLoss, double[] testAccuracy,
                        double[][] trainTracked, double[][] testTracked) {
    }

    public record Result(double[] alpha, Trace trace, long steps) {
    }

    /** Receives (step, total steps). */
    @FunctionalInterface
    public interface Progress {
        void step(long step, long total);
    }

    /**
     * Trains α on the training Gram {@code gram} (n×n) and targets y; {@code testGram} (n_test × n: rows are test
     * points) and {@code yTest} may be null.
     */
    public static Result train(KernelMatrix gram, double[] y, KernelMatrix testGram, double[] yTest,
                               int[] trackedTrain, int[] trackedTest, Config cfg, Progress progress) {
        int n = gram.rows();
        if (gram.cols() != n) {
            throw new TangentException("the training Gram must be square, found " + gram.rows() + " x " + gram.cols());
        }
        if (y.length != n) {
            throw new TangentException("the Gram has " + n + " rows but there are " + y.length + " targets");
        }
        if (testGram != null && (testGram.cols() != n || yTest == null || yTest.length != testGram.rows())) {
            throw new TangentException("the test Gram must be n_test x " + n + " with one target per test point");
        }
        if (cfg.loss().classification()) {
            requirePlusMinusOne(y, "training");
            if (yTest != null) {
                requirePlusMinusOne(yTest, "test");
            }
        }
        KernelMatrix k = gram;
        KernelMatrix kt = testGram;
        RowOps ops = RowOps.get();
        {
            BatchStream stream = new BatchStream(n, cfg.batch(), cfg.seed(), cfg.shuffle());
            long total = (long) stream.stepsPerEpoch() * cfg.epochs();
            int[] evalSteps = logSpacedSteps(total, cfg.evaluations());
            int ne = evalSteps.length;
            int ntr = trackedTrain == null ? 0 : trackedTrain.length;
            int nte = trackedTest == null || kt == null ? 0 : trackedTest.length;
            Trace trace = new Trace(evalSteps, new double[ne], new double[ne], new double[kt == null ? 0 : ne],
                    new double[kt == null ? 0 : ne], new double[ne][ntr], new double[ne][nte]);
            double[] alpha = new double[n];
            double shrink = 1 - cfg.lr() * cfg.lambda();
            int e = 0;
            {
                for (long t = 1; t <= total; t++) {
                    int[] b = stream.next();
                    if (e < ne && evalSteps[e] == t) {
                        evaluate(k, y, kt, yTest, alpha, cfg.loss(), trace, e, trackedTrain, trackedTest);
                        e++;
                    }
                    double[] gb = new double[b.length];
                    for (int i = 0; i < b.length; i++) {
                        gb[i] = ops.dot(k.row(b[i]), k.dtype(), alpha, n);
                    }
                    if (cfg.decay() == Decay.ALL && shrink != 1) {
                        for (int i = 0; i < n; i++) {
                            alpha[i] *= shrink;
                        }
                    }
                    double step = cfg.lr() / b.length;
                    for (int i = 0; i < b.length; i++) {
                        int j = b[i];
                        double base = cfg.decay() == Decay.BATCH ? shrink * alpha[j] : alpha[j];
                        alpha[j] = base - step * cfg.loss().derivative(gb[i], y[j]);
                    }
                    if (progress != null) {
                        progress.step(t, total);
                    }
                }
            }
            return new Result(alpha, trace, total);
        }
    }

    private static void evaluate(KernelMatrix k, double[] y, KernelMatrix kt, double[] yTest, double[] alpha,
                                 Loss loss, Trace trace, int e, int[] trackedTrain, int[] trackedTest) {
        double[] g = new double[k.rows()];
        k.multiply(alpha, g);
        trace.trainLoss()[e] = meanLoss(loss, g, y);
        trace.trainAccuracy()[e] = loss.classification() ? accuracy(g, y) : Double.NaN;
        for (int i = 0; i < trace.trainTracked()[e].length; i++) {
            trace.trainTracked()[e][i] = g[trackedTrain[i]];
        }
        if (kt != null) {
            double[] gt = new double[kt.rows()];
            kt.multiply(alpha, gt);
            trace.testLoss()[e] = meanLoss(loss, gt, yTest);
            trace.testAccuracy()[e] = loss.classification() ? accuracy(gt, yTest) : Double.NaN;
            for (int i = 0; i < trace.testTracked()[e].length; i++) {
                trace.testTracked()[e][i] = gt[trackedTest[i]];
            }
        }
    }

    /** Mean of l(g_i, y_i). */
    public static double meanLoss(Loss loss, double[] g, double[] y) {
        double s = 0;
        for (int i = 0; i < g.length; i++) {
            s += loss.value(g[i], y[i]);
        }
        return s / g.length;
    }

    /** Fraction of sign(g_i) = y_i, where |g_i| &lt; 1e-6 counts as 0, i.e. wrong (the reference's rounding). */
    public static double accuracy(double[] g, double[] y) {
        int ok = 0;
        for (int i = 0; i < g.length; i++) {
            double s = Math.abs(g[i]) < 1e-6 ? 0 : Math.signum(g[i]);
            ok += s == y[i] ? 1 : 0;
        }
        return (double) ok / g.length;
    }

    /** The unique integers round(logspace(0, log10(total), count)), ascending. */
    public static int[] logSpacedSteps(long total, int count) {
        TreeSet<Integer> s = new TreeSet<>();
        double hi = Math.log10(total);
        for (int i = 0; i < count; i++) {
            double v = count == 1 ? hi : hi * i / (count - 1);
            s.add((int) Math.rint(Math.pow(10, v)));
        }
        return s.stream().mapToInt(Integer::intValue).toArray();
    }

    static void requirePlusMinusOne(double[] y, String what) {
        for (int i = 0; i < y.length; i++) {
            if (y[i] != 1 && y[i] != -1) {
                throw new TangentException("the " + what + " targets must be -1 or +1 for a classification loss, found "
                        + y[i] + " at index " + i + " (use --classes A,B)");
            }
        }
    }

}
