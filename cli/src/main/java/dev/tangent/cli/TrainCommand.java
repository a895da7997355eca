package dev.tangent.cli;

import dev.tangent.TangentException;
import dev.tangent.data.Input;
import dev.tangent.experiment.Context;
import dev.tangent.experiment.Schedule;
import dev.tangent.experiment.TrainWorkflow;
import dev.tangent.experiment.TrainWorkflow.Method;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.machine.SubgradientSolver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** {@code tangent train}: fit a kernel machine with the analytic NTK (paper A, spec §4). */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Fit a kernel machine (KRR, SVM, SVR, logistic) with the analytic NTK or NNGP.",
        description = {"Fit g(x) = sum_i alpha_i K(x, x_i) with the analytic NTK/NNGP of --depth hidden ReLU layers:",
                "  krr       alpha = (K + lambda/2 I)^-1 y (paper A's convention), by Cholesky;",
                "            --lambdas fits several from one Gram",
                "  svm-sgd   paper A's stochastic subgradient SVM (hinge loss)",
                "  sq-hinge, svr-sgd, logistic: the other losses of Table 1, same update",
                "  svm-smo   the exact C-SVC dual (LIBSVM's SMO), C = --c or 1/(lambda n)",
                "  svr-smo   the exact epsilon-SVR dual, likewise",
                "Writes the model directory (model.json, alpha.npy, x_train.npy, y_train.npy), the trace of the subgradient "
                        + "methods (its last point is the final model) and run.json. Options that do not apply to the method "
                        + "are errors."},
        footer = {"", "Example (paper A, MNIST 0 vs 1):",
                "  tangent train --method svm-sgd --train mnist:DIR:train \\",
                "      --test mnist:DIR:test --classes 0,1 --depth 1 --lambda 0.001 --lr 1 \\",
                "      --batch 64 --epochs 300 --seed 6 --out runs/svm"})
final class TrainCommand extends BaseCommand {
    @Option(names = "--method", required = true, paramLabel = "METHOD", converter = Converters.Methods.class,
            completionCandidates = Converters.Methods.class, description = "One of ${COMPLETION-CANDIDATES}.")
    Method method;

    @Mixin
    SourceOptions.Train train = new SourceOptions.Train();

    @Mixin
    SourceOptions.Test test = new SourceOptions.Test();

    @Mixin
    KernelOptions kernel = new KernelOptions();

    @Option(names = {"--lambda", "--lambdas"}, split = ",", paramLabel = "LAMBDA",
            description = "Regularisation lambda; a comma-separated list for krr (default: 0.001, paper A).")
    List<Double> lambdas = new ArrayList<>(List.of(0.001));

    @Option(names = "--jitter", defaultValue = "0", paramLabel = "J", description = "Added to the diagonal, krr only (default: ${DEFAULT-VALUE}).")
    double jitter;

    @Option(names = "--lr", defaultValue = "1", paramLabel = "ETA",
            description = "Subgradient methods: the learning rate (default: ${DEFAULT-VALUE}, paper A).")
    double lr;

    @Option(names = "--batch", defaultValue = "64", paramLabel = "B",
            description = "Subgradient methods: the mini-batch size; 0 = full batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--epochs", defaultValue = "300", paramLabel = "E",
            description = "Subgradient methods: epochs (default: ${DEFAULT-VALUE}, paper A's svm_sgd.yaml).")
    int epochs;

    @Option(names = "--seed", defaultValue = "6", paramLabel = "S",
            description = "Subgradient methods: the seed of the batch permutations (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--natural-order", description = "Subgradient methods: batches in the data's order instead of seeded shuffles.")
    boolean naturalOrder;

    @Option(names = "--km-decay", defaultValue = "batch", paramLabel = "DECAY", converter = Converters.Decays.class,
            completionCandidates = Converters.Decays.class,
            description = "Subgradient methods: shrink only the batch's alphas (batch, the reference code) or all (all), "
                    + "one of ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    SubgradientSolver.Decay decay;

    @Option(names = "--epsilon", defaultValue = "0.1", paramLabel = "EPS",
            description = "The width of the epsilon-insensitive tube, svr-sgd and svr-smo (default: ${DEFAULT-VALUE}).")
    double epsilon;

    @Option(names = "--c", paramLabel = "C", description = "C of svm-smo and svr-smo (default: 1/(lambda n), the mean-loss objective).")
    Double c;

    @Option(names = "--tol", defaultValue = "1e-3", paramLabel = "TOL",
            description = "The stopping tolerance of svm-smo and svr-smo, LIBSVM's -e (default: ${DEFAULT-VALUE}).")
    double tol;

    @Mixin
    BackendOptions compute = new BackendOptions();

    @Mixin
    OutputOptions output = new OutputOptions();

    @Mixin
    DataOptions data = new DataOptions();

    private static final List<String> SGD = List.of("--lr", "--batch", "--epochs", "--seed", "--natural-order", "--km-decay");

    @Override
    void execute() {
        String to = "to --method " + method;
        if (!method.sgd()) {
            for (String o : SGD) {
                notApplicable(o, to + " (it applies to the subgradient methods svm-sgd, sq-hinge, svr-sgd and logistic)");
            }
        }
        if (method != Method.KRR) {
            notApplicable("--jitter", to + " (it applies to krr)");
        }
        if (method != Method.SVR_SGD && method != Method.SVR_SMO) {
            notApplicable("--epsilon", to + " (it applies to svr-sgd and svr-smo)");
        }
        if (!method.smo()) {
            notApplicable("--c", to + " (it applies to svm-smo and svr-smo; the other methods take --lambda)");
            notApplicable("--tol", to + " (it applies to svm-smo and svr-smo)");
        } else {
            exclusive("--c", "--lambda", "C = --c, or C = 1/(lambda n) from --lambda; give one");
        }
        if (batch < 0) {
            throw new TangentException("--batch must be >= 0 (0 = full batch), found " + batch);
        }
        KernelSpec ks = kernel.spec(this, null);
        data.checkEffective(Arrays.asList(train.spec, test.spec), new boolean[] {train.limit != null, test.limit != null},
                "--train-limit", "--test-limit");
        Input tr = train.input(data);
        Input te = test.input(this, data, false);
        Schedule schedule = method.sgd() ? new Schedule(lr, batch == 0 ? Integer.MAX_VALUE : batch, epochs, seed, !naturalOrder, decay) : null;
        TrainWorkflow.Objective objective = new TrainWorkflow.Objective(lambdas, c == null ? Double.NaN : c, epsilon, jitter, tol);
        Context ctx = context(compute);
        TrainWorkflow.Result r = TrainWorkflow.run(new TrainWorkflow.Request(tr, te, data.normalize, ks, method, objective, schedule,
                output.output()), ctx);
        out().printf(Locale.ROOT, "%s on %d training points (%s), Gram %.2f s, fit %.2f s%n", method, r.nTrain(), ks, r.gramSeconds(),
                r.fitSeconds());
        for (TrainWorkflow.Fit f : r.fits()) {
            out().printf(Locale.ROOT, "  lambda %-8s train loss %.6g acc %s%s  -> %s%n", f.lambda(), f.trainLoss(), pct(f.trainAccuracy()),
                    r.nTest() > 0 ? String.format(Locale.ROOT, " | test loss %.6g acc %s", f.testLoss(), pct(f.testAccuracy())) : "",
                    f.dir());
        }
    }

    private static String pct(double a) {
        return Double.isNaN(a) ? "n/a" : String.format(Locale.ROOT, "%.2f%%", 100 * a);
    }
}
