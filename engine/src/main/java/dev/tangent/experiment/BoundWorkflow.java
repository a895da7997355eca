package dev.tangent.experiment;

import dev.tangent.TangentException;
import dev.tangent.compute.Backend;
import dev.tangent.data.Dataset;
import dev.tangent.data.Input;
import dev.tangent.data.Normalization;
import dev.tangent.io.Npy;
import dev.tangent.io.RunDirectory;
import dev.tangent.machine.Loss;
import dev.tangent.machine.SubgradientSolver;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.memory.MemoryBudget;
import dev.tangent.network.EmpiricalNtk;
import dev.tangent.network.FullyConnected;
import dev.tangent.network.NetworkTrainer;
import dev.tangent.report.Figure;
import dev.tangent.theory.GeneralizationBound;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code tangent bound}: paper A's generalisation experiment (spec §5). A two-layer network trained by full-batch
 * gradient descent is, at every time t, exactly the kernel machine ô = K_t·a with a_i = −1/n and the path kernel
 * K_t(x, x_i) = e^{−λt}∫₀ᵗ l′(f_s(x_i), y_i) Θ̂_s(x, x_i) e^{λs} ds, integrated here by the trapezoid rule over the
 * epochs (dt = lr) from the empirical NTK Θ̂_e at each epoch. The Rademacher bound of {@link GeneralizationBound} is
 * evaluated along the way. The order of the per-epoch steps is the reference's (§5.2).
 */
public final class BoundWorkflow {
    private BoundWorkflow() {
    }

    /** {@code INTENDED}: l′ = −y·1[y·o &lt; 1]; {@code REFERENCE}: l′ = −y always (what the reference code computes). */
    public enum GeneGrad { INTENDED, REFERENCE }

    /** The network and its full-batch gradient descent: width, learning rate (= dt), epochs, λ, initialisation seed. */
    public record Training(int width, double lr, int epochs, double lambda, long seed) {
        public Training {
            if (width < 1) {
                throw new TangentException("--width must be >= 1, found " + width);
            }
            if (!(lr > 0) || Double.isInfinite(lr)) {
                throw new TangentException("--lr must be finite and > 0, found " + lr);
            }
            if (epochs < 1) {
                throw new TangentException("--epochs must be >= 1, found " + epochs);
            }
            if (!(lambda >= 0) || Double.isInfinite(lambda)) {
                throw new TangentException("--lambda must be finite and >= 0, found " + lambda);
            }
        }
    }

    /** @param test the test set (test hinge loss of the network), or null */
    public record Request(Input train, Input test, Normalization norm, Training training, double delta, GeneGrad geneGrad, Output out) {
        public Request {
            if (!(delta > 0 && delta < 2)) {
                throw new TangentException("--delta must be in (0, 2) (the bound's log(2/delta) > 0), found " + delta);
            }
        }
    }

    /**
     * Per-epoch arrays (length = epochs) and the summary.
     *
     * @param quadraticForm aᵀK_t a per epoch; {@code trace} tr K_t
     * @param noBound       why there is no bound (a short reason and the detail), or null when every epoch has one
     * @param warning       a warning about the run (the network left the kernel regime), or null
     * @param finalBounds   the last epoch's bound at each of {@link GeneralizationBound#reportedDeltas} (the requested δ first)
     */
    public record Result(int n, double[] time, double[] nnTrainHinge, double[] kmTrainHinge, double[] nnTestHinge,
                         double[] bound, double[] rademacher, double[] quadraticForm, double[] trace, double confidence, double maxGap,
                         double maxGapTracked, double maxOutput, int notComputable, NoBound noBound, String warning,
                         List<GeneralizationBound.Value> finalBounds) {
    }

    /** Why some epochs have no bound: a short reason, the full explanation, and the figure's panel title. */
    public record NoBound(String reason, String detail, String title) {
    }

    /** Largest |NN − KM| relative to the largest |NN output| above which the run gets a warning. */
    static final double REGIME_WARNING = 0.1;

    public static Result run(Request r, Context c) {
        RunDirectory.Plan plan = Runs.check(r.out(), "bound", false);
        Training tr = r.training();
        try (Dataset train = r.train().load(DType.F64, r.norm());
             Dataset test = r.test() == null ? null : r.test().load(DType.F64, r.norm(), train.standardization())) {
            train.requireBinaryTargets(r.train().option(), "tangent bound (hinge loss)");
            if (test != null) {
                test.requireBinaryTargets(r.test().option(), "tangent bound (hinge loss)");
                if (test.dim() != train.dim()) {
                    throw new TangentException("--test has " + test.dim() + " features, --train has " + train.dim());
                }
            }
            int n = train.size();
            MemoryBudget.require(3L * 8 * n * n, String.format(java.util.Locale.ROOT,
                    "the path kernel's running sums and the empirical NTK (3 x %d x %d, f64)", n, n));
            plan.requireSpace(8L * (3L * tr.epochs() * n + 10L * tr.epochs()) + (4L << 20), "the output arrays and figures");
            Computed cmp = compute(r, c, train, test);
            try (RunDirectory dir = Runs.open(plan, c)) {
                write(r, cmp, dir, c, train, test);
                return cmp.result();
            }
        }
    }

    /** The result and the per-epoch outputs (NN, KM, Euler diagnostic) it is written with. */
    private record Computed(Result result, double[][] nnOut, double[][] kmOut, double[][] euler) {
    }

    private static Computed compute(Request r, Context c, Dataset train, Dataset test) {
        Training tr = r.training();
        int n = train.size();
        double[] y = train.y();
        Loss hinge = new Loss.Hinge();
        int ne = tr.epochs();
        double dt = tr.lr();
        double[] time = new double[ne];
        double[] nnHinge = new double[ne];
        double[] kmHinge = new double[ne];
        double[] testHinge = new double[ne];
        double[] bound = new double[ne];
        double[] rad = new double[ne];
        double[] quads = new double[ne];
        double[] traces = new double[ne];
        double[][] nnOut = new double[ne][];
        double[][] kmOut = new double[ne][];
        double[][] euler = new double[ne][];
        double maxGap = 0;
        double maxOut = 0;
        int bad = 0;
        int badQuad = 0;
        int badTrace = 0;
        int firstBad = -1;
        int lastBad = -1;
        double[] split = null; // at the first epoch without a bound: aᵀKa and tr K of the +1 and the −1 class
        int[] all = new int[n];
        for (int i = 0; i < n; i++) {
            all[i] = i;
        }
        try (FullyConnected net = FullyConnected.init(train.dim(), tr.width(), 1, DType.F64, tr.seed());
             Matrix k0 = Matrix.allocate(n, n, DType.F64); Matrix sum = Matrix.allocate(n, n, DType.F64)) {
            double[] f0 = net.forward(c.backend(), train.x());
            double[] f0t = test == null ? null : net.forward(c.backend(), test.x());
            double[] o2 = new double[n];
            NetworkTrainer.Config cfg = new NetworkTrainer.Config(hinge, tr.lambda(), tr.lr(), NetworkTrainer.Regularizer.REFERENCE);
            for (int e = 0; e < ne; e++) {
                double t = e * dt;
                time[e] = t;
                if (test != null) {
                    double[] ft = net.forward(c.backend(), test.x());
                    for (int i = 0; i < ft.length; i++) {
                        ft[i] -= f0t[i];
                    }
                    testHinge[e] = SubgradientSolver.meanLoss(hinge, ft, test.y());
                } else {
                    testHinge[e] = Double.NaN;
                }
                double[] o = net.forward(c.backend(), train.x());
                for (int i = 0; i < n; i++) {
                    o[i] -= f0[i];
                }
                nnOut[e] = o;
                nnHinge[e] = SubgradientSolver.meanLoss(hinge, o, y);
                double[] dl = new double[n];
                for (int i = 0; i < n; i++) {
                    dl[i] = r.geneGrad() == GeneGrad.REFERENCE ? -y[i] : hinge.derivative(o[i], y[i]);
                }
                euler[e] = o2.clone();
                try (Matrix theta = EmpiricalNtk.twoLayer(c.backend(), net, train.x(), train.x())) {
                    // Euler diagnostic: do/dt = −λ o − (1/n) Θ̂ l′
                    double[] next = new double[n];
                    for (int j = 0; j < n; j++) {
                        double s = 0;
                        for (int i = 0; i < n; i++) {
                            s += theta.get(j, i) * dl[i];
                        }
                        next[j] = o2[j] + dt * (-tr.lambda() * o2[j] - s / n);
                    }
                    o2 = next;
                    NetworkTrainer.step(c.backend(), net, train.x(), y, f0, null, all, cfg);
                    // k_e[j][i] = l′_i Θ̂_e[j][i] e^{λ t} dt; I_e = (k_0 + k_e)/2 + Σ_{1 ≤ j < e} k_j
                    double w = Math.exp(tr.lambda() * t) * dt;
                    double decay = Math.exp(-tr.lambda() * t);
                    double[] out = new double[n];
                    double[] colSum = new double[n];
                    double[] diag = new double[n];
                    for (int j = 0; j < n; j++) {
                        double row = 0;
                        for (int i = 0; i < n; i++) {
                            double ke = dl[i] * theta.get(j, i) * w;
                            double ie;
                            if (e == 0) {
                                k0.set(j, i, ke);
                                ie = 0;
                            } else {
                                ie = (k0.get(j, i) + ke) / 2 + sum.get(j, i);
                                sum.set(j, i, sum.get(j, i) + ke);
                            }
                            double kv = decay * ie;
                            row += kv * (-1.0 / n);
                            colSum[i] += kv;
                            if (i == j) {
                                diag[i] = kv;
                            }
                        }
                        out[j] = row;
                    }
                    double quad = 0;
                    double trace = 0;
                    for (int j = 0; j < n; j++) {
                        quad += (-1.0 / n) * out[j];
                        trace += diag[j];
                    }
                    kmOut[e] = out;
                    kmHinge[e] = SubgradientSolver.meanLoss(hinge, out, y);
                    quads[e] = quad;
                    traces[e] = trace;
                    GeneralizationBound.Value v = GeneralizationBound.of(kmHinge[e], quad, trace, r.delta(), n);
                    bound[e] = v.bound();
                    rad[e] = v.rademacher();
                    if (!v.computable()) {
                        bad++;
                        badQuad += quad < 0 ? 1 : 0;
                        badTrace += trace < 0 ? 1 : 0;
                        lastBad = e;
                        if (firstBad < 0) {
                            firstBad = e;
                            // aᵀKa = (1/n²) Σ_i colsum_i and tr K = Σ_i K_ii, split by the class of column i
                            split = new double[4];
                            for (int i = 0; i < n; i++) {
                                int cls = y[i] > 0 ? 0 : 1;
                                split[cls] += colSum[i] / ((double) n * n);
                                split[2 + cls] += diag[i];
                            }
                        }
                    }
                }
                for (int i = 0; i < n; i++) {
                    maxGap = Math.max(maxGap, Math.abs(o[i] - kmOut[e][i]));
                    maxOut = Math.max(maxOut, Math.abs(o[i]));
                }
                c.reporter().progress("bound", "epochs", e + 1, ne);
            }
        }
        double maxTracked = 0;
        for (int e = 0; e < ne; e++) {
            for (int i = 0; i < Math.min(5, n); i++) {
                maxTracked = Math.max(maxTracked, Math.abs(nnOut[e][i] - kmOut[e][i]));
            }
        }
        NoBound nb = bad == 0 ? null : explain(bad, badQuad, badTrace, ne, time[firstBad], time[lastBad], quads[firstBad], traces[firstBad], split);
        String warning = maxGap > REGIME_WARNING * maxOut ? String.format(java.util.Locale.ROOT,
                "max |NN - KM| = %.3g is %.0f%% of the largest network output (%.3g): the network left the kernel (linear) regime "
                        + "(try a smaller --lr or a larger --width), so the bound describes the kernel machine, not this network",
                maxGap, 100 * maxGap / maxOut, maxOut) : null;
        double conf = GeneralizationBound.confidenceTerm(r.delta(), n);
        List<GeneralizationBound.Value> finals = new ArrayList<>();
        for (double d : GeneralizationBound.reportedDeltas(r.delta())) {
            finals.add(GeneralizationBound.of(kmHinge[ne - 1], quads[ne - 1], traces[ne - 1], d, n));
        }
        return new Computed(new Result(n, time, nnHinge, kmHinge, testHinge, bound, rad, quads, traces, conf, maxGap, maxTracked, maxOut, bad,
                nb, warning, finals), nnOut, kmOut, euler);
    }

    /** The reason, in the terms of spec §5.3, with the class shares of aᵀK_t a and tr K_t at the first epoch without a bound. */
    static NoBound explain(int bad, int badQuad, int badTrace, int epochs, double t0, double t1, double quad, double trace, double[] split) {
        String what = badQuad > 0 && badTrace > 0 ? "a^T K_t a < 0 or tr K_t < 0" : badQuad > 0 ? "a^T K_t a < 0" : "tr K_t < 0";
        String reason = String.format(java.util.Locale.ROOT, "no bound at %d of %d epochs: %s (the path kernel is not positive semi-definite)",
                bad, epochs, what);
        String detail = String.format(java.util.Locale.ROOT,
                "no bound at %d of %d epochs (t = %.4g to %.4g): a^T K_t a < 0 at %d of them, tr K_t < 0 at %d (a_i = -1/n, K_t the path "
                        + "kernel of spec section 5.1), so B = sqrt(a^T K_t a) or sqrt(tr K_t) in the Rademacher term is undefined. At t = %.4g: "
                        + "a^T K_t a = %.4g = %.4g (columns of the +1 class) + %.4g (the -1 class), tr K_t = %.4g = %.4g (+1 class) + %.4g "
                        + "(-1 class). Column i of K_t carries the loss derivative l'_i, which is -y_i for points inside the margin, so the "
                        + "+1 class pulls both terms down and the -1 class (with --classes A,B: class A) up: a bound needs the -1 class to "
                        + "outweigh the +1 class in both the column sums and the diagonal of the kernel",
                bad, epochs, t0, t1, badQuad, badTrace, t0, quad, split[0], split[1], trace, split[2], split[3]);
        String title = String.format(java.util.Locale.ROOT, "Hinge loss; no bound at %d/%d epochs: %s", bad, epochs, what);
        return new NoBound(reason, detail, title);
    }

    private static void write(Request r, Computed cmp, RunDirectory dir, Context c, Dataset train, Dataset test) {
        Result res = cmp.result();
        Path out = dir.dir();
        Npy.writeVector(out.resolve("time.npy"), res.time());
        Npy.writeVector(out.resolve("nn_train_hinge.npy"), res.nnTrainHinge());
        Npy.writeVector(out.resolve("km_train_hinge.npy"), res.kmTrainHinge());
        Npy.writeVector(out.resolve("nn_test_hinge.npy"), res.nnTestHinge());
        Npy.writeVector(out.resolve("bound.npy"), res.bound());
        Npy.writeVector(out.resolve("rademacher.npy"), res.rademacher());
        Npy.writeVector(out.resolve("quadratic_form.npy"), res.quadraticForm());
        Npy.writeVector(out.resolve("trace.npy"), res.trace());
        Npy.writeRows(out.resolve("nn_outputs.npy"), cmp.nnOut());
        Npy.writeRows(out.resolve("km_outputs.npy"), cmp.kmOut());
        Npy.writeRows(out.resolve("km_euler_outputs.npy"), cmp.euler());
        figure(out, res, cmp.nnOut(), cmp.kmOut());
        Training tr = r.training();
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("command", "bound");
        run.put("train", Runs.describe(train, r.train()));
        if (test != null) {
            run.put("test", Runs.describe(test, r.test()));
        }
        run.put("n", res.n());
        run.put("width", tr.width());
        run.put("lr", tr.lr());
        run.put("epochs", tr.epochs());
        run.put("lambda", tr.lambda());
        run.put("delta", r.delta());
        run.put("seed", tr.seed());
        run.put("gene_grad", r.geneGrad().toString().toLowerCase(java.util.Locale.ROOT));
        run.put("confidence_term", res.confidence());
        int last = res.time().length - 1;
        run.put("final_time", res.time()[last]);
        run.put("final_bound", res.bound()[last]);
        List<Map<String, Object>> byDelta = new ArrayList<>();
        for (GeneralizationBound.Value v : res.finalBounds()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("delta", v.delta());
            m.put("confidence_term", v.confidence());
            m.put("final_bound", v.bound());
            byDelta.add(m);
        }
        run.put("final_bound_by_delta", byDelta);
        run.put("final_km_train_hinge", res.kmTrainHinge()[last]);
        run.put("final_nn_train_hinge", res.nnTrainHinge()[last]);
        run.put("final_nn_test_hinge", res.nnTestHinge()[last]);
        run.put("final_quadratic_form", res.quadraticForm()[last]);
        run.put("final_trace", res.trace()[last]);
        run.put("max_abs_nn_minus_km", res.maxGap());
        run.put("max_abs_nn_minus_km_samples_0_to_4", res.maxGapTracked());
        run.put("max_abs_nn_output", res.maxOutput());
        run.put("epochs_without_bound", res.notComputable());
        if (res.noBound() != null) {
            run.put("no_bound", res.noBound().reason());
            run.put("no_bound_detail", res.noBound().detail());
        }
        if (res.warning() != null) {
            run.put("warnings", List.of(res.warning()));
        }
        run.put("caveats", List.of("the bound holds with probability >= 1 - delta: the reference's delta = 0.99 means >= 1 %; "
                        + "final_bound_by_delta gives it at 0.05 and 0.01 too (only the constant term changes)",
                "the hinge loss is not bounded by 1 although the constant assumes range [0, 1]",
                "B = sqrt(a^T K a) is measured on the trained function (data-dependent)"));
        Runs.finish(dir, run, c);
    }

    private static void figure(Path out, Result res, double[][] nnOut, double[][] kmOut) {
        double[] t = res.time();
        List<Figure.Series> outs = new ArrayList<>();
        List<Figure.Series> diffs = new ArrayList<>();
        for (int s = 0; s < Math.min(5, nnOut[0].length); s++) {
            double[] nn = new double[t.length];
            double[] km = new double[t.length];
            double[] d = new double[t.length];
            for (int e = 0; e < t.length; e++) {
                nn[e] = nnOut[e][s];
                km[e] = kmOut[e][s];
                d[e] = nn[e] - km[e];
            }
            outs.add(new Figure.Series("KM #" + s, t, km, true, false, s));
            outs.add(new Figure.Series("NN #" + s, t, nn, false, true, s));
            diffs.add(new Figure.Series("#" + s, t, d, true, false, s));
        }
        List<Figure.Series> losses = new ArrayList<>(List.of(
                new Figure.Series("NN train hinge", t, res.nnTrainHinge(), true, false, 0),
                new Figure.Series("KM train hinge", t, res.kmTrainHinge(), true, false, 1),
                new Figure.Series("bound", t, res.bound(), false, true, 3)));
        if (!Double.isNaN(res.nnTestHinge()[0])) {
            losses.add(new Figure.Series("NN test hinge", t, res.nnTestHinge(), true, false, 2));
        }
        String boundTitle = res.noBound() == null ? "Hinge loss and bound" : res.noBound().title();
        Figure.write(out.resolve("generalization"), 3, 620, 440, List.of(
                new Figure.Panel("Outputs (KM lines, NN markers)", "epoch t", "output f(x)", true, false, outs),
                new Figure.Panel(res.warning() == null ? "NN - KM" : String.format(java.util.Locale.ROOT,
                        "NN - KM (warning: max %.3g, %.0f%% of max |NN|)", res.maxGap(), 100 * res.maxGap() / res.maxOutput()),
                        "epoch t", "output difference NN - KM", true, false, diffs),
                new Figure.Panel(boundTitle, "epoch t", "hinge loss (mean over samples)", true, false, losses)));
    }
}
