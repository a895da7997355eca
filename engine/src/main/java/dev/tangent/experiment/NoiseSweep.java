package dev.tangent.experiment;

import dev.tangent.TangentException;
import dev.tangent.data.synth.SpikedCovariates;
import dev.tangent.data.transform.FrequencyNoise;
import dev.tangent.io.AtomicFile;
import dev.tangent.io.Npy;
import dev.tangent.io.RunDirectory;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.memory.MemoryBudget;
import dev.tangent.report.Figure;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code tangent noise}: paper B's sweeps (spec §7.2–§7.6) from data to figure. A sweep is models × noise levels ×
 * regularisation values; {@link #plan} turns its {@link Settings} into {@link Sweep.Stage}s of {@link NoiseJobs.SweepJob}s
 * (the prepared datasets first, then the model jobs that read them), which {@link Sweep#run} runs into
 * {@code root/<stage>/<job id>/} on the executor given (a {@link LocalTasks} pool, or Spark's); {@link #summarize} reads the finished jobs back into the grid's rows, the
 * best-over-grid table beside the paper's values and the figure.
 */
public final class NoiseSweep {
    private NoiseSweep() {
    }

    /** The engine's name in job provenance. */
    static String version() {
        return "tangent-engine";
    }

    /** Paper B's models: the finite-width three, and the four kernel ridge regressions. */
    public enum Model {
        NN("nn", "NN"), RF("rf", "RF"), NT("nt", "NT"), RF_KRR("rf-krr", "RF KRR"), NT_KRR("nt-krr", "NT KRR"),
        LINEAR("linear", "linear"), QUADRATIC("quadratic", "quadratic");

        public final String key;
        public final String label;

        Model(String key, String label) {
            this.key = key;
            this.label = label;
        }

        public boolean kernel() {
            return ordinal() >= RF_KRR.ordinal();
        }

        public static Model parse(String s) {
            for (Model m : values()) {
                if (m.key.equals(s.strip().toLowerCase(Locale.ROOT))) {
                    return m;
                }
            }
            throw new TangentException("--models " + s + ": expected nn, rf, nt, rf-krr, nt-krr, linear or quadratic");
        }

        @Override
        public String toString() {
            return key;
        }
    }

    public enum Scale {
        QUICK, PAPER;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Paper B's KRR regularisation grids (spec §7.5): 10^linspace(−1, 5, 20) for Fashion-MNIST, 10^linspace(0, 6, 10) for synth. */
    static double[] krrGrid(PrepWorkflow.Kind dataset) {
        return dataset == PrepWorkflow.Kind.SYNTH ? RegularizationGrid.logspace(0, 6, 10) : RegularizationGrid.logspace(-1, 5, 20);
    }

    /** The polynomial kernel's intercepts c = 2^linspace(−3, 3, 10) (Kernel_Fit.py's p2 grid). */
    public static double polyIntercept(int index) {
        return Math.pow(2, index == 9 ? 3 : -3 + index * (6.0 / 9));
    }

    /** The reg grid of a model on a dataset (the reference's: train.py's for the fits, Kernel_Fit.py's for KRR). */
    public static double[] grid(Model m, PrepWorkflow.Kind dataset) {
        if (m.kernel()) {
            return krrGrid(dataset);
        }
        RegularizationGrid g = dataset == PrepWorkflow.Kind.SYNTH ? RegularizationGrid.SYNTH : RegularizationGrid.FMNIST;
        return g.values(FitWorkflow.ModelKind.valueOf(m.name()), 1);
    }

    /**
     * A sweep, every value resolved ({@link #resolve} applies the scale's defaults).
     *
     * @param levels     noise indices (τ = linspace(0, 3, 15)[i], k = 1 + 2i, κ = i/10)
     * @param regIndices indices into each model's reference grid; null = the whole grid
     * @param polyC      indices of the polynomial intercept grid for linear and quadratic
     * @param threads    threads of every job's provider (the results are bit-identical for the same value)
     */
    public record Settings(PrepWorkflow.Kind dataset, int[] levels, List<Model> models, int[] regIndices, int[] polyC, int nTrain, int nTest,
                           int width, int epochs, Scale scale, String backend, int threads) implements Serializable {
        public Settings {
            models = List.copyOf(models);
            if (models.isEmpty()) {
                throw new TangentException("--models: no model given");
            }
            for (int l : levels) {
                level(dataset, l);
            }
            if (nTrain < 1 || nTest < 1) {
                throw new TangentException("--n-train and --n-test must be >= 1, found " + nTrain + " and " + nTest);
            }
            if (width < 1 || epochs < 1 || threads < 1) {
                throw new TangentException("--width, --epochs and --threads must be >= 1, found " + width + ", " + epochs + ", " + threads);
            }
        }

        public int d() {
            return dataset == PrepWorkflow.Kind.SYNTH ? SpikedCovariates.D : 784;
        }

        public int outputs() {
            return dataset == PrepWorkflow.Kind.SYNTH ? 1 : 10;
        }

        /** The regs of model {@code m}: {index, value} pairs (no indices given: the quick scale's, or the whole grid). */
        public double[][] regs(Model m) {
            double[] g = grid(m, dataset);
            int[] idx = regIndices;
            if (idx == null) {
                if (scale == Scale.QUICK) {
                    idx = quickRegs(m, dataset);
                } else {
                    idx = new int[g.length];
                    Arrays.setAll(idx, i -> i);
                }
            }
            return pick(g, Arrays.stream(idx).filter(i -> i < g.length).toArray());
        }
    }

    /** The noise parameter of level {@code i}: τ (fmnist-hf), the block side k (fmnist-lf) or κ (synth). */
    public static double level(PrepWorkflow.Kind dataset, int i) {
        return switch (dataset) {
            case FMNIST_HF -> FrequencyNoise.tau(i);
            case FMNIST_LF -> FrequencyNoise.threshold(i);
            case SYNTH -> {
                if (i < 0 || i >= SpikedCovariates.KAPPA_LEVELS) {
                    throw new TangentException("--levels " + i + ": the synthetic data have levels 0.." + (SpikedCovariates.KAPPA_LEVELS - 1));
                }
                yield SpikedCovariates.kappa(i);
            }
        };
    }

    public static int levelCount(PrepWorkflow.Kind dataset) {
        return switch (dataset) {
            case FMNIST_HF -> FrequencyNoise.TAU_LEVELS;
            case FMNIST_LF -> FrequencyNoise.THRESHOLD_LEVELS;
            case SYNTH -> SpikedCovariates.KAPPA_LEVELS;
        };
    }

    static String datasetName(PrepWorkflow.Kind k) {
        return k.toString().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /**
     * The settings of a scale with the given overrides (null = the scale's default):
     * <ul>
     *   <li>paper: every level, n = 60,000 (synth 2^20), the full test set, width 4096, 750 epochs, every reg of the
     *       reference's grids, the ten polynomial intercepts;</li>
     *   <li>quick: levels 0, 7, 14 (fmnist-lf 0, 6, 13; synth all ten), n = 20,000 (synth 4,096), the full Fashion-MNIST
     *       test set (synth 2,000), width 2,048 (synth 512), 60 epochs (synth 30; rf and nt: as many CG iterations on their
     *       normal equations), the networks' reg indices 0 (nn) or 0 and 6 (rf, nt), KRR reg indices 0, 4 and 8 (0.1, 1.83,
     *       33.6, where Fashion-MNIST's accuracy peaks; synth every other value), one polynomial intercept (c = 2^(1/3)).
     *       n = 20,000 because the network's lead over the kernels at τ = 3 needs it: at 10,000 the network (width 1,024 or
     *       4,096) is 0.2–0.8 points below RF and NT KRR, at 20,000 it is 0.7–1.0 above (docs/RESULTS.md).</li>
     * </ul>
     */
    public static Settings resolve(PrepWorkflow.Kind dataset, Scale scale, int[] levels, List<Model> models, int[] regIndices, Integer nTrain,
                                   Integer nTest, Integer width, Integer epochs, String backend, int threads) {
        boolean quick = scale == Scale.QUICK;
        boolean synth = dataset == PrepWorkflow.Kind.SYNTH;
        int count = levelCount(dataset);
        int[] lv = levels;
        if (lv == null) {
            if (quick && !synth) {
                lv = new int[] {0, count / 2, count - 1};
            } else {
                lv = new int[count];
                Arrays.setAll(lv, i -> i);
            }
        }
        int n = nTrain != null ? nTrain : quick ? (synth ? 4096 : 20_000) : (synth ? SpikedCovariates.N_TRAIN : 60_000);
        int nt = nTest != null ? nTest : synth ? (quick ? 2000 : SpikedCovariates.N_TEST) : 10_000;
        int w = width != null ? width : quick ? (synth ? 512 : 2048) : 4096;
        int e = epochs != null ? epochs : quick ? (synth ? 30 : 60) : 750;
        int[] polyC = quick ? new int[] {5} : new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
        return new Settings(dataset, lv, models, regIndices, polyC, n, nt, w, e, scale, backend,
                threads);
    }

    /**
     * The quick scale's reg indices of a model (none given): on Fashion-MNIST 0, 4 and 8 of a KRR grid (0.1, 1.83, 33.6:
     * the best reg of every Fashion-MNIST KRR run measured, n 5,000–60,000, τ 0–3, lies in 0.1–33.6), 0 of the network's,
     * 0 and 6 of rf's and nt's; on the synthetic data every other value of a KRR grid and 0 and 6 of every fit's.
     */
    static int[] quickRegs(Model m, PrepWorkflow.Kind dataset) {
        boolean synth = dataset == PrepWorkflow.Kind.SYNTH;
        if (m.kernel()) {
            if (!synth) {
                return new int[] {0, 4, 8};
            }
            int[] idx = new int[(grid(m, dataset).length + 1) / 2];
            Arrays.setAll(idx, i -> 2 * i);
            return idx;
        }
        return m == Model.NN && !synth ? new int[] {0} : new int[] {0, 6};
    }

    /** The sweep's stages: "data" (one prepared dataset per level), then "models" (every model × level × reg). */
    public static List<Sweep.Stage<NoiseJobs.SweepJob>> plan(Settings s, Path root) {
        String ds = datasetName(s.dataset());
        int d = s.d();
        List<NoiseJobs.SweepJob> data = new ArrayList<>();
        List<NoiseJobs.SweepJob> jobs = new ArrayList<>();
        Path dataRoot = root.toAbsolutePath().normalize().resolve("data");
        boolean synth = s.dataset() == PrepWorkflow.Kind.SYNTH;
        for (int level : s.levels()) {
            NoiseJobs.PrepJob prep = new NoiseJobs.PrepJob(ds, level, s.nTrain(), s.nTest(), d, s.backend(), s.threads());
            data.add(prep);
            String dir = dataRoot.resolve(prep.id()).toString();
            double lv = level(s.dataset(), level);
            for (Model m : s.models()) {
                double[][] regs = s.regs(m);
                if (regs.length == 0) {
                    throw new TangentException("--regs " + Arrays.toString(s.regIndices()) + ": none is an index of " + m + "'s grid of "
                            + grid(m, s.dataset()).length + " values on " + ds);
                }
                if (m.kernel()) {
                    // the reference's Grams and solves are float32 throughout (spec §7.5); f64 where it costs little (n ≤ 10,000),
                    // f32 above, where a factor per reg at n = 20,000 in f64 would double the quick sweep's longest jobs
                    String dtype = s.nTrain() <= 10_000 ? "f64" : "f32";
                    double[] values = Arrays.stream(regs).mapToDouble(r -> r[1]).toArray();
                    int[] index = Arrays.stream(regs).mapToInt(r -> (int) r[0]).toArray();
                    // the ridge plan's budget: the Gram (factored in place), the data, targets, coefficients and predictions of
                    // every reg, the test Gram's rows in passes
                    long memory = (long) s.nTrain() * s.nTrain() * (dtype.equals("f64") ? 8 : 4)
                            + 8L * (s.nTrain() + s.nTest()) * (d + 3L * s.outputs() * values.length) + (1L << 30);
                    switch (m) {
                        case RF_KRR, NT_KRR -> jobs.add(new NoiseJobs.KrrJob(dir, ds, level, lv, m.key, m == Model.RF_KRR ? "rf2" : "ntk2", -1,
                                index, values, dtype, memory, krrSolver(s), s.nTrain(), s.nTest(), d, s.outputs(), s.backend(), s.threads()));
                        default -> {
                            for (int c : s.polyC()) {
                                jobs.add(new NoiseJobs.KrrJob(dir, ds, level, lv, m.key, String.format(Locale.ROOT, "poly(%s,%d)",
                                        polyIntercept(c), m == Model.LINEAR ? 1 : 2), c, index, values, dtype, memory, krrSolver(s), s.nTrain(), s.nTest(), d, s.outputs(),
                                        s.backend(), s.threads()));
                            }
                        }
                    }
                } else {
                    boolean nn = m == Model.NN;
                    // rf and nt: Adam as train.py on Fashion-MNIST at the paper's scale; CG on the normal equations (train.py's
                    // path for the synthetic data) at the quick scale, where 30 Adam epochs of a few batches leave them far
                    // from their fit or, at the reference's peak rate 2e-3 on batches of n/6, diverge (measured: NT at τ = 1.5)
                    String solver = nn ? "momentum" : synth || s.scale() == Scale.QUICK ? "cg" : "adam";
                    // the reference's max_batch_size is 10000 on 60000 samples (6 steps per epoch); a smaller n keeps the steps
                    // CG's products take every sample in batches of up to 10000
                    int maxBatch = solver.equals("cg") ? Math.min(10_000, s.nTrain()) : Math.min(10_000, Math.max(1, s.nTrain() / 6));
                    int first = nn ? (synth ? 512 : 500) : maxBatch;
                    int batch = nn ? (synth ? 1024 : 1000) : maxBatch;
                    first = Math.min(first, s.nTrain());
                    batch = Math.min(batch, s.nTrain());
                    for (double[] r : regs) {
                        jobs.add(new NoiseJobs.FitJob(dir, ds, level, lv, m.key, (int) r[0], r[1], s.width(), s.epochs(), solver, first, batch,
                                maxBatch, 1990, s.nTrain(), s.nTest(), d, s.outputs(), s.backend(), s.threads()));
                    }
                }
            }
        }
        return List.of(new Sweep.Stage<>("data", "data", data), new Sweep.Stage<>("models", "jobs", jobs));
    }

    /** A Cholesky factor per reg (bit-reproducible) up to n = 20,000; above, the ridge planner's choice. */
    static String krrSolver(Settings s) {
        return s.nTrain() <= 20_000 ? "cholesky" : "auto";
    }

    private static double[][] pick(double[] grid, int[] idx) {
        double[][] out = new double[idx.length][];
        for (int i = 0; i < idx.length; i++) {
            out[i] = new double[] {idx[i], grid[idx[i]]};
        }
        return out;
    }

    /**
     * One result of the grid.
     *
     * @param level   τ, k or κ of the noise index
     * @param variant the finite width ("width 512") or the polynomial intercept ("c 1.26"); empty for rf-krr and nt-krr
     * @param trainLoss,testLoss mean square error (the reference's loss: ‖Y − Ŷ‖²/n)
     */
    public record Row(String dataset, int noiseIndex, double level, String model, int regIndex, double reg, String variant, double trainLoss,
                      double trainAccuracy, double testLoss, double testAccuracy) {
    }

    public static final String[] COLUMNS = {"dataset", "noise_index", "level", "model", "variant", "reg_index", "reg", "train_loss",
            "train_accuracy", "test_loss", "test_accuracy", "normalized_test_error"};

    /** Reads every finished model job's rows, in the plan's order. */
    public static List<Row> rows(List<Sweep.Stage<NoiseJobs.SweepJob>> stages, Path root) throws IOException {
        List<Row> rows = new ArrayList<>();
        for (Sweep.Stage<NoiseJobs.SweepJob> st : stages) {
            for (NoiseJobs.SweepJob j : st.jobs()) {
                Path dir = root.resolve(st.dir()).resolve(j.id());
                if (RunDirectory.inspect(dir).complete()) {
                    rows.addAll(j.rows(dir));
                }
            }
        }
        return rows;
    }

    /** mean(y²) of each level's test targets (synth: the normaliser of the test error), keyed by noise index. */
    static Map<Integer, Double> testPower(Settings s, Path root) {
        Map<Integer, Double> m = new LinkedHashMap<>();
        if (s.dataset() != PrepWorkflow.Kind.SYNTH) {
            return m;
        }
        for (Sweep.Stage<NoiseJobs.SweepJob> st : plan(s, root)) {
            for (NoiseJobs.SweepJob j : st.jobs()) {
                if (j instanceof NoiseJobs.PrepJob p) {
                    try (Matrix yt = Npy.readMatrix(root.resolve(st.dir()).resolve(p.id()).resolve("Yt.npy"), DType.F64, "Yt.npy")) {
                        double sum = 0;
                        for (int i = 0; i < yt.rows(); i++) {
                            sum += yt.get(i, 0) * yt.get(i, 0);
                        }
                        m.put(p.noiseIndex(), sum / yt.rows());
                    }
                }
            }
        }
        return m;
    }

    /** The grid as CSV (the columns of {@link #COLUMNS}; doubles in Java's shortest round-trip form). */
    public static String csv(List<Row> rows, Map<Integer, Double> testPower) {
        StringBuilder sb = new StringBuilder(String.join(",", COLUMNS)).append('\n');
        for (Row r : rows) {
            Double p = testPower.get(r.noiseIndex());
            sb.append(r.dataset()).append(',').append(r.noiseIndex()).append(',').append(r.level()).append(',').append(r.model()).append(',')
                    .append(r.variant()).append(',').append(r.regIndex()).append(',').append(r.reg()).append(',').append(r.trainLoss())
                    .append(',').append(r.trainAccuracy()).append(',').append(r.testLoss()).append(',').append(r.testAccuracy()).append(',')
                    .append(p == null ? "" : Double.toString(r.testLoss() / p)).append('\n');
        }
        return sb.toString();
    }

    /** Parses {@link #csv}'s output back into rows (the last column is derived and ignored). */
    public static List<Row> parseCsv(String text) {
        List<Row> rows = new ArrayList<>();
        String[] lines = text.split("\n");
        if (lines.length == 0 || !lines[0].strip().equals(String.join(",", COLUMNS))) {
            throw new TangentException("results.csv: expected the header " + String.join(",", COLUMNS));
        }
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            String[] f = lines[i].split(",", -1);
            if (f.length != COLUMNS.length) {
                throw new TangentException("results.csv line " + (i + 1) + ": " + f.length + " fields, expected " + COLUMNS.length);
            }
            rows.add(new Row(f[0], Integer.parseInt(f[1]), Double.parseDouble(f[2]), f[3], Integer.parseInt(f[5]), Double.parseDouble(f[6]), f[4],
                    Double.parseDouble(f[7]), Double.parseDouble(f[8]), Double.parseDouble(f[9]), Double.parseDouble(f[10])));
        }
        return rows;
    }

    /**
     * The best result over the grid (regs and variants) of one model at one level: the highest test accuracy, or for
     * one real output (synth) the lowest normalised test error test_loss / mean(y_test²).
     */
    public record Best(int noiseIndex, double level, String model, double value, Row row) {
    }

    public static List<Best> best(List<Row> rows, Map<Integer, Double> testPower) {
        Map<String, Best> by = new LinkedHashMap<>();
        for (Row r : rows) {
            Double p = testPower.get(r.noiseIndex());
            double v = p != null ? r.testLoss() / p : r.testAccuracy();
            if (Double.isNaN(v)) {
                continue;
            }
            String key = r.noiseIndex() + "/" + r.model();
            Best b = by.get(key);
            if (b == null || (p != null ? v < b.value() : v > b.value())) {
                by.put(key, new Best(r.noiseIndex(), r.level(), r.model(), v, r));
            }
        }
        return new ArrayList<>(by.values());
    }

    /** Spec §7.6: paper B's Figure 1 (Fashion-MNIST, high-frequency noise), by τ index, columns in {@link #PAPER_MODELS}' order. */
    static final Map<Integer, double[]> PAPER = paper();
    static final String[] PAPER_MODELS = {"nn", "rf-krr", "nt-krr", "rf", "nt", "quadratic", "linear"};

    private static Map<Integer, double[]> paper() {
        double nan = Double.NaN;
        Map<Integer, double[]> m = new LinkedHashMap<>();
        m.put(0, new double[] {0.914, 0.916, 0.919, 0.916, 0.906, 0.906, 0.822});
        m.put(3, new double[] {0.895, 0.892, 0.892, 0.892, 0.881, 0.890, 0.816});
        m.put(5, new double[] {0.884, 0.878, 0.878, 0.874, 0.862, nan, nan});
        m.put(7, new double[] {0.872, 0.861, 0.860, 0.854, 0.844, 0.861, 0.813});
        m.put(10, new double[] {0.861, 0.842, 0.842, 0.834, 0.823, nan, nan});
        m.put(14, new double[] {0.850, 0.823, 0.823, 0.818, 0.810, 0.825, 0.811});
        return m;
    }

    /** The paper's value for a model at a τ index of fmnist-hf, or NaN. */
    public static double paperValue(String dataset, int noiseIndex, String model) {
        double[] v = dataset.equals("fmnist-hf") ? PAPER.get(noiseIndex) : null;
        if (v == null) {
            return Double.NaN;
        }
        for (int i = 0; i < PAPER_MODELS.length; i++) {
            if (PAPER_MODELS[i].equals(model)) {
                return v[i];
            }
        }
        return Double.NaN;
    }

    /**
     * The best-over-grid table in Markdown: one row per level, one column per model (in {@code models}' order), each
     * cell the best value and, for Fashion-MNIST with high-frequency noise, the paper's value beside it (spec §7.6).
     */
    public static String markdown(String dataset, List<Model> models, List<Best> best, boolean error) {
        boolean paper = dataset.equals("fmnist-hf");
        String param = switch (dataset) {
            case "fmnist-hf" -> "τ";
            case "fmnist-lf" -> "k";
            default -> "κ";
        };
        StringBuilder sb = new StringBuilder();
        sb.append(error ? "Best normalised test error (test MSE / mean(y_test²)) over the grid" : "Best test accuracy over the grid")
                .append(paper ? "; in brackets paper B's Figure 1 (spec §7.6, read off the figure, ±0.0015)" : "").append(".\n\n");
        sb.append("| index | ").append(param).append(" |");
        for (Model m : models) {
            sb.append(' ').append(m.label).append(" |");
        }
        sb.append("\n|---|---|");
        sb.append("---|".repeat(models.size())).append('\n');
        List<Integer> levels = new ArrayList<>();
        Map<Integer, Double> lv = new LinkedHashMap<>();
        for (Best b : best) {
            if (!levels.contains(b.noiseIndex())) {
                levels.add(b.noiseIndex());
                lv.put(b.noiseIndex(), b.level());
            }
        }
        levels.sort(Integer::compare);
        for (int i : levels) {
            sb.append("| ").append(i).append(" | ").append(levelLabel(lv.get(i))).append(" |");
            for (Model m : models) {
                Best b = best.stream().filter(x -> x.noiseIndex() == i && x.model().equals(m.key)).findFirst().orElse(null);
                double pv = paperValue(dataset, i, m.key);
                sb.append(' ').append(b == null ? "–" : String.format(Locale.ROOT, "%.4f", b.value()))
                        .append(Double.isNaN(pv) ? "" : String.format(Locale.ROOT, " (%.3f)", pv)).append(" |");
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** A noise level to three significant digits, plain: 0, 0.214, 1.5, 3, 27. */
    static String levelLabel(double v) {
        return v == 0 ? "0" : new java.math.BigDecimal(v).round(new java.math.MathContext(3)).stripTrailingZeros().toPlainString();
    }

    /** The figure: best-over-grid accuracy (or normalised error) against the noise level, one curve per model; the paper's points as open markers. */
    static void figure(Path base, Settings s, List<Best> best, boolean error) {
        String ds = datasetName(s.dataset());
        List<Figure.Series> series = new ArrayList<>();
        int color = 0;
        for (Model m : s.models()) {
            List<Best> mine = best.stream().filter(b -> b.model().equals(m.key)).sorted((a, b) -> Integer.compare(a.noiseIndex(), b.noiseIndex()))
                    .toList();
            double[] x = mine.stream().mapToDouble(Best::level).toArray();
            double[] y = mine.stream().mapToDouble(Best::value).toArray();
            series.add(new Figure.Series(m.label, x, y, true, true, color));
            if (ds.equals("fmnist-hf")) {
                List<double[]> pts = new ArrayList<>();
                for (int i : PAPER.keySet()) {
                    double v = paperValue(ds, i, m.key);
                    if (!Double.isNaN(v)) {
                        pts.add(new double[] {FrequencyNoise.tau(i), v});
                    }
                }
                series.add(new Figure.Series(m.label + " (paper)", pts.stream().mapToDouble(p -> p[0]).toArray(),
                        pts.stream().mapToDouble(p -> p[1]).toArray(), false, true, color).asReference());
            }
            color++;
        }
        String xl = switch (s.dataset()) {
            case FMNIST_HF -> "noise strength τ (ratio of noise to image DCT norm)";
            case FMNIST_LF -> "low-frequency block replaced k (DCT coefficients per side)";
            case SYNTH -> "κ (signal-to-noise exponent: snr = d^κ)";
        };
        String title = switch (s.dataset()) {
            case FMNIST_HF -> "Fashion-MNIST, high-frequency noise";
            case FMNIST_LF -> "Fashion-MNIST, low-frequency noise";
            case SYNTH -> "Spiked covariates (d = 1024, d0 = 16)";
        };
        boolean networks = s.models().stream().anyMatch(m -> !m.kernel());
        title += String.format(Locale.ROOT, ": n = %d%s (%s scale)", s.nTrain(),
                networks ? String.format(Locale.ROOT, ", width %d, %d epochs", s.width(), s.epochs()) : "", s.scale());
        Figure.write(base, 1, 900, 560, List.of(new Figure.Panel(title, xl,
                error ? "normalised test error (test MSE / E[y²])" : "test accuracy (best over the reg grid)", false, false, series)));
    }

    /** Writes results.csv, best.csv, best.md and the figure into {@code dir}; returns the best rows. */
    static List<Best> summarize(Settings s, List<Sweep.Stage<NoiseJobs.SweepJob>> stages, Path root) {
        try {
            List<Row> rows = rows(stages, root);
            Map<Integer, Double> power = testPower(s, root);
            boolean error = !power.isEmpty();
            List<Best> best = best(rows, power);
            String csv = csv(rows, power);
            AtomicFile.write(root.resolve("results.csv"), t -> Files.writeString(t, csv, StandardCharsets.UTF_8));
            StringBuilder bc = new StringBuilder("noise_index,level,model,best,variant,reg_index,reg,paper\n");
            for (Best b : best) {
                bc.append(b.noiseIndex()).append(',').append(b.level()).append(',').append(b.model()).append(',').append(b.value()).append(',')
                        .append(b.row().variant()).append(',').append(b.row().regIndex()).append(',').append(b.row().reg()).append(',');
                double pv = paperValue(b.row().dataset(), b.noiseIndex(), b.model());
                bc.append(Double.isNaN(pv) ? "" : Double.toString(pv)).append('\n');
            }
            AtomicFile.write(root.resolve("best.csv"), t -> Files.writeString(t, bc, StandardCharsets.UTF_8));
            String md = markdown(datasetName(s.dataset()), s.models(), best, error);
            AtomicFile.write(root.resolve("best.md"), t -> Files.writeString(t, md, StandardCharsets.UTF_8));
            figure(root.resolve("noise"), s, best, error);
            return best;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What --dry-run prints: jobs per stage and model, the estimated time and the memory of the largest job. */
    public record Estimate(Map<String, Integer> jobs, int total, double seconds, long largestJobBytes, int pool, long budget) {
    }

    /**
     * Counted flops per second per thread assumed by the estimate, calibrated on whole sweeps here (Zen 5, 2 threads): the
     * quick Fashion-MNIST HF sweep (30 jobs, 2.5·10¹⁴ flops by the jobs' counts) ran in 886 s alone, 141 per thread; the
     * 60,000-point NT KRR job (1.7·10¹⁴ by its count) in 544 s, 157 (the counts include work the BLAS does in f32 at
     * twice the f64 rate).
     * 100·10⁹ leaves room for a loaded machine (the quick sweep took 1,583 s beside other builds: 79).
     */
    public static final double FLOPS_PER_THREAD = 100e9;

    public static Estimate estimate(Settings s, Path root, int cores) {
        List<Sweep.Stage<NoiseJobs.SweepJob>> stages = plan(s, root);
        Map<String, Integer> jobs = new LinkedHashMap<>();
        double flops = 0;
        long largest = 0;
        int total = 0;
        for (Sweep.Stage<NoiseJobs.SweepJob> st : stages) {
            for (NoiseJobs.SweepJob j : st.jobs()) {
                String k = st.name() + " " + (j instanceof NoiseJobs.FitJob f ? f.model() : j instanceof NoiseJobs.KrrJob kj ? kj.model() : "prep");
                jobs.merge(k, 1, Integer::sum);
                flops += j.flops();
                largest = Math.max(largest, j.bytes());
                total++;
            }
        }
        long budget = MemoryBudget.availableBytes();
        int pool = LocalTasks.poolSize(cores, s.threads(), largest, budget);
        double seconds = flops / (FLOPS_PER_THREAD * Math.min(cores, pool * s.threads()));
        return new Estimate(jobs, total, seconds, largest, pool, budget);
    }

    /** What an interrupted sweep must agree with to be resumed (sweep.json): every setting that shapes a job. */
    static Map<String, Object> key(Settings s) {
        Map<String, Object> k = new LinkedHashMap<>();
        k.put("--dataset", datasetName(s.dataset()));
        k.put("--scale", s.scale().toString());
        k.put("--levels", Arrays.toString(s.levels()));
        k.put("--models", s.models().stream().map(Model::toString).toList().toString());
        k.put("--regs", s.regIndices() == null ? "(the scale's)" : Arrays.toString(s.regIndices()));
        k.put("--n-train", Integer.toString(s.nTrain()));
        k.put("--n-test", Integer.toString(s.nTest()));
        k.put("--width", Integer.toString(s.width()));
        k.put("--epochs", Integer.toString(s.epochs()));
        k.put("--backend", s.backend());
        k.put("--threads-per-job", Integer.toString(s.threads()));
        return k;
    }

    private static void verifyResume(Path file, Map<String, Object> key) {
        Object saved;
        try {
            saved = dev.tangent.report.Json.parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new TangentException("--resume: " + file + " is missing or unreadable (" + e.getMessage() + "); run again with --overwrite");
        }
        if (!(saved instanceof Map<?, ?> m)) {
            throw new TangentException("--resume: " + file + ": expected a JSON object");
        }
        for (Map.Entry<String, Object> e : key.entrySet()) {
            Object was = m.get(e.getKey());
            if (!e.getValue().equals(was)) {
                throw new TangentException("--resume: the interrupted sweep ran with " + e.getKey() + " " + was + ", not " + e.getValue()
                        + "; pass the same options, or --overwrite to start again");
            }
        }
    }

    /**
     * Threads per job when none are given: all cores when the largest job needs more than 40% of the memory budget (it
     * runs alone anyway), else one (jobs side by side use the cores better than threads inside small GEMMs).
     */
    public static int defaultThreads(Settings s, int cores, long budget) {
        long largest = 0;
        for (Sweep.Stage<NoiseJobs.SweepJob> st : plan(s, Path.of("."))) {
            for (NoiseJobs.SweepJob j : st.jobs()) {
                largest = Math.max(largest, j.bytes());
            }
        }
        return largest > 0.4 * budget ? Math.max(1, cores) : 1;
    }

    /**
     * @param pool      workers of the local pool ({@link #run(Request, Context)}); 0 = {@link LocalTasks#poolSize} from the
     *                  cores and the memory plan (the only value with an executor of one's own, whose slots decide)
     * @param stopAfter stop after this many jobs as an interruption would (tests); −1 = never
     */
    public record Request(Settings settings, Output out, int pool, int stopAfter) {
    }

    /** @param pool jobs side by side: the local pool's workers, or the executor's task slots */
    public record Result(Settings settings, Sweep.Summary summary, List<Best> best, int pool, double seconds, Path root) {
    }

    /** Runs a sweep in a local pool of {@code r.pool()} workers (0: as many as the cores and the memory plan allow): see {@link #run(Request, Context, Tasks)}. */
    public static Result run(Request r, Context c) {
        return run(r, c, null);
    }

    /**
     * Runs a sweep into {@code --out}: the root is a run directory of tangent noise that keeps every finished job
     * through an interruption ({@code --resume} continues it, skipping them; a local run and a cluster's resume each
     * other); when every job is done, results.csv, best.csv, best.md, noise.png/svg and run.json, written here.
     *
     * @param tasks where the jobs run, one task each (Spark's executors, which must see {@code --out}); null: a
     *              {@link LocalTasks} pool, once the largest job is known to fit this machine's memory
     */
    public static Result run(Request r, Context c, Tasks tasks) {
        Settings s = r.settings();
        if (tasks != null && r.pool() != 0) {
            throw new TangentException("--jobs " + r.pool() + ": the executor (" + tasks.describe() + ") decides how many jobs run side by "
                    + "side; expected no --jobs");
        }
        RunDirectory.Plan plan = RunDirectory.check(r.out().path(), r.out().mode(), "--out", "noise", true);
        Path root = plan.dir();
        List<Sweep.Stage<NoiseJobs.SweepJob>> stages = plan(s, root);
        long largest = 0;
        String largestId = "";
        long disk = 0;
        for (Sweep.Stage<NoiseJobs.SweepJob> st : stages) {
            for (NoiseJobs.SweepJob j : st.jobs()) {
                if (j.bytes() > largest) {
                    largest = j.bytes();
                    largestId = j.id();
                }
                if (j instanceof NoiseJobs.PrepJob p) {
                    disk += 4L * ((long) p.n() + p.nTest()) * (p.d() + 1);
                }
            }
        }
        if (tasks == null) {
            MemoryBudget.require(largest, "the largest job of the sweep (" + largestId + ")");
        }
        plan.requireSpace(disk + (64L << 20), "the prepared datasets of every noise level");
        Tasks executor = tasks;
        if (executor == null) {
            int cores = Runtime.getRuntime().availableProcessors();
            executor = new LocalTasks(r.pool() > 0 ? r.pool() : LocalTasks.poolSize(cores, s.threads(), largest, MemoryBudget.availableBytes()));
        }
        int pool = executor.parallelism();
        long t0 = System.nanoTime();
        Map<String, Object> key = key(s);
        if (r.out().mode() == RunDirectory.Mode.RESUME) {
            verifyResume(root.resolve("sweep.json"), key);
        }
        try (RunDirectory dir = plan.open(c.reporter()::note)) {
            if (r.out().mode() != RunDirectory.Mode.RESUME) {
                // job directories left by an interrupted sweep (their checkpoints) belong to no listed run: start clean
                for (Sweep.Stage<NoiseJobs.SweepJob> st : stages) {
                    Checkpoint.delete(root.resolve(st.dir()));
                }
                dev.tangent.report.Json.writeFile(root.resolve("sweep.json"), key);
                dir.keep(root.resolve("sweep.json"));
            }
            Sweep.Summary sum = Sweep.run(stages, root, executor, r.stopAfter(), c.reporter(), dir::keep);
            List<Best> best = summarize(s, stages, root);
            double seconds = (System.nanoTime() - t0) / 1e9;
            Map<String, Object> run = new LinkedHashMap<>();
            run.put("command", "noise");
            run.put("dataset", datasetName(s.dataset()));
            run.put("scale", s.scale().toString());
            run.put("levels", s.levels());
            run.put("models", s.models().stream().map(Model::toString).toList());
            run.put("n_train", s.nTrain());
            run.put("n_test", s.nTest());
            run.put("width", s.width());
            run.put("epochs", s.epochs());
            Map<String, Object> regs = new LinkedHashMap<>();
            for (Model m : s.models()) {
                regs.put(m.key, Arrays.stream(s.regs(m)).map(x -> x[1]).toList());
            }
            run.put("regs", regs);
            run.put("poly_intercepts", Arrays.stream(s.polyC()).mapToObj(NoiseSweep::polyIntercept).toList());
            run.put("backend", s.backend());
            run.put("threads_per_job", s.threads());
            run.put("pool", pool);
            run.put("executor", executor.describe());
            run.put("jobs", sum.total());
            run.put("jobs_skipped_as_finished", sum.skipped());
            run.put("jobs_run", sum.ran());
            run.put("wall_seconds", seconds);
            run.put("job_seconds", sum.seconds());
            run.putAll(c.provenance().toJson());
            run.put("files", List.of("results.csv", "best.csv", "best.md", "noise.png", "noise.svg", "run.json", "sweep.json", "data/", "jobs/"));
            dev.tangent.report.Json.writeFile(dir.resolve("run.json"), run);
            dir.commit();
            return new Result(s, sum, best, pool, seconds, root);
        }
    }
}
