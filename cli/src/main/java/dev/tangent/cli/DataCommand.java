package dev.tangent.cli;

import dev.tangent.TangentException;
import dev.tangent.data.Dataset;
import dev.tangent.experiment.DataWorkflow;
import dev.tangent.memory.DType;
import dev.tangent.report.Json;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/** {@code tangent data}: look at a dataset, or move it between Tangent, numpy and LIBSVM. */
@Command(name = "data", mixinStandardHelpOptions = true,
        description = "Inspect and export datasets (specs: fashion-mnist:train|test, mnist:DIR:train|test, .npy).",
        subcommands = {DataCommand.Info.class, DataCommand.Export.class, DataCommand.Prep.class})
final class DataCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: info or export");
    }

    @Command(name = "info", mixinStandardHelpOptions = true, sortOptions = false,
            description = "Shape, class counts, value range and norms of a dataset after --classes/--limit/--normalize.")
    static final class Info implements Runnable {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "SPEC", description = "The data spec.")
        String source;

        @Option(names = "--labels", paramLabel = "Y.npy", description = "Targets for a .npy SPEC (n or n x 1).")
        Path labels;

        @Option(names = "--json", description = "Print JSON instead of text.")
        boolean json;

        @Mixin
        DataOptions data = new DataOptions();

        @Override
        public void run() {
            PrintWriter out = spec.commandLine().getOut();
            try (Dataset ds = data.load(source, labels, DType.F64, "SPEC")) {
                DataWorkflow.Summary s = DataWorkflow.info(ds);
                if (json) {
                    out.print(Json.write(s.toJson()));
                    return;
                }
                out.printf(Locale.ROOT, "%s%n", s.description());
                out.printf(Locale.ROOT, "  samples   %d%n  features  %d%n", s.n(), s.d());
                out.printf(Locale.ROOT, "  values    [%s, %s]%n", fmt(s.min()), fmt(s.max()));
                out.printf(Locale.ROOT, "  norms     mean %s, min %s, max %s%n", fmt(s.meanNorm()), fmt(s.minNorm()), fmt(s.maxNorm()));
                if (s.classCounts() != null) {
                    StringBuilder sb = new StringBuilder();
                    for (Map.Entry<Double, Integer> e : s.classCounts().entrySet()) {
                        sb.append(sb.isEmpty() ? "" : ", ").append(fmt(e.getKey())).append(": ").append(e.getValue());
                    }
                    out.printf(Locale.ROOT, "  classes   %s%n", sb);
                } else if (!s.hasTargets()) {
                    out.printf(Locale.ROOT, "  classes   (no targets)%n");
                } else {
                    out.printf(Locale.ROOT, "  targets   real-valued (more than 100 distinct values)%n");
                }
            }
        }

        private static String fmt(double v) {
            return v == Math.rint(v) && Math.abs(v) < 1e15 ? Long.toString((long) v) : String.format(Locale.ROOT, "%.6g", v);
        }
    }

    @Command(name = "export", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Write a dataset (after --classes/--limit/--normalize) for other tools, into --out DIR with run.json:",
                    "  npy            x.npy (f64) and y.npy, for numpy",
                    "  libsvm         data.libsvm, sparse, for svm-train and scikit-learn's load_svmlight_file",
                    "  libsvm-kernel  kernel.libsvm: the NTK/NNGP Gram in LIBSVM's precomputed form (svm-train -t 4);",
                    "                 with --against TRAIN_SPEC, the test-vs-train kernel for svm-predict"})
    static final class Export implements Runnable {
        @Spec
        CommandSpec spec;

        @Parameters(index = "0", paramLabel = "SPEC", description = "The data spec.")
        String source;

        @Option(names = "--labels", paramLabel = "Y.npy", description = "Targets for a .npy SPEC (n or n x 1).")
        Path labels;

        @Option(names = "--format", paramLabel = "npy|libsvm|libsvm-kernel", defaultValue = "npy", description = "Output format (default: ${DEFAULT-VALUE}).")
        String format;

        @Option(names = "--against", paramLabel = "SPEC", description = "libsvm-kernel: the training set (kernel columns); default: the data itself.")
        String against;

        @Option(names = "--against-labels", paramLabel = "Y.npy", description = "Targets for a .npy --against.")
        Path againstLabels;

        /** libsvm-kernel: the kernel (default: the depth-1 NTK). */
        @Mixin
        KernelOptions kernel = new KernelOptions();

        @Mixin
        BackendOptions compute = new BackendOptions();

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory (created if needed).")
        Path out;

        @Mixin
        DataOptions data = new DataOptions();

        @Override
        public void run() {
            String f = format.toLowerCase(Locale.ROOT);
            if (!f.equals("npy") && !f.equals("libsvm") && !f.equals("libsvm-kernel")) {
                throw new TangentException("--format " + format + ": unknown format, expected npy, libsvm or libsvm-kernel");
            }
            DataWorkflow.requireDirectory(out);
            try (Dataset ds = data.load(source, labels, DType.F64, "SPEC")) {
                switch (f) {
                    case "npy" -> DataWorkflow.exportNpy(ds, out);
                    case "libsvm" -> DataWorkflow.exportLibsvm(ds, out);
                    default -> {
                        var ks = kernel.spec(1);
                        var sel = compute.select(spec.commandLine().getErr(), "data export", false);
                        try (Dataset ag = against == null ? null : data.load(against, againstLabels, DType.F64, "--against")) {
                            DataWorkflow.exportKernel(ds, ag, ks, sel.provider(), out);
                        }
                    }
                }
                spec.commandLine().getOut().printf(Locale.ROOT, "%s: %d x %d written to %s%n", ds.description(), ds.size(), ds.dim(), out);
            }
        }
    }

    @Command(name = "prep", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Build paper B's datasets (spec section 7.2) as X.npy, Y.npy, Xt.npy, Yt.npy (float32) + run.json:",
                    "  fmnist-hf  Fashion-MNIST + high-frequency DCT noise, tau = linspace(0, 3, 15)[index]",
                    "  fmnist-lf  Fashion-MNIST, k x k low-frequency DCT block replaced by matched noise, k = 1 + 2 index",
                    "  synth      spiked covariates, d = 1024, d0 = 16, kappa = index/10 (seeds 145/2/14)",
                    "Noise comes from numpy's legacy RandomState(2048), train first, as the reference code."})
    static final class Prep implements Runnable {
        @Spec
        CommandSpec spec;

        @Option(names = "--dataset", required = true, paramLabel = "fmnist-hf|fmnist-lf|synth", description = "Which dataset.")
        String dataset;

        @Option(names = "--noise-index", required = true, paramLabel = "K", description = "Noise level index (0-14 hf, 0-13 lf, 0-9 synth).")
        int noiseIndex;

        @Option(names = "--n", defaultValue = "-1", description = "Training samples: first N of Fashion-MNIST, or synth size (default: the paper's).")
        int n;

        @Option(names = "--n-test", defaultValue = "-1", description = "Test samples (default: the paper's).")
        int nTest;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Output directory.")
        Path out;

        @Mixin
        BackendOptions compute = new BackendOptions();

        @Override
        public void run() {
            if (n == 0 || n < -1 || nTest == 0 || nTest < -1) {
                throw new TangentException("--n and --n-test must be positive, found " + n + " and " + nTest);
            }
            var sel = compute.select(spec.commandLine().getErr(), "data prep", false);
            var r = dev.tangent.experiment.PrepWorkflow.run(new dev.tangent.experiment.PrepWorkflow.Request(
                    dev.tangent.experiment.PrepWorkflow.parseKind(dataset), noiseIndex, n, nTest, out, sel.provider().backend()));
            spec.commandLine().getOut().printf(Locale.ROOT, "%s: %d train, %d test, d = %d, %s -> %s%n", dataset, r.n(), r.nTest(), r.d(),
                    r.parameters(), out);
        }
    }
}
