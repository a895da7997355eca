package dev.tangent.cli;

import dev.tangent.TangentException;
import dev.tangent.data.Input;
import dev.tangent.data.Normalization;
import dev.tangent.experiment.EquivalenceWorkflow;
import dev.tangent.experiment.Output;
import dev.tangent.experiment.Schedule;
import dev.tangent.io.RunDirectory;
import dev.tangent.machine.Loss;
import dev.tangent.machine.SubgradientSolver;
import dev.tangent.memory.DType;
import dev.tangent.network.NetworkTrainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** {@code tangent equivalence}: wide networks and their kernel machine trained side by side (paper A, spec §4.2–4.3). */
@Command(name = "equivalence", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Train wide networks and their NTK kernel machine side by side (paper A's equivalence).",
        description = {"Train the kernel machine with the analytic NTK and networks of the given widths (NTK parameterisation, "
                + "outputs centred by f(theta_0)) on one shared mini-batch stream; evaluate both at log-spaced steps. Writes "
                + "the arrays (.npy), run.json, plot_sgd.png/svg (paper A's 4 panels), the model directories km/ and "
                + "nn_w<width>/ (for predict and certify) and, for several widths, gap_vs_width.png/svg: the maximum over "
                + "tracked points and steps of |f_NN - g_KM| against width, with its log-log slope.",
                "Each network is checkpointed every --checkpoint-every epochs; an interrupted run keeps its checkpoints, "
                        + "and the same command with --resume continues it."},
        footer = {"", "Defaults are paper A's svm_sgd.yaml (lambda 0.001, lr 1, batch 64, seed 6, width 10000), with 20 epochs. "
                + "Tracked points default to numpy's RandomState(seed).choice(n_train, 5) and choice(n_test, 5), as the "
                + "reference."})
final class EquivalenceCommand extends BaseCommand {
    @Mixin
    SourceOptions.Train train = new SourceOptions.Train();

    @Mixin
    SourceOptions.Test test = new SourceOptions.Test();

    @Option(names = "--depth", defaultValue = "1", paramLabel = "L",
            description = "Hidden ReLU layers: paper A's hidden_layer + 1 (default: ${DEFAULT-VALUE}, the two-layer network).")
    int depth;

    @Option(names = {"--widths", "--width"}, split = ",", paramLabel = "M", description = "Network widths, comma-separated (default: 10000).")
    List<Integer> widths = new ArrayList<>(List.of(10000));

    @Option(names = "--loss", defaultValue = "hinge", paramLabel = "LOSS", converter = Converters.Losses.class,
            completionCandidates = Converters.Losses.class, description = "One of ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    String loss;

    @Option(names = "--epsilon", defaultValue = "0.1", paramLabel = "EPS",
            description = "The width of the epsilon-insensitive tube, --loss svr only (default: ${DEFAULT-VALUE}).")
    double epsilon;

    @Option(names = "--lambda", defaultValue = "0.001", paramLabel = "LAMBDA", description = "Regularisation lambda (default: ${DEFAULT-VALUE}).")
    double lambda;

    @Option(names = "--lr", defaultValue = "1", paramLabel = "ETA", description = "Learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--batch", defaultValue = "64", paramLabel = "B", description = "Mini-batch size; 0 = full batch (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--epochs", defaultValue = "20", paramLabel = "E", description = "Epochs (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--seed", defaultValue = "6", paramLabel = "S",
            description = "Seed of the initialisation, the batches and the tracked points (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--nn-reg", defaultValue = "reference", paramLabel = "REG", converter = Converters.Regularizers.class,
            completionCandidates = Converters.Regularizers.class,
            description = "Network regulariser, one of ${COMPLETION-CANDIDATES}: (lambda/2)|w/sqrt(m)|^2 (reference code), "
                    + "(lambda/2)|w|^2 (paper), or (lambda/2)|theta - theta_0|^2 on all layers (matched: pairs with --km-decay all) "
                    + "(default: ${DEFAULT-VALUE}).")
    NetworkTrainer.Regularizer nnReg;

    @Option(names = "--km-decay", defaultValue = "batch", paramLabel = "DECAY", converter = Converters.Decays.class,
            completionCandidates = Converters.Decays.class,
            description = "The kernel machine shrinks the batch's alphas (batch, the reference) or all (all), one of "
                    + "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    SubgradientSolver.Decay kmDecay;

    @Option(names = "--nn-dtype", defaultValue = "f32", paramLabel = "DTYPE", converter = Converters.Types.class,
            completionCandidates = Converters.Types.class,
            description = "Network weights and GEMMs, one of ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    DType nnDtype;

    @Option(names = "--track-train", split = ",", paramLabel = "I", description = "Tracked training indices (default: numpy's choice).")
    int[] trackTrain;

    @Option(names = "--track-test", split = ",", paramLabel = "I", description = "Tracked test indices (default: numpy's choice).")
    int[] trackTest;

    @Option(names = "--config", paramLabel = "FILE.yaml",
            description = "Paper A's config file (e.g. config/svm_sgd.yaml): data.normalize (True = --normalize mnist), data.size, "
                    + "model.width, model.hidden_layer, model.seed, train_net.lr, epochs, lam and batch_size; options given on the "
                    + "command line win, unknown keys are errors.")
    Path config;

    @Option(names = "--evaluations", defaultValue = "0", paramLabel = "K",
            description = "Log-spaced evaluation steps of the traces and plot_sgd; 0 = one per epoch, as the reference (default: ${DEFAULT-VALUE}).")
    int evaluations;

    @Option(names = "--checkpoint-every", defaultValue = "1", paramLabel = "E",
            description = "Checkpoint each network every E epochs into DIR/checkpoint_w<width>/; 0 = never (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--resume", description = "Continue the interrupted run in --out from its checkpoints (its options are verified).")
    boolean resume;

    @Mixin
    OutputOptions output = new OutputOptions();

    @Mixin
    BackendOptions compute = new BackendOptions();

    @Mixin
    DataOptions data = new DataOptions();

    /** Fills every option the command line did not set from paper A's config file. */
    private void applyConfig() {
        PaperConfig c = PaperConfig.read(config);
        if (c.has("model.width") && !given("--widths")) {
            widths = new ArrayList<>(List.of(c.integer("model.width")));
        }
        if (c.has("model.hidden_layer") && !given("--depth")) {
            depth = c.integer("model.hidden_layer") + 1; // hidden_layer H = H extra m x m layers: H + 1 ReLU layers
        }
        if (c.has("model.seed") && !given("--seed")) {
            seed = c.integer("model.seed");
        }
        if (c.has("train_net.lr") && !given("--lr")) {
            lr = c.number("train_net.lr");
        }
        if (c.has("train_net.epochs") && !given("--epochs")) {
            epochs = c.integer("train_net.epochs");
        }
        if (c.has("train_net.lam") && !given("--lambda")) {
            lambda = c.number("train_net.lam");
        }
        if (c.has("train_net.batch_size") && !given("--batch")) {
            batch = c.integer("train_net.batch_size");
        }
        if (c.has("data.size") && !given("--train-limit") && !given("--limit")) {
            train.limit = c.integer("data.size");
        }
        if (c.has("data.normalize") && !given("--normalize") && c.flag("data.normalize")) {
            data.normalize = Normalization.MNIST;
        }
        if (c.has("data.dataset") && !c.get("data.dataset").equalsIgnoreCase("mnist")) {
            throw new TangentException(c.where("data.dataset") + " = '" + c.get("data.dataset") + "': tangent reads the data from --train "
                    + "and --test; a config may only name paper A's mnist");
        }
        for (String k : new String[] {"train_net.save", "train_net.train_svm", "train_net.train_nn"}) {
            if (c.has(k) && !c.flag(k)) {
                throw new TangentException(c.where(k) + " = False is not supported: tangent equivalence always trains and saves "
                        + "both the network and the kernel machine");
            }
        }
        if (c.has("train_net.test_num_every_epoch") && c.integer("train_net.test_num_every_epoch") != 1) {
            throw new TangentException(c.where("train_net.test_num_every_epoch") + " = " + c.get("train_net.test_num_every_epoch")
                    + " is not supported: tangent evaluates at log-spaced steps (the reference's value is 1)");
        }
    }

    @Override
    void execute() {
        if (config != null) {
            applyConfig();
        }
        exclusive("--resume", "--overwrite", "--resume continues the run in --out, --overwrite replaces it");
        if (!loss.equals("svr")) {
            notApplicable("--epsilon", "to --loss " + loss + " (it applies to --loss svr)");
        }
        if (batch < 0) {
            throw new TangentException("--batch must be >= 0 (0 = full batch), found " + batch);
        }
        data.checkEffective(Arrays.asList(train.spec, test.spec), new boolean[] {train.limit != null, test.limit != null},
                "--train-limit", "--test-limit");
        Input tr = train.input(data);
        Input te = test.input(this, data, true);
        Loss l = Loss.parse(loss, epsilon);
        Output out = new Output(output.out, resume ? RunDirectory.Mode.RESUME : output.output().mode());
        EquivalenceWorkflow.Request request = new EquivalenceWorkflow.Request(tr, te, data.normalize,
                new EquivalenceWorkflow.Network(depth, widths, nnDtype, nnReg), new EquivalenceWorkflow.Objective(l, lambda),
                new Schedule(lr, batch == 0 ? Integer.MAX_VALUE : batch, epochs, seed, true, kmDecay),
                new EquivalenceWorkflow.Tracking(trackTrain, trackTest, evaluations), new EquivalenceWorkflow.Checkpoints(checkpointEvery, -1), out);
        EquivalenceWorkflow.Result r = EquivalenceWorkflow.run(request, context(compute));
        out().printf(Locale.ROOT, "n_train %d, n_test %d, %d evaluations; kernel machine final test accuracy %.2f%%%n", r.nTrain(), r.nTest(),
                r.steps().length, 100 * r.kmFinalTestAccuracy());
        for (EquivalenceWorkflow.WidthResult w : r.widths()) {
            out().printf(Locale.ROOT, "  width %-8d max |f_NN - g_KM| = %.4g, NN final test accuracy %.2f%%%n", w.width(), w.maxGap(),
                    100 * w.finalTestAccuracy());
        }
        if (!Double.isNaN(r.slope())) {
            out().printf(Locale.ROOT, "  log-log slope of the gap against width: %.3f (theory: about -1/2)%n", r.slope());
        }
        out().printf(Locale.ROOT, "written to %s (plot_sgd.png/svg%s, km/, nn_w<width>/, run.json)%n", output.out,
                r.widths().size() > 1 ? ", gap_vs_width.png/svg" : "");
    }
}
