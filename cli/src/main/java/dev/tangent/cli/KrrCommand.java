package dev.tangent.cli;

import dev.tangent.TangentException;
import dev.tangent.data.Input;
import dev.tangent.experiment.Context;
import dev.tangent.experiment.KrrWorkflow;
import dev.tangent.experiment.Output;
import dev.tangent.experiment.RegGrid;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.machine.KernelRidge;
import dev.tangent.machine.RidgePlan;
import dev.tangent.memory.DType;
import dev.tangent.memory.MemoryBudget;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/** {@code tangent krr}: kernel ridge regression over a regularisation grid (paper B's Kernel_Fit, paper A's §4.5). */
@Command(name = "krr", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Fit kernel ridge regression over a whole regularisation grid, with many outputs.",
        description = {"Solve (K + shift I) X = Y for every value of --regs and every output: paper B's convention (shift = reg, "
                + "targets one-hot minus the label mean) or paper A's (shift = reg/2, targets as given). The solver comes from a "
                + "model of memory and time that --dry-run prints:",
                "  eigh      one eigendecomposition of K serves every reg",
                "  cholesky  a Cholesky factor per reg, or at a few anchor regs with",
                "            CG between; in place (K and its factor in one array)",
                "  cg        conjugate gradients with a Nystrom preconditioner, on",
                "            the stored Gram or matrix-free (Gram blocks recomputed)",
                "Every solve runs to the relative residual --tol; each reg is saved as soon as it is solved, so an interrupted "
                        + "run continues with --resume. Writes errors.csv and errors.npy (train MSE, train accuracy, test MSE, test "
                        + "accuracy per reg), regs.npy, reg_NN/coefficients.npy, the best reg's predictions and run.json (the plan, "
                        + "the residual and iterations of every reg, the time split)."},
        footer = {"", "Example (paper B, Fashion-MNIST, two-layer NTK):",
                "  tangent data prep --dataset fmnist-hf --noise-index 0 --out fm0",
                "  tangent krr --train fm0/X.npy --train-labels fm0/Y.npy \\",
                "      --test fm0/Xt.npy --test-labels fm0/Yt.npy --kernel ntk2 \\",
                "      --regs fmnist --out krr0"})
final class KrrCommand extends BaseCommand {
    @Mixin
    SourceOptions.Train train = new SourceOptions.Train();

    @Mixin
    SourceOptions.Test test = new SourceOptions.Test();

    @Mixin
    KernelOptions kernel = new KernelOptions();

    @Option(names = "--regs", required = true, paramLabel = "GRID",
            description = {"Regularisation values: a comma-separated list, lo:hi:count (count values log-spaced from lo to hi), or a "
                    + "grid of the papers: fmnist, fmnist-deep, cifar10, cifar2, synth (spec 7.5) or paper-a (spec 4.5)."})
    String regs;

    @Option(names = "--convention", defaultValue = "paper-b", paramLabel = "CONV", converter = Converters.Conventions.class,
            completionCandidates = Converters.Conventions.class,
            description = "paper-b: shift = reg, targets minus the label mean; paper-a: shift = reg/2, targets as given; one of "
                    + "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    KrrWorkflow.Convention convention;

    @Option(names = "--targets", defaultValue = "auto", paramLabel = "KIND", converter = Converters.TargetKinds.class,
            completionCandidates = Converters.TargetKinds.class,
            description = "one-hot: class ids 0..C-1 become C outputs (onehot also accepted); real: one output; auto: one-hot when the "
                    + "labels are ids of 3 or more classes; one of ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    dev.tangent.experiment.TargetKind targets;

    @Option(names = "--label-mean", paramLabel = "M",
            description = "Subtracted from the targets and added back to predictions (default: 1/C for one-hot targets under "
                    + "paper-b, 0.1 for 10 classes; else 0).")
    Double labelMean;

    @Option(names = "--solver", defaultValue = "auto", paramLabel = "SOLVER", converter = Converters.RidgeSolvers.class,
            completionCandidates = Converters.RidgeSolvers.class,
            description = "One of ${COMPLETION-CANDIDATES}; auto takes the fastest plan that fits in memory (default: ${DEFAULT-VALUE}).")
    RidgePlan.Family solver;

    @Option(names = "--dtype", defaultValue = "f32", paramLabel = "DTYPE", converter = Converters.Types.class,
            completionCandidates = Converters.Types.class,
            description = "Element type of the Gram and its factors, one of ${COMPLETION-CANDIDATES}; products, vectors and residuals "
                    + "are f64 either way (default: ${DEFAULT-VALUE}, paper B's).")
    DType dtype;

    @Option(names = "--tol", paramLabel = "TOL",
            description = "Stop each output of each reg at ||(K + shift I) x - y|| <= TOL ||y|| (default: 1e-6 for --dtype f32, "
                    + "1e-10 for f64).")
    Double tol;

    @Option(names = "--max-iterations", defaultValue = "1000", paramLabel = "N",
            description = "CG iterations at most; a reg that has not converged by then is reported as such (default: ${DEFAULT-VALUE}).")
    int maxIterations;

    @Option(names = "--factorizations", paramLabel = "K",
            description = "With --solver cholesky: all (one factor per reg), or K anchor regs with CG between (default: chosen by the "
                    + "time model).")
    String factorizations;

    @Option(names = "--nystrom-rank", paramLabel = "R",
            description = "With --solver cg: columns sampled for the Nystrom preconditioner (default: chosen by the time model).")
    Integer nystromRank;

    @Option(names = "--gram", defaultValue = "auto", paramLabel = "MODE",
            description = "Where K lives for cg: stored, matrix-free (blocks recomputed for every product, as many rows kept as "
                    + "memory allows) or auto (default: ${DEFAULT-VALUE}).")
    String gram;

    @Option(names = "--memory", paramLabel = "SIZE",
            description = "Memory the plan may use, e.g. 20G or 512M (default: what the system has available now).")
    String memory;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S",
            description = "Seed of the Nystrom column sample and of the sample the plan measures (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--dry-run", description = "Print the plan (every candidate's memory and time estimate) and stop; nothing is written.")
    boolean dryRun;

    @Option(names = "--resume", description = "Continue the interrupted run in --out: the regs it saved are verified and reused.")
    boolean resume;

    @Mixin
    BackendOptions compute = new BackendOptions();

    @Mixin
    PlanOutputOptions output = new PlanOutputOptions();

    @Mixin
    DataOptions data = new DataOptions();

    @Override
    void execute() {
        exclusive("--resume", "--overwrite", "--resume continues the run in --out, --overwrite replaces it");
        if (solver != RidgePlan.Family.CHOLESKY && solver != RidgePlan.Family.AUTO) {
            notApplicable("--factorizations", "to --solver " + solver + " (it applies to cholesky)");
        }
        if (solver != RidgePlan.Family.CG && solver != RidgePlan.Family.AUTO) {
            notApplicable("--nystrom-rank", "to --solver " + solver + " (it applies to cg)");
            if (!"auto".equals(gram) && !"stored".equals(gram)) {
                throw new TangentException("--gram " + gram + " does not apply to --solver " + solver + " (a matrix-free Gram is for cg)");
            }
        }
        if (maxIterations < 1) {
            throw new TangentException("--max-iterations must be >= 1, found " + maxIterations);
        }
        if (tol != null && (!(tol > 0) || tol >= 1)) {
            throw new TangentException("--tol must be in (0, 1), found " + tol);
        }
        if (nystromRank != null && nystromRank < 1) {
            throw new TangentException("--nystrom-rank must be >= 1, found " + nystromRank);
        }
        if (labelMean != null && !Double.isFinite(labelMean)) {
            throw new TangentException("--label-mean must be a finite number, found " + labelMean);
        }
        Boolean matrixFree = switch (gram.toLowerCase(Locale.ROOT)) {
            case "auto" -> null;
            case "stored" -> false;
            case "matrix-free" -> true;
            default -> throw new TangentException("--gram " + gram + ": expected one of stored, matrix-free, auto");
        };
        int fact = -1;
        if (factorizations != null) {
            if (factorizations.equalsIgnoreCase("all")) {
                fact = 0;
            } else {
                try {
                    fact = Integer.parseInt(factorizations.strip());
                } catch (NumberFormatException e) {
                    throw new TangentException("--factorizations " + factorizations + ": expected all or a number of anchor regs >= 1");
                }
                if (fact < 1) {
                    throw new TangentException("--factorizations " + factorizations + ": expected all or a number of anchor regs >= 1");
                }
            }
        }
        long mem = memory == null ? -1 : parseSize(memory);
        KernelSpec ks = kernel.spec(this, null);
        RegGrid grid = RegGrid.parse(regs);
        data.checkEffective(Arrays.asList(train.spec, test.spec), new boolean[] {train.limit != null, test.limit != null},
                "--train-limit", "--test-limit");
        Input tr = train.input(data);
        Input te = test.input(this, data, false);
        Output out = output.output(spec, dryRun, resume);
        KrrWorkflow.Solve solve = new KrrWorkflow.Solve(solver, dtype, tol == null ? Double.NaN : tol, maxIterations, fact,
                nystromRank == null ? 0 : nystromRank, matrixFree, mem, seed);
        KrrWorkflow.Targets tg = new KrrWorkflow.Targets(convention, targets, labelMean == null ? Double.NaN : labelMean);
        Context ctx = context(compute);
        KrrWorkflow.Result r = KrrWorkflow.run(new KrrWorkflow.Request(tr, te, data.normalize, ks, grid, tg, solve, dryRun, out), ctx);
        if (dryRun) {
            printPlan(r, grid);
            return;
        }
        out().printf(Locale.ROOT, "krr on %d training points (%s), %d test, %d output%s (%s, label mean %s), %s%n", r.n(), ks, r.nTest(),
                r.outputs(), r.outputs() == 1 ? "" : "s", r.targets(), r.labelMean(), r.plan().chosen().name());
        out().printf(Locale.ROOT, "  %-10s %-10s %-10s %-10s %-10s %-9s %5s%n", "reg", "train mse", "train acc", "test mse", "test acc", "residual",
                "iters");
        for (int q = 0; q < r.regs().size(); q++) {
            KrrWorkflow.Reg g = r.regs().get(q);
            out().printf(Locale.ROOT, "%s %-10.4g %-10.4g %-10s %-10.4g %-10s %-9.2e %5d%s%n", q == r.best() ? "*" : " ", g.reg(), g.trainMse(),
                    pct(g.trainAccuracy()), g.testMse(), pct(g.testAccuracy()), g.residual(), g.iterations(), g.converged() ? "" : "  not converged: " + g.stop());
        }
        Map<String, Double> s = r.seconds();
        out().printf(Locale.ROOT, "time: Gram %.1f s, factorizations %.1f s, iterations %.1f s, predictions %.1f s, total %.1f s -> %s%n",
                s.getOrDefault("gram", 0.0), s.getOrDefault("factorizations", 0.0), s.getOrDefault("iterations", 0.0),
                s.getOrDefault("predictions", 0.0), s.getOrDefault("total", 0.0), r.out());
    }

    private void printPlan(KrrWorkflow.Result r, RegGrid grid) {
        RidgePlan.Choice c = r.plan();
        out().printf(Locale.ROOT, "krr plan: n = %d training points, %d test, %d output%s, %d regs, memory budget %s%n", r.n(), r.nTest(),
                r.outputs(), r.outputs() == 1 ? "" : "s", grid.values().length, MemoryBudget.human(c.budget()));
        RidgePlan.Rates rt = c.rates();
        out().printf(Locale.ROOT, "measured: f64 GEMM %.0f GFLOP/s, Cholesky %.0f GFLOP/s, Gram %.2f ns/entry, product %.2f ns/entry; "
                        + "spectrum estimate lambda_max %.3g, lambda_min %.3g%n", rt.gemm64() / 1e9, rt.potrf() / 1e9, rt.gramEntry() * 1e9,
                rt.widen() * 1e9, c.spectrum().lambdaMax(), c.spectrum().lambdaMin());
        out().printf(Locale.ROOT, "%-3s %-10s %-9s  %s%n", "", "memory", "time", "candidate");
        for (RidgePlan.Candidate k : c.candidates()) {
            out().printf(Locale.ROOT, "%-3s %-10s %-9s  %s%s%n", k == c.chosen() ? "->" : "", MemoryBudget.human(k.bytes()),
                    duration(k.totalSeconds()), k.name(), k.feasible() ? "" : " (no: " + k.why() + ")");
        }
        RidgePlan.Candidate k = c.chosen();
        out().printf(Locale.ROOT, "chosen: %s; %s, estimated %s (Gram %s, factorizations %s, iterations %s, predictions %s)%n", k.name(),
                MemoryBudget.human(k.bytes()), duration(k.totalSeconds()), duration(k.seconds().get("gram")),
                duration(k.seconds().get("factorizations")), duration(k.seconds().get("iterations")), duration(k.seconds().get("predictions")));
        double[] v = grid.values();
        for (KernelRidge.Group g : k.settings().groups()) {
            StringBuilder sb = new StringBuilder();
            for (int i : g.shifts()) {
                sb.append(String.format(Locale.ROOT, " %.3g (%d)", v[i], k.iterations()[i]));
            }
            out().printf(Locale.ROOT, "  %s%s: regs (estimated iterations)%s%n", g.method(), g.anchor() >= 0
                    ? String.format(Locale.ROOT, " at reg %.3g", v[g.anchor()]) : "", sb);
        }
    }

    private static String duration(double s) {
        return s < 120 ? String.format(Locale.ROOT, "%.1f s", s) : String.format(Locale.ROOT, "%.1f min", s / 60);
    }

    private static String pct(double a) {
        return Double.isNaN(a) ? "n/a" : String.format(Locale.ROOT, "%.2f%%", 100 * a);
    }

    /** "20G", "512M", "1.5g", or bytes. */
    static long parseSize(String s) {
        String t = s.strip().toUpperCase(Locale.ROOT);
        long mult = 1;
        if (t.endsWith("B")) {
            t = t.substring(0, t.length() - 1);
        }
        if (t.endsWith("K")) {
            mult = 1L << 10;
        } else if (t.endsWith("M")) {
            mult = 1L << 20;
        } else if (t.endsWith("G")) {
            mult = 1L << 30;
        } else if (t.endsWith("T")) {
            mult = 1L << 40;
        }
        if (mult > 1) {
            t = t.substring(0, t.length() - 1);
        }
        try {
            double v = Double.parseDouble(t);
            if (!(v > 0) || Double.isInfinite(v)) {
                throw new NumberFormatException();
            }
            return (long) (v * mult);
        } catch (NumberFormatException e) {
            throw new TangentException("--memory " + s + ": expected a size such as 20G, 512M or a number of bytes");
        }
    }
}
