package dev.tangent.cli;

import dev.tangent.TangentException;
import dev.tangent.data.Input;
import dev.tangent.experiment.BoundWorkflow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.Arrays;
import java.util.Locale;

/** {@code tangent bound}: paper A's generalisation bound through the equivalent kernel machine (spec §5). */
@Command(name = "bound", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Follow a network and its equivalent kernel machine and evaluate paper A's generalisation bound.",
        description = {"Train a two-layer network by full-batch gradient descent on the centred hinge loss and follow its "
                + "equivalent kernel machine (the path kernel from the empirical NTK at every epoch, trapezoid rule, a_i = "
                + "-1/n); evaluate L_S + 2 R + 3 sqrt(ln(2/delta)/(2n)) along the way. Writes arrays, run.json and "
                + "generalization.png/svg (outputs, NN - KM, losses and bound).",
                "Where the path kernel is not positive semi-definite there is no bound: the output, run.json and the figure "
                        + "say why. A warning says when the network leaves the kernel regime (max |NN - KM| above 10%% of its "
                        + "largest output)."},
        footer = {"", "Defaults are paper A's svm_gene.yaml: the first 1000 training points, width 100, lr 0.1, 100 epochs, "
                + "lambda 0.001, delta 0.99 (as the reference: probability >= 1 %%), seed 0; the final bound is also printed and "
                + "recorded (run.json: final_bound_by_delta) at delta 0.99, 0.05 and 0.01. Targets must be -1/+1 (use "
                + "--classes A,B). Example:",
                "  tangent bound --train mnist:DIR:train --test mnist:DIR:test \\",
                "      --classes 0,1 --out runs/bound"})
final class BoundCommand extends BaseCommand {
    @Mixin
    SourceOptions.Train train = new SourceOptions.Train();

    @Mixin
    SourceOptions.Test test = new SourceOptions.Test();

    @Option(names = "--size", paramLabel = "N",
            description = "Training points: the first N after --classes (default: --train-limit, else --limit, else 1000).")
    Integer size;

    @Option(names = "--width", defaultValue = "100", paramLabel = "M", description = "Hidden units (default: ${DEFAULT-VALUE}).")
    int width;

    @Option(names = "--lr", defaultValue = "0.1", paramLabel = "ETA", description = "Learning rate = dt (default: ${DEFAULT-VALUE}).")
    double lr;

    @Option(names = "--epochs", defaultValue = "100", paramLabel = "E", description = "Full-batch steps (default: ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--lambda", defaultValue = "0.001", paramLabel = "LAMBDA", description = "Regularisation lambda (default: ${DEFAULT-VALUE}).")
    double lambda;

    @Option(names = "--delta", defaultValue = "0.99", paramLabel = "DELTA",
            description = "The bound holds with probability 1 - delta (default: ${DEFAULT-VALUE}, the reference's).")
    double delta;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S", description = "Network initialisation seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--gene-grad", defaultValue = "intended", paramLabel = "MODE", converter = Converters.GeneGrads.class,
            completionCandidates = Converters.GeneGrads.class,
            description = "Loss derivative in the kernel, one of ${COMPLETION-CANDIDATES}: -y 1[y o < 1] (intended) or -y always "
                    + "(what the reference code computes) (default: ${DEFAULT-VALUE}).")
    BoundWorkflow.GeneGrad geneGrad;

    @Mixin
    OutputOptions output = new OutputOptions();

    @Mixin
    BackendOptions compute = new BackendOptions();

    @Mixin
    DataOptions data = new DataOptions();

    @Override
    void execute() {
        exclusive("--size", "--train-limit", "both set the number of training points; give one");
        exclusive("--size", "--limit", "both set the number of training points (--limit also the test points'; use --test-limit "
                + "for those)");
        if (size != null) {
            if (size < 1) {
                throw new TangentException("--size must be >= 1, found " + size);
            }
            train.limit = size;
        } else if (train.limit == null && data.limit == null) {
            train.limit = 1000;
        }
        data.checkEffective(Arrays.asList(train.spec, test.spec), new boolean[] {train.limit != null, test.limit != null},
                "--train-limit", "--test-limit");
        Input tr = train.input(data);
        Input te = test.input(this, data, false);
        BoundWorkflow.Result r = BoundWorkflow.run(new BoundWorkflow.Request(tr, te, data.normalize,
                new BoundWorkflow.Training(width, lr, epochs, lambda, seed), delta, geneGrad, output.output()), context(compute));
        int last = r.time().length - 1;
        PrintWriter o = out();
        String test = Double.isNaN(r.nnTestHinge()[last]) ? "" : String.format(Locale.ROOT, ", test hinge %.4f", r.nnTestHinge()[last]);
        if (Double.isNaN(r.bound()[last])) {
            o.printf(Locale.ROOT, "n = %d, t = %.2f: no bound (KM train hinge %.4f, 2 R undefined, confidence term %.6f); NN train hinge %.4f%s%n",
                    r.n(), r.time()[last], r.kmTrainHinge()[last], r.confidence(), r.nnTrainHinge()[last], test);
        } else {
            o.printf(Locale.ROOT, "n = %d, t = %.2f: bound %.4f = KM train hinge %.4f + 2 R %.4f + %.6f; NN train hinge %.4f%s%n", r.n(),
                    r.time()[last], r.bound()[last], r.kmTrainHinge()[last], 2 * r.rademacher()[last], r.confidence(), r.nnTrainHinge()[last],
                    test);
        }
        StringBuilder by = new StringBuilder();
        for (var v : r.finalBounds()) {
            by.append(by.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "delta %s: %.4f (constant %.6f)", v.delta(), v.bound(),
                    v.confidence()));
        }
        o.printf(Locale.ROOT, "final bound by delta (holds with probability >= 1 - delta): %s%n", by);
        o.printf(Locale.ROOT, "max |NN - KM| over all points and epochs: %.3g (samples 0-4: %.3g)%n", r.maxGap(), r.maxGapTracked());
        if (r.noBound() != null) {
            o.println(r.noBound().detail());
        }
        if (r.warning() != null) {
            o.println("warning: " + r.warning());
        }
        o.printf(Locale.ROOT, "written to %s (generalization.png/svg, run.json)%n", output.out);
    }
}
