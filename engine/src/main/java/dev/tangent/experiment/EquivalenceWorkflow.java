package dev.tangent.experiment;

import dev.tangent.TangentException;
import dev.tangent.compute.Backend;
import dev.tangent.compute.KernelMatrix;
import dev.tangent.compute.KernelProvider;
import dev.tangent.data.DataSource;
import dev.tangent.data.Dataset;
import dev.tangent.data.Normalization;
import dev.tangent.data.Selection;
import dev.tangent.data.rng.NumpyRandom;
import dev.tangent.io.Npy;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.machine.BatchStream;
import dev.tangent.machine.KernelMachine;
import dev.tangent.machine.Loss;
import dev.tangent.machine.SubgradientSolver;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
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

    /**
     * @param trackedTrain tracked training indices, or null for paper A's numpy draw (likewise {@code trackedTest})
     * @param progress     receives (network steps done, total over all widths)
     */
    public record Request(DataSource train, DataSource test, Selection selection, Normalization norm, int depth, List<Integer> widths,
                          Loss loss, double lambda, double lr, int batch, int epochs, long seed, NetworkTrainer.Regularizer reg,
                          SubgradientSolver.Decay decay, DType networkDtype, int[] trackedTrain, int[] trackedTest,
                          KernelProvider provider, Path out, SubgradientSolver.Progress progress, int checkpointEvery, boolean resume,
                          long stopAfterSteps) {
        /** Without checkpoints. */
        public Request(DataSource train, DataSource test, Selection selection, Normalization norm, int depth, List<Integer> widths,
                       Loss loss, double lambda, double lr, int batch, int epochs, long seed, NetworkTrainer.Regularizer reg,
                       SubgradientSolver.Decay decay, DType networkDtype, int[] trackedTrain, int[] trackedTest,
                       KernelProvider provider, Path out, SubgradientSolver.Progress progress) {
            this(train, test, selection, norm, depth, widths, loss, lambda, lr, batch, epochs, seed, reg, decay, networkDtype,
                    trackedTrain, trackedTest, provider, out, progress, 0, false, -1);
        }
        /** The provider's dense algebra, for the networks. */
        public Backend backend() {
            return provider.backend();
        }

        public int threads() {
            return provider.threads();
        }
    }

    /** Per width: the largest |f_NN − g_KM| over tracked points and evaluation steps, and the NN's final test accuracy. */
    public record WidthResult(int width, double maxGap, double finalTestAccuracy) {
    }

    public record Result(int nTrain, int nTest, int[] steps, double kmFinalTestAccuracy, List<WidthResult> widths, double slope) {
    }

    public static Result run(Request r) {
        DataWorkflow.requireDirectory(r.out());
        try (Dataset train = r.train().load(DType.F64, r.selection(), r.norm(), "--train");
             Dataset test = r.test().load(DType.F64, r.selection(), r.norm(), "--test")) {
            if (train.y() == null || test.y() == null) {
                throw new TangentException("--train and --test need targets");
            }
            // default tracked points: numpy's RandomState(seed).choice(n_train, 5), then choice(n_test, 5), as the reference
            NumpyRandom ids = new NumpyRandom(r.seed());
            int[] drawnTrain = ids.choice(train.size(), 5);
            int[] drawnTest = ids.choice(test.size(), 5);
            int[] trTrack = check(r.trackedTrain() != null ? r.trackedTrain() : drawnTrain, train.size(), "train");
            int[] teTrack = check(r.trackedTest() != null ? r.trackedTest() : drawnTest, test.size(), "test");
            KernelSpec spec = KernelSpec.ntk(r.depth());
            int evaluations = r.epochs();
            SubgradientSolver.Result km;
            try (KernelMatrix k = r.provider().gram(spec, train.x(), null);
                 KernelMatrix kt = r.provider().gram(spec, test.x(), train.x())) {
                km = SubgradientSolver.train(k, train.y(), kt, test.y(), trTrack, teTrack,
                        new SubgradientSolver.Config(r.loss(), r.lambda(), r.lr(), r.batch(), r.epochs(), r.seed(), true, r.decay(),
                                evaluations), null);
            }
            int[] steps = km.trace().steps();
            write(r.out(), "steps", toDouble(steps));
            write(r.out(), "km_train_loss", km.trace().trainLoss());
            write(r.out(), "km_test_loss", km.trace().testLoss());
            write(r.out(), "km_train_accuracy", km.trace().trainAccuracy());
            write(r.out(), "km_test_accuracy", km.trace().testAccuracy());
            writeMatrix(r.out(), "km_train_tracked", km.trace().trainTracked());
            writeMatrix(r.out(), "km_test_tracked", km.trace().testTracked());
            Npy.writeVector(r.out().resolve("alpha.npy"), km.alpha());
            // the kernel machine as a model directory (for tangent predict / certify); it borrows the training matrix
            new KernelMachine("equivalence-km", spec, r.loss().name(), r.lambda(), Double.NaN, 0, km.alpha(), train.x(), train.y(),
                    modelMeta(r, train)).save(r.out().resolve("km"));

            List<WidthResult> results = new ArrayList<>();
            NnTrace first = null;
            long totalSteps = (long) new BatchStream(train.size(), r.batch(), r.seed(), true).stepsPerEpoch() * r.epochs();
            long done = 0;
            for (int width : r.widths()) {
                NnTrace nn = trainNetwork(r, train, test, trTrack, teTrack, width, steps, totalSteps, done);
                done += totalSteps;
                String p = "nn_" + width + "_";
                write(r.out(), p + "train_loss", nn.trainLoss);
                write(r.out(), p + "test_loss", nn.testLoss);
                write(r.out(), p + "train_accuracy", nn.trainAcc);
                write(r.out(), p + "test_accuracy", nn.testAcc);
                writeMatrix(r.out(), p + "train_tracked", nn.trainTracked);
                writeMatrix(r.out(), p + "test_tracked", nn.testTracked);
                double gap = Math.max(maxGap(nn.trainTracked, km.trace().trainTracked()), maxGap(nn.testTracked, km.trace().testTracked()));
                results.add(new WidthResult(width, gap, nn.testAcc[nn.testAcc.length - 1]));
                if (first == null) {
                    first = nn;
                }
            }
            double slope = results.size() >= 2 ? slope(results) : Double.NaN;
            figure(r.out(), steps, km.trace(), first, r.widths().get(0));
            if (results.size() >= 2) {
                gapFigure(r.out(), results, slope);
            }
            double[] kmAcc = km.trace().testAccuracy();
            Result res = new Result(train.size(), test.size(), steps, kmAcc[kmAcc.length - 1], results, slope);
            writeRun(r, train, test, res, trTrack, teTrack);
            return res;
        }
    }

    private static int[] check(int[] ids, int n, String what) {
        for (int i : ids) {
            if (i < 0 || i >= n) {
                throw new TangentException("tracked " + what + " index " + i + " is outside 0.." + (n - 1));
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

    private static NnTrace trainNetwork(Request r, Dataset train, Dataset test, int[] trTrack, int[] teTrack, int width, int[] steps,
                                        long totalSteps, long offset) {
        DType t = r.networkDtype();
        try (Matrix xtr = train.x().copy(t); Matrix xte = test.x().copy(t);
             FullyConnected net = FullyConnected.init(train.dim(), width, r.depth(), t, r.seed());
             FullyConnected theta0 = r.reg() == NetworkTrainer.Regularizer.MATCHED ? net.copy() : null) {
            if (width == r.widths().get(0)) {
                net.save(r.out(), "fcnn_init");
            }
            NnTrace tr = new NnTrace();
            int ne = steps.length;
            tr.trainLoss = new double[ne];
            tr.testLoss = new double[ne];
            tr.trainAcc = new double[ne];
            tr.testAcc = new double[ne];
            tr.trainTracked = new double[ne][trTrack.length];
            tr.testTracked = new double[ne][teTrack.length];
            BatchStream stream = new BatchStream(train.size(), r.batch(), r.seed(), true);
            NetworkTrainer.Config cfg = new NetworkTrainer.Config(r.loss(), r.lambda(), r.lr(), r.reg());
            Path ckpt = r.out().resolve("checkpoint_w" + width);
            String key = checkpointKey(r, train, test, trTrack, teTrack, width);
            double[] f0;
            double[] f0t;
            int e = 0;
            long start = 1;
            Checkpoint.State st = r.resume() ? Checkpoint.read(ckpt, key) : null;
            if (st != null) {
                try (FullyConnected saved = FullyConnected.load(ckpt, "theta", r.depth(), t)) {
                    for (int k = 0; k <= r.depth(); k++) {
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
                f0 = forwardAll(r.backend(), net, xtr);
                f0t = forwardAll(r.backend(), net, xte);
            }
            long perEpoch = stream.stepsPerEpoch();
            for (long s = start; s <= totalSteps; s++) {
                int[] b = stream.next();
                if (e < ne && steps[e] == s) {
                    double[] g = centred(forwardAll(r.backend(), net, xtr), f0);
                    double[] gt = centred(forwardAll(r.backend(), net, xte), f0t);
                    tr.trainLoss[e] = SubgradientSolver.meanLoss(r.loss(), g, train.y());
                    tr.testLoss[e] = SubgradientSolver.meanLoss(r.loss(), gt, test.y());
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
                NetworkTrainer.step(r.backend(), net, xtr, train.y(), f0, theta0, b, cfg);
                if (r.progress() != null) {
                    r.progress().step(offset + s, totalSteps * r.widths().size());
                }
                if (r.checkpointEvery() > 0 && s < totalSteps && s % perEpoch == 0 && (s / perEpoch) % r.checkpointEvery() == 0) {
                    Checkpoint.write(ckpt, key, s, e, net, f0, f0t, tr);
                }
                if (r.stopAfterSteps() > 0 && offset + s == r.stopAfterSteps()) {
                    throw new TangentException(130, "stopped after " + (offset + s) + " network steps (as requested)", null);
                }
            }
            if (width == r.widths().get(0)) {
                net.save(r.out(), "fcnn_final");
            }
            // θ and θ₀ as a model directory (for tangent certify); θ₀ is re-drawn from the seed
            try (FullyConnected init = FullyConnected.init(train.dim(), width, r.depth(), t, r.seed())) {
                Map<String, Object> meta = modelMeta(r, train);
                meta.put("width", width);
                new NetworkModel(net, init, meta).save(r.out().resolve("nn_w" + width));
            }
            if (r.checkpointEvery() > 0) {
                Checkpoint.write(ckpt, key, totalSteps, e, net, f0, f0t, tr); // a finished width is skipped on --resume
            }
            return tr;
        }
    }

    private static Map<String, Object> modelMeta(Request r, Dataset train) {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("source", "tangent equivalence");
        meta.put("train", train.description());
        meta.put("normalize", r.norm() == null ? "default" : r.norm().toString());
        meta.put("loss", r.loss().name());
        meta.put("lambda", r.lambda());
        meta.put("lr", r.lr());
        meta.put("batch", r.batch());
        meta.put("epochs", r.epochs());
        meta.put("seed", r.seed());
        meta.put("nn_reg", r.reg().toString());
        return meta;
    }

    /** Everything a checkpoint must agree with to be resumed. */
    private static String checkpointKey(Request r, Dataset train, Dataset test, int[] trTrack, int[] teTrack, int width) {
        return String.join("|", train.description(), test.description(), Integer.toString(train.size()), Integer.toString(r.depth()),
                Integer.toString(width), r.loss().toString(), Double.toString(r.lambda()), Double.toString(r.lr()),
                Integer.toString(r.batch()), Integer.toString(r.epochs()), Long.toString(r.seed()), r.reg().toString(),
                r.networkDtype().toString(), java.util.Arrays.toString(trTrack), java.util.Arrays.toString(teTrack));
    }

    private static double[] forwardAll(Backend backend, FullyConnected net, Matrix x) {
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

    private static void writeRun(Request r, Dataset train, Dataset test, Result res, int[] trTrack, int[] teTrack) {
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("command", "equivalence");
        run.put("train", train.description());
        run.put("test", test.description());
        run.put("depth", r.depth());
        run.put("loss", r.loss().name());
        run.put("lambda", r.lambda());
        run.put("lr", r.lr());
        run.put("batch", r.batch());
        run.put("epochs", r.epochs());
        run.put("seed", r.seed());
        run.put("nn_reg", r.reg().toString().toLowerCase(java.util.Locale.ROOT));
        run.put("km_decay", r.decay().toString().toLowerCase(java.util.Locale.ROOT));
        run.put("network_dtype", r.networkDtype().toString());
        run.put("tracked_train", trTrack);
        run.put("tracked_test", teTrack);
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
        Json.writeFile(r.out().resolve("run.json"), run);
    }
}
