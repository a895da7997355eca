package dev.tangent.cli;

import dev.tangent.TangentException;
import dev.tangent.compute.KernelProviders;
import dev.tangent.data.DataSource;
import dev.tangent.experiment.EquivalenceWorkflow;
import dev.tangent.machine.Loss;
import dev.tangent.machine.SubgradientSolver;
import dev.tangent.memory.DType;
import dev.tangent.network.NetworkTrainer;
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

/** {@code tangent equivalence}: wide networks and their kernel machine trained side by side (paper A, spec §4.2–4.3). */
@Command(name = "equivalence", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train the kernel machine with the analytic NTK and networks of the given widths (NTK parameterisation,",
                "outputs centred by f(theta_0)) on one shared mini-batch stream; evaluate both at log-spaced steps.",
                "Writes the arrays (.npy), run.json, plot_sgd.png/svg (paper A's 4 panels) and, for several widths,",
                "gap_vs_width.png/svg: max over tracked points and steps of |f_NN - g_KM| against width, with its log-log slope."},
        footer = {"", "Defaults are paper A's svm_sgd.yaml (lambda 0.001, lr 1, batch 64, seed 6, width 10000), with 20 epochs.",
                "Tracked points default to numpy's RandomState(seed).choice(n_train, 5) and choice(n_test, 5), as the reference."})
final class EquivalenceCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @ParentCommand
    Main parent;

    @Option(names = "--train", required = true, paramLabel = "SPEC", description = "Training data spec.")
    String train;

    @Option(names = "--train-labels", paramLabel = "Y.npy", description = "Targets for a .npy --train.")
    Path trainLabels;

    @Option(names = "--test", required = true, paramLabel = "SPEC", description = "Test data spec.")
    String test;

    @Option(names = "--test-labels", paramLabel = "Y.npy", description = "Targets for a .npy --test.")
    Path testLabels;

    @Option(names = "--depth", defaultValue = "1", paramLabel = "L", description = "Hidden ReLU layers (default: ${DEFAULT-VALUE}).")
    int depth;

    @Option(names = {"--width", "--widths"}, split = ",", paramLabel = "M", description = "Network width(s) (default: 10000).")
    List<Integer> widths = new ArrayList<>(List.of(10000));

    @Option(names = "--loss", defaultValue = "hinge", paramLabel = "LOSS",
            description = "hinge, squared-hinge, svr, squared or logistic (default: ${DEFAULT-VALUE}).")
    String loss;

    @Option(names = "--epsilon", defaultValue = "0.1", description = "svr tube width (default: ${DEFAULT-VALUE}).")
    double epsilon;

    @Option(names = "--lambda", defaultValue = "0.001", description = "lambda (default: ${DEFAULT-VALUE}).")
    double lambda;

    @Option(names = "--lr", defaultValue = "1", description = "Learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--batch", defaultValue = "64", description = "Mini-batch size; 0 = full batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--epochs", defaultValue = "20", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--seed", defaultValue = "6", description = "Seed of init, batches and tracked points (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--nn-reg", defaultValue = "reference", paramLabel = "reference|paper|matched",
            description = "Network regulariser: (lambda/2)|w/sqrt(m)|^2 (reference code), (lambda/2)|w|^2 (paper), or "
                    + "(lambda/2)|theta - theta_0|^2 on all layers (matched: pairs with --km-decay all) (default: ${DEFAULT-VALUE}).")
    String nnReg;

    @Option(names = "--km-decay", defaultValue = "batch", paramLabel = "batch|all",
            description = "Kernel machine shrinks the batch's alphas (reference) or all (default: ${DEFAULT-VALUE}).")
    String kmDecay;

    @Option(names = "--nn-dtype", defaultValue = "f32", converter = Converters.Type.class,
            description = "Network weights and GEMMs (default: ${DEFAULT-VALUE}).")
    DType nnDtype;

    @Option(names = "--track-train", split = ",", paramLabel = "I", description = "Tracked training indices (default: numpy choice).")
    int[] trackTrain;

    @Option(names = "--track-test", split = ",", paramLabel = "I", description = "Tracked test indices (default: numpy choice).")
    int[] trackTest;

    @Option(names = "--config", paramLabel = "FILE.yaml",
            description = "Paper A's config file (e.g. config/svm_sgd.yaml): model.width, model.hidden_layer, model.seed, "
                    + "train_net.lr/epochs/lam/batch_size; options given on the command line win.")
    Path config;

    @Option(names = "--checkpoint-every", defaultValue = "1", paramLabel = "E",
            description = "Checkpoint each network every E epochs into DIR/checkpoint_w<width>/ (0 = never) (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--resume", description = "Continue an interrupted run in --out from its checkpoints (same options required).")
    boolean resume;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    Path out;

    @Mixin
    BackendOptions compute = new BackendOptions();

    @Mixin
    DataOptions data = new DataOptions();

    /** Fills every option the command line did not set from paper A's config file. */
    private void applyConfig() {
        PaperConfig c = PaperConfig.read(config);
        var parsed = spec.commandLine().getParseResult();
        if (c.has("model.width") && !parsed.hasMatchedOption("--width")) {
            widths = new ArrayList<>(List.of(c.integer("model.width")));
        }
        if (c.has("model.hidden_layer") && !parsed.hasMatchedOption("--depth")) {
            depth = c.integer("model.hidden_layer") + 1; // hidden_layer H = H extra m x m layers: H + 1 ReLU layers
        }
        if (c.has("model.seed") && !parsed.hasMatchedOption("--seed")) {
            seed = c.integer("model.seed");
        }
        if (c.has("train_net.lr") && !parsed.hasMatchedOption("--lr")) {
            lr = c.number("train_net.lr");
        }
        if (c.has("train_net.epochs") && !parsed.hasMatchedOption("--epochs")) {
            epochs = c.integer("train_net.epochs");
        }
        if (c.has("train_net.lam") && !parsed.hasMatchedOption("--lambda")) {
            lambda = c.number("train_net.lam");
        }
        if (c.has("train_net.batch_size") && !parsed.hasMatchedOption("--batch")) {
            batch = c.integer("train_net.batch_size");
        }
        if (c.has("data.normalize") && c.flag("data.normalize")) {
            throw new TangentException("--config " + c.file() + ": data.normalize: True (MNIST mean/std) is not supported; "
                    + "use --normalize standard explicitly");
        }
    }

    @Override
    public void run() {
        if (config != null) {
            applyConfig();
        }
        for (int w : widths) {
            if (w < 1) {
                throw new TangentException("--width must be >= 1, found " + w);
            }
        }
        if (batch < 0 || checkpointEvery < 0) {
            throw new TangentException(batch < 0 ? "--batch must be >= 0, found " + batch : "--checkpoint-every must be >= 0");
        }
        Loss l = Loss.parse(loss, epsilon);
        NetworkTrainer.Regularizer reg = switch (nnReg.toLowerCase(Locale.ROOT)) {
            case "reference" -> NetworkTrainer.Regularizer.REFERENCE;
            case "paper" -> NetworkTrainer.Regularizer.PAPER;
            case "matched" -> NetworkTrainer.Regularizer.MATCHED;
            default -> throw new TangentException("--nn-reg " + nnReg + ": expected reference, paper or matched");
        };
        SubgradientSolver.Decay dec = switch (kmDecay.toLowerCase(Locale.ROOT)) {
            case "batch" -> SubgradientSolver.Decay.BATCH;
            case "all" -> SubgradientSolver.Decay.ALL;
            default -> throw new TangentException("--km-decay " + kmDecay + ": expected batch or all");
        };
        PrintWriter err = spec.commandLine().getErr();
        KernelProviders.Selection sel = compute.select(err, "equivalence", parent.verbose);
        DataSource trs = data.source(train, trainLabels, "--train");
        DataSource tes = data.source(test, testLabels, "--test");
        try (ProgressBar bar = new ProgressBar(err, "equivalence", true)) {
            EquivalenceWorkflow.Result r = EquivalenceWorkflow.run(new EquivalenceWorkflow.Request(trs, tes, data.selection(), data.normalize,
                    depth, widths, l, lambda, lr, batch == 0 ? Integer.MAX_VALUE : batch, epochs, seed, reg, dec, nnDtype, trackTrain, trackTest,
                    sel.provider(), out, (s, total) -> bar.update(s, total, "network steps"), checkpointEvery, resume, -1));
            bar.close();
            PrintWriter o = spec.commandLine().getOut();
            o.printf(Locale.ROOT, "n_train %d, n_test %d, %d evaluations; kernel machine final test accuracy %.2f%%%n", r.nTrain(), r.nTest(),
                    r.steps().length, 100 * r.kmFinalTestAccuracy());
            for (EquivalenceWorkflow.WidthResult w : r.widths()) {
                o.printf(Locale.ROOT, "  width %-8d max |f_NN - g_KM| = %.4g, NN final test accuracy %.2f%%%n", w.width(), w.maxGap(),
                        100 * w.finalTestAccuracy());
            }
            if (!Double.isNaN(r.slope())) {
                o.printf(Locale.ROOT, "  log-log slope of the gap against width: %.3f (theory: about -1/2)%n", r.slope());
            }
            o.printf(Locale.ROOT, "written to %s (plot_sgd.png/svg%s, run.json)%n", out, r.widths().size() > 1 ? ", gap_vs_width.png/svg" : "");
        }
    }
}
