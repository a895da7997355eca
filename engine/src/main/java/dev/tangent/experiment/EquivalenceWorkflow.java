package dev.tangent.experiment;

import dev.tangent.TangentException;
import dev.tangent.compute.Backend;
import dev.tangent.data.Dataset;
import dev.tangent.data.Input;
import dev.tangent.data.Normalization;
import dev.tangent.data.rng.NumpyRandom;
import dev.tangent.io.Npy;
import dev.tangent.io.RunDirectory;
import dev.tangent.compute.KernelMatrix;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.machine.BatchStream;
import dev.tangent.machine.KernelMachine;
import dev.tangent.machine.Loss;
import dev.tangent.machine.SubgradientSolver;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.memory.MemoryBudget;
import dev.tangent.network.FullyConnected;
import dev.tangent.network.NetworkModel;
import dev.tangent.network.NetworkTrainer;
import dev.tangent.report.Figure;
import dev.tangent.report.Json;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code tangent equivalence}: paper A's headline experiment (spec §4.2–4.3, workflow A2/A7). The kernel machine with
 * the analytic NTK and wide networks of the given widths are trained side by side on the same mini-batch stream; at
 * log-spaced steps both are evaluated (losses, accuracies, outputs of tracked train and test points). Writes the arrays,
 * run.json, model directories {@code km/} (the kernel machine) and {@code nn_w<width>/} (θ and θ₀ of each network) for
 * {@code tangent predict} and {@code tangent certify}, the paper's 4-panel figure ({@code plot_sgd.png/svg}) and, for several widths, the gap
 * max_t |f_NN − g_KM| against width with its fitted log-log slope ({@code gap_vs_width.png/svg}).
 *
 * <p>Long runs checkpoint each network every {@code checkpointEvery} epochs into {@code checkpoint_w<width>/} (weights,
 * initial outputs, traces so far, step counter; written to a {@code .part} directory and renamed, so a checkpoint is
 * complete or absent). With {@code resume}, a network whose checkpoint matches the run's parameters continues from it:
 * the batch stream is replayed to the saved step and the kernel machine (deterministic, seconds) is retrained, so a
 * resumed run gives the same arrays as an uninterrupted one.
 */
public final class EquivalenceWorkflow {
    private EquivalenceWorkflow() {
    }

    /** The networks: hidden ReLU layers, widths (trained one after the other), weight precision and regulariser. */
    public record Network(int depth, List<Integer> widths, DType dtype, NetworkTrainer.Regularizer reg) {
        public Network {
            if (depth < 1) {
                throw new TangentException("--depth must be >= 1, found " + depth);
            }
            if (widths.isEmpty()) {
                throw new TangentException("--widths: at least one width is needed");
            }
            for (int w : widths) {
                if (w < 1) {
                    throw new TangentException("--widths must be >= 1, found " + w);
                }
            }
            if (new java.util.HashSet<>(widths).size() != widths.size()) {
                throw new TangentException("--widths " + widths + ": each width once");
            }
        }
    }

    /** The loss and its λ, shared by the networks and the kernel machine. */
    public record Objective(Loss loss, double lambda) {
        public Objective {
            if (!(lambda >= 0) || Double.isInfinite(lambda)) {
                throw new TangentException("--lambda must be finite and >= 0, found " + lambda);
            }
        }
    }

    /** Tracked training and test indices; null for paper A's numpy draw. */
    public record Tracking(int[] train, int[] test) {
        public static final Tracking DRAWN = new Tracking(null, null);
    }

    /**
     * @param every          checkpoint each network every this many epochs into {@code checkpoint_w<width>/} (0: never)
     * @param stopAfterSteps stop with exit code 130 after this many network steps in total (tests of --resume); −1: never
     */
    public record Checkpoints(int every, long stopAfterSteps) {
        public static final Checkpoints NONE = new Checkpoints(0, -1);

        public Checkpoints {
            if (every < 0) {
                throw new TangentException("--checkpoint-every must be >= 0, found " + every);
            }
        }
    }

    /** The run; {@code out}'s mode RESUME continues the networks from their checkpoints. */
    public record Request(Input train, Input test, Normalization norm, Network network, Objective objective, Schedule schedule,
                          Tracking tracking, Checkpoints checkpoints, Output out) {
    }

    /** Per width: the largest |f_NN − g_KM| over tracked points and evaluation steps, and the NN's final test accuracy. */
    public record WidthResult(int width, double maxGap, double finalTestAccuracy) {
    }

    public record Result(int nTrain, int nTest, int[] steps, double kmFinalTestAccuracy, List<WidthResult> widths, double slope) {
    }

    public static Result run(Request r, Context c) {
        RunDirectory.Plan plan = Runs.check(r.out(), "equivalence", true);
        Network nw = r.network();
        Schedule sc = r.schedule();
        try (Dataset train = r.train().load(DType.F64, r.norm());
             Dataset test = r.test().load(DType.F64, r.norm(), train.standardization())) {
            String needs = "--loss " + r.objective().loss().name();
            if (r.objective().loss().classification()) {
                train.requireBinaryTargets(r.train().option(), needs);
                test.requireBinaryTargets(r.test().option(), needs);
            } else {
                train.requireTargets(r.train().option(), needs);
                test.requireTargets(r.test().option(), needs);
            }
            if (test.dim() != train.dim()) {
                throw new TangentException("--test has " + test.dim() + " features, --train has " + train.dim());
            }
            // default tracked points: numpy's RandomState(seed).choice(n_train, 5), then choice(n_test, 5), as the reference
            NumpyRandom ids = new NumpyRandom(sc.seed());
            int[] drawnTrain = ids.choice(train.size(), 5);
            int[] drawnTest = ids.choice(test.size(), 5);
            int[] trTrack = check(r.tracking().train() != null ? r.tracking().train() : drawnTrain, train.size(), "--track-train");
            int[] teTrack = check(r.tracking().test() != null ? r.tracking().test() : drawnTest, test.size(), "--track-test");
            long n = train.size();
            long nt = test.size();
            int maxWidth = java.util.Collections.max(nw.widths());
            long params = parameters(train.dim(), maxWidth, nw.depth());
            long perNet = params * nw.dtype().bytes();
            MemoryBudget.require(8 * n * n + 8 * nt * n + 3 * perNet + (n + nt) * train.dim() * nw.dtype().bytes() + (256L << 20),
                    String.format(java.util.Locale.ROOT, "the Grams (%d x %d and %d x %d, f64) and a network of --widths %d (%d parameters, %s; "
                            + "theta, theta_0 and a copy)", n, n, nt, n, maxWidth, params, nw.dtype()));
            long disk = 8 * n * (train.dim() + 3) + 4 * perNet;
            for (int w : nw.widths()) {
                disk += (r.checkpoints().every() > 0 ? 3L : 2L) * parameters(train.dim(), w, nw.depth()) * nw.dtype().bytes();
            }
            plan.requireSpace(disk + (16L << 20), "the arrays, model directories and checkpoints");
            Map<Integer, String> keys = new LinkedHashMap<>();
            for (int w : nw.widths()) {
                keys.put(w, Json.write(checkpointKey(r, train, test, trTrack, teTrack, w)));
            }
            verifyResume(plan, keys);
            try (RunDirectory dir = Runs.open(plan, c)) {
                Path out = dir.dir();
                int evaluations = sc.epochs();
                SubgradientSolver.Result km;
                KernelSpec spec = KernelSpec.ntk(nw.depth());
                try (KernelMatrix k = Runs.gram(c, "training Gram", spec, train.x(), null);
                     KernelMatrix kt = Runs.gram(c, "test Gram", spec, test.x(), train.x())) {
                    km = SubgradientSolver.train(k, train.y(), kt, test.y(), trTrack, teTrack,
                            new SubgradientSolver.Config(r.objective().loss(), r.objective().lambda(), sc.lr(), sc.batch(), sc.epochs(),
                                    sc.seed(), sc.shuffle(), sc.decay(), evaluations),
                            (s, t) -> c.reporter().progress("kernel machine", "steps", s, t));
                }
                int[] steps = km.trace().steps();
                write(out, "steps", toDouble(steps));
                write(out, "km_train_loss", km.trace().trainLoss());
                write(out, "km_test_loss", km.trace().testLoss());
                write(out, "km_train_accuracy", km.trace().trainAccuracy());
                write(out, "km_test_accuracy", km.trace().testAccuracy());
                writeMatrix(out, "km_train_tracked", km.trace().trainTracked());
                writeMatrix(out, "km_test_tracked", km.trace().testTracked());
                Npy.writeVector(out.resolve("alpha.npy"), km.alpha());
                // the kernel machine as a model directory (for tangent predict / certify); it borrows the training matrix
                Map<String, Object> kmMeta = modelMeta(r, train, out.resolve("km"));
                new KernelMachine("equivalence-km", spec, r.objective().loss().name(), r.objective().lambda(), Double.NaN, 0, km.alpha(),
                        train.x(), train.y(), kmMeta).save(out.resolve("km"));

                List<WidthResult> results = new ArrayList<>();
                NnTrace first = null;
                long totalSteps = (long) new BatchStream(train.size(), sc.batch(), sc.seed(), sc.shuffle()).stepsPerEpoch() * sc.epochs();
                long done = 0;
                int index = 0;
                for (int width : nw.widths()) {
                    String phase = "network width " + width + (nw.widths().size() > 1 ? " (" + ++index + "/" + nw.widths().size() + ")" : "");
                    NnTrace nn = trainNetwork(r, c, dir, train, test, trTrack, teTrack, width, steps, totalSteps, done, keys.get(width), phase);
                    done += totalSteps;
                    String p = "nn_" + width + "_";
                    write(out, p + "train_loss", nn.trainLoss);
                    write(out, p + "test_loss", nn.testLoss);
                    write(out, p + "train_accuracy", nn.trainAcc);
                    write(out, p + "test_accuracy", nn.testAcc);
                    writeMatrix(out, p + "train_tracked", nn.trainTracked);
                    writeMatrix(out, p + "test_tracked", nn.testTracked);
                    double gap = Math.max(maxGap(nn.trainTracked, km.trace().trainTracked()), maxGap(nn.testTracked, km.trace().testTracked()));
                    results.add(new WidthResult(width, gap, nn.testAcc[nn.testAcc.length - 1]));
                    if (first == null) {
                        first = nn;
                    }
                }
                double slope = results.size() >= 2 ? slope(results) : Double.NaN;
                figure(out, steps, km.trace(), first, nw.widths().get(0));
                if (results.size() >= 2) {
                    gapFigure(out, results, slope);
                }
                double[] kmAcc = km.trace().testAccuracy();
                Result res = new Result(train.size(), test.size(), steps, kmAcc[kmAcc.length - 1], results, slope);
                Runs.finish(dir, runJson(r, train, test, res, trTrack, teTrack), c);
                return res;
            }
        }
    }

    /** Parameters of a network of this shape (d·m + (depth − 1)·m² + m). */
    private static long parameters(int d, int width, int depth) {
        return (long) d * width + (long) (depth - 1) * width * width + width;
    }

    /**
     * With --resume: every checkpoint the interrupted run kept must belong to this run's options (the same data, network,
     * loss, schedule and tracked points); the first difference is named.
     */
    @SuppressWarnings("unchecked")
    private static void verifyResume(RunDirectory.Plan plan, Map<Integer, String> keys) {
        for (String kept : plan.resumable()) {
            Path ckpt = plan.dir().resolve(kept);
            Checkpoint.State st = Checkpoint.read(ckpt);
            if (st == null) {
                continue;
            }
            Map<String, Object> theirs = (Map<String, Object>) Json.parse(st.key());
            Object w = theirs.get("--widths");
            Integer width = w == null ? null : Integer.valueOf(String.valueOf(w));
            if (width == null || !keys.containsKey(width)) {
                throw new TangentException("--resume: " + ckpt + " is of width " + w + ", which is not among --widths " + keys.keySet()
                        + "; pass the options of the interrupted run");
            }
            Checkpoint.verifyKey(ckpt, theirs, (Map<String, Object>) Json.parse(keys.get(width)));
        }
    }

    private static int[] check(int[] ids, int n, String what) {
        for (int i : ids) {
            if (i < 0 || i >= n) {
                throw new TangentException(what + ": index " + i + " is outside 0.." + (n - 1) + " (the selected samples)");
            }
        }
        return ids;
    }

    /** What a checkpoint stores of a trace: one row per evaluation (4 metrics, then the tracked outputs). */
    interface NnTraceAccess {
        double[][] rows();

        void setRows(double[][] rows);
    }

    private static final class NnTrace implements NnTraceAccess {
        double[] trainLoss;
        double[] testLoss;
        double[] trainAcc;
        double[] testAcc;
        double[][] trainTracked;
        double[][] testTracked;

        @Override
        public double[][] rows() {
            int a = trainTracked[0].length;
            int b = testTracked[0].length;
            double[][] rows = new double[trainLoss.length][4 + a + b];
            for (int e = 0; e < rows.length; e++) {
                rows[e][0] = trainLoss[e];
                rows[e][1] = testLoss[e];
                rows[e][2] = trainAcc[e];
                rows[e][3] = testAcc[e];
                System.arraycopy(trainTracked[e], 0, rows[e], 4, a);
                System.arraycopy(testTracked[e], 0, rows[e], 4 + a, b);
            }
            return rows;
        }

        @Override
        public void setRows(double[][] rows) {
            int a = trainTracked[0].length;
            int b = testTracked[0].length;
            if (rows.length != trainLoss.length || rows[0].length != 4 + a + b) {
                throw new TangentException("--resume: checkpoint trace has the wrong shape");
            }
            for (int e = 0; e < rows.length; e++) {
                trainLoss[e] = rows[e][0];
                testLoss[e] = rows[e][1];
                trainAcc[e] = rows[e][2];
                testAcc[e] = rows[e][3];
                System.arraycopy(rows[e], 4, trainTracked[e], 0, a);
                System.arraycopy(rows[e], 4 + a, testTracked[e], 0, b);
            }
        }
    }

    private static NnTrace trainNetwork(Request r, Context c, RunDirectory dir, Dataset train, Dataset test, int[] trTrack, int[] teTrack,
                                        int width, int[] steps, long totalSteps, long offset, String key, String phase) {
        Network nw = r.network();
        Schedule sc = r.schedule();
        DType t = nw.dtype();
        Path out = dir.dir();
        try (Matrix xtr = train.x().copy(t); Matrix xte = test.x().copy(t);
             FullyConnected net = FullyConnected.init(train.dim(), width, nw.depth(), t, sc.seed());
             FullyConnected theta0 = nw.reg() == NetworkTrainer.Regularizer.MATCHED ? net.copy() : null) {
            if (width == nw.widths().get(0)) {
                net.save(out, "fcnn_init");
            }
            NnTrace tr = new NnTrace();
            int ne = steps.length;
            tr.trainLoss = new double[ne];
            tr.testLoss = new double[ne];
            tr.trainAcc = new double[ne];
            tr.testAcc = new double[ne];
            tr.trainTracked = new double[ne][trTrack.length];
            tr.testTracked = new double[ne][teTrack.length];
            BatchStream stream = new BatchStream(train.size(), sc.batch(), sc.seed(), sc.shuffle());
            NetworkTrainer.Config cfg = new NetworkTrainer.Config(r.objective().loss(), r.objective().lambda(), sc.lr(), nw.reg());
            Path ckpt = out.resolve("checkpoint_w" + width);
            double[] f0;
            double[] f0t;
            int e = 0;
            long start = 1;
            Checkpoint.State st = r.out().mode() == RunDirectory.Mode.RESUME ? Checkpoint.read(ckpt) : null;
            if (st != null && st.key().equals(key)) {
                try (FullyConnected saved = FullyConnected.load(ckpt, "theta", nw.depth(), t)) {
                    for (int k = 0; k <= nw.depth(); k++) {
                        saved.weight(k).copyInto(net.weight(k));
                    }
                }
                f0 = Checkpoint.vector(ckpt.resolve("f0.npy"));
                f0t = Checkpoint.vector(ckpt.resolve("f0t.npy"));
                Checkpoint.readTrace(ckpt, tr);
                e = st.evaluations();
                start = st.step() + 1;
                for (long s = 1; s < start; s++) {
                    stream.next();
                }
            } else {
                f0 = forwardAll(c.backend(), net, xtr);
                f0t = forwardAll(c.backend(), net, xte);
            }
            long perEpoch = stream.stepsPerEpoch();
            int every = r.checkpoints().every();
            for (long s = start; s <= totalSteps; s++) {
                int[] b = stream.next();
                if (e < ne && steps[e] == s) {
                    double[] g = centred(forwardAll(c.backend(), net, xtr), f0);
                    double[] gt = centred(forwardAll(c.backend(), net, xte), f0t);
                    tr.trainLoss[e] = SubgradientSolver.meanLoss(r.objective().loss(), g, train.y());
                    tr.testLoss[e] = SubgradientSolver.meanLoss(r.objective().loss(), gt, test.y());
                    tr.trainAcc[e] = SubgradientSolver.accuracy(g, train.y());
                    tr.testAcc[e] = SubgradientSolver.accuracy(gt, test.y());
                    for (int i = 0; i < trTrack.length; i++) {
                        tr.trainTracked[e][i] = g[trTrack[i]];
                    }
                    for (int i = 0; i < teTrack.length; i++) {
                        tr.testTracked[e][i] = gt[teTrack[i]];
                    }
                    e++;
                }
                NetworkTrainer.step(c.backend(), net, xtr, train.y(), f0, theta0, b, cfg);
                c.reporter().progress(phase, "steps", s, totalSteps);
                if (every > 0 && s < totalSteps && s % perEpoch == 0 && (s / perEpoch) % every == 0) {
                    Checkpoint.write(dir, ckpt, key, s, e, net, f0, f0t, tr);
                }
                if (r.checkpoints().stopAfterSteps() > 0 && offset + s == r.checkpoints().stopAfterSteps()) {
                    throw new TangentException(130, "stopped after " + (offset + s) + " network steps (as requested)", null);
                }
            }
            if (width == nw.widths().get(0)) {
                net.save(out, "fcnn_final");
            }
            // θ and θ₀ as a model directory (for tangent predict / certify); θ₀ is re-drawn from the seed
            try (FullyConnected init = FullyConnected.init(train.dim(), width, nw.depth(), t, sc.seed())) {
                Path modelDir = out.resolve("nn_w" + width);
                Map<String, Object> meta = modelMeta(r, train, modelDir);
                meta.put("width", width);
                new NetworkModel(net, init, meta).save(modelDir);
            }
            if (every > 0) {
                Checkpoint.write(dir, ckpt, key, totalSteps, e, net, f0, f0t, tr); // a finished width is skipped on --resume
            }
            return tr;
        }
    }

    private static Map<String, Object> modelMeta(Request r, Dataset train, Path modelDir) {
        Map<String, Object> meta = Runs.modelData(train, r.train(), modelDir);
        meta.put("source", "tangent equivalence");
        meta.putAll(training(r));
        return meta;
    }

    /** The training parameters model.json and run.json both record. */
    private static Map<String, Object> training(Request r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("loss", r.objective().loss().name());
        m.put("lambda", r.objective().lambda());
        m.put("lr", r.schedule().lr());
        m.put("batch", r.schedule().batch());
        m.put("epochs", r.schedule().epochs());
        m.put("seed", r.schedule().seed());
        m.put("nn_reg", r.network().reg().toString().toLowerCase(java.util.Locale.ROOT));
        return m;
    }

    /** Everything a checkpoint must agree with to be resumed, by option name (values as strings). */
    private static Map<String, Object> checkpointKey(Request r, Dataset train, Dataset test, int[] trTrack, int[] teTrack, int width) {
        Map<String, Object> k = new LinkedHashMap<>();
        k.put("--train", train.description());
        k.put("--test", test.description());
        k.put("n_train", Integer.toString(train.size()));
        k.put("--depth", Integer.toString(r.network().depth()));
        k.put("--widths", Integer.toString(width));
        k.put("--loss", r.objective().loss().toString());
        k.put("--lambda", Double.toString(r.objective().lambda()));
        k.put("--lr", Double.toString(r.schedule().lr()));
        k.put("--batch", Integer.toString(r.schedule().batch()));
        k.put("--epochs", Integer.toString(r.schedule().epochs()));
        k.put("--seed", Long.toString(r.schedule().seed()));
        k.put("--nn-reg", r.network().reg().toString().toLowerCase(java.util.Locale.ROOT));
        k.put("--nn-dtype", r.network().dtype().toString());
        k.put("--track-train", java.util.Arrays.toString(trTrack));
        k.put("--track-test", java.util.Arrays.toString(teTrack));
        return k;
    }

    static double[] forwardAll(Backend backend, FullyConnected net, Matrix x) {
        double[] out = new double[x.rows()];
        // keep the block's pre- and post-activations (2 · block · width values) under 256 MiB
        int block = (int) Math.max(1, Math.min(1024, (256L << 20) / (2L * net.width() * net.dtype().bytes())));
        for (int r0 = 0; r0 < x.rows(); r0 += block) {
            int m = Math.min(block, x.rows() - r0);
            System.arraycopy(net.forward(backend, x.rows(r0, m)), 0, out, r0, m);
        }
        return out;
    }

    private static double[] centred(double[] f, double[] f0) {
        double[] g = new double[f.length];
        for (int i = 0; i < g.length; i++) {
            g[i] = f[i] - f0[i];
        }
        return g;
    }

    static double maxGap(double[][] a, double[][] b) {
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                m = Math.max(m, Math.abs(a[i][j] - b[i][j]));
            }
        }
        return m;
    }

    /** Least-squares slope of log(gap) against log(width). */
    static double slope(List<WidthResult> rs) {
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        int n = rs.size();
        for (WidthResult w : rs) {
            double x = Math.log(w.width());
            double y = Math.log(w.maxGap());
            sx += x;
            sy += y;
            sxx += x * x;
            sxy += x * y;
        }
        return (n * sxy - sx * sy) / (n * sxx - sx * sx);
    }

    private static double[] toDouble(int[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    private static void write(Path dir, String name, double[] v) {
        Npy.writeVector(dir.resolve(name + ".npy"), v);
    }

    private static void writeMatrix(Path dir, String name, double[][] v) {
        Npy.writeRows(dir.resolve(name + ".npy"), v);
    }


    private static double[] column(double[][] v, int j) {
        double[] c = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            c[i] = v[i][j];
        }
        return c;
    }

    /** Paper A's plot_sgd: tracked train outputs, tracked test outputs, hinge loss, accuracy; KM lines, NN markers. */
    private static void figure(Path out, int[] steps, SubgradientSolver.Trace km, NnTrace nn, int width) {
        double[] x = toDouble(steps);
        List<Figure.Series> trainOut = new ArrayList<>();
        List<Figure.Series> testOut = new ArrayList<>();
        for (int j = 0; j < km.trainTracked()[0].length; j++) {
            trainOut.add(new Figure.Series("KM #" + j, x, column(km.trainTracked(), j), true, false, j));
            trainOut.add(new Figure.Series("NN #" + j, thin(x), thin(column(nn.trainTracked, j)), false, true, j));
        }
        for (int j = 0; j < km.testTracked()[0].length; j++) {
            testOut.add(new Figure.Series("KM #" + j, x, column(km.testTracked(), j), true, false, j));
            testOut.add(new Figure.Series("NN #" + j, thin(x), thin(column(nn.testTracked, j)), false, true, j));
        }
        List<Figure.Series> loss = List.of(
                new Figure.Series("KM train", x, km.trainLoss(), true, false, 0),
                new Figure.Series("KM test", x, km.testLoss(), true, false, 1),
                new Figure.Series("NN train", thin(x), thin(nn.trainLoss), false, true, 0),
                new Figure.Series("NN test", thin(x), thin(nn.testLoss), false, true, 1));
        List<Figure.Series> acc = List.of(
                new Figure.Series("KM train", x, km.trainAccuracy(), true, false, 0),
                new Figure.Series("KM test", x, km.testAccuracy(), true, false, 1),
                new Figure.Series("NN train", thin(x), thin(nn.trainAcc), false, true, 0),
                new Figure.Series("NN test", thin(x), thin(nn.testAcc), false, true, 1));
        String w = "NN width " + width;
        Figure.write(out.resolve("plot_sgd"), 2, 620, 440, List.of(
                new Figure.Panel("Train outputs (KM lines, " + w + " markers)", "step", "g(x)", true, false, trainOut),
                new Figure.Panel("Test outputs", "step", "g(x)", true, false, testOut),
                new Figure.Panel("Loss", "step", "mean loss", true, false, loss),
                new Figure.Panel("Accuracy", "step", "accuracy", true, false, acc)));
    }

    /** Every ceil(T/20)-th point, as the reference thins the NN markers. */
    private static double[] thin(double[] v) {
        int every = Math.max(1, (v.length + 19) / 20);
        double[] out = new double[(v.length + every - 1) / every];
        for (int i = 0; i < out.length; i++) {
            out[i] = v[i * every];
        }
        return out;
    }

    private static void gapFigure(Path out, List<WidthResult> rs, double slope) {
        double[] w = rs.stream().mapToDouble(WidthResult::width).toArray();
        double[] g = rs.stream().mapToDouble(WidthResult::maxGap).toArray();
        double[] fit = new double[w.length];
        double mx = 0, my = 0;
        for (int i = 0; i < w.length; i++) {
            mx += Math.log(w[i]) / w.length;
            my += Math.log(g[i]) / w.length;
        }
        double c = my - slope * mx;
        for (int i = 0; i < w.length; i++) {
            fit[i] = Math.exp(c + slope * Math.log(w[i]));
        }
        Figure.write(out.resolve("gap_vs_width"), 1, 620, 440, List.of(new Figure.Panel(
                String.format(java.util.Locale.ROOT, "max |f_NN - g_KM| vs width (slope %.3f)", slope), "width", "max gap", true, true,
                List.of(new Figure.Series("measured", w, g, false, true, 0),
                        new Figure.Series(String.format(java.util.Locale.ROOT, "fit, slope %.3f", slope), w, fit, true, false, 1)))));
    }

    private static Map<String, Object> runJson(Request r, Dataset train, Dataset test, Result res, int[] trTrack, int[] teTrack) {
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("command", "equivalence");
        run.put("train", Runs.describe(train, r.train()));
        run.put("test", Runs.describe(test, r.test()));
        run.put("depth", r.network().depth());
        run.putAll(training(r));
        run.put("km_decay", r.schedule().decay().toString().toLowerCase(java.util.Locale.ROOT));
        run.put("network_dtype", r.network().dtype().toString());
        run.put("tracked_train", trTrack);
        run.put("tracked_test", teTrack);
        run.put("resumed", r.out().mode() == RunDirectory.Mode.RESUME);
        run.put("evaluation_steps", res.steps().length);
        run.put("km_final_test_accuracy", res.kmFinalTestAccuracy());
        List<Object> ws = new ArrayList<>();
        for (WidthResult w : res.widths()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("width", w.width());
            m.put("max_gap", w.maxGap());
            m.put("nn_final_test_accuracy", w.finalTestAccuracy());
            ws.add(m);
        }
        run.put("widths", ws);
        run.put("gap_slope", res.slope());
        return run;
    }
}
