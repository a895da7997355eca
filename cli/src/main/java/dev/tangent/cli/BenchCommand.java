package dev.tangent.cli;

import dev.tangent.TangentException;
import dev.tangent.compute.Backends;
import dev.tangent.experiment.BenchWorkflow;
import dev.tangent.experiment.Context;
import dev.tangent.experiment.Output;
import dev.tangent.ffi.NativeLibraries;
import dev.tangent.io.RunDirectory;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;

/** {@code tangent bench}: quick in-process benchmarks with the machine described alongside the figures. */
@Command(name = "bench", mixinStandardHelpOptions = true, subcommands = BenchCommand.Gram.class,
        header = "Run quick benchmarks on this machine (gram).",
        description = "Run quick benchmarks on this machine; the reference figures come from the JMH benchmarks in bench/ "
                + "(docs/BENCHMARKS.md).")
final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: gram");
    }

    @Command(name = "gram", mixinStandardHelpOptions = true, sortOptions = false,
            header = "Time the fused Gram against the bare syrk of the same random data.",
            description = "Time the fused NTK Gram K(X, X) against the bare BLAS/Java syrk of the same random X (--inputs): the median of --reps "
                    + "runs after --warmup untimed ones, alternating the two.")
    static final class Gram extends BaseCommand {
        @Option(names = "--n", paramLabel = "N", defaultValue = "10000", description = "Samples (default: ${DEFAULT-VALUE}).")
        int n;

        @Option(names = "--d", paramLabel = "D", defaultValue = "784", description = "Features (default: ${DEFAULT-VALUE}).")
        int d;

        @Option(names = "--depth", paramLabel = "L", defaultValue = "2", description = "Hidden ReLU layers (default: ${DEFAULT-VALUE}).")
        int depth;

        @Option(names = "--dtype", paramLabel = "DTYPE", defaultValue = "f32", converter = Converters.Types.class,
                completionCandidates = Converters.Types.class, description = "One of ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
        DType dtype;

        @Option(names = "--inputs", paramLabel = "INPUTS", defaultValue = "unit01", converter = Converters.BenchInputs.class,
                completionCandidates = Converters.BenchInputs.class,
                description = "Random inputs, one of ${COMPLETION-CANDIDATES}: unit01 is uniform in [0, 1) (all cosines positive), "
                        + "centred the same minus column means (mixed-sign cosines, as centred images) (default: ${DEFAULT-VALUE}).")
        BenchWorkflow.Inputs inputs;

        @Option(names = "--warmup", paramLabel = "K", defaultValue = "2", description = "Untimed runs first (default: ${DEFAULT-VALUE}).")
        int warmup;

        @Option(names = "--reps", paramLabel = "K", defaultValue = "5", description = "Timed runs (default: ${DEFAULT-VALUE}).")
        int reps;

        @Option(names = "--out", paramLabel = "DIR", description = "Also write run.json into this directory (new or empty, see --overwrite).")
        Path out;

        @Option(names = "--overwrite", description = "Replace the run that --out holds.")
        boolean overwrite;

        @Mixin
        BackendOptions compute = new BackendOptions();

        @Override
        void execute() {
            if (n < 1 || d < 1 || reps < 1 || warmup < 0) {
                throw new TangentException("--n, --d and --reps must be >= 1 and --warmup >= 0, found n " + n + ", d " + d + ", reps " + reps
                        + ", warmup " + warmup);
            }
            if (out == null) {
                needs("--overwrite", "--out");
            }
            Output output = out == null ? null : new Output(out, overwrite ? RunDirectory.Mode.OVERWRITE : RunDirectory.Mode.NEW);
            if (output != null) {
                BenchWorkflow.checkOutput(output);
            }
            Context c = context(compute);
            KernelSpec ks = KernelSpec.ntk(depth);
            long total = 2L * (warmup + reps);
            BenchWorkflow.Result r = BenchWorkflow.gram(c.provider(), n, d, ks, dtype, inputs, warmup, reps, 42,
                    done -> c.reporter().progress("gram and syrk", "runs", done, total));
            NativeLibraries.OpenBlas ob = NativeLibraries.openblas();
            NativeLibraries.Cpu cpu = NativeLibraries.Cpu.read();
            String machine = String.format(Locale.ROOT, "%s (%s family %d), %d processors; JDK %s; %s; OpenBLAS %s core %s",
                    cpu.modelName(), cpu.vendor(), cpu.family(), Runtime.getRuntime().availableProcessors(), Runtime.version(),
                    Backends.simdDescription(), ob.version(), ob.coreName());
            PrintWriter o = out();
            o.println(machine);
            o.printf(Locale.ROOT, "n = %d, d = %d, %s inputs, %s, %s, backend %s, %d threads, %d reps after %d warm-up%n", n, d,
                    inputs, ks, dtype, r.backend(), r.threads(), reps, warmup);
            double flops = (double) n * (n + 1) * d;
            o.printf(Locale.ROOT, "  fused Gram   median %8.1f ms  [min %.1f, max %.1f]  %.1f GFLOP/s%n", 1e3 * r.gram().median(),
                    1e3 * r.gram().min(), 1e3 * r.gram().max(), flops / r.gram().median() / 1e9);
            o.printf(Locale.ROOT, "  bare syrk    median %8.1f ms  [min %.1f, max %.1f]  %.1f GFLOP/s%n", 1e3 * r.syrk().median(),
                    1e3 * r.syrk().min(), 1e3 * r.syrk().max(), flops / r.syrk().median() / 1e9);
            o.printf(Locale.ROOT, "  ratio Gram / syrk = %.3f (of the medians); %.3f [min %.3f, max %.3f] (of each repetition's pair)%n",
                    r.ratio(), r.pairedRatio(), r.pairRatios()[0], r.pairRatios()[reps - 1]);
            if (output != null) {
                BenchWorkflow.write(r, machine, output, c);
            }
        }
    }
}
