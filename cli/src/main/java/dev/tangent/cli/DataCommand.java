package dev.tangent.cli;

import dev.tangent.data.Dataset;
import dev.tangent.data.Input;
import dev.tangent.experiment.DataWorkflow;
import dev.tangent.experiment.PrepWorkflow;
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
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** {@code tangent data}: look at a dataset, move it between Tangent, numpy and LIBSVM, or build paper B's datasets. */
@Command(name = "data", mixinStandardHelpOptions = true,
        header = "Inspect, export and prepare datasets (info, export, prep).",
        description = {"Inspect and export datasets, or build paper B's noisy datasets. A data spec is one of:",
                "  fashion-mnist:train|test  Debian's dataset-fashion-mnist (IDX files)",
                "  mnist:DIR:train|test      a directory with the MNIST IDX files (gz or raw)",
                "  X.npy                     an n x d array; its targets in a separate .npy",
                "                            (--labels, --train-labels, --test-labels, ...)",
                "  FILE.csv, FILE.tsv        a header is detected; targets from --label-column",
                "  libsvm:FILE or any file   LIBSVM's sparse text format (targets first)",
                "Every command that reads data also takes --classes, --limit and --normalize."},
        subcommands = {DataCommand.Info.class, DataCommand.Export.class, DataCommand.Prep.class})
final class DataCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: info, export or prep");
    }

    @Command(name = "info", mixinStandardHelpOptions = true, sortOptions = false,
            header = "Show the shape, class counts, value range and norms of a dataset.",
            description = "Show the shape, class counts, value range and norms of a dataset after --classes, --limit and "
                    + "--normalize.")
    static final class Info extends BaseCommand {
        @Parameters(index = "0", paramLabel = "SPEC", description = "The data spec.")
        String source;

        @Option(names = "--labels", paramLabel = "Y.npy", description = "Targets for a .npy SPEC (n or n x 1).")
        Path labels;

        @Option(names = "--json", description = "Print JSON instead of text.")
        boolean json;

        @Mixin
        DataOptions data = new DataOptions();

        @Override
        void execute() {
            PrintWriter out = out();
            data.checkEffective(List.of(source), new boolean[0]);
            Input in = data.input(source, labels, null, "SPEC", "--limit");
            try (Dataset ds = in.load(DType.F64, data.normalize)) {
                DataWorkflow.Summary s = DataWorkflow.info(ds);
                if (json) {
                    out.print(Json.write(s.toJson()));
                    out.flush();
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
            header = "Write a dataset for numpy or LIBSVM, or its NTK in LIBSVM's precomputed-kernel form.",
            description = {"Write a dataset (after --classes, --limit and --normalize) for other tools into --out DIR, with run.json:",
                    "  npy            x.npy (f64) and y.npy, for numpy",
                    "  libsvm         data.libsvm, sparse, for svm-train and scikit-learn's",
                    "                 load_svmlight_file",
                    "  libsvm-kernel  kernel.libsvm: the NTK/NNGP Gram in LIBSVM's precomputed form",
                    "                 (svm-train -t 4); with --against TRAIN_SPEC, the test-vs-train",
                    "                 kernel for svm-predict",
                    "The kernel options (--depth, --kind, --weight-std, --bias-std), --against and the compute options apply "
                            + "to libsvm-kernel only."})
    static final class Export extends BaseCommand {
        @Parameters(index = "0", paramLabel = "SPEC", description = "The data spec.")
        String source;

        @Option(names = "--labels", paramLabel = "Y.npy", description = "Targets for a .npy SPEC (n or n x 1).")
        Path labels;

        @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "npy", converter = Converters.Formats.class,
                completionCandidates = Converters.Formats.class,
                description = "Output format, one of ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
        DataWorkflow.Format format;

        @Option(names = "--against", paramLabel = "SPEC",
                description = "The training set whose points are the kernel's columns, libsvm-kernel (default: the data itself).")
        String against;

        @Option(names = "--against-labels", paramLabel = "Y.npy", description = "Targets for a .npy --against.")
        Path againstLabels;

        @Option(names = "--against-limit", paramLabel = "N",
                description = "Use only the first N samples of --against (default: --limit, else all).")
        Integer againstLimit;

        @Mixin
        KernelOptions kernel = new KernelOptions();

        @Mixin
        BackendOptions compute = new BackendOptions();

        @Mixin
        OutputOptions output = new OutputOptions();

        @Mixin
        DataOptions data = new DataOptions();

        private static final List<String> KERNEL = List.of("--depth", "--kind", "--weight-std", "--bias-std", "--against",
                "--against-labels", "--against-limit", "--backend", "--threads");

        @Override
        void execute() {
            if (format != DataWorkflow.Format.LIBSVM_KERNEL) {
                for (String o : KERNEL) {
                    notApplicable(o, "to --format " + format + " (it applies to --format libsvm-kernel)");
                }
            }
            if (against == null) {
                needs("--against-labels", "--against");
                needs("--against-limit", "--against");
            }
            data.checkEffective(Arrays.asList(source, against), new boolean[] {false, againstLimit != null}, "", "--against-limit");
            Input in = data.input(source, labels, null, "SPEC", "--limit");
            Input ag = against == null ? null : data.input(against, againstLabels, againstLimit, "--against", "--against-limit");
            int[] r = DataWorkflow.export(new DataWorkflow.ExportRequest(in, ag, data.normalize, format, kernel.spec(this, 1), output.output()),
                    context(compute));
            out().printf(Locale.ROOT, "%s: %d x %d written to %s%n", source, r[0], r[1], output.out);
        }
    }

    @Command(name = "prep", mixinStandardHelpOptions = true, sortOptions = false,
            header = "Build paper B's noisy Fashion-MNIST and spiked-covariates datasets.",
            description = {"Build paper B's datasets (spec section 7.2) as X.npy, Y.npy, Xt.npy, Yt.npy (float32) and run.json:",
                    "  fmnist-hf  Fashion-MNIST + high-frequency DCT noise,",
                    "             tau = linspace(0, 3, 15)[index]",
                    "  fmnist-lf  Fashion-MNIST, the k x k low-frequency DCT block replaced by",
                    "             matched noise, k = 1 + 2 index",
                    "  synth      spiked covariates, d = 1024, d0 = 16, kappa = index/10",
                    "             (seeds 145/2/14)",
                    "Noise comes from numpy's legacy RandomState(2048), train first, as the reference code. The compute "
                            + "options apply to fmnist-lf (its covariance model)."})
    static final class Prep extends BaseCommand {
        @Option(names = "--dataset", required = true, paramLabel = "DATASET", converter = Converters.PrepKinds.class,
                completionCandidates = Converters.PrepKinds.class, description = "One of ${COMPLETION-CANDIDATES}.")
        PrepWorkflow.Kind dataset;

        @Option(names = "--noise-index", required = true, paramLabel = "K",
                description = "Noise level index: 0-14 for fmnist-hf, 0-13 for fmnist-lf, 0-9 for synth.")
        int noiseIndex;

        @Option(names = "--n", paramLabel = "N", description = "Training samples: the first N of Fashion-MNIST, or the synth size "
                + "(default: the paper's).")
        Integer n;

        @Option(names = "--n-test", paramLabel = "N", description = "Test samples (default: the paper's).")
        Integer nTest;

        @Mixin
        OutputOptions output = new OutputOptions();

        @Mixin
        BackendOptions compute = new BackendOptions();

        @Override
        void execute() {
            if (dataset != PrepWorkflow.Kind.FMNIST_LF) {
                notApplicable("--backend", "to --dataset " + dataset.toString().toLowerCase(Locale.ROOT).replace('_', '-')
                        + " (it applies to fmnist-lf)");
                notApplicable("--threads", "to --dataset " + dataset.toString().toLowerCase(Locale.ROOT).replace('_', '-')
                        + " (it applies to fmnist-lf)");
            }
            var r = PrepWorkflow.run(new PrepWorkflow.Request(dataset, noiseIndex, n == null ? -1 : n, nTest == null ? -1 : nTest,
                    output.output()), context(compute));
            out().printf(Locale.ROOT, "%s: %d train, %d test, d = %d, %s -> %s%n", dataset.toString().toLowerCase(Locale.ROOT).replace('_', '-'),
                    r.n(), r.nTest(), r.d(), r.parameters(), output.out);
        }
    }
}
