package dev.tangent.experiment;

import dev.tangent.TangentException;
import dev.tangent.compute.Backend;
import dev.tangent.data.DataSource;
import dev.tangent.data.Dataset;
import dev.tangent.data.Normalization;
import dev.tangent.data.Selection;
import dev.tangent.io.Npy;
import dev.tangent.machine.Loss;
import dev.tangent.machine.SubgradientSolver;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.network.EmpiricalNtk;
import dev.tangent.network.FullyConnected;
import dev.tangent.network.NetworkTrainer;
import dev.tangent.report.Figure;
import dev.tangent.report.Json;
import dev.tangent.theory.GeneralizationBound;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

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

    public record Request(DataSource train, DataSource test, Selection trainSelection, Selection testSelection,
                          Normalization norm, int width, double lr, int epochs, double lambda, double delta, long seed,
                          GeneGrad geneGrad, Backend backend, int threads, Path out, LongConsumer progress) {
    }

    /**
     * Per-epoch arrays (length = epochs) and the summary; {@code bound} is at the requested δ, {@code finalBounds} the
     * last epoch's bound at each of {@link GeneralizationBound#reportedDeltas} (the requested δ first).
     */
    public record Result(int n, double[] time, double[] nnTrainHinge, double[] kmTrainHinge, double[] nnTestHinge,
                         double[] bound, double[] rademacher, double confidence, double maxGap, double maxGapTracked,
                         int notComputable, List<GeneralizationBound.Value> finalBounds) {
    }

    public static Result run(Request r) {
        DataWorkflow.requireDirectory(r.out());
        if (r.width() < 1 || r.epochs() < 1 || !(r.lr() > 0) || !(r.lambda() >= 0) || !(r.delta() > 0 && r.delta() < 2)) {
            throw new TangentException("bound needs --width >= 1, --epochs >= 1, --lr > 0, --lambda >= 0 and 0 < --delta < 2");
        }
        try (Dataset train = r.train().load(DType.F64, r.trainSelection(), r.norm(), "--train");
             Dataset test = r.test() == null ? null : r.test().load(DType.F64, r.testSelection(), r.norm(), "--test")) {
            if (train.y() == null) {
                throw new TangentException("--train needs targets");
            }
            int n = train.size();
            double[] y = train.y();
            Loss hinge = new Loss.Hinge();
            int ne = r.epochs();
            double dt = r.lr();
            double[] time = new double[ne];
            double[] nnHinge = new double[ne];
            double[] kmHinge = new double[ne];
            double[] testHinge = new double[ne];
            double[] bound = new double[ne];
            double[] rad = new double[ne];
            double[] quadForm = new double[ne];
            double[] traces = new double[ne];
            double[][] nnOut = new double[ne][];
            double[][] kmOut = new double[ne][];
            double[][] euler = new double[ne][];
            double maxGap = 0;
            int bad = 0;
            String firstReason = null;
            int[] all = new int[n];
            for (int i = 0; i < n; i++) {
                all[i] = i;
            }
            try (FullyConnected net = FullyConnected.init(train.dim(), r.width(), 1, DType.F64, r.seed());
                 Matrix k0 = Matrix.allocate(n, n, DType.F64); Matrix sum = Matrix.allocate(n, n, DType.F64)) {
                double[] f0 = net.forward(r.backend(), train.x());
                double[] f0t = test == null ? null : net.forward(r.backend(), test.x());
                double[] o2 = new double[n];
                NetworkTrainer.Config cfg = new NetworkTrainer.Config(hinge, r.lambda(), r.lr(), NetworkTrainer.Regularizer.REFERENCE);
                for (int e = 0; e < ne; e++) {
                    double t = e * dt;
                    time[e] = t;
                    if (test != null) {
                        double[] ft = net.forward(r.backend(), test.x());
                        for (int i = 0; i < ft.length; i++) {
                            ft[i] -= f0t[i];
                        }
                        testHinge[e] = SubgradientSolver.meanLoss(hinge, ft, test.y());
                    } else {
                        testHinge[e] = Double.NaN;
                    }
                    double[] o = net.forward(r.backend(), train.x());
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
                    try (Matrix theta = EmpiricalNtk.twoLayer(r.backend(), net, train.x(), train.x())) {
                        // Euler diagnostic: do/dt = −λ o − (1/n) Θ̂ l′
                        double[] next = new double[n];
                        for (int j = 0; j < n; j++) {
                            double s = 0;
                            for (int i = 0; i < n; i++) {
                                s += theta.get(j, i) * dl[i];
                            }
                            next[j] = o2[j] + dt * (-r.lambda() * o2[j] - s / n);
                        }
                        o2 = next;
                        NetworkTrainer.step(r.backend(), net, train.x(), y, f0, null, all, cfg);
                        // k_e[j][i] = l′_i Θ̂_e[j][i] e^{λ t} dt; I_e = (k_0 + k_e)/2 + Σ_{1 ≤ j < e} k_j
                        double w = Math.exp(r.lambda() * t) * dt;
                        double decay = Math.exp(-r.lambda() * t);
                        double[] out = new double[n];
                        double quad = 0;
                        double trace = 0;
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
                                if (i == j) {
                                    trace += kv;
                                }
                            }
                            out[j] = row;
                            quad += (-1.0 / n) * row;
                        }
                        kmOut[e] = out;
                        kmHinge[e] = SubgradientSolver.meanLoss(hinge, out, y);
                        quadForm[e] = quad;
                        traces[e] = trace;
                        GeneralizationBound.Value v = GeneralizationBound.of(kmHinge[e], quad, trace, r.delta(), n);
                        bound[e] = v.bound();
                        rad[e] = v.rademacher();
                        if (!v.computable()) {
                            bad++;
                            firstReason = firstReason == null ? "epoch " + e + ": " + v.reason() : firstReason;
                        }
                    }
                    for (int i = 0; i < n; i++) {
                        maxGap = Math.max(maxGap, Math.abs(o[i] - kmOut[e][i]));
                    }
                    if (r.progress() != null) {
                        r.progress().accept(e + 1);
                    }
                }
            }
            double maxTracked = 0;
            for (int e = 0; e < ne; e++) {
                for (int i = 0; i < Math.min(5, n); i++) {
                    maxTracked = Math.max(maxTracked, Math.abs(nnOut[e][i] - kmOut[e][i]));
                }
            }
            double conf = GeneralizationBound.confidenceTerm(r.delta(), n);
            List<GeneralizationBound.Value> finals = new ArrayList<>();
            for (double d : GeneralizationBound.reportedDeltas(r.delta())) {
                finals.add(GeneralizationBound.of(kmHinge[ne - 1], quadForm[ne - 1], traces[ne - 1], d, n));
            }
            Result res = new Result(n, time, nnHinge, kmHinge, testHinge, bound, rad, conf, maxGap, maxTracked, bad, finals);
            write(r, res, nnOut, kmOut, euler, quadForm, traces, firstReason, train, test);
            return res;
        }
    }

    private static void write(Request r, Result res, double[][] nnOut, double[][] kmOut, double[][] euler, double[] quadForm,
                              double[] traces, String reason, Dataset train, Dataset test) {
        Path out = r.out();
        Npy.writeVector(out.resolve("time.npy"), res.time());
        Npy.writeVector(out.resolve("nn_train_hinge.npy"), res.nnTrainHinge());
        Npy.writeVector(out.resolve("km_train_hinge.npy"), res.kmTrainHinge());
        Npy.writeVector(out.resolve("nn_test_hinge.npy"), res.nnTestHinge());
        Npy.writeVector(out.resolve("bound.npy"), res.bound());
        Npy.writeVector(out.resolve("rademacher.npy"), res.rademacher());
        Npy.writeVector(out.resolve("quadratic_form.npy"), quadForm);
        Npy.writeVector(out.resolve("trace.npy"), traces);
        Npy.writeRows(out.resolve("nn_outputs.npy"), nnOut);
        Npy.writeRows(out.resolve("km_outputs.npy"), kmOut);
        Npy.writeRows(out.resolve("km_euler_outputs.npy"), euler);
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("command", "bound");
        run.put("train", train.description());
        if (test != null) {
            run.put("test", test.description());
        }
        run.put("n", res.n());
        run.put("width", r.width());
        run.put("lr", r.lr());
        run.put("epochs", r.epochs());
        run.put("lambda", r.lambda());
        run.put("delta", r.delta());
        run.put("seed", r.seed());
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
        run.put("max_abs_nn_minus_km", res.maxGap());
        run.put("max_abs_nn_minus_km_samples_0_to_4", res.maxGapTracked());
        run.put("epochs_without_bound", res.notComputable());
        if (reason != null) {
            run.put("first_missing_bound", reason);
        }
        run.put("caveats", List.of("the bound holds with probability >= 1 - delta: the reference's delta = 0.99 means >= 1 %; "
                        + "final_bound_by_delta gives it at 0.05 and 0.01 too (only the constant term changes)",
                "the hinge loss is not bounded by 1 although the constant assumes range [0, 1]",
                "B = sqrt(a^T K a) is measured on the trained function (data-dependent)"));
        Json.writeFile(out.resolve("run.json"), run);
        figure(out, res, nnOut, kmOut);
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
        Figure.write(out.resolve("generalization"), 3, 520, 420, List.of(
                new Figure.Panel("Outputs (KM lines, NN markers)", "t", "output", true, false, outs),
                new Figure.Panel("NN - KM", "t", "difference", true, false, diffs),
                new Figure.Panel("Hinge loss and bound", "t", "loss", true, false, losses)));
    }
}
