package dev.tangent.cli;

import dev.tangent.TangentException;
import dev.tangent.compute.KernelProviders;
import dev.tangent.data.DataSource;
import dev.tangent.experiment.GramWorkflow;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import dev.tangent.memory.MemoryBudget;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;

/** {@code tangent gram}: the analytic NTK/NNGP Gram matrix of one or two datasets, written as a C-order .npy. */
@Command(name = "gram", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Compute K[i][j] = kernel(x_i, x2_j) for a --kernel spec, or for the ReLU network Dense, (ReLU, Dense) x depth",
                "in NTK parameterisation (neural-tangents' stax conventions, spec section 3.2); x2 = x when --x2 is absent.",
                "Chunks of X*X2^T come from the backend's GEMM; each tile of a chunk runs through the kernel map while hot in cache;",
                "for K(X, X) only the upper triangle is computed and mirrored (exactly symmetric)."},
        footer = {"", "Data specs: fashion-mnist:train|test (Debian package dataset-fashion-mnist), mnist:DIR:train|test,",
                "or a .npy file of n x d features. Example:",
                "  tangent gram --x fashion-mnist:train --limit 10000 --depth 2 --dtype f32 --out K.npy"})
final class GramCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @ParentCommand
    Main parent;

    @Option(names = "--x", required = true, paramLabel = "SPEC", description = "Row points: a data spec or an n x d .npy file.")
    String x;

    @Option(names = "--x2", paramLabel = "SPEC", description = "Column points (default: the same as --x, symmetric path).")
    String x2;

    @picocli.CommandLine.Mixin
    KernelOptions kernel = new KernelOptions();

    @Option(names = "--dtype", paramLabel = "f64|f32", defaultValue = "f64", converter = Converters.Type.class,
            description = "Element type of the GEMM and of the output (default: ${DEFAULT-VALUE}; layer-by-layer maps, e.g. with --bias-std > 0, run in f64).")
    DType dtype;

    @picocli.CommandLine.Mixin
    BackendOptions compute = new BackendOptions();

    @picocli.CommandLine.Mixin
    DataOptions data = new DataOptions();

    @Option(names = "--tile", paramLabel = "T", defaultValue = "256", description = "Tile edge of the kernel map and mirror; GEMM chunks are 2T rows x 4T columns (default: ${DEFAULT-VALUE}).")
    int tile;

    @Option(names = "--out", required = true, paramLabel = "K.npy", description = "Output .npy (written to a temp file, then renamed).")
    Path out;

    @Override
    public void run() {
        if (tile < 8) {
            throw new TangentException("--tile must be >= 8, found " + tile);
        }
        KernelSpec kspec = kernel.spec(null);
        DataSource xs = data.source(x, null, "--x");
        DataSource x2s = x2 == null ? null : data.source(x2, null, "--x2");
        PrintWriter o = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        KernelProviders.Selection sel = compute.select(err, "gram", parent.verbose, tile);
        int expected = data.limit > 0 ? data.limit : 0;
        try (ProgressBar bar = new ProgressBar(err, "gram", expected == 0 || expected >= 2000)) {
            GramWorkflow.Result r = GramWorkflow.run(new GramWorkflow.Request(xs, x2s, data.selection(), data.normalize, kspec, dtype,
                    sel.provider(), out, (done, total) -> bar.update(done, total, "chunks")));
            bar.close();
            long bytes = (long) r.rows() * r.cols() * dtype.bytes();
            o.printf(Locale.ROOT, "%s: %d x %d %s of %s%s, d = %d%n", out, r.rows(), r.cols(), kspec, r.xDescription(),
                    r.x2Description() == null ? "" : " vs " + r.x2Description(), r.dim());
            o.printf(Locale.ROOT, "built in %.3f s with %s (%d threads, %s): %.1f M entries/s, %.1f GFLOP/s in the inner products; "
                            + "loading took %.3f s; output %s%n",
                    r.seconds(), r.backend(), compute.threads, dtype, r.entriesPerSecond() / 1e6, r.gflops(), r.loadSeconds(),
                    MemoryBudget.human(bytes));
        }
    }
}
