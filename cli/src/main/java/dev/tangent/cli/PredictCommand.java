package dev.tangent.cli;

import dev.tangent.experiment.PredictWorkflow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** {@code tangent predict}: scores of a saved kernel machine or network on a dataset. */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Score a saved kernel machine or network on a dataset.",
        description = {"Write the model's score for every test point to DIR/scores.npy (f64) and run.json (with the accuracy when "
                + "the test set has +-1 targets): g(x) = sum_i alpha_i K(x, x_i) + b for a kernel machine (tangent train, km/ of "
                + "tangent equivalence), the centred output f(theta; x) - f(theta_0; x) for a network (nn_w<width>/ of tangent "
                + "equivalence).",
                "The test data get the model's --classes and --normalize (and, for standard, its training statistics); "
                        + "given ones must agree with the model's."})
final class PredictCommand extends BaseCommand {
    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model directory (kernel machine or network).")
    Path model;

    @Mixin
    SourceOptions.Test test = new SourceOptions.Test();

    @Mixin
    BackendOptions compute = new BackendOptions();

    @Mixin
    OutputOptions output = new OutputOptions();

    @Mixin
    DataOptions data = new DataOptions();

    @Override
    void execute() {
        var in = test.input(this, data, true);
        data.checkEffective(List.of(test.spec), new boolean[] {test.limit != null}, "--test-limit");
        PredictWorkflow.Result r = PredictWorkflow.run(new PredictWorkflow.Request(model, in, data.normalize, output.output()), context(compute));
        out().printf(Locale.ROOT, "%d scores of the %s written to %s%s (%.2f s)%n", r.n(), r.modelKind(), output.out.resolve("scores.npy"),
                Double.isNaN(r.accuracy()) ? "" : String.format(Locale.ROOT, "; accuracy %.2f%%", 100 * r.accuracy()), r.seconds());
    }
}
