package dev.tangent.cli;

import dev.tangent.data.Input;
import dev.tangent.experiment.Output;
import dev.tangent.experiment.RfGramWorkflow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Arrays;
import java.util.Locale;

/** {@code tangent rf-gram}: paper B's finite-width random-features Gram of huge width, streamed (spec §7.5). */
@Command(name = "rf-gram", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Compute paper B's finite-width random-features Gram of huge width, streamed.",
        description = {"K = 11^T + sum over N features of relu(XW) relu(XW)^T with W ~ N(0, 1/d) drawn from numpy's RandomState(seed) "
                + "in blocks of --block columns (RF_Kernel_Gen.py: not column-normalised, not divided by N, float64), and the test "
                + "Gram against the training points likewise. The features are streamed in chunks and never held; the Grams are "
                + "written to memory-mapped K_train.npy (n x n) and K_test.npy (n_test x n) with run.json, ready for kernel ridge "
                + "regression as precomputed kernels."},
        footer = {"", "Defaults are the reference's CIFAR-2 run: N = 4,200,000 in blocks of 50,000 (84 blocks), seed 1990. A width "
                + "that is not a multiple of the block runs int(N / block) blocks, as the reference."})
final class RfGramCommand extends BaseCommand {
    @Mixin
    SourceOptions.Train train = new SourceOptions.Train();

    @Mixin
    SourceOptions.Test test = new SourceOptions.Test();

    @Option(names = "--width", defaultValue = "4200000", paramLabel = "N", description = "Random features N (default: ${DEFAULT-VALUE}).")
    long width;

    @Option(names = "--block", defaultValue = "50000", paramLabel = "P", description = "Features per draw of W (default: ${DEFAULT-VALUE}).")
    int block;

    @Option(names = "--seed", defaultValue = "1990", paramLabel = "S", description = "numpy RandomState seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--chunk", defaultValue = "4096", paramLabel = "K",
            description = "Features per streamed chunk: memory (n + n_test) x K doubles (default: ${DEFAULT-VALUE}).")
    int chunk;

    @Mixin
    OutputOptions output = new OutputOptions();

    @Mixin
    BackendOptions compute = new BackendOptions();

    @Mixin
    DataOptions data = new DataOptions();

    @Override
    void execute() {
        data.checkEffective(Arrays.asList(train.spec, test.spec), new boolean[] {train.limit != null, test.limit != null},
                "--train-limit", "--test-limit");
        Input tr = train.input(data);
        Input te = test.input(this, data, false);
        RfGramWorkflow.Result r = RfGramWorkflow.run(new RfGramWorkflow.Request(tr, te, data.normalize, width, block, seed, chunk,
                output.output()), context(compute));
        out().printf(Locale.ROOT, "n %d, n_test %d, d %d: %d random features in %.1f s%n", r.n(), r.nTest(), r.d(), r.features(), r.seconds());
        out().printf(Locale.ROOT, "written to %s (K_train.npy%s, run.json)%n", output.out, r.nTest() > 0 ? ", K_test.npy" : "");
    }
}
