package dev.tangent.cli;

import dev.tangent.TangentException;
import dev.tangent.data.Input;
import dev.tangent.experiment.FitWorkflow;
import dev.tangent.experiment.Output;
import dev.tangent.experiment.RegularizationGrid;
import dev.tangent.io.RunDirectory;
import dev.tangent.memory.DType;
import dev.tangent.network.BatchOrder;
import dev.tangent.network.EpochSchedule;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Arrays;
import java.util.Locale;

/** {@code tangent fit}: paper B's finite-width RF, NT and mean-field network models, trained as the reference trains them. */
@Command(name = "fit", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Train paper B's finite-width models: random features, neural tangent, mean-field network.",
        description = {"Train the random-features model (rf: frozen unit-norm first layer from numpy's RandomState(seed), trained "
                + "read-out and intercept), the neural-tangent model (nt: the linearised two-layer network plus the RF part) or "
                + "the mean-field network (nn: 1/N output, mean-field learning-rate rescaling) of width N, with paper B's square "
                + "loss on one-hot classes or one real output. First-order training (Adam for rf and nt, momentum 0.9 for nn) uses "
                + "the reference's schedule: warm-up to 2 lr over 15 epochs, cosine decay floored at lr/15, and for nn batches of "
                + "500 then 1000 from epoch 15 in a weak 128-sample shuffle; --optimizer cg solves rf or nt's normal equations "
                + "matrix-free instead (scipy's cg with tol 1e-4, atol 1e-3, the objective every 30 iterations).",
                "Writes epochs.csv (per epoch: lr, batch size, steps, dropped samples, mean train loss, accuracy and "
                        + "regulariser, one test batch's loss and accuracy, seconds) or cg.csv, training.png/svg, model/<variable>.npy, "
                        + "test_predictions.npy and run.json with the final full-pass statistics. A checkpoint is kept every "
                        + "--checkpoint-every epochs; an interrupted run continues with --resume."},
        footer = {"", "Defaults are the reference's (train.py): width 4096, lr 0.001, 750 epochs, max batch 10000, seed 1990, the "
                + "FMNIST regularisation grids. Where the reference departs from its own intent the default follows it and an "
                + "option corrects it: every epoch repeats one shuffle order (--reshuffle), the incomplete last batch is dropped "
                + "(--keep-remainder)."})
final class FitCommand extends BaseCommand {
    @Option(names = "--model", required = true, paramLabel = "MODEL", converter = Converters.FitModels.class,
            completionCandidates = Converters.FitModels.class, description = "One of ${COMPLETION-CANDIDATES}.")
    FitWorkflow.ModelKind model;

    @Mixin
    SourceOptions.Train train = new SourceOptions.Train();

    @Mixin
    SourceOptions.Test test = new SourceOptions.Test();

    @Option(names = "--width", defaultValue = "4096", paramLabel = "N", description = "Hidden units N (default: ${DEFAULT-VALUE}).")
    int width;

    @Option(names = "--layers", defaultValue = "1", paramLabel = "L", description = "Hidden layers of --model nn (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--dtype", defaultValue = "f32", paramLabel = "DTYPE", converter = Converters.Types.class,
            completionCandidates = Converters.Types.class,
            description = "Parameters and GEMMs, one of ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}, the reference's float32).")
    DType dtype;

    @Option(names = "--seed", defaultValue = "1990", paramLabel = "S",
            description = "numpy RandomState seed of the frozen first layer (rf, nt) or of the network's weights (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--targets", defaultValue = "auto", paramLabel = "KIND", converter = Converters.TargetKinds.class,
            completionCandidates = Converters.TargetKinds.class,
            description = "One of ${COMPLETION-CANDIDATES}: one-hot class ids (C = largest id + 1) or one real output; auto = one-hot "
                    + "for three or more integer classes (default: ${DEFAULT-VALUE}).")
    dev.tangent.experiment.TargetKind targets;

    @Option(names = "--label-mean", paramLabel = "M",
            description = "One real output: accuracy compares sign(y_hat - M) with sign(y - M) (default: 0.5 for 0/1 labels, else 0).")
    Double labelMean;

    @Option(names = "--reg", paramLabel = "R",
            description = "Regularisation (the grid value): first-order training penalises rho = 2 R times the model's penalty, CG adds "
                    + "R |theta|^2 (default: --reg-index 0 of --reg-grid).")
    Double reg;

    @Option(names = "--reg-index", paramLabel = "I", description = "Index into the reference's grid for the model (default: 0).")
    Integer regIndex;

    @Option(names = "--reg-grid", defaultValue = "fmnist", paramLabel = "GRID", converter = Converters.RegGrids.class,
            completionCandidates = Converters.RegGrids.class,
            description = "The reference's grid family for --reg-index, one of ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    RegularizationGrid regGrid;

    @Option(names = "--optimizer", paramLabel = "OPT", converter = Converters.Solvers.class, completionCandidates = Converters.Solvers.class,
            description = "One of ${COMPLETION-CANDIDATES} (default: adam for rf and nt, momentum for nn; cg for rf and nt only).")
    FitWorkflow.Solver optimizer;

    @Option(names = "--lr", defaultValue = "0.001", paramLabel = "ETA", description = "Base learning rate (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--epochs", defaultValue = "750", paramLabel = "E",
            description = "Epochs, or CG's iteration cap (the reference's max_cg_iters) (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--max-batch", defaultValue = "10000", paramLabel = "B",
            description = "The reference's max_batch_size: rf and nt's batch, the per-epoch test batch, CG's product batches and the final "
                    + "train pass (default: ${DEFAULT-VALUE}).")
    int maxBatch;

    @Option(names = "--batch", paramLabel = "B|B0:T,B1",
            description = "Batch size, or B0 before epoch T then B1 (default: --max-batch for rf and nt, 500:15,1000 for nn).")
    String batch;

    @Option(names = "--shuffle", paramLabel = "ORDER", converter = Converters.Shuffles.class, completionCandidates = Converters.Shuffles.class,
            description = "Sample order, one of ${COMPLETION-CANDIDATES}: the data's, a shuffle buffer (tf.data's), or a full permutation "
                    + "(default: none for rf and nt, buffer for nn).")
    BatchOrder.Shuffle shuffle;

    @Option(names = "--shuffle-buffer", defaultValue = "128", paramLabel = "K", description = "Samples in the shuffle buffer (default: ${DEFAULT-VALUE}).")
    int shuffleBuffer;

    @Option(names = "--reshuffle", description = "Draw a new order every epoch (the reference repeats one order every epoch).")
    boolean reshuffle;

    @Option(names = "--shuffle-seed", defaultValue = "91", paramLabel = "S", description = "Seed of the shuffle (default: ${DEFAULT-VALUE}).")
    long shuffleSeed;

    @Option(names = "--keep-remainder", description = "Use the incomplete last batch (the reference drops it: drop_remainder).")
    boolean keepRemainder;

    @Option(names = "--feature-cache", defaultValue = "auto", paramLabel = "WHEN", converter = Converters.FeatureCaches.class,
            completionCandidates = Converters.FeatureCaches.class,
            description = "Keep rf's features sigma(XW) or nt's XW for all samples instead of recomputing them every batch, one of "
                    + "${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}: when it fits in memory).")
    FitWorkflow.FeatureCache featureCache;

    @Option(names = "--cg-tol", defaultValue = "1e-4", paramLabel = "TOL", description = "CG relative tolerance (default: ${DEFAULT-VALUE}).")
    double cgTol;

    @Option(names = "--cg-atol", defaultValue = "1e-3", paramLabel = "ATOL", description = "CG absolute tolerance (default: ${DEFAULT-VALUE}).")
    double cgAtol;

    @Option(names = "--cg-check-every", defaultValue = "30", paramLabel = "K",
            description = "Evaluate CG's objective (and checkpoint) every K iterations (default: ${DEFAULT-VALUE}).")
    int cgCheckEvery;

    @Option(names = "--checkpoint-every", defaultValue = "1", paramLabel = "E",
            description = "Checkpoint every E epochs into DIR/checkpoint/; 0 = never (default: ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--resume", description = "Continue the interrupted run in --out from its checkpoint (its options are verified).")
    boolean resume;

    @Mixin
    OutputOptions output = new OutputOptions();

    @Mixin
    BackendOptions compute = new BackendOptions();

    @Mixin
    DataOptions data = new DataOptions();

    @Override
    void execute() {
        exclusive("--resume", "--overwrite", "--resume continues the run in --out, --overwrite replaces it");
        exclusive("--reg", "--reg-index", "--reg is the value itself, --reg-index picks it from the grid");
        if (given("--reg")) {
            notApplicable("--reg-grid", "with --reg (it applies to --reg-index)");
        }
        boolean nn = model == FitWorkflow.ModelKind.NN;
        if (!nn) {
            notApplicable("--layers", "to --model " + model + " (it applies to nn)");
        } else {
            notApplicable("--feature-cache", "to --model nn (its first layer is trained)");
        }
        FitWorkflow.Solver solver = optimizer != null ? optimizer : nn ? FitWorkflow.Solver.MOMENTUM : FitWorkflow.Solver.ADAM;
        boolean cg = solver == FitWorkflow.Solver.CG;
        if (cg) {
            for (String o : new String[] {"--batch", "--shuffle", "--shuffle-buffer", "--reshuffle", "--shuffle-seed", "--lr"}) {
                notApplicable(o, "to --optimizer cg");
            }
        } else {
            for (String o : new String[] {"--cg-tol", "--cg-atol", "--cg-check-every"}) {
                notApplicable(o, "to --optimizer " + solver + " (it applies to cg)");
            }
        }
        BatchOrder.Shuffle order = shuffle != null ? shuffle : nn ? BatchOrder.Shuffle.BUFFER : BatchOrder.Shuffle.NONE;
        if (order != BatchOrder.Shuffle.BUFFER) {
            notApplicable("--shuffle-buffer", "to --shuffle " + order + " (it applies to buffer)");
        }
        if (order == BatchOrder.Shuffle.NONE) {
            notApplicable("--reshuffle", "to --shuffle none");
            notApplicable("--shuffle-seed", "to --shuffle none");
        }
        data.checkEffective(Arrays.asList(train.spec, test.spec), new boolean[] {train.limit != null, test.limit != null},
                "--train-limit", "--test-limit");
        Input tr = train.input(data);
        Input te = test.input(this, data, true);
        double r = reg != null ? reg : regGrid.pick(model, layers, regIndex == null ? 0 : regIndex);
        EpochSchedule schedule = schedule(nn);
        FitWorkflow.Request request = new FitWorkflow.Request(tr, te, data.normalize, new FitWorkflow.Model(model, width, layers, dtype, seed),
                new FitWorkflow.Targets(targets, labelMean),
                new FitWorkflow.Training(solver, r, schedule, maxBatch, new BatchOrder(order, shuffleBuffer, reshuffle, shuffleSeed, keepRemainder),
                        featureCache),
                new FitWorkflow.Cg(cgTol, cgAtol, cgCheckEvery), new FitWorkflow.Checkpoints(checkpointEvery, -1),
                new Output(output.out, resume ? RunDirectory.Mode.RESUME : output.output().mode()));
        FitWorkflow.Result res = FitWorkflow.run(request, context(compute));
        out().printf(Locale.ROOT, "%s width %d (%d parameters, %d outputs), reg %.4g, %s: n_train %d, n_test %d%n", model, width,
                res.parameters(), res.outputs(), r, solver, res.nTrain(), res.nTest());
        out().printf(Locale.ROOT, "  train loss %.5f, accuracy %.4f; test loss %.5f, accuracy %.4f%n", res.trainLoss(), res.trainAccuracy(),
                res.testLoss(), res.testAccuracy());
        out().printf(Locale.ROOT, "  %d %s, %.3f s each%s%n", res.epochs(), cg ? "CG iterations" : "epochs", res.secondsPerEpoch(),
                res.featuresCached() ? " (first-layer features cached)" : "");
        out().printf(Locale.ROOT, "written to %s (%s, model/, test_predictions.npy, run.json)%n", output.out,
                cg ? "cg.csv" : "epochs.csv, training.png/svg");
    }

    /** --batch: B, or B0:T,B1; the default per model. */
    private EpochSchedule schedule(boolean nn) {
        String s = batch != null ? batch.strip() : nn ? "500:15,1000" : Integer.toString(maxBatch);
        try {
            int colon = s.indexOf(':');
            if (colon < 0) {
                return EpochSchedule.constant(lr, epochs, Integer.parseInt(s));
            }
            int comma = s.indexOf(',', colon);
            if (comma < 0) {
                throw new NumberFormatException();
            }
            return new EpochSchedule(lr, epochs, Integer.parseInt(s.substring(0, colon)), Integer.parseInt(s.substring(colon + 1, comma)),
                    Integer.parseInt(s.substring(comma + 1)));
        } catch (NumberFormatException e) {
            throw new TangentException("--batch " + batch + ": expected a batch size B or B0:T,B1 (B0 before epoch T, then B1), e.g. 500:15,1000");
        }
    }
}
