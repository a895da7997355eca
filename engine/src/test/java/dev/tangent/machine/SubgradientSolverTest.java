package dev.tangent.machine;

import dev.tangent.compute.Providers;
import dev.tangent.compute.KernelProvider;
import dev.tangent.MnistSplits;
import dev.tangent.compute.Backend;
import dev.tangent.compute.Backends;
import dev.tangent.data.ReferencePython;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Spec §4.3–4.4: the kernel machine's (stochastic) subgradient descent. */
class SubgradientSolverTest {
    private static final Backend BACKEND = Backends.select("auto", 2).backend();

    /**
     * A straightforward re-implementation of the update on double[][] (natural batch order), written from the spec text,
     * independent of the solver's vectorised code.
     */
    private static double[] reference(double[][] k, double[] y, Loss loss, double lambda, double lr, int batch, int epochs,
                                      boolean decayAll) {
        int n = y.length;
        double[] a = new double[n];
        for (int ep = 0; ep < epochs; ep++) {
            for (int s = 0; s < n; s += batch) {
                int e = Math.min(n, s + batch);
                double[] g = new double[e - s];
                for (int i = s; i < e; i++) {
                    double t = 0;
                    for (int j = 0; j < n; j++) {
                        t += k[i][j] * a[j];
                    }
                    g[i - s] = t;
                }
                if (decayAll) {
                    for (int j = 0; j < n; j++) {
                        a[j] *= 1 - lr * lambda;
                    }
                }
                for (int i = s; i < e; i++) {
                    double base = decayAll ? a[i] : (1 - lr * lambda) * a[i];
                    a[i] = base - lr / (e - s) * loss.derivative(g[i - s], y[i]);
                }
            }
        }
        return a;
    }

    @Test
    void naturalOrderReproducesStraightforwardUpdate() {
        try (MnistSplits.Split tr = MnistSplits.zeroOne(0, 150);
             Matrix k = Providers.gram(Providers.cpu(BACKEND, 2), KernelSpec.ntk(1), tr.x())) {
            int n = k.rows();
            double[][] kk = new double[n][];
            for (int i = 0; i < n; i++) {
                kk[i] = k.row(i);
            }
            Loss[] losses = {new Loss.Hinge(), new Loss.SquaredHinge(), new Loss.EpsilonInsensitive(0.1), new Loss.Squared(), new Loss.Logistic()};
            for (Loss loss : losses) {
                for (boolean all : new boolean[] {false, true}) {
                    double lr = loss instanceof Loss.Squared || loss instanceof Loss.SquaredHinge ? 0.05 : 0.5;
                    double[] ref = reference(kk, tr.y(), loss, 0.01, lr, 16, 20, all);
                    SubgradientSolver.Result r = SubgradientSolver.train(Providers.kernel(k), tr.y(), null, null, null, null,
                            new SubgradientSolver.Config(loss, 0.01, lr, 16, 20, 1, false,
                                    all ? SubgradientSolver.Decay.ALL : SubgradientSolver.Decay.BATCH, 5), null);
                    double scale = 0;
                    for (double v : ref) {
                        scale = Math.max(scale, Math.abs(v));
                    }
                    for (int i = 0; i < n; i++) {
                        assertEquals(ref[i], r.alpha()[i], 1e-10 * Math.max(1, scale), loss.name() + " decay-all=" + all + " alpha[" + i + "]");
                    }
                }
            }
        }
    }

    @Test
    void paperDefaultsReachPaperAccuracyOnMnistZeroOne() {
        // paper A's svm_sgd.yaml: lambda 0.001, lr 1, batch 64, 300 epochs, hinge, depth 1 (two-layer NTK)
        try (MnistSplits.Split tr = MnistSplits.zeroOne(0, -1); MnistSplits.Split te = MnistSplits.zeroOne(1, -1)) {
            KernelProvider gb = Providers.cpu(BACKEND, 2);
            try (Matrix k = Providers.gram(gb, KernelSpec.ntk(1), tr.x()); Matrix kt = Providers.gram(gb, KernelSpec.ntk(1), te.x(), tr.x())) {
                SubgradientSolver.Result r = SubgradientSolver.train(Providers.kernel(k), tr.y(), Providers.kernel(kt), te.y(), new int[] {0, 1}, new int[] {0},
                        new SubgradientSolver.Config(new Loss.Hinge(), 0.001, 1, 64, 300, 6, true, SubgradientSolver.Decay.BATCH, 300), null);
                double[] acc = r.trace().testAccuracy();
                assertEquals(0.0, r.trace().trainAccuracy()[0], "g = 0 at step 1 counts as wrong (reference rounding)");
                double last = acc[acc.length - 1];
                assertTrue(last >= 0.999, "final test accuracy " + last + " on " + te.y().length + " points");
                // the hinge loss decreases overall
                double[] loss = r.trace().trainLoss();
                assertTrue(loss[loss.length - 1] < 0.05 * loss[0], "train hinge " + loss[0] + " -> " + loss[loss.length - 1]);
            }
        }
    }

    @Test
    void logSpacedStepsFollowTheReferenceSchedule() throws Exception {
        // spec §4.4: the unique values of round(logspace(0, log10(total), count)), as numpy computes them. Paper A's
        // schedule (59,400 steps, 300 evaluations) has 236 of them (numpy 1.24; the first 12 of the 300 round to 1)
        // (count 1 is left out: numpy's logspace then gives its start, 1, while the solver evaluates the last step)
        long[][] cases = {{59_400, 300}, {40, 4}, {59_415, 3_495}, {2, 2}, {170, 17}, {1_000_000, 1_000}};
        StringBuilder py = new StringBuilder("import numpy as np\n");
        for (long[] c : cases) {
            py.append("print(' '.join(str(v) for v in np.unique(np.round(np.logspace(0, np.log10(")
                    .append(c[0]).append("), ").append(c[1]).append(")).astype(int))))\n");
        }
        String[] lines = ReferencePython.run(py.toString()).split("\n");
        for (int i = 0; i < cases.length; i++) {
            int[] expected = java.util.Arrays.stream(lines[i].trim().split(" ")).mapToInt(Integer::parseInt).toArray();
            assertArrayEquals(expected, SubgradientSolver.logSpacedSteps(cases[i][0], (int) cases[i][1]),
                    "steps " + cases[i][0] + ", evaluations " + cases[i][1]);
        }
        assertEquals(236, SubgradientSolver.logSpacedSteps(59_400, 300).length, "paper A's 236 evaluation steps");
    }

    @Test
    void batchStreamCoversEveryIndexOncePerEpoch() {
        BatchStream bs = new BatchStream(12665, 64, 6, true);
        assertEquals(198, bs.stepsPerEpoch());
        boolean[] seen = new boolean[12665];
        int count = 0;
        for (int s = 0; s < 198; s++) {
            for (int i : bs.next()) {
                assertTrue(!seen[i]);
                seen[i] = true;
                count++;
            }
        }
        assertEquals(12665, count);
    }
}
