package dev.tangent.cli;

import dev.tangent.TangentException;
import dev.tangent.compute.KernelProviders;
import dev.tangent.data.DataSource;
import dev.tangent.experiment.TrainWorkflow;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.machine.SubgradientSolver;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** {@code tangent train}: fit a kernel machine with the analytic NTK (paper A, spec §4). */
@Command(name = "train", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Fit g(x) = sum_i alpha_i K(x, x_i) with the analytic NTK/NNGP of --depth hidden ReLU layers.",
                "  krr       alpha = (K + lambda/2 I)^-1 y (paper A's convention), Cholesky; --lambdas fits several",
                "  svm-sgd   paper A's stochastic subgradient SVM (hinge); sq-hinge, svr-sgd, logistic: the other",
                "            losses of Table 1 with the same update",
                "  svm-smo   the exact C-SVC dual (LIBSVM's SMO); svr-smo the exact epsilon-SVR; C = --c or 1/(lambda n)",
                "Writes the model directory (model.json, alpha.npy, x_train.npy, y_train.npy), traces and run.json."},
        footer = {"", "Example (paper A, MNIST 0 vs 1):",
                "  tangent train --method svm-sgd --train mnist:DIR:train --test mnist:DIR:test --classes 0,1 \\",
                "      --depth 1 --lambda 0.001 --lr 1 --batch 64 --epochs 300 --seed 6 --out runs/svm"})
final class TrainCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @ParentCommand
    Main parent;

    @Option(names = "--method", required = true, paramLabel = "M", description = "krr, svm-sgd, svm-smo, svr-smo, sq-hinge, svr-sgd or logistic.")
    String method;

    @Option(names = "--train", required = true, paramLabel = "SPEC", description = "Training data spec.")
    String train;

    @Option(names = "--train-labels", paramLabel = "Y.npy", description = "Targets for a .npy --train.")
    Path trainLabels;

    @Option(names = "--test", paramLabel = "SPEC", description = "Test data spec (evaluated along training and at the end).")
    String test;

    @Option(names = "--test-labels", paramLabel = "Y.npy", description = "Targets for a .npy --test.")
    Path testLabels;

    @picocli.CommandLine.Mixin
    KernelOptions kernel = new KernelOptions();

    @Option(names = {"--lambda", "--lambdas"}, split = ",", paramLabel = "LAMBDA",
            description = "Regularisation lambda; a list for krr (default: 0.001, paper A).")
    List<Double> lambdas = new ArrayList<>(List.of(0.001));

    @Option(names = "--jitter", defaultValue = "0", paramLabel = "J", description = "krr: added to the diagonal (default: ${DEFAULT-VALUE}).")
    double jitter;

    @Option(names = "--lr", defaultValue = "1", paramLabel = "ETA", description = "Learning rate (default: ${DEFAULT-VALUE}, paper A).")
    double lr;

    @Option(names = "--batch", defaultValue = "64", paramLabel = "B", description = "Mini-batch size; 0 = full batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--epochs", defaultValue = "300", paramLabel = "E", description = "Epochs (default: ${DEFAULT-VALUE}, svm_sgd.yaml).")
    int epochs;

    @Option(names = "--seed", defaultValue = "6", paramLabel = "S", description = "Seed of the batch permutations (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--natural-order", description = "Batches in the data's order instead of seeded shuffles.")
    boolean naturalOrder;

    @Option(names = "--decay", defaultValue = "batch", paramLabel = "batch|all",
            description = "Shrink only the batch's alphas (reference code) or all (default: ${DEFAULT-VALUE}).")
    String decay;

    @Option(names = "--epsilon", defaultValue = "0.1", paramLabel = "EPS", description = "svr tube width (default: ${DEFAULT-VALUE}).")
    double epsilon;

    @Option(names = "--c", paramLabel = "C", description = "svm-smo/svr-smo: C (default: 1/(lambda n), the mean-loss objective).")
    Double c;

    @Option(names = "--tol", defaultValue = "1e-3", paramLabel = "EPS", description = "svm-smo/svr-smo stopping tolerance, LIBSVM's -e (default: ${DEFAULT-VALUE}).")
    double tol;

    @Mixin
    BackendOptions compute = new BackendOptions();

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    Path out;

    @Mixin
    DataOptions data = new DataOptions();

    @Override
    public void run() {
        TrainWorkflow.Method m;
        try {
            m = TrainWorkflow.Method.parse(method);
        } catch (IllegalArgumentException e) {
            throw new TangentException("--method " + method + ": " + e.getMessage());
        }
        SubgradientSolver.Decay dec = switch (decay.toLowerCase(Locale.ROOT)) {
            case "batch" -> SubgradientSolver.Decay.BATCH;
            case "all" -> SubgradientSolver.Decay.ALL;
            default -> throw new TangentException("--decay " + decay + ": expected batch or all");
        };
        for (double l : lambdas) {
            if (!(l >= 0) || Double.isInfinite(l)) {
                throw new TangentException("--lambda must be finite and >= 0, found " + l);
            }
        }
        if (batch < 0) {
            throw new TangentException("--batch must be >= 0, found " + batch);
        }
        KernelSpec ks = kernel.spec(null);
        PrintWriter err = spec.commandLine().getErr();
        KernelProviders.Selection sel = compute.select(err, "train", parent.verbose);
        try (ProgressBar bar = new ProgressBar(err, "train", m != TrainWorkflow.Method.KRR && !m.toString().endsWith("smo"))) {
            TrainWorkflow.Result r = TrainWorkflow.run(new TrainWorkflow.Request(data.source(train, trainLabels, "--train"),
                    test == null ? null : data.source(test, testLabels, "--test"),
                    data.selection(), data.normalize, ks, m, lambdas, jitter, lr, batch == 0 ? Integer.MAX_VALUE : batch, epochs,
                    seed, !naturalOrder, dec, epsilon, c == null ? Double.NaN : c, tol, sel.provider(), out, (s, t) -> bar.update(s, t, "steps")));
            bar.close();
            PrintWriter o = spec.commandLine().getOut();
            o.printf(Locale.ROOT, "%s on %d training points (%s), Gram %.2f s, fit %.2f s%n", m, r.nTrain(), ks, r.gramSeconds(), r.fitSeconds());
            for (TrainWorkflow.Fit f : r.fits()) {
                o.printf(Locale.ROOT, "  lambda %-8s train loss %.6g acc %s%s  -> %s%n", f.lambda(), f.trainLoss(), pct(f.trainAccuracy()),
                        r.nTest() > 0 ? String.format(Locale.ROOT, " | test loss %.6g acc %s", f.testLoss(), pct(f.testAccuracy())) : "",
                        f.dir());
            }
        }
    }

    private static String pct(double a) {
        return Double.isNaN(a) ? "n/a" : String.format(Locale.ROOT, "%.2f%%", 100 * a);
    }
}
