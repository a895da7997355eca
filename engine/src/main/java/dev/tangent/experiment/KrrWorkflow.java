package dev.tangent.experiment;

import dev.tangent.TangentException;
import dev.tangent.compute.KernelMatrix;
import dev.tangent.compute.KernelProvider;
import dev.tangent.data.Dataset;
import dev.tangent.data.Input;
import dev.tangent.data.Normalization;
import dev.tangent.io.AtomicFile;
import dev.tangent.io.Npy;
import dev.tangent.io.RunDirectory;
import dev.tangent.io.TempFiles;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.machine.KernelRidge;
import dev.tangent.machine.RidgePlan;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.memory.MemoryBudget;
import dev.tangent.report.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code tangent krr}: kernel ridge regression over a whole regularisation grid and many outputs (spec §7.5, paper B's
 * {@code Kernel_Fit}; paper A's §4.5 as a convention). Targets: one-hot minus the label mean (classes) or real values;
 * the shift of each grid value is reg (paper B) or reg/2 (paper A). The solver plan comes from {@link RidgePlan}'s
 * memory and time model ({@code --dry-run} prints it and stops); every reg's coefficients are saved as soon as they
 * are found (a kept checkpoint, so an interrupted run continues with {@code --resume}); a last pass computes train and
 * test predictions of every reg and the true residual ‖(K + sI)x − y‖/‖y‖ from one product with all coefficients.
 * Writes errors.csv / errors.npy (per reg: train MSE, train accuracy, test MSE, test accuracy, as the reference's
 * {@code errors}), regs.npy, reg_NN/coefficients.npy, the best reg's predictions and run.json.
 */
public final class KrrWorkflow {
    private KrrWorkflow() {
    }

    /** paper-a: shift = reg/2, targets as given; paper-b: shift = reg, targets minus the label mean. */
    public enum Convention { PAPER_A, PAPER_B;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** @param labelMean subtracted from the targets; NaN: 1/C for one-hot (0.1 for 10 classes), else 0 */
    public record Targets(Convention convention, TargetKind kind, double labelMean) {
        /** Paper B's: shift = reg, class ids one-hot minus 1/C (0.1 for 10 classes), real targets as given. */
        public static Targets paperB() {
            return new Targets(Convention.PAPER_B, TargetKind.AUTO, Double.NaN);
        }
    }

    /**
     * @param tol            relative residual per column; NaN: 1e-6 for an f32 Gram, 1e-10 for f64
     * @param factorizations cholesky: −1 choose, 0 every reg, k anchors
     * @param nystromRank    0: choose
     * @param matrixFree     null: choose
     * @param memory         bytes the run may use; −1: what the system has available now
     */
    public record Solve(RidgePlan.Family family, DType precision, double tol, int maxIterations, int factorizations, int nystromRank,
                        Boolean matrixFree, long memory, long seed) {
        /** The plan's choice of solver within what the system has available, to the default tolerance of {@code precision}. */
        public static Solve auto(DType precision) {
            return new Solve(RidgePlan.Family.AUTO, precision, Double.NaN, 1000, -1, 0, null, -1, 0);
        }

        double tolerance() {
            return Double.isNaN(tol) ? precision == DType.F32 ? 1e-6 : 1e-10 : tol;
        }
    }

    /** @param stopAfterRegs stop with exit code 130 once this many regs are saved (tests of --resume); −1: never */
    public record Request(Input train, Input test, Normalization norm, KernelSpec spec, RegGrid regs, Targets targets, Solve solve,
                          boolean dryRun, Output out, int stopAfterRegs) {
        public Request(Input train, Input test, Normalization norm, KernelSpec spec, RegGrid regs, Targets targets, Solve solve,
                       boolean dryRun, Output out) {
            this(train, test, norm, spec, regs, targets, solve, dryRun, out, -1);
        }
    }

    /**
     * One grid value.
     *
     * @param residual   the true ‖(K + sI)x − y‖/‖y‖ (largest over outputs), from the final product
     * @param recurrence CG's recurrence residual when it stopped
     */
    public record Reg(int index, double reg, double shift, double trainMse, double trainAccuracy, double testMse, double testAccuracy,
                      double residual, double recurrence, int iterations, boolean converged, String stop, String method, boolean resumed) {
    }

    /** @param regs null for a dry run; best: the index of the best row (−1 when there is none) */
    public record Result(int n, int nTest, int outputs, String targets, double labelMean, RidgePlan.Choice plan, List<Reg> regs, int best,
                         Map<String, Double> seconds, Path out) {
    }

    /** The targets as solved: Y (n × C, minus the mean), the labels' kind, the mean, and the class ids (one-hot). */
    record Labels(double[][] y, boolean onehot, double mean, int classes) {
        int outputs() {
            return y.length;
        }
    }

    public static Result run(Request r, Context c) {
        RunDirectory.Plan plan = r.out() == null ? null : Runs.check(r.out(), "krr", true);
        if (plan == null && !r.dryRun()) {
            throw new TangentException("--out is required (only --dry-run runs without it)");
        }
        Solve sv = r.solve();
        DType dtype = sv.precision();
        double tol = sv.tolerance();
        if (!(tol > 0) || tol >= 1) {
            throw new TangentException("--tol must be in (0, 1), found " + tol);
        }
        if (sv.maxIterations() < 1) {
            throw new TangentException("--max-iterations must be >= 1, found " + sv.maxIterations());
        }
        long t0 = System.nanoTime();
        try (Dataset train = r.train().load(dtype, r.norm());
             Dataset test = r.test() == null ? null : r.test().load(dtype, r.norm(), train.standardization())) {
            train.requireTargets(r.train().option(), "tangent krr");
            if (test != null) {
                test.requireTargets(r.test().option(), "tangent krr");
                if (test.dim() != train.dim()) {
                    throw new TangentException("--test has " + test.dim() + " features, --train has " + train.dim());
                }
            }
            Labels lab = labels(train.y(), test == null ? null : test.y(), r.targets(), r.train().option());
            Labels labTest = test == null ? null : labels(test.y(), null, r.targets(), r.test().option(), lab);
            int n = train.size();
            int nt = test == null ? 0 : test.size();
            double[] regs = r.regs().values();
            double[] shifts = shifts(regs, r.targets().convention());
            int cols = regs.length * lab.outputs();
            long fixed = Matrix.byteSize(n + nt, train.dim(), dtype) + 8L * lab.outputs() * n + 8L * cols * (3L * n + nt)
                    + (512L << 20);
            long budget = sv.memory() > 0 ? sv.memory() : MemoryBudget.availableBytes();
            RidgePlan.Shape shape = new RidgePlan.Shape(n, nt, lab.outputs(), shifts, dtype, tol, sv.maxIterations(), fixed, budget,
                    sv.family(), sv.factorizations(), sv.nystromRank(), sv.matrixFree());
            c.reporter().progress("measuring rates", "steps", 0, 1);
            RidgePlan.Measured measured = RidgePlan.measure(c.provider(), r.spec(), train.x(), dtype, sv.seed());
            RidgePlan.Choice choice = RidgePlan.choose(shape, measured.rates(), measured.spectrum(), sv.seed(),
                    c.provider().inPlaceAndMatrixFree());
            if (r.dryRun()) {
                return new Result(n, nt, lab.outputs(), lab.onehot() ? "onehot" : "real", lab.mean(), choice, null, -1, Map.of(), null);
            }
            Map<String, Object> keyBase = keyBase(r, train, lab, tol);
            Map<Integer, KernelRidge.Solution> resumed = resumed(plan, keyBase, regs, shifts, n, lab.outputs());
            long disk = 8L * n * lab.outputs() * (regs.length + 1) + 8L * nt * lab.outputs() + (4L << 20);
            plan.requireSpace(disk, "the coefficients and predictions");
            RidgePlan.Candidate chosen = choice.chosen();
            try (RunDirectory dir = Runs.open(plan, c)) {
                Map<String, Double> seconds = new LinkedHashMap<>();
                long tg = System.nanoTime();
                KernelProvider.Progress gp = (d, t) -> c.reporter().progress("training Gram", "blocks", d, t);
                Scored sc;
                int[] saved = {0};
                try (KernelMatrix k = chosen.storedGram() ? c.provider().gram(r.spec(), train.x(), null, dtype, gp)
                        : c.provider().implicitGram(r.spec(), train.x(), null, dtype, chosen.storedRows(), gp)) {
                    seconds.put("gram", (System.nanoTime() - tg) / 1e9);
                    sc = solveAndScore(c.provider(), c.reporter(), k,
                            test == null ? null : () -> c.provider().inPlaceAndMatrixFree()
                                    ? c.provider().implicitGram(r.spec(), test.x(), train.x(), dtype, 0, KernelProvider.Progress.NONE)
                                    : c.provider().gram(r.spec(), test.x(), train.x(), dtype, KernelProvider.Progress.NONE),
                            lab, labTest, regs, shifts, chosen.settings(), resumed,
                            s -> {
                                save(dir, s, regs[s.index()], key(keyBase, regs[s.index()], shifts[s.index()]));
                                if (++saved[0] == r.stopAfterRegs()) {
                                    throw new TangentException(130, "stopped after " + saved[0] + " regs (as requested)", null);
                                }
                            });
                }
                KernelRidge.Timing timing = sc.timing();
                seconds.put("factorizations", timing.factorSeconds());
                seconds.put("iterations", timing.iterationSeconds());
                seconds.put("predictions", sc.predictionSeconds());
                List<Reg> rows = sc.rows();
                double[][] trainPred = sc.trainPred();
                double[][] testPred = sc.testPred();
                List<KernelRidge.Solution> sols = sc.solutions();
                int best = sc.best();
                seconds.put("total", (System.nanoTime() - t0) / 1e9);
                writeOutputs(dir, rows, regs, trainPred, testPred, best, lab, sols);
                Result result = new Result(n, nt, lab.outputs(), lab.onehot() ? "onehot" : "real", lab.mean(), choice, rows, best, seconds, dir.dir());
                Runs.finish(dir, runJson(r, train, test, lab, tol, choice, measured, timing, result), c);
                return result;
            }
        }
    }

    /**
     * The engine entry point for callers that hold their own Gram (a sweep's rf-krr / nt-krr models, a Gram read from
     * .npy and handed to {@link KernelProvider#adopt}): solves (K + shift·I)X = Y for every value of {@code regs} (shift
     * and targets by {@code targets}' convention) on the train Gram {@code k} (n × n), predicts the test points with
     * {@code kTest} (nTest × n, rows test points; null: no test set) and scores every reg as {@code tangent krr} does.
     * The plan (eigh, Cholesky per reg or at anchors, Nyström-CG on the stored Gram) comes from the same memory and time
     * model, measured on a sample of {@code k}; {@code solve.memory()} is what the plan may use besides k (−1: what the
     * system has available now). Writes nothing; k and kTest stay the caller's (an in-place factor restores k).
     *
     * @param yTrain class ids 0..C−1 or real targets, one per training point
     * @param yTest  the test points' labels, or null with kTest
     */
    public static Fit fit(KernelProvider provider, KernelMatrix k, KernelMatrix kTest, double[] yTrain, double[] yTest, double[] regs,
                          Targets targets, Solve solve, Reporter reporter) {
        int n = k.rows();
        if (k.cols() != n) {
            throw new TangentException("krr: the train Gram is " + k.rows() + " x " + k.cols() + ", expected square");
        }
        if (yTrain.length != n) {
            throw new TangentException("krr: " + yTrain.length + " training labels for a " + n + " x " + n + " Gram");
        }
        if ((kTest == null) != (yTest == null)) {
            throw new TangentException("krr: a test Gram needs test labels and test labels need a test Gram");
        }
        if (kTest != null && (kTest.cols() != n || kTest.rows() != yTest.length)) {
            throw new TangentException("krr: the test Gram is " + kTest.rows() + " x " + kTest.cols() + ", expected " + yTest.length + " x " + n);
        }
        RegGrid.check(regs, "regs");
        Labels lab = labels(yTrain, yTest, targets, "train labels");
        Labels labTest = yTest == null ? null : labels(yTest, null, targets, "test labels", lab);
        double[] shifts = shifts(regs, targets.convention());
        double tol = solve.tolerance();
        long fixed = 8L * lab.outputs() * n + 8L * regs.length * lab.outputs() * (3L * n + (yTest == null ? 0 : yTest.length)) + (256L << 20);
        long gramBytes = (long) n * n * k.dtype().bytes();
        long budget = (solve.memory() > 0 ? solve.memory() : MemoryBudget.availableBytes()) + gramBytes;
        RidgePlan.Shape shape = new RidgePlan.Shape(n, 0, lab.outputs(), shifts, k.dtype(), tol, solve.maxIterations(), fixed, budget,
                solve.family(), solve.factorizations(), solve.nystromRank(), false);
        RidgePlan.Measured measured = RidgePlan.measure(provider, k, solve.seed());
        RidgePlan.Choice choice = RidgePlan.choose(shape, measured.rates(), measured.spectrum(), solve.seed(), provider.inPlaceAndMatrixFree());
        Scored sc = solveAndScore(provider, reporter, k, kTest == null ? null : () -> new Borrowed(kTest), lab, labTest, regs, shifts,
                choice.chosen().settings(), Map.of(), s -> { });
        return new Fit(sc.rows(), sc.best(), lab.outputs(), lab.onehot() ? "onehot" : "real", lab.mean(), choice, sc.timing(), sc.solutions());
    }

    /**
     * What {@link #fit} returns.
     *
     * @param regs      one row per grid value, in grid order (errors as paper B's: train MSE, train accuracy, test MSE, test accuracy)
     * @param best      index into regs of the best row (test accuracy for classes, else test MSE; train figures without a test set)
     * @param solutions the coefficients of every reg, [output][point], in grid order
     */
    public record Fit(List<Reg> regs, int best, int outputs, String targets, double labelMean, RidgePlan.Choice plan,
                      KernelRidge.Timing timing, List<KernelRidge.Solution> solutions) {
        public Reg bestRow() {
            return best < 0 ? null : regs.get(best);
        }
    }

    static double[] shifts(double[] regs, Convention convention) {
        double[] shifts = new double[regs.length];
        for (int i = 0; i < regs.length; i++) {
            shifts[i] = convention == Convention.PAPER_A ? regs[i] / 2 : regs[i];
        }
        return shifts;
    }

    /** A caller's kernel matrix lent to the scoring pass: closing it does not close the caller's. */
    private record Borrowed(KernelMatrix k) implements KernelMatrix {
        @Override public int rows() { return k.rows(); }
        @Override public int cols() { return k.cols(); }
        @Override public DType dtype() { return k.dtype(); }
        @Override public double get(int i, int j) { return k.get(i, j); }
        @Override public java.lang.foreign.MemorySegment row(int i) { return k.row(i); }
        @Override public void copyRows(int i0, Matrix dst) { k.copyRows(i0, dst); }
        @Override public void gather(int[] rows, int[] cols, Matrix dst) { k.gather(rows, cols, dst); }
        @Override public void multiply(double[] v, double[] out) { k.multiply(v, out); }
        @Override public void multiply(Matrix v, Matrix out) { k.multiply(v, out); }
        @Override public void close() { }
    }

    private record Scored(List<Reg> rows, int best, double[][] trainPred, double[][] testPred, List<KernelRidge.Solution> solutions,
                          KernelRidge.Timing timing, double predictionSeconds) {
    }

    /**
     * The one solve-and-score pass of both entry points: every reg not in {@code resumed} through {@link KernelRidge}
     * ({@code onSolved} sees each as it finishes), then K·X and K_test·X for all regs at once (one product each), the
     * true residual ‖(K + sI)x − y‖/‖y‖ per reg from that product, the errors per reg and the best row.
     */
    private static Scored solveAndScore(KernelProvider provider, Reporter rep, KernelMatrix k, java.util.function.Supplier<KernelMatrix> testKernel,
                                        Labels lab, Labels labTest, double[] regs, double[] shifts, KernelRidge.Settings settings,
                                        Map<Integer, KernelRidge.Solution> resumed, java.util.function.Consumer<KernelRidge.Solution> onSolved) {
        List<String> names = new ArrayList<>();
        for (double reg : regs) {
            names.add("reg " + reg);
        }
        List<KernelRidge.Solution> sols = new ArrayList<>(resumed.values());
        KernelRidge.Timing timing;
        double[][] trainPred;
        double[][] testPred;
        long tp;
        try (Matrix y = targetsMatrix(lab)) {
            KernelRidge.Problem prob = new KernelRidge.Problem(k, y, shifts, names,
                    "use a larger reg value (K is singular here: duplicated points, or a kernel of low rank)");
            int total = regs.length - resumed.size();
            int[] done = {0};
            KernelRidge.Result res = KernelRidge.solve(provider, prob, settings, resumed.keySet(), new KernelRidge.Listener() {
                @Override
                public void phase(String what) {
                    rep.progress(what, "regs", done[0], total);
                }

                @Override
                public void iteration(int iteration, int active, int columns, double worst) {
                    rep.progress(String.format(Locale.ROOT, "cg iteration %d, residual %.1e", iteration, worst), "columns", columns - active, columns);
                }

                @Override
                public void solved(KernelRidge.Solution s) {
                    done[0]++;
                    onSolved.accept(s);
                    rep.note(String.format(Locale.ROOT, "reg %.4g: %d iteration%s, residual %.2e%s (%s)", regs[s.index()], s.iterations(),
                            s.iterations() == 1 ? "" : "s", s.residual(), s.converged() ? "" : ", NOT converged: " + s.stop(), s.method()));
                }
            });
            sols.addAll(res.solutions());
            timing = res.timing();
        }
        tp = System.nanoTime();
        sols.sort(java.util.Comparator.comparingInt(KernelRidge.Solution::index));
        trainPred = predict(rep, k, sols, lab.outputs(), "train predictions");
        if (testKernel != null) {
            try (KernelMatrix kt = testKernel.get()) {
                testPred = predict(rep, kt, sols, lab.outputs(), "test predictions");
            }
        } else {
            testPred = null;
        }
        double predSeconds = (System.nanoTime() - tp) / 1e9;
        List<Reg> rows = new ArrayList<>();
        for (int q = 0; q < sols.size(); q++) {
            KernelRidge.Solution s = sols.get(q);
            double[][] ptr = slice(trainPred, q, lab.outputs());
            double[][] pte = testPred == null ? null : slice(testPred, q, lab.outputs());
            rows.add(new Reg(s.index(), regs[s.index()], shifts[s.index()], mse(ptr, lab), accuracy(ptr, lab),
                    pte == null ? Double.NaN : mse(pte, labTest), pte == null ? Double.NaN : accuracy(pte, labTest),
                    residual(trainPred, s, lab, shifts[s.index()], q), s.residual(), s.iterations(), s.converged(), s.stop(), s.method(),
                    resumed.containsKey(s.index())));
        }
        int best = best(rows, testPred != null, lab.onehot() || isBinary(lab));
        return new Scored(rows, best, trainPred, testPred, sols, timing, predSeconds);
    }

    // ---------------------------------------------------------------- targets

    static Labels labels(double[] y, double[] other, Targets t, String option) {
        return labels(y, other, t, option, null);
    }

    /** The targets of {@code y}; {@code like} (the training labels) fixes the kind, classes and mean of a test set. */
    static Labels labels(double[] y, double[] other, Targets t, String option, Labels like) {
        boolean onehot;
        int classes = 0;
        if (like != null) {
            onehot = like.onehot();
            classes = like.classes();
        } else {
            boolean integers = true;
            int max = -1;
            for (double v : y) {
                integers &= v >= 0 && v == Math.rint(v) && v < 1 << 20;
                max = integers ? Math.max(max, (int) v) : max;
            }
            if (other != null) {
                for (double v : other) {
                    integers &= v >= 0 && v == Math.rint(v) && v < 1 << 20;
                    max = integers ? Math.max(max, (int) v) : max;
                }
            }
            onehot = switch (t.kind()) {
                case ONE_HOT -> {
                    if (!integers) {
                        throw new TangentException(option + ": --targets one-hot needs class ids 0, 1, 2, ...; found a label that is not a "
                                + "non-negative whole number");
                    }
                    yield true;
                }
                case REAL -> false;
                case AUTO -> integers && max >= 2;
            };
            classes = onehot ? max + 1 : 0;
        }
        double mean = like != null ? like.mean() : Double.isNaN(t.labelMean())
                ? (onehot && t.convention() == Convention.PAPER_B ? 1.0 / classes : 0) : t.labelMean();
        int cOut = onehot ? classes : 1;
        double[][] out = new double[cOut][y.length];
        for (int i = 0; i < y.length; i++) {
            if (onehot) {
                int label = (int) y[i];
                if (label < 0 || label >= classes || label != y[i]) {
                    throw new TangentException(option + ": label " + y[i] + " at row " + i + " is not one of the training classes 0.."
                            + (classes - 1));
                }
                for (int k = 0; k < cOut; k++) {
                    out[k][i] = (k == label ? 1 : 0) - mean;
                }
            } else {
                out[0][i] = y[i] - mean;
            }
        }
        return new Labels(out, onehot, mean, classes);
    }

    private static boolean isBinary(Labels lab) {
        for (double v : lab.y()[0]) {
            double raw = v + lab.mean();
            if (raw != 1 && raw != -1 && raw != 0) {
                return false;
            }
        }
        return true;
    }

    private static Matrix targetsMatrix(Labels lab) {
        int n = lab.y()[0].length;
        Matrix y = Matrix.allocate(n, lab.outputs(), DType.F64);
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < lab.outputs(); k++) {
                y.set(i, k, lab.y()[k][i]);
            }
        }
        return y;
    }

    // ---------------------------------------------------------------- predictions and errors

    /** K·X for every reg's coefficients at once: an n × (regs·C) matrix, column q·C + k = reg q, output k (rows: points). */
    private static double[][] predict(Reporter rep, KernelMatrix k, List<KernelRidge.Solution> sols, int outputs, String phase) {
        rep.progress(phase, "products", 0, 1);
        int n = k.cols();
        int m = sols.size() * outputs;
        try (Matrix x = Matrix.allocate(n, m, DType.F64); Matrix out = Matrix.allocate(k.rows(), m, DType.F64)) {
            for (int q = 0; q < sols.size(); q++) {
                double[][] co = sols.get(q).coefficients();
                for (int o = 0; o < outputs; o++) {
                    for (int i = 0; i < n; i++) {
                        x.set(i, q * outputs + o, co[o][i]);
                    }
                }
            }
            k.multiply(x, out);
            double[][] cols = new double[m][k.rows()];
            for (int i = 0; i < k.rows(); i++) {
                for (int j = 0; j < m; j++) {
                    cols[j][i] = out.get(i, j);
                }
            }
            return cols;
        }
    }

    /** max over outputs of ‖Kx + s·x − y‖/‖y‖, with Kx from the final product. */
    private static double residual(double[][] kx, KernelRidge.Solution s, Labels lab, double shift, int q) {
        double worst = 0;
        for (int o = 0; o < lab.outputs(); o++) {
            double[] col = kx[q * lab.outputs() + o];
            double[] x = s.coefficients()[o];
            double[] y = lab.y()[o];
            double num = 0;
            double den = 0;
            for (int i = 0; i < y.length; i++) {
                double r = col[i] + shift * x[i] - y[i];
                num += r * r;
                den += y[i] * y[i];
            }
            worst = Math.max(worst, den == 0 ? Math.sqrt(num) : Math.sqrt(num / den));
        }
        return worst;
    }

    private static double[][] slice(double[][] all, int q, int outputs) {
        double[][] out = new double[outputs][];
        for (int o = 0; o < outputs; o++) {
            out[o] = all[q * outputs + o];
        }
        return out;
    }

    /** ‖Y − Ŷ‖²_F/n with Ŷ = Kx + mean and Y the targets: the centred difference. */
    private static double mse(double[][] kx, Labels lab) {
        double s = 0;
        int n = lab.y()[0].length;
        for (int o = 0; o < lab.outputs(); o++) {
            for (int i = 0; i < n; i++) {
                double d = lab.y()[o][i] - kx[o][i];
                s += d * d;
            }
        }
        return s / n;
    }

    /** argmax over outputs (C > 1), else 1[ŷ − mean > 0] = 1[y − mean > 0]. */
    private static double accuracy(double[][] kx, Labels lab) {
        int n = lab.y()[0].length;
        int ok = 0;
        for (int i = 0; i < n; i++) {
            if (lab.outputs() == 1) {
                ok += (kx[0][i] > 0) == (lab.y()[0][i] > 0) ? 1 : 0;
            } else {
                int arg = 0;
                int truth = 0;
                for (int o = 1; o < lab.outputs(); o++) {
                    if (kx[o][i] > kx[arg][i]) {
                        arg = o;
                    }
                    if (lab.y()[o][i] > lab.y()[truth][i]) {
                        truth = o;
                    }
                }
                ok += arg == truth ? 1 : 0;
            }
        }
        return (double) ok / n;
    }

    /** Best row: highest test accuracy (ties: lower test MSE) for classes, else lowest test MSE; train figures without a test set. */
    private static int best(List<Reg> rows, boolean hasTest, boolean classes) {
        int best = -1;
        for (int q = 0; q < rows.size(); q++) {
            Reg a = rows.get(q);
            if (best < 0) {
                best = q;
                continue;
            }
            Reg b = rows.get(best);
            double accA = hasTest ? a.testAccuracy() : a.trainAccuracy();
            double accB = hasTest ? b.testAccuracy() : b.trainAccuracy();
            double mseA = hasTest ? a.testMse() : a.trainMse();
            double mseB = hasTest ? b.testMse() : b.trainMse();
            boolean better = classes ? accA > accB || accA == accB && mseA < mseB : mseA < mseB;
            if (better) {
                best = q;
            }
        }
        return best;
    }

    // ---------------------------------------------------------------- checkpoints (per reg) and resume

    private static String dirName(int index) {
        return String.format(Locale.ROOT, "reg_%02d", index);
    }

    /** What a saved reg must agree with to be reused by --resume (by option name). */
    private static Map<String, Object> keyBase(Request r, Dataset train, Labels lab, double tol) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("--train", r.train().source().spec());
        m.put("n", train.size());
        m.put("d", train.dim());
        m.put("--normalize", train.normalization().toString());
        m.put("--kernel", r.spec().toString());
        m.put("--precision", r.solve().precision().toString());
        m.put("--convention", r.targets().convention().toString());
        m.put("--targets", lab.onehot() ? "onehot" : "real");
        m.put("--label-mean", lab.mean());
        m.put("--tol", tol);
        return m;
    }

    private static String key(Map<String, Object> base, double reg, double shift) {
        Map<String, Object> m = new LinkedHashMap<>(base);
        m.put("reg", reg);
        m.put("shift", shift);
        return Json.write(m);
    }

    private static void save(RunDirectory run, KernelRidge.Solution s, double reg, String key) {
        Path target = run.resolve(dirName(s.index()));
        Path part = TempFiles.createDirectory(target);
        int n = s.coefficients()[0].length;
        int outputs = s.coefficients().length;
        try (Matrix x = Matrix.allocate(n, outputs, DType.F64)) {
            for (int o = 0; o < outputs; o++) {
                for (int i = 0; i < n; i++) {
                    x.set(i, o, s.coefficients()[o][i]);
                }
            }
            Npy.write(part.resolve("coefficients.npy"), x);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", key);
        m.put("index", s.index());
        m.put("reg", reg);
        m.put("shift", s.shift());
        m.put("iterations", s.iterations());
        m.put("recurrence_residual", s.residual());
        m.put("converged", s.converged());
        m.put("stop", s.stop());
        m.put("method", s.method());
        Json.writeFile(part.resolve("solution.json"), m);
        Checkpoint.delete(target);
        TempFiles.rename(part, target, () -> run.keep(target));
    }

    /** The regs an interrupted run saved, verified against this run's options (the first difference is named). */
    @SuppressWarnings("unchecked")
    private static Map<Integer, KernelRidge.Solution> resumed(RunDirectory.Plan plan, Map<String, Object> base, double[] regs, double[] shifts,
                                                              int n, int outputs) {
        Map<Integer, KernelRidge.Solution> out = new HashMap<>();
        for (String kept : plan.resumable()) {
            Path d = plan.dir().resolve(kept);
            Path json = d.resolve("solution.json");
            if (!Files.isRegularFile(json)) {
                continue;
            }
            Map<String, Object> m;
            try {
                m = (Map<String, Object>) Json.parse(Files.readString(json, StandardCharsets.UTF_8));
            } catch (IOException | RuntimeException e) {
                throw new TangentException("--resume: " + json + " is unreadable: " + e.getMessage(), e);
            }
            int index = ((Number) m.get("index")).intValue();
            if (index < 0 || index >= regs.length) {
                throw new TangentException("--resume: " + d + " holds reg index " + index + ", but --regs has " + regs.length
                        + " values; pass the options of the interrupted run");
            }
            Map<String, Object> theirs = (Map<String, Object>) Json.parse((String) m.get("key"));
            Map<String, Object> ours = (Map<String, Object>) Json.parse(key(base, regs[index], shifts[index]));
            for (Map.Entry<String, Object> e : ours.entrySet()) {
                Object t = theirs.get(e.getKey());
                if (!String.valueOf(e.getValue()).equals(String.valueOf(t))) {
                    throw new TangentException("--resume: " + e.getKey() + " is " + e.getValue() + " here but " + t + " in " + json
                            + "; pass the options of the interrupted run (or --overwrite to start again)");
                }
            }
            double[][] x = new double[outputs][n];
            try (Matrix cm = Npy.readMatrix(d.resolve("coefficients.npy"), DType.F64, "--resume")) {
                if (cm.rows() != n || cm.cols() != outputs) {
                    throw new TangentException("--resume: " + d.resolve("coefficients.npy") + " is " + cm.rows() + " x " + cm.cols()
                            + ", expected " + n + " x " + outputs);
                }
                for (int i = 0; i < n; i++) {
                    for (int o = 0; o < outputs; o++) {
                        x[o][i] = cm.get(i, o);
                    }
                }
            }
            out.put(index, new KernelRidge.Solution(index, shifts[index], x, ((Number) m.get("iterations")).intValue(),
                    ((Number) m.get("recurrence_residual")).doubleValue(), Boolean.TRUE.equals(m.get("converged")), (String) m.get("stop"),
                    (String) m.get("method")));
        }
        return out;
    }

    // ---------------------------------------------------------------- outputs

    private static void writeOutputs(RunDirectory dir, List<Reg> rows, double[] regs, double[][] trainPred, double[][] testPred, int best,
                                     Labels lab, List<KernelRidge.Solution> sols) {
        double[][] errors = new double[rows.size()][];
        StringBuilder csv = new StringBuilder("index,reg,shift,train_mse,train_accuracy,test_mse,test_accuracy,residual,iterations,converged,method\n");
        for (int q = 0; q < rows.size(); q++) {
            Reg g = rows.get(q);
            errors[q] = new double[] {g.trainMse(), g.trainAccuracy(), g.testMse(), g.testAccuracy()};
            csv.append(String.format(Locale.ROOT, "%d,%s,%s,%s,%s,%s,%s,%s,%d,%s,\"%s\"%n", g.index(), g.reg(), g.shift(), g.trainMse(),
                    g.trainAccuracy(), g.testMse(), g.testAccuracy(), g.residual(), g.iterations(), g.converged(), g.method()));
        }
        Npy.writeRows(dir.resolve("errors.npy"), errors);
        Npy.writeVector(dir.resolve("regs.npy"), regs);
        String text = csv.toString();
        AtomicFile.write(dir.resolve("errors.csv"), temp -> Files.writeString(temp, text, StandardCharsets.UTF_8));
        if (best >= 0) {
            writePredictions(dir.resolve("predictions_train.npy"), slice(trainPred, best, lab.outputs()), lab.mean());
            if (testPred != null) {
                writePredictions(dir.resolve("predictions_test.npy"), slice(testPred, best, lab.outputs()), lab.mean());
            }
        }
    }

    /** Ŷ = Kx + mean, points × outputs. */
    private static void writePredictions(Path file, double[][] kx, double mean) {
        int n = kx[0].length;
        try (Matrix m = Matrix.allocate(n, kx.length, DType.F64)) {
            for (int i = 0; i < n; i++) {
                for (int o = 0; o < kx.length; o++) {
                    m.set(i, o, kx[o][i] + mean);
                }
            }
            Npy.write(file, m);
        }
    }

    private static Map<String, Object> runJson(Request r, Dataset train, Dataset test, Labels lab, double tol, RidgePlan.Choice choice,
                                               RidgePlan.Measured measured, KernelRidge.Timing timing, Result res) {
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("command", "krr");
        run.put("kernel", r.spec().toString());
        run.put("train", Runs.describe(train, r.train()));
        if (test != null) {
            run.put("test", Runs.describe(test, r.test()));
        }
        run.put("convention", r.targets().convention().toString());
        run.put("shift", r.targets().convention() == Convention.PAPER_A ? "reg/2" : "reg");
        run.put("targets", lab.onehot() ? "onehot" : "real");
        run.put("outputs", lab.outputs());
        run.put("label_mean", lab.mean());
        run.put("regs_spec", r.regs().spec());
        Map<String, Object> precision = new LinkedHashMap<>();
        precision.put("gram", r.solve().precision().toString());
        precision.put("products", "f64 (f32 kernel entries widened exactly)");
        precision.put("vectors", "f64");
        precision.put("factors", r.solve().precision().toString());
        precision.put("tol", tol);
        precision.put("stopping_rule", "per output column: ||(K + shift I) x - y|| <= tol ||y|| (CG recurrence); 'residual' below "
                + "is recomputed from the final product");
        run.put("precision", precision);
        run.put("plan", planJson(choice));
        run.put("rates", choice.rates().toJson());
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("lambda_max_estimate", choice.spectrum().lambdaMax());
        spec.put("lambda_min_estimate", choice.spectrum().lambdaMin());
        spec.put("sample", choice.spectrum().sampleDescending().length);
        run.put("spectrum", spec);
        Map<String, Object> t = new LinkedHashMap<>(res.seconds());
        t.put("factorization_count", timing.factorizations());
        t.put("products_in_cg", timing.products());
        run.put("seconds", t);
        List<Object> rows = new ArrayList<>();
        for (Reg g : res.regs()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("index", g.index());
            m.put("reg", g.reg());
            m.put("shift", g.shift());
            m.put("train_mse", g.trainMse());
            m.put("train_accuracy", g.trainAccuracy());
            if (test != null) {
                m.put("test_mse", g.testMse());
                m.put("test_accuracy", g.testAccuracy());
            }
            m.put("residual", g.residual());
            m.put("recurrence_residual", g.recurrence());
            m.put("iterations", g.iterations());
            m.put("converged", g.converged());
            m.put("stop", g.stop());
            m.put("method", g.method());
            m.put("resumed", g.resumed());
            m.put("coefficients", dirName(g.index()) + "/coefficients.npy");
            rows.add(m);
        }
        run.put("regs", rows);
        if (res.best() >= 0) {
            Reg b = res.regs().get(res.best());
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("reg", b.reg());
            m.put("errors", List.of(b.trainMse(), b.trainAccuracy(), b.testMse(), b.testAccuracy()));
            m.put("chosen_by", test == null ? "train figures (no test set)" : lab.onehot() || lab.outputs() == 1 && isBinary(lab)
                    ? "test accuracy" : "test MSE");
            run.put("best", m);
        }
        run.put("errors_columns", List.of("train_mse", "train_accuracy", "test_mse", "test_accuracy"));
        return run;
    }

    /** The plan table as run.json and --dry-run show it. */
    public static Map<String, Object> planJson(RidgePlan.Choice choice) {
        Map<String, Object> m = new LinkedHashMap<>();
        RidgePlan.Candidate c = choice.chosen();
        m.put("solver", c.name());
        m.put("memory_bytes", c.bytes());
        m.put("memory_budget_bytes", choice.budget());
        m.put("estimated_seconds", c.seconds());
        m.put("estimated_iterations", c.iterations());
        List<Object> groups = new ArrayList<>();
        for (KernelRidge.Group g : c.settings().groups()) {
            Map<String, Object> gm = new LinkedHashMap<>();
            gm.put("method", g.method().toString());
            gm.put("anchor", g.anchor() >= 0 ? g.anchor() : null);
            gm.put("regs", g.shifts());
            groups.add(gm);
        }
        m.put("groups", groups);
        List<Object> cands = new ArrayList<>();
        for (RidgePlan.Candidate k : choice.candidates()) {
            Map<String, Object> km = new LinkedHashMap<>();
            km.put("solver", k.name());
            km.put("memory_bytes", k.bytes());
            km.put("estimated_seconds", k.totalSeconds());
            km.put("feasible", k.feasible());
            if (!k.feasible()) {
                km.put("why_not", k.why());
            }
            cands.add(km);
        }
        m.put("candidates", cands);
        return m;
    }
}
