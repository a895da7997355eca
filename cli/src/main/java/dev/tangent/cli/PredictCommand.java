package dev.tangent.cli;

import dev.tangent.compute.KernelProviders;
import dev.tangent.data.Dataset;
import dev.tangent.experiment.PredictWorkflow;
import dev.tangent.memory.DType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.Locale;

/** {@code tangent predict}: scores of a saved kernel machine on a dataset. */
@Command(name = "predict", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Write g(x) = sum_i alpha_i K(x, x_i) + b for every test point to DIR/scores.npy (f64), and run.json "
                + "(with the accuracy when the test set has +-1 targets). Use the data options the model was trained with.")
final class PredictCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Model directory written by tangent train.")
    Path model;

    @Option(names = "--test", required = true, paramLabel = "SPEC", description = "Data spec.")
    String test;

    @Option(names = "--test-labels", paramLabel = "Y.npy", description = "Targets for a .npy --test.")
    Path testLabels;

    @Mixin
    BackendOptions compute = new BackendOptions();

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
    Path out;

    @Mixin
    DataOptions data = new DataOptions();

    @Override
    public void run() {
        KernelProviders.Selection sel = compute.select(spec.commandLine().getErr(), "predict", false);
        try (Dataset ds = data.load(test, testLabels, DType.F64, "--test")) {
            PredictWorkflow.Result r = PredictWorkflow.run(model, ds, sel.provider(), out);
            spec.commandLine().getOut().printf(Locale.ROOT, "%d scores written to %s%s (%.2f s)%n", r.n(), out.resolve("scores.npy"),
                    Double.isNaN(r.accuracy()) ? "" : String.format(Locale.ROOT, "; accuracy %.2f%%", 100 * r.accuracy()), r.seconds());
        }
    }
}
