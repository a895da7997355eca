package dev.tangent.cli;

import dev.tangent.data.Input;
import dev.tangent.experiment.Context;
import dev.tangent.experiment.GramWorkflow;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import dev.tangent.memory.MemoryBudget;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/** {@code tangent gram}: the analytic NTK/NNGP Gram matrix of one or two datasets, written as a C-order .npy. */
@Command(name = "gram", mixinStandardHelpOptions = true, sortOptions = false,
        header = "Compute the analytic NTK or NNGP Gram matrix of one or two datasets as a .npy file.",
        description = {"Compute K[i][j] = kernel(x_i, x2_j) for a --kernel spec of stax-style layers, or for the ReLU network Dense, "
                + "(ReLU, Dense) x depth in NTK parameterisation (neural-tangents' stax conventions, spec section 3.2); x2 = x when --x2 "
                + "is absent.",
                "Chunks of X X2^T come from the backend's GEMM, and each tile of a chunk runs through the kernel map while "
                        + "hot in cache; for K(X, X) only the upper triangle is computed and mirrored (exactly symmetric).",
                "The output is written to a temp file next to --out and renamed when complete; an existing --out must be a "
                        + "regular file."},
        footer = {"", "Data specs: fashion-mnist:train|test (Debian package dataset-fashion-mnist), mnist:DIR:train|test, "
                + "a .npy file of n x d features, a LIBSVM or a CSV file (see tangent data --help). Example:",
                "  tangent gram --x fashion-mnist:train --limit 10000 --depth 2 --dtype f32 \\",
                "      --out K.npy"})
final class GramCommand extends BaseCommand {
    @Option(names = "--x", required = true, paramLabel = "SPEC", description = "Row points: a data spec.")
    String x;

    @Option(names = "--x2", paramLabel = "SPEC", description = "Column points (default: the same as --x, the symmetric path).")
    String x2;

    @Option(names = "--x-limit", paramLabel = "N", description = "Use only the first N row points (default: --limit, else all).")
    Integer xLimit;

    @Option(names = "--x2-limit", paramLabel = "N", description = "Use only the first N column points (default: --limit, else all).")
    Integer x2Limit;

    @Mixin
    KernelOptions kernel = new KernelOptions();

    @Option(names = "--dtype", paramLabel = "DTYPE", defaultValue = "f64", converter = Converters.Types.class,
            completionCandidates = Converters.Types.class,
            description = "Element type of the GEMM and of the output, one of ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}; "
                    + "the layer recursion of --bias-std > 0 runs in f64).")
    DType dtype;

    @Mixin
    BackendOptions compute = new BackendOptions();

    @Mixin
    DataOptions data = new DataOptions();

    @Option(names = "--tile", paramLabel = "T", defaultValue = "256",
            description = "Tile edge of the kernel map and mirror; GEMM chunks are 2T rows x 4T columns (default: ${DEFAULT-VALUE}).")
    int tile;

    @Option(names = "--out", required = true, paramLabel = "K.npy",
            description = "Output .npy: a new path or a regular file (written to a temp file, then renamed).")
    Path out;

    @Override
    void execute() {
        KernelSpec kspec = kernel.spec(this, null);
        if (x2 == null) {
            needs("--x2-limit", "--x2");
        }
        data.checkEffective(Arrays.asList(x, x2), new boolean[] {xLimit != null, x2Limit != null}, "--x-limit", "--x2-limit");
        Input xs = data.input(x, null, xLimit, "--x", "--x-limit");
        Input x2s = x2 == null ? null : data.input(x2, null, x2Limit, "--x2", "--x2-limit");
        Context c = context(compute, tile);
        GramWorkflow.Result r = GramWorkflow.run(new GramWorkflow.Request(xs, x2s, data.normalize, kspec, dtype, tile, out), c);
        long bytes = (long) r.rows() * r.cols() * dtype.bytes();
        out().printf(Locale.ROOT, "%s: %d x %d %s of %s%s, d = %d%n", out, r.rows(), r.cols(), kspec, r.xDescription(),
                r.x2Description() == null ? "" : " vs " + r.x2Description(), r.dim());
        out().printf(Locale.ROOT, "built in %.3f s with %s (%d threads, %s): %.1f M entries/s, %.1f GFLOP/s in the inner products; "
                        + "loading took %.3f s; output %s%n",
                r.seconds(), r.backend(), compute.threads, dtype, r.entriesPerSecond() / 1e6, r.gflops(), r.loadSeconds(),
                MemoryBudget.human(bytes));
    }
}
