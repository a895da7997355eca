package dev.tangent.cli;

import dev.tangent.TangentException;
import dev.tangent.compute.Backends;
import dev.tangent.experiment.BenchWorkflow;
import dev.tangent.experiment.DataWorkflow;
import dev.tangent.ffi.NativeLibraries;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import dev.tangent.report.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** {@code tangent bench}: quick in-process benchmarks with the machine described alongside the figures. */
@Command(name = "bench", mixinStandardHelpOptions = true, subcommands = BenchCommand.Gram.class,
        description = "Quick benchmarks on this machine (reference figures: the JMH benchmarks in bench/, docs/BENCHMARKS.md).")
final class BenchCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: gram");
    }

    @Command(name = "gram", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Fused NTK Gram K(X, X) vs the bare BLAS/Java syrk of the same random X (--inputs), median of --reps after --warmup.")
    static final class Gram implements Runnable {
        @Spec
        CommandSpec spec;

        @ParentCommand
        BenchCommand parent;

        @Option(names = "--n", defaultValue = "10000", description = "Samples (default: ${DEFAULT-VALUE}).")
        int n;

        @Option(names = "--d", defaultValue = "784", description = "Features (default: ${DEFAULT-VALUE}).")
        int d;

        @Option(names = "--depth", defaultValue = "2", description = "Hidden ReLU layers (default: ${DEFAULT-VALUE}).")
        int depth;

        @Option(names = "--dtype", defaultValue = "f32", converter = Converters.Type.class, description = "f32 or f64 (default: ${DEFAULT-VALUE}).")
        DType dtype;

        @Option(names = "--inputs", defaultValue = "unit01", converter = Converters.BenchInputs.class,
                description = "Random inputs: unit01 (uniform in [0, 1), all cosines positive) or centred (the same minus "
                        + "column means, mixed-sign cosines as centred images) (default: ${DEFAULT-VALUE}).")
        BenchWorkflow.Inputs inputs;

        @Option(names = "--warmup", defaultValue = "2", description = "Untimed runs first (default: ${DEFAULT-VALUE}).")
        int warmup;

        @Option(names = "--reps", defaultValue = "5", description = "Timed runs (default: ${DEFAULT-VALUE}).")
        int reps;

        @Option(names = "--out", paramLabel = "DIR", description = "Also write run.json there.")
        Path out;

        @Mixin
        BackendOptions compute = new BackendOptions();

        @Override
        public void run() {
            if (n < 1 || d < 1 || reps < 1 || warmup < 0) {
                throw new TangentException("--n, --d and --reps must be >= 1 and --warmup >= 0, found n " + n + ", d " + d + ", reps " + reps + ", warmup " + warmup);
            }
            PrintWriter o = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Backends.Selection sel = compute.select(err, "bench", false);
            KernelSpec ks = KernelSpec.ntk(depth);
            BenchWorkflow.Result r;
            try (ProgressBar bar = new ProgressBar(err, "bench", true)) {
                long total = 2L * (warmup + reps);
                r = BenchWorkflow.gram(sel.backend(), compute.threads, n, d, ks, dtype, inputs, warmup, reps, 42, done -> bar.update(done, total, "runs"));
            }
            NativeLibraries.OpenBlas ob = NativeLibraries.openblas();
            NativeLibraries.Cpu cpu = NativeLibraries.Cpu.read();
            String machine = String.format(Locale.ROOT, "%s (%s family %d), %d processors; JDK %s; %s; OpenBLAS %s core %s",
                    cpu.modelName(), cpu.vendor(), cpu.family(), Runtime.getRuntime().availableProcessors(), Runtime.version(),
                    Backends.simdDescription(), ob.version(), ob.coreName());
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
            if (out != null) {
                DataWorkflow.requireDirectory(out);
                Map<String, Object> run = new LinkedHashMap<>();
                run.put("command", "bench gram");
                run.put("machine", machine);
                run.put("n", n);
                run.put("d", d);
                run.put("kernel", ks.toString());
                run.put("dtype", dtype.toString());
                run.put("inputs", inputs.toString());
                run.put("backend", r.backend());
                run.put("threads", r.threads());
                run.put("gram_seconds", r.gram().seconds());
                run.put("syrk_seconds", r.syrk().seconds());
                run.put("ratio", r.ratio());
                run.put("pair_ratios", r.pairRatios());
                Json.writeFile(out.resolve("run.json"), run);
            }
        }
    }
}
