package dev.tangent.experiment;

import dev.tangent.TangentException;
import dev.tangent.data.Dataset;
import dev.tangent.data.Input;
import dev.tangent.data.Normalization;
import dev.tangent.io.AtomicFile;
import dev.tangent.io.Npy;
import dev.tangent.io.RunDirectory;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.memory.MemoryBudget;
import dev.tangent.network.BatchOrder;
import dev.tangent.network.EpochSchedule;
import dev.tangent.network.FiniteWidthModel;
import dev.tangent.network.MeanFieldNetwork;
import dev.tangent.network.ModelTrainer;
import dev.tangent.network.NeuralTangentModel;
import dev.tangent.network.NormalEquationsCg;
import dev.tangent.network.Optimizer;
import dev.tangent.network.RandomFeaturesModel;
import dev.tangent.network.SquareLoss;
import dev.tangent.report.Figure;
import dev.tangent.report.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code tangent fit}: paper B's finite-width models trained as {@code train.py} trains them (spec §7.3–§7.4, workflows
 * B5/B6): the random-features model (rf), the neural-tangent model (nt) or the mean-field network (nn) of width N, by
 * Adam or momentum with the warm-up-then-cosine schedule, or (rf, nt) by CG on the normal equations. Writes
 * {@code epochs.csv} (per epoch: learning rate, batch size, the epoch's mean train loss, accuracy and regulariser, one
 * test batch's loss and accuracy, seconds) or {@code cg.csv} (the objective every 30 iterations), {@code training.png/svg},
 * the trained parameters under {@code model/}, the test predictions and run.json with the final full-pass statistics.
 *
 * <p>The per-epoch checkpoint {@code checkpoint/} holds the parameters, the optimiser's state and the history (the CG
 * path: its iterate, residual, direction and best checkpoint); {@code --resume} verifies it was written with the same
 * options and continues, giving the arrays of an uninterrupted run.
 */
public final class FitWorkflow {
    private FitWorkflow() {
    }

    public enum ModelKind {
        RF, NT, NN;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public enum Solver {
        ADAM, MOMENTUM, CG;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public enum FeatureCache {
        AUTO, ON, OFF;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * @param layers hidden layers of the network (nn only)
     * @param seed   numpy RandomState seed of the frozen first layer (rf, nt; the reference's 1990) or the network's
     *               initialisation
     */
    public record Model(ModelKind kind, int width, int layers, DType dtype, long seed) {
        public Model {
            if (width < 1) {
                throw new TangentException("--width must be >= 1, found " + width);
            }
            if (layers < 1) {
                throw new TangentException("--layers must be >= 1, found " + layers);
            }
            if (seed < 0 || seed > 0xFFFFFFFFL) {
                throw new TangentException("--seed " + seed + " is out of range: numpy's RandomState takes 0 .. 4294967295");
            }
        }
    }

    /**
     * How targets become outputs: one-hot over the class ids (C = largest id + 1), or one real output whose accuracy
     * compares sign(ŷ − mean) with sign(y − mean); {@code AUTO} takes one-hot for three or more integer classes, else a
     * real output.
     *
     * @param labelMean the mean of a real output; null: 0.5 for 0/1 labels (CIFAR-2), else 0
     */
    public record Targets(TargetKind kind, Double labelMean) {
    }

    /**
     * @param reg      the regularisation grid value: first-order paths penalise with ρ = 2·reg (the reference's
     *                 model_reg), the CG path adds reg·‖θ‖²
     * @param maxBatch the reference's max_batch_size: the per-epoch test batch, CG products, the final train pass
     */
    public record Training(Solver solver, double reg, EpochSchedule schedule, int maxBatch, BatchOrder order, FeatureCache cache) {
        public Training {
            if (!(reg >= 0) || Double.isInfinite(reg)) {
                throw new TangentException("--reg must be finite and >= 0, found " + reg);
            }
            if (maxBatch < 1) {
                throw new TangentException("--max-batch must be >= 1, found " + maxBatch);
            }
        }
    }

    /** scipy's cg tolerances and the objective's check interval (the reference's 1e-4, 1e-3, 30). */
    public record Cg(double tol, double atol, int checkEvery) {
        public static final Cg REFERENCE = new Cg(1e-4, 1e-3, 30);
    }

    /**
     * @param every           checkpoint every this many epochs (0: never); the CG path at every objective check
     * @param stopAfterEpochs stop with exit code 130 after this many epochs (CG: iterations) of this run (tests of
     *                        --resume); −1: never
     */
    public record Checkpoints(int every, int stopAfterEpochs) {
        public static final Checkpoints NONE = new Checkpoints(0, -1);

        public Checkpoints {
            if (every < 0) {
                throw new TangentException("--checkpoint-every must be >= 0, found " + every);
            }
        }
    }

    public record Request(Input train, Input test, Normalization norm, Model model, Targets targets, Training training, Cg cg,
                          Checkpoints checkpoints, Output out) {
    }

    /** The final statistics (the reference's stats.pkl): full passes after training. */
    public record Result(int nTrain, int nTest, int outputs, long parameters, double trainLoss, double trainAccuracy, double testLoss,
                         double testAccuracy, double regLoss, int epochs, double secondsPerEpoch, boolean featuresCached) {
    }

    /** Columns of epochs.csv. */
    static final String[] EPOCH_COLUMNS = {"epoch", "lr", "batch", "steps", "dropped", "train_loss", "train_accuracy", "reg_loss",
            "test_loss", "test_accuracy", "seconds"};

    public static Result run(Request r, Context c) {
        RunDirectory.Plan plan = Runs.check(r.out(), "fit", true);
        Model mo = r.model();
        Training tr = r.training();
        boolean cg = tr.solver() == Solver.CG;
        if (cg && mo.kind() == ModelKind.NN) {
            throw new TangentException("--optimizer cg applies to --model rf and nt (models linear in their parameters), not to nn");
        }
        if (mo.kind() != ModelKind.NN && mo.layers() != 1) {
            throw new TangentException("--layers applies to --model nn only; rf and nt have one hidden layer");
        }
        try (Dataset train = r.train().load(mo.dtype(), r.norm());
             Dataset test = r.test().load(mo.dtype(), r.norm(), train.standardization())) {
            train.requireTargets(r.train().option(), "tangent fit");
            test.requireTargets(r.test().option(), "tangent fit");
            if (test.dim() != train.dim()) {
                throw new TangentException("--test has " + test.dim() + " features, --train has " + train.dim());
            }
            SquareLoss.Targets[] targets = targets(r, train, test);
            int outputs = targets[0].outputs();
            int n = train.size();
            int nt = test.size();
            int d = train.dim();
            int w = mo.width();
            int bytes = mo.dtype().bytes();
            // batches: with drop_remainder an epoch needs at least one full batch
            if (!cg) {
                EpochSchedule sc = tr.schedule();
                for (int b : sc.switchEpoch() > 0 && sc.switchEpoch() < sc.epochs() ? new int[] {sc.firstBatch(), sc.batch()}
                        : new int[] {sc.batch(0)}) {
                    if (tr.order().batches(n, b) == 0) {
                        throw new TangentException("--batch " + b + " exceeds the " + n + " training samples: the reference drops the "
                                + "incomplete batch, which leaves no step; pass a smaller --batch or --keep-remainder");
                    }
                }
            } else if (!tr.order().keepRemainder() && n < tr.maxBatch()) {
                throw new TangentException("--max-batch " + tr.maxBatch() + " exceeds the " + n + " training samples: the reference drops "
                        + "the incomplete batch, which leaves no data; pass a smaller --max-batch or --keep-remainder");
            }
            long params = parameters(mo, d, outputs);
            long stateCopies = cg ? 2 : tr.solver() == Solver.ADAM ? 4 : 3; // parameters, gradients, optimiser state
            long fixed = (long) (n + nt) * d * bytes + params * stateCopies * bytes + (cg ? 6 * params * 8 : 0)
                    + (long) Math.max(tr.maxBatch(), tr.schedule().largestBatch()) * w * bytes * (2L * mo.layers() + 4)
                    + (mo.kind() == ModelKind.NN ? 0 : (long) d * w * bytes) + (256L << 20);
            long cacheBytes = mo.kind() == ModelKind.NN ? 0 : (long) (n + nt) * w * bytes;
            boolean cache = switch (tr.cache()) {
                case ON -> cacheBytes > 0;
                case OFF -> false;
                case AUTO -> cacheBytes > 0 && fixed + cacheBytes <= 0.8 * MemoryBudget.availableBytes();
            };
            MemoryBudget.require(fixed + (cache ? cacheBytes : 0), String.format(Locale.ROOT,
                    "the data (%d + %d x %d), a %s model of width %d (%d parameters, %s, with gradients and optimiser state)%s", n, nt, d,
                    mo.kind(), w, params, mo.dtype(), cache ? " and the cached first-layer features (--feature-cache off to recompute them)" : ""));
            long ckptBytes = params * bytes * stateCopies + (cg ? 4 * params * 8 : 0) + (long) tr.schedule().epochs() * 128;
            plan.requireSpace(params * bytes + (long) nt * outputs * bytes + (r.checkpoints().every() > 0 ? 2 * ckptBytes : 0) + (16L << 20),
                    "the trained parameters, predictions and checkpoints");
            Map<String, Object> key = checkpointKey(r, train, test, outputs, targets[0].mean());
            verifyResume(plan, key);
            try (RunDirectory dir = Runs.open(plan, c); FiniteWidthModel model = create(mo, d, outputs)) {
                if (!cache && tr.cache() == FeatureCache.AUTO && cacheBytes > 0) {
                    c.reporter().note(String.format(Locale.ROOT, "the first-layer features (%s) do not fit in memory next to the rest; "
                            + "recomputing them every batch", MemoryBudget.human(cacheBytes)));
                }
                try (Matrix ftr = cache ? model.frozenFeatures(c.backend(), train.x()) : null;
                     Matrix fte = cache ? model.frozenFeatures(c.backend(), test.x()) : null) {
                    ModelTrainer.Data trainData = new ModelTrainer.Data(train.x(), ftr, targets[0]);
                    ModelTrainer.Data testData = new ModelTrainer.Data(test.x(), fte, targets[1]);
                    Map<String, Object> run = new LinkedHashMap<>();
                    Result res = cg ? fitCg(r, c, dir, model, trainData, testData, key, run)
                            : fitFirstOrder(r, c, dir, model, trainData, testData, key, run);
                    res = new Result(n, nt, outputs, params, res.trainLoss(), res.trainAccuracy(), res.testLoss(), res.testAccuracy(),
                            res.regLoss(), res.epochs(), res.secondsPerEpoch(), cache);
                    saveModel(dir.dir(), model);
                    // a finished run needs no checkpoint: its results are the run's files
                    Path ckpt = dir.resolve("checkpoint");
                    Checkpoint.delete(ckpt);
                    dir.unkeep(ckpt);
                    try (ModelTrainer predictor = new ModelTrainer(c.backend(), model, null, 0); Matrix pred = predictor.predict(testData,
                            Math.max(1, Math.min(tr.maxBatch(), nt)))) {
                        Npy.write(dir.resolve("test_predictions.npy"), pred);
                    }
                    Runs.finish(dir, runJson(r, train, test, model, targets[0], res, run), c);
                    return res;
                }
            }
        }
    }

    /** The model's parameter count for these shapes. */
    static long parameters(Model mo, int d, int outputs) {
        long w = mo.width();
        return switch (mo.kind()) {
            case RF -> w * outputs + outputs;
            case NT -> w * outputs + outputs + w * d;
            case NN -> d * w + w + (mo.layers() - 1L) * (w * w + w) + w * outputs + outputs;
        };
    }

    static FiniteWidthModel create(Model mo, int d, int outputs) {
        return switch (mo.kind()) {
            case RF -> RandomFeaturesModel.init(d, mo.width(), outputs, mo.dtype(), mo.seed());
            case NT -> NeuralTangentModel.init(d, mo.width(), outputs, mo.dtype(), mo.seed());
            case NN -> MeanFieldNetwork.init(d, mo.width(), outputs, mo.layers(), mo.dtype(), mo.seed());
        };
    }

    /** The training and test targets as the model's outputs (see {@link Targets}). */
    static SquareLoss.Targets[] targets(Request r, Dataset train, Dataset test) {
        double max = Double.NEGATIVE_INFINITY;
        boolean integers = true;
        boolean zeroOne = true;
        java.util.Set<Double> distinct = new java.util.HashSet<>();
        for (double[] y : new double[][] {train.y(), test.y()}) {
            for (double v : y) {
                integers &= v == Math.rint(v) && v >= 0;
                zeroOne &= v == 0 || v == 1;
                max = Math.max(max, v);
                if (distinct.size() < 3) {
                    distinct.add(v);
                }
            }
        }
        TargetKind kind = r.targets().kind();
        if (kind == TargetKind.AUTO) {
            kind = integers && distinct.size() >= 3 ? TargetKind.ONE_HOT : TargetKind.REAL;
        }
        if (kind == TargetKind.ONE_HOT) {
            if (r.targets().labelMean() != null) {
                throw new TangentException("--label-mean applies to --targets real (one output), not to one-hot targets");
            }
            if (!integers) {
                throw new TangentException("--targets one-hot: " + r.train().option() + " and " + r.test().option()
                        + " must hold class ids 0, 1, 2, ...; expected non-negative integers");
            }
            int classes = (int) max + 1;
            if (classes < 2) {
                throw new TangentException("--targets one-hot: only class 0 occurs; expected at least two classes");
            }
            return new SquareLoss.Targets[] {SquareLoss.Targets.oneHot(train.y(), classes, r.train().option()),
                    SquareLoss.Targets.oneHot(test.y(), classes, r.test().option())};
        }
        double mean = r.targets().labelMean() != null ? r.targets().labelMean() : zeroOne ? 0.5 : 0.0;
        return new SquareLoss.Targets[] {SquareLoss.Targets.real(train.y(), mean), SquareLoss.Targets.real(test.y(), mean)};
    }

    // ---- first-order path ----

    private static Result fitFirstOrder(Request r, Context c, RunDirectory dir, FiniteWidthModel model, ModelTrainer.Data train,
                                        ModelTrainer.Data test, Map<String, Object> key, Map<String, Object> run) {
        Training tr = r.training();
        EpochSchedule sc = tr.schedule();
        double rho = 2 * tr.reg();
        int n = train.size();
        Path ckpt = dir.resolve("checkpoint");
        try (Optimizer opt = tr.solver() == Solver.ADAM ? Optimizer.adam(model) : Optimizer.momentum(model);
             ModelTrainer trainer = new ModelTrainer(c.backend(), model, opt, rho)) {
            List<double[]> history = new ArrayList<>();
            int start = 0;
            if (r.out().mode() == RunDirectory.Mode.RESUME) {
                Map<String, Object> st = Checkpoint.readState(ckpt);
                if (st != null) {
                    start = ((Double) st.get("epoch")).intValue();
                    restoreArrays(ckpt, model, opt);
                    opt.restoreSteps(((Double) st.get("steps")).longValue());
                    history.addAll(readHistory(ckpt));
                    c.reporter().note("resuming after epoch " + start + " of " + sc.epochs());
                }
            }
            long allSteps = 0;
            long doneSteps = 0;
            for (int t = 0; t < sc.epochs(); t++) {
                long s = tr.order().batches(n, sc.batch(t));
                allSteps += s;
                doneSteps += t < start ? s : 0;
            }
            long totalSteps = allSteps;
            int dropped = 0;
            int testBatch = Math.min(tr.maxBatch(), test.size());
            String phase = model.kind() + " width " + model.width();
            for (int t = start; t < sc.epochs(); t++) {
                long t0 = System.nanoTime();
                int b = sc.batch(t);
                long offset = doneSteps;
                ModelTrainer.EpochStats es = trainer.epoch(train, tr.order().order(n, t), b, tr.order(), sc.lr(t),
                        (done, total) -> c.reporter().progress(phase, "steps", offset + done, totalSteps));
                doneSteps += es.steps();
                dropped = Math.max(dropped, es.dropped());
                SquareLoss.Sums ts = trainer.evaluate(test, testBatch, testBatch, true);
                double seconds = (System.nanoTime() - t0) / 1e9;
                history.add(new double[] {t, sc.lr(t), b, es.steps(), es.dropped(), es.loss(), es.accuracy(), es.reg(), ts.meanLoss(),
                        ts.accuracy(), seconds});
                boolean last = t == sc.epochs() - 1;
                if (r.checkpoints().every() > 0 && !last && (t + 1) % r.checkpoints().every() == 0) {
                    Map<String, Object> st = new LinkedHashMap<>();
                    st.put("key", key);
                    st.put("epoch", t + 1);
                    st.put("steps", opt.steps());
                    Checkpoint.write(dir, ckpt, st, part -> {
                        saveArrays(part, model, opt);
                        Npy.writeRows(part.resolve("history.npy"), history.toArray(new double[0][]));
                    });
                }
                if (r.checkpoints().stopAfterEpochs() > 0 && t + 1 - start == r.checkpoints().stopAfterEpochs() && !last) {
                    throw new TangentException(130, "stopped after epoch " + (t + 1) + " (as requested)", null);
                }
            }
            if (dropped > 0) {
                c.reporter().note(dropped + " training samples per epoch were left out: the incomplete last batch is dropped as the reference "
                        + "does (drop_remainder); --keep-remainder uses them");
            }
            writeEpochs(dir.resolve("epochs.csv"), history);
            trainingFigure(dir.dir(), history);
            run.put("dropped_per_epoch", dropped);
            return finish(r, model, trainer, train, test, history, run);
        }
    }

    /** Full-pass statistics after training (the reference's _record_stats): train in batches of min(max_batch, n), test of 100. */
    private static Result finish(Request r, FiniteWidthModel model, ModelTrainer trainer, ModelTrainer.Data train, ModelTrainer.Data test,
                                 List<double[]> history, Map<String, Object> run) {
        boolean keep = r.training().order().keepRemainder();
        SquareLoss.Sums trs = trainer.evaluate(train, Math.min(r.training().maxBatch(), train.size()), train.size(), keep);
        SquareLoss.Sums tes = trainer.evaluate(test, Math.min(100, test.size()), test.size(), keep);
        double reg = trainer.regularizer();
        double seconds = 0;
        for (double[] h : history) {
            seconds += h[h.length - 1];
        }
        run.put("final_train_rows", trs.count());
        run.put("final_test_rows", tes.count());
        return new Result(train.size(), test.size(), model.outputs(), model.parameterCount(), trs.meanLoss() + reg, trs.accuracy(),
                tes.meanLoss(), tes.accuracy(), reg, history.size(), history.isEmpty() ? Double.NaN : seconds / history.size(), false);
    }

    // ---- CG path ----

    private static Result fitCg(Request r, Context c, RunDirectory dir, FiniteWidthModel model, ModelTrainer.Data train, ModelTrainer.Data test,
                                Map<String, Object> key, Map<String, Object> run) {
        Training tr = r.training();
        Path ckpt = dir.resolve("checkpoint");
        NormalEquationsCg.Config cfg = new NormalEquationsCg.Config(tr.reg(), tr.schedule().epochs(), r.cg().tol(), r.cg().atol(),
                r.cg().checkEvery(), model.kind().equals("nt"), tr.maxBatch(), tr.order().keepRemainder());
        NormalEquationsCg.State resume = null;
        if (r.out().mode() == RunDirectory.Mode.RESUME) {
            Map<String, Object> st = Checkpoint.readState(ckpt);
            if (st != null) {
                resume = readCgState(ckpt, st);
                c.reporter().note("resuming CG after iteration " + resume.iteration());
            }
        }
        int startIteration = resume == null ? 0 : resume.iteration();
        String phase = model.kind() + " width " + model.width() + ", CG";
        long t0 = System.nanoTime();
        NormalEquationsCg.Result res;
        try {
            res = NormalEquationsCg.solve(c.backend(), model, train, cfg, resume, new NormalEquationsCg.Listener() {
                @Override
                public void iteration(int done, int total) {
                    c.reporter().progress(phase, "iterations", done, total);
                    if (r.checkpoints().stopAfterEpochs() > 0 && done - startIteration == r.checkpoints().stopAfterEpochs() && done < total) {
                        throw new TangentException(130, "stopped after CG iteration " + done + " (as requested)", null);
                    }
                }

                @Override
                public void checkpoint(NormalEquationsCg.State s) {
                    if (r.checkpoints().every() > 0) {
                        writeCgState(dir, ckpt, key, s);
                    }
                }
            });
        } finally {
            run.put("cg_seconds", (System.nanoTime() - t0) / 1e9);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        List<String> lines = new ArrayList<>();
        lines.add("iteration,objective,residual");
        for (NormalEquationsCg.Check ch : res.history()) {
            lines.add(ch.iteration() + "," + num(ch.objective()) + "," + num(ch.residual()));
        }
        writeLines(dir.resolve("cg.csv"), lines);
        Map<String, Object> cgRun = new LinkedHashMap<>();
        cgRun.put("iterations", res.iterations());
        cgRun.put("converged", res.converged());
        cgRun.put("residual", res.residual());
        cgRun.put("threshold", res.threshold());
        cgRun.put("b_norm", res.bNorm());
        cgRun.put("final_objective", res.finalObjective());
        cgRun.put("best_objective", res.bestObjective());
        cgRun.put("returned_best_checkpoint", res.returnedBest());
        cgRun.put("rows_used", res.usedRows());
        run.put("cg", cgRun);
        run.put("dropped_per_epoch", train.size() - res.usedRows());
        if (res.usedRows() < train.size()) {
            c.reporter().note((train.size() - res.usedRows()) + " training samples were left out of the CG products: the incomplete last "
                    + "batch is dropped as the reference does (drop_remainder); --keep-remainder uses them");
        }
        try (ModelTrainer trainer = new ModelTrainer(c.backend(), model, null, 0)) {
            Result fin = finish(r, model, trainer, train, test, List.of(), run);
            double reg = r.training().reg() * sumOfSquares(model);
            // the CG path's "train loss" is its objective: mean loss + reg·‖θ‖² (the model itself carries no penalty)
            return new Result(fin.nTrain(), fin.nTest(), fin.outputs(), fin.parameters(), fin.trainLoss() + reg, fin.trainAccuracy(),
                    fin.testLoss(), fin.testAccuracy(), reg, res.iterations() - startIteration,
                    res.iterations() > startIteration ? seconds / (res.iterations() - startIteration) : Double.NaN, false);
        }
    }

    private static double sumOfSquares(FiniteWidthModel model) {
        double s = 0;
        for (FiniteWidthModel.Parameter p : model.parameters()) {
            Matrix m = p.value();
            for (int i = 0; i < m.rows(); i++) {
                for (int j = 0; j < m.cols(); j++) {
                    s += m.get(i, j) * m.get(i, j);
                }
            }
        }
        return s;
    }

    private static void writeCgState(RunDirectory dir, Path ckpt, Map<String, Object> key, NormalEquationsCg.State s) {
        Map<String, Object> st = new LinkedHashMap<>();
        st.put("key", key);
        st.put("iteration", s.iteration());
        st.put("rho_prev", s.rhoPrev());
        st.put("best", s.best());
        Checkpoint.write(dir, ckpt, st, part -> {
            Npy.writeVector(part.resolve("x.npy"), s.x());
            Npy.writeVector(part.resolve("r.npy"), s.r());
            Npy.writeVector(part.resolve("p.npy"), s.p());
            Npy.writeVector(part.resolve("x_best.npy"), s.xBest());
            double[][] h = new double[s.history().size()][];
            for (int i = 0; i < h.length; i++) {
                NormalEquationsCg.Check ch = s.history().get(i);
                h[i] = new double[] {ch.iteration(), ch.objective(), ch.residual()};
            }
            Npy.writeRows(part.resolve("history.npy"), h.length == 0 ? new double[0][3] : h);
        });
    }

    private static NormalEquationsCg.State readCgState(Path ckpt, Map<String, Object> st) {
        List<NormalEquationsCg.Check> hist = new ArrayList<>();
        for (double[] h : readHistory(ckpt)) {
            hist.add(new NormalEquationsCg.Check((int) h[0], h[1], h[2]));
        }
        return new NormalEquationsCg.State(((Double) st.get("iteration")).intValue(), Checkpoint.vector(ckpt.resolve("x.npy")),
                Checkpoint.vector(ckpt.resolve("r.npy")), Checkpoint.vector(ckpt.resolve("p.npy")), (Double) st.get("rho_prev"),
                (Double) st.get("best"), Checkpoint.vector(ckpt.resolve("x_best.npy")), hist);
    }

    // ---- files ----

    private static String fileName(String parameter) {
        return parameter.replace('/', '_') + ".npy";
    }

    private static void saveArrays(Path dir, FiniteWidthModel model, Optimizer opt) {
        for (FiniteWidthModel.Parameter p : model.parameters()) {
            Npy.write(dir.resolve(fileName(p.name())), p.value());
        }
        for (int i = 0; i < opt.state().size(); i++) {
            Npy.write(dir.resolve(fileName(opt.stateNames().get(i))), opt.state().get(i));
        }
    }

    private static void restoreArrays(Path dir, FiniteWidthModel model, Optimizer opt) {
        for (FiniteWidthModel.Parameter p : model.parameters()) {
            copyFrom(dir.resolve(fileName(p.name())), p.value());
        }
        for (int i = 0; i < opt.state().size(); i++) {
            copyFrom(dir.resolve(fileName(opt.stateNames().get(i))), opt.state().get(i));
        }
    }

    private static void copyFrom(Path file, Matrix into) {
        try (Matrix m = Npy.readMatrix(file, into.dtype(), "--resume")) {
            if (m.rows() != into.rows() || m.cols() != into.cols()) {
                throw new TangentException("--resume: " + file + " has shape " + m.rows() + " x " + m.cols() + ", expected " + into.rows() + " x "
                        + into.cols());
            }
            m.copyInto(into);
        }
    }

    private static List<double[]> readHistory(Path dir) {
        List<double[]> rows = new ArrayList<>();
        try (Matrix m = Npy.readMatrix(dir.resolve("history.npy"), DType.F64, "--resume")) {
            for (int i = 0; i < m.rows(); i++) {
                rows.add(m.row(i));
            }
        }
        return rows;
    }

    /** The trained parameters as {@code model/<variable>.npy} (the reference's variable names, '/' as '_'). */
    private static void saveModel(Path out, FiniteWidthModel model) {
        Path dir = out.resolve("model");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new TangentException("--out " + dir + ": cannot create directory: " + e.getMessage(), e);
        }
        for (FiniteWidthModel.Parameter p : model.parameters()) {
            Npy.write(dir.resolve(fileName(p.name())), p.value());
        }
    }

    private static String num(double v) {
        return Double.isNaN(v) ? "" : Double.toString(v);
    }

    private static void writeEpochs(Path file, List<double[]> history) {
        List<String> lines = new ArrayList<>();
        lines.add(String.join(",", EPOCH_COLUMNS));
        for (double[] h : history) {
            StringBuilder sb = new StringBuilder();
            for (int j = 0; j < h.length; j++) {
                boolean count = j == 0 || (j >= 2 && j <= 4); // epoch, batch, steps, dropped
                sb.append(j == 0 ? "" : ",").append(count ? Long.toString((long) h[j]) : num(h[j]));
            }
            lines.add(sb.toString());
        }
        writeLines(file, lines);
    }

    private static void writeLines(Path file, List<String> lines) {
        AtomicFile.write(file, temp -> Files.write(temp, lines, StandardCharsets.UTF_8));
    }

    private static double[] column(List<double[]> h, int j) {
        double[] c = new double[h.size()];
        for (int i = 0; i < c.length; i++) {
            c[i] = h.get(i)[j];
        }
        return c;
    }

    private static void trainingFigure(Path out, List<double[]> history) {
        if (history.isEmpty()) {
            return;
        }
        double[] x = column(history, 0);
        Figure.write(out.resolve("training"), 2, 620, 440, List.of(
                new Figure.Panel("Loss (train: epoch mean with regulariser; test: one batch)", "epoch", "square loss (mean over samples)", false, true,
                        List.of(new Figure.Series("train", x, column(history, 5), true, false, 0),
                                new Figure.Series("test", x, column(history, 8), true, false, 1))),
                new Figure.Panel("Accuracy", "epoch", "accuracy (fraction correct)", false, false,
                        List.of(new Figure.Series("train", x, column(history, 6), true, false, 0),
                                new Figure.Series("test", x, column(history, 9), true, false, 1)))));
    }

    // ---- resume ----

    /** Everything a checkpoint must agree with to be resumed, by option name. */
    private static Map<String, Object> checkpointKey(Request r, Dataset train, Dataset test, int outputs, double mean) {
        Map<String, Object> k = new LinkedHashMap<>();
        Training tr = r.training();
        EpochSchedule sc = tr.schedule();
        k.put("--train", train.description());
        k.put("--test", test.description());
        k.put("n_train", Integer.toString(train.size()));
        k.put("--model", r.model().kind().toString());
        k.put("--width", Integer.toString(r.model().width()));
        k.put("--layers", Integer.toString(r.model().layers()));
        k.put("--dtype", r.model().dtype().toString());
        k.put("--seed", Long.toString(r.model().seed()));
        k.put("outputs", Integer.toString(outputs));
        k.put("--label-mean", Double.toString(mean));
        k.put("--optimizer", tr.solver().toString());
        k.put("--reg", Double.toString(tr.reg()));
        k.put("--lr", Double.toString(sc.lr()));
        k.put("--epochs", Integer.toString(sc.epochs()));
        k.put("--batch", sc.firstBatch() + ":" + sc.switchEpoch() + "," + sc.batch());
        k.put("--max-batch", Integer.toString(tr.maxBatch()));
        k.put("--shuffle", tr.order().shuffle() + "/" + tr.order().buffer() + (tr.order().reshuffle() ? "/reshuffle" : ""));
        k.put("--shuffle-seed", Long.toString(tr.order().seed()));
        k.put("--keep-remainder", Boolean.toString(tr.order().keepRemainder()));
        k.put("--cg", r.cg().tol() + "/" + r.cg().atol() + "/" + r.cg().checkEvery());
        return k;
    }

    @SuppressWarnings("unchecked")
    private static void verifyResume(RunDirectory.Plan plan, Map<String, Object> ours) {
        for (String kept : plan.resumable()) {
            Path ckpt = plan.dir().resolve(kept);
            Map<String, Object> st = Checkpoint.readState(ckpt);
            if (st == null) {
                continue;
            }
            Object theirs = st.get("key");
            Checkpoint.verifyKey(ckpt, theirs instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of(), ours);
        }
    }

    private static Map<String, Object> runJson(Request r, Dataset train, Dataset test, FiniteWidthModel model, SquareLoss.Targets targets,
                                               Result res, Map<String, Object> extra) {
        Map<String, Object> run = new LinkedHashMap<>();
        Training tr = r.training();
        EpochSchedule sc = tr.schedule();
        run.put("command", "fit");
        run.put("train", Runs.describe(train, r.train()));
        run.put("test", Runs.describe(test, r.test()));
        run.put("model", model.kind());
        run.put("width", model.width());
        if (model instanceof MeanFieldNetwork nn) {
            run.put("layers", nn.layers());
        }
        run.put("dtype", model.dtype().toString());
        run.put("seed", r.model().seed());
        run.put("outputs", model.outputs());
        run.put("targets", model.outputs() > 1 ? "one-hot" : "real");
        if (model.outputs() == 1) {
            run.put("label_mean", targets.mean());
        }
        run.put("parameters", res.parameters());
        run.put("optimizer", tr.solver().toString());
        run.put("reg", tr.reg());
        run.put("penalty", tr.solver() == Solver.CG ? "reg * |theta|^2 (all parameters)" : "rho = 2 * reg times the model's penalty");
        run.put("lr", sc.lr());
        run.put("epochs", sc.epochs());
        run.put("batch_schedule", sc.firstBatch() + " before epoch " + sc.switchEpoch() + ", then " + sc.batch());
        run.put("max_batch", tr.maxBatch());
        run.put("shuffle", tr.order().shuffle().toString());
        run.put("shuffle_buffer", tr.order().buffer());
        run.put("reshuffle_each_epoch", tr.order().reshuffle());
        run.put("shuffle_seed", tr.order().seed());
        run.put("keep_remainder", tr.order().keepRemainder());
        run.put("features_cached", res.featuresCached());
        run.putAll(extra);
        run.put("resumed", r.out().mode() == RunDirectory.Mode.RESUME);
        run.put("epochs_run", res.epochs());
        run.put("seconds_per_epoch", res.secondsPerEpoch());
        run.put("train_loss", res.trainLoss());
        run.put("train_accuracy", res.trainAccuracy());
        run.put("test_loss", res.testLoss());
        run.put("test_accuracy", res.testAccuracy());
        run.put("reg_loss", res.regLoss());
        return run;
    }
}
