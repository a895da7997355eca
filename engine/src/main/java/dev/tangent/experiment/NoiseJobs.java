package dev.tangent.experiment;

import dev.tangent.compute.KernelProviders;
import dev.tangent.data.DataSource;
import dev.tangent.data.Input;
import dev.tangent.data.Normalization;
import dev.tangent.data.Selection;
import dev.tangent.io.RunDirectory;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import dev.tangent.network.BatchOrder;
import dev.tangent.network.EpochSchedule;
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
 * The jobs of a noise sweep ({@link NoiseSweep}), each an immutable, serialisable {@link Job} whose fields are all it
 * needs: strings, numbers and the absolute path of its prepared dataset, so that a Spark executor runs it as the local
 * pool does. Three kinds:
 * <ul>
 *   <li>{@link PrepJob}: one dataset at one noise level ({@link PrepWorkflow}), the input of every model job at that
 *       level (stage 1 of a sweep);</li>
 *   <li>{@link FitJob}: one finite-width model (nn, rf, nt) at one regularisation value ({@link FitWorkflow}): a first-order
 *       fit costs the same whatever the reg, so the grid is one job per value;</li>
 *   <li>{@link KrrJob}: one kernel (rf-krr, nt-krr, linear, quadratic) with its whole regularisation grid: the Gram is
 *       computed once and every reg is a solve of the same matrix, so splitting the grid would recompute the Gram.</li>
 * </ul>
 * Every job computes with the provider named by its {@code backend} and {@code threads} fields: the same job gives the
 * same bits wherever it runs as long as these are the same.
 */
public final class NoiseJobs {
    private NoiseJobs() {
    }

    /** A job of a sweep: besides running, it reads its own results back from its finished directory. */
    public sealed interface SweepJob extends Job permits PrepJob, FitJob, KrrJob {
        /** Bytes of memory the job needs at its peak (the local pool's sizing). */
        long bytes();

        /** Floating-point operations, roughly (--dry-run's time estimate). */
        double flops();

        /** The result rows of a finished job's directory (none for a data job). */
        List<NoiseSweep.Row> rows(Path dir) throws IOException;
    }

    /** How a job opens its directory: new, the previous interrupted run continued (checkpoints kept), or replaced. */
    static RunDirectory.Mode mode(Path dir, String command) {
        RunDirectory.State s = RunDirectory.inspect(dir);
        if (!s.exists()) {
            return RunDirectory.Mode.NEW;
        }
        return s.resumable() && command.equals(s.command()) ? RunDirectory.Mode.RESUME : RunDirectory.Mode.OVERWRITE;
    }

    static Context context(String backend, int threads, Reporter reporter, Map<String, Object> description) {
        KernelProviders.Selection sel = KernelProviders.select(backend, threads);
        return new Context(sel.provider(), new Provenance(NoiseSweep.version(), "unknown", "(tangent noise job)", description), reporter);
    }

    /**
     * One noise level of one dataset: X.npy, Y.npy, Xt.npy, Yt.npy and run.json ({@code tangent data prep}'s files).
     *
     * @param n     training samples (Fashion-MNIST: the first n; synth: generated), −1 = the paper's
     * @param nTest test samples, −1 = the paper's
     */
    public record PrepJob(String dataset, int noiseIndex, int n, int nTest, int d, String backend, int threads) implements SweepJob {
        @Override
        public String id() {
            return String.format(Locale.ROOT, "%s-%02d-n%d-t%d", dataset, noiseIndex, n, nTest);
        }

        @Override
        public void run(Path dir, Reporter reporter) {
            Map<String, Object> desc = new LinkedHashMap<>();
            desc.put("job", id());
            PrepWorkflow.run(new PrepWorkflow.Request(PrepWorkflow.parseKind(dataset), noiseIndex, n, nTest,
                    new Output(dir, mode(dir, "data prep") == RunDirectory.Mode.NEW ? RunDirectory.Mode.NEW : RunDirectory.Mode.OVERWRITE)),
                    context(backend, threads, reporter, desc));
        }

        @Override
        public long bytes() {
            long rows = (long) Math.max(n, 0) + Math.max(nTest, 0);
            return rows * d * 8L * 2 + (256L << 20);
        }

        @Override
        public double flops() {
            return ((double) Math.max(n, 0) + Math.max(nTest, 0)) * d * 60; // a DCT pair per image, a few passes
        }

        @Override
        public List<NoiseSweep.Row> rows(Path dir) {
            return List.of();
        }
    }

    /**
     * One finite-width model at one regularisation value, trained by {@link FitWorkflow} as the reference trains it:
     * Adam (rf, nt) or momentum (nn) with the warm-up-then-cosine schedule, or CG on the normal equations (rf and nt on
     * the synthetic data, as train.py does).
     *
     * @param data      absolute path of the prepared dataset's directory (a {@link PrepJob}'s)
     * @param solver    adam, momentum or cg
     * @param firstBatch the batch before epoch 15 ({@code batch} from then on)
     */
    public record FitJob(String data, String dataset, int noiseIndex, double level, String model, int regIndex, double reg, int width,
                         int epochs, String solver, int firstBatch, int batch, int maxBatch, long seed, int n, int nTest, int d, int outputs,
                         String backend, int threads) implements SweepJob {
        @Override
        public String id() {
            return String.format(Locale.ROOT, "%s-%02d-%s-w%d-e%d-n%d-reg%02d", dataset, noiseIndex, model, width, epochs, n, regIndex);
        }

        @Override
        public void run(Path dir, Reporter reporter) {
            FitWorkflow.ModelKind kind = FitWorkflow.ModelKind.valueOf(model.toUpperCase(Locale.ROOT));
            FitWorkflow.Solver s = FitWorkflow.Solver.valueOf(solver.toUpperCase(Locale.ROOT));
            boolean nn = kind == FitWorkflow.ModelKind.NN;
            Path p = Path.of(data);
            Input train = new Input(DataSource.parse(p.resolve("X.npy").toString(), p.resolve("Y.npy"), "--train"), Selection.ALL, "--train");
            Input test = new Input(DataSource.parse(p.resolve("Xt.npy").toString(), p.resolve("Yt.npy"), "--test"), Selection.ALL, "--test");
            EpochSchedule schedule = new EpochSchedule(0.001, epochs, firstBatch, firstBatch == batch ? 0 : EpochSchedule.WARMUP, batch);
            BatchOrder order = new BatchOrder(nn ? BatchOrder.Shuffle.BUFFER : BatchOrder.Shuffle.NONE, 128, false, 91, false);
            Map<String, Object> desc = new LinkedHashMap<>();
            desc.put("job", id());
            desc.put("data", data);
            FitWorkflow.run(new FitWorkflow.Request(train, test, Normalization.NONE,
                    new FitWorkflow.Model(kind, width, 1, DType.F32, seed), new FitWorkflow.Targets(TargetKind.AUTO, null),
                    new FitWorkflow.Training(s, reg, schedule, maxBatch, order, FitWorkflow.FeatureCache.AUTO), FitWorkflow.Cg.REFERENCE,
                    new FitWorkflow.Checkpoints(Math.max(1, epochs / 20), -1), new Output(dir, mode(dir, "fit"))),
                    context(backend, threads, reporter, desc));
        }

        long parameters() {
            return FitWorkflow.parameters(new FitWorkflow.Model(FitWorkflow.ModelKind.valueOf(model.toUpperCase(Locale.ROOT)), width, 1,
                    DType.F32, seed), d, outputs);
        }

        @Override
        public long bytes() {
            long b = Math.max(maxBatch, batch);
            return (long) (n + nTest) * d * 4 + parameters() * 4 * 5 + b * width * 4L * 6 + (long) (n + nTest) * width * 4
                    + (long) d * width * 4 + (384L << 20);
        }

        @Override
        public double flops() {
            double perSample = switch (model) {
                case "nt" -> 6.0 * d * width;        // forward XW, backward through G, the gradient of G
                case "rf" -> 2.0 * width * outputs * 3; // features cached: only the read-out
                default -> 6.0 * d * width + 6.0 * width * outputs;
            };
            double cache = model.equals("nn") ? 0 : 2.0 * (n + nTest) * d * width;
            return cache + (double) epochs * (n + Math.min(nTest, maxBatch)) * perSample + 2.0 * (n + nTest) * perSample / 3;
        }

        @Override
        public List<NoiseSweep.Row> rows(Path dir) throws IOException {
            @SuppressWarnings("unchecked")
            Map<String, Object> run = (Map<String, Object>) Json.parse(Files.readString(dir.resolve("run.json"), StandardCharsets.UTF_8));
            double testLoss = number(run.get("test_loss"));
            return List.of(new NoiseSweep.Row(dataset, noiseIndex, level, model, regIndex, reg, "width " + width,
                    number(run.get("train_loss")), number(run.get("train_accuracy")), testLoss, number(run.get("test_accuracy"))));
        }
    }

    private static double number(Object o) {
        return o instanceof Number x ? x.doubleValue() : Double.NaN;
    }

    /**
     * One kernel's ridge regression over a whole regularisation grid, by {@link KrrWorkflow} (spec §7.5, Kernel_Fit.py):
     * the training Gram once, (K + reg·I)X = Y − mean for every reg (one-hot − 0.1 for ten classes, y for one real
     * output), predictions K X + mean, per reg the train and test mean square error and accuracy in {@code errors.csv}.
     * Every reg is saved as it is solved, so an interrupted job continues from its last reg. The memory the plan may use
     * is a field, so that the plan does not depend on the executor; with {@code solver} cholesky (a factor per reg, the
     * quick scale's) the job gives the same bits everywhere, with auto (the planner's choice from measured rates: the
     * paper scale's, where 20 factorisations of n = 60,000 would take hours) the same results within the solver's
     * tolerance.
     *
     * @param kernel    the kernel spec (ntk2, rf2, poly(c,p))
     * @param variant   the polynomial intercept's index (linear, quadratic), −1 otherwise
     * @param regIndex  each reg's index in the reference's grid
     * @param dtype     of the Gram and the factors: f64 where two Grams fit in 8 GiB, else f32 as the reference
     * @param memory    bytes the ridge plan may use, the Gram included (tangent krr's --memory)
     * @param solver    cholesky (a factor per reg) or auto ({@link dev.tangent.machine.RidgePlan}'s choice)
     */
    public record KrrJob(String data, String dataset, int noiseIndex, double level, String model, String kernel, int variant, int[] regIndex,
                         double[] regs, String dtype, long memory, String solver, int n, int nTest, int d, int outputs, String backend, int threads)
            implements SweepJob {
        @Override
        public String id() {
            return String.format(Locale.ROOT, "%s-%02d-%s%s-n%d", dataset, noiseIndex, model, variant >= 0 ? "-c" + variant : "", n);
        }

        @Override
        public void run(Path dir, Reporter reporter) {
            Map<String, Object> desc = new LinkedHashMap<>();
            desc.put("job", id());
            desc.put("data", data);
            Path p = Path.of(data);
            Input train = new Input(DataSource.parse(p.resolve("X.npy").toString(), p.resolve("Y.npy"), "--train"), Selection.ALL, "--train");
            Input test = new Input(DataSource.parse(p.resolve("Xt.npy").toString(), p.resolve("Yt.npy"), "--test"), Selection.ALL, "--test");
            KrrWorkflow.run(new KrrWorkflow.Request(train, test, Normalization.NONE, KernelSpec.parse(kernel),
                    new RegGrid(java.util.Arrays.toString(regs), regs.clone()),
                    new KrrWorkflow.Targets(KrrWorkflow.Convention.PAPER_B, TargetKind.AUTO, Double.NaN),
                    new KrrWorkflow.Solve(dev.tangent.machine.RidgePlan.Family.valueOf(solver.toUpperCase(Locale.ROOT)), DType.parse(dtype),
                            Double.NaN, 1000, solver.equals("cholesky") ? 0 : -1, 0, null, memory, 0), false, new Output(dir, mode(dir, "krr"))),
                    context(backend, threads, quietRegs(reporter), desc));
        }

        /**
         * The sweep's reporter without tangent krr's one note per solved reg (a sweep would print hundreds; errors.csv and
         * the job's run.json keep every reg's residual and iterations), except a reg that did not converge.
         */
        private static Reporter quietRegs(Reporter r) {
            return new Reporter() {
                @Override
                public void progress(String phase, String unit, long done, long total) {
                    r.progress(phase, unit, done, total);
                }

                @Override
                public void note(String line) {
                    if (!line.startsWith("reg ") || line.contains("NOT converged")) {
                        r.note(line);
                    }
                }
            };
        }

        @Override
        public long bytes() {
            return memory;
        }

        @Override
        public double flops() {
            // cholesky: a factor per reg; auto: about two factors and 15 CG iterations per reg (what RidgePlan chose for
            // Fashion-MNIST at n = 60,000: one factor, Nystrom-preconditioned CG above reg 616)
            double factors = solver.equals("cholesky") ? regs.length : 2;
            double iterations = solver.equals("cholesky") ? 2 : 15;
            return (double) n * (n + 2.0 * nTest) * d + factors * n * n * (double) n / 3
                    + regs.length * iterations * 2.0 * n * n * outputs + 2.0 * (n + nTest) * n * outputs * regs.length;
        }

        @Override
        public List<NoiseSweep.Row> rows(Path dir) throws IOException {
            List<NoiseSweep.Row> rows = new ArrayList<>();
            List<String> lines = Files.readAllLines(dir.resolve("errors.csv"), StandardCharsets.UTF_8);
            for (String l : lines.subList(1, lines.size())) {
                // index,reg,shift,train_mse,train_accuracy,test_mse,test_accuracy,...
                String[] f = l.split(",", 8);
                int i = Integer.parseInt(f[0]);
                rows.add(new NoiseSweep.Row(dataset, noiseIndex, level, model, regIndex[i], regs[i],
                        variant >= 0 ? "c " + NoiseSweep.polyIntercept(variant) : "", Double.parseDouble(f[3]), Double.parseDouble(f[4]),
                        Double.parseDouble(f[5]), Double.parseDouble(f[6])));
            }
            return rows;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof KrrJob j && j.id().equals(id()) && java.util.Arrays.equals(j.regs, regs) && java.util.Arrays.equals(j.regIndex,
                    regIndex) && j.data.equals(data) && j.kernel.equals(kernel) && j.dtype.equals(dtype) && j.memory == memory && j.solver.equals(solver)
                    && j.backend.equals(backend) && j.threads == threads;
        }

        @Override
        public int hashCode() {
            return id().hashCode();
        }

        @Override
        public String toString() {
            return "KrrJob[" + id() + ", " + kernel + ", " + dtype + ", regs " + java.util.Arrays.toString(regs) + "]";
        }
    }
}
