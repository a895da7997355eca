package dev.tangent.cli;

import dev.tangent.TangentException;
import dev.tangent.experiment.BoundWorkflow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;

/** {@code tangent bound}: paper A's generalisation bound through the equivalent kernel machine (spec §5). */
@Command(name = "bound", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Train a two-layer network by full-batch gradient descent on the centred hinge loss and follow its",
                "equivalent kernel machine (path kernel from the empirical NTK at every epoch, trapezoid rule, a_i = -1/n);",
                "evaluate L_S + 2 R + 3 sqrt(ln(2/delta)/(2n)) along the way. Writes arrays, run.json and",
                "generalization.png/svg (outputs, NN - KM, losses and bound)."},
        footer = {"", "Defaults are paper A's svm_gene.yaml: the first 1000 training points, width 100, lr 0.1, 100 epochs,",
                "lambda 0.001, delta 0.99 (as the reference: probability >= 1 %), seed 0. The final bound is also printed and",
                "recorded (run.json: final_bound_by_delta) at delta 0.99, 0.05 and 0.01."})
final class BoundCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Option(names = "--train", required = true, paramLabel = "SPEC", description = "Training data spec.")
    String train;

    @Option(names = "--train-labels", paramLabel = "Y.npy", description = "Targets for a .npy --train.")
    Path trainLabels;

    @Option(names = "--test", paramLabel = "SPEC", description = "Test data spec (test hinge loss of the network).")
    String test;

    @Option(names = "--test-labels", paramLabel = "Y.npy", description = "Targets for a .npy --test.")
    Path testLabels;

    @Option(names = "--size", defaultValue = "1000", description = "Training points: the first N (default: ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--width", defaultValue = "100", description = "Hidden units (default: ${DEFAULT-VALUE}).")
    int width;

    @Option(names = "--lr", defaultValue = "0.1", description = "Learning rate = dt (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--epochs", defaultValue = "100", description = "Full-batch steps (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--lambda", defaultValue = "0.001", description = "lambda (default: ${DEFAULT-VALUE}).")
    double lambda;

    @Option(names = "--delta", defaultValue = "0.99", description = "delta of the bound's curve, which holds with probability >= 1 - delta (default: ${DEFAULT-VALUE}, the reference's).")
    double delta;

    @Option(names = "--seed", defaultValue = "0", description = "Network initialisation seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--gene-grad", defaultValue = "intended", paramLabel = "intended|reference",
            description = "Loss derivative in the kernel: -y 1[y o < 1] (intended) or -y always (the reference code) (default: ${DEFAULT-VALUE}).")
    String geneGrad;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    Path out;

    @Mixin
    BackendOptions compute = new BackendOptions();

    @Mixin
    DataOptions data = new DataOptions();

    @Override
    public void run() {
        if (size < 1) {
            throw new TangentException("--size must be >= 1, found " + size);
        }
        BoundWorkflow.GeneGrad g = switch (geneGrad.toLowerCase(Locale.ROOT)) {
            case "intended" -> BoundWorkflow.GeneGrad.INTENDED;
            case "reference" -> BoundWorkflow.GeneGrad.REFERENCE;
            default -> throw new TangentException("--gene-grad " + geneGrad + ": expected intended or reference");
        };
        PrintWriter err = spec.commandLine().getErr();
        var sel = compute.select(err, "bound", false);
        var trainSel = dev.tangent.data.Selection.of(data.classes, size);
        try (ProgressBar bar = new ProgressBar(err, "bound", true)) {
            BoundWorkflow.Result r = BoundWorkflow.run(new BoundWorkflow.Request(data.source(train, trainLabels, "--train"),
                    test == null ? null : data.source(test, testLabels, "--test"), trainSel, data.selection(), data.normalize,
                    width, lr, epochs, lambda, delta, seed, g, sel.backend(), compute.threads, out, e -> bar.update(e, epochs, "epochs")));
            bar.close();
            int last = r.time().length - 1;
            PrintWriter o = spec.commandLine().getOut();
            o.printf(Locale.ROOT, "n = %d, t = %.2f: bound %.4f = KM train hinge %.4f + 2 R %.4f + %.6f; NN train hinge %.4f%s%n", r.n(),
                    r.time()[last], r.bound()[last], r.kmTrainHinge()[last], 2 * r.rademacher()[last], r.confidence(),
                    r.nnTrainHinge()[last], Double.isNaN(r.nnTestHinge()[last]) ? "" : String.format(Locale.ROOT, ", test hinge %.4f", r.nnTestHinge()[last]));
            StringBuilder by = new StringBuilder();
            for (var v : r.finalBounds()) {
                by.append(by.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "delta %s: %.4f (constant %.6f)", v.delta(), v.bound(), v.confidence()));
            }
            o.printf(Locale.ROOT, "final bound by delta (holds with probability >= 1 - delta): %s%n", by);
            o.printf(Locale.ROOT, "max |NN - KM| over all points and epochs: %.3g (samples 0-4: %.3g)%s%n", r.maxGap(), r.maxGapTracked(),
                    r.notComputable() > 0 ? "; no bound at " + r.notComputable() + " epochs (see run.json)" : "");
            o.printf(Locale.ROOT, "written to %s (generalization.png/svg, run.json)%n", out);
        }
    }
}
