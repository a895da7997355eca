package dev.tangent.experiment;

import dev.tangent.TangentException;
import dev.tangent.data.Dataset;
import dev.tangent.data.Input;
import dev.tangent.data.Normalization;
import dev.tangent.io.AtomicFile;
import dev.tangent.io.TempFiles;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.memory.MemoryBudget;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * {@code tangent gram}: loads X (and optionally X₂) and has the provider write K(X, X₂) to the output path
 * ({@link dev.tangent.compute.KernelProvider#writeGram}: row panels in bounded memory, each streamed to a temp
 * {@code .npy} next to the output path as soon as it is final, renamed into place when complete). The output must be a
 * new path or a regular file; its disk space is checked before anything is created.
 */
public final class GramWorkflow {
    private GramWorkflow() {
    }

    /**
     * @param x    the row points
     * @param x2   the column points, or null for K(X, X)
     * @param norm input normalisation, or null for each source's default (unit for images, none for arrays); a
     *             {@code standard} normalisation is fitted on X and applied to X₂
     * @param tile tile edge of the map and mirror blocks (the CLI configures the provider with it; checked here)
     */
    public record Request(Input x, Input x2, Normalization norm, KernelSpec spec, DType dtype, int tile, Path out) {
    }

    /**
     * @param rows        rows of K
     * @param cols        columns of K
     * @param dim         input dimension d
     * @param loadSeconds time to read and normalise the inputs
     * @param seconds     time to build and write K (GEMM + recursion + mirroring, the last panel's write, the rename),
     *                    excluding loading
     * @param flops       floating-point operations of the inner products actually needed (n(n+1)d for K(X, X), 2·n·m·d otherwise)
     */
    public record Result(int rows, int cols, int dim, String xDescription, String x2Description, double loadSeconds,
                         double seconds, double flops, String backend) {
        public double entriesPerSecond() {
            return (double) rows * cols / seconds;
        }

        public double gflops() {
            return flops / seconds / 1e9;
        }
    }

    public static Result run(Request r, Context c) {
        if (r.tile() < 8) {
            throw new TangentException("--tile must be >= 8, found " + r.tile());
        }
        AtomicFile.checkWritable(r.out(), "--out");
        long t0 = System.nanoTime();
        try (Dataset x = r.x().load(r.dtype(), r.norm());
             Dataset x2 = r.x2() == null ? null : r.x2().load(r.dtype(), r.norm(), x.standardization())) {
            if (x2 != null && x2.dim() != x.dim()) {
                throw new TangentException("--x has " + x.dim() + " features per sample but --x2 has " + x2.dim()
                        + "; expected the same number");
            }
            long t1 = System.nanoTime();
            int cols = x2 == null ? x.size() : x2.size();
            long bytes = Matrix.byteSize(x.size(), cols, r.dtype());
            AtomicFile.requireSpace(r.out(), bytes + 4096, String.format(Locale.ROOT, "the %d x %d %s Gram", x.size(), cols, r.dtype()));
            List<TempFiles.Discarded> stale = TempFiles.reclaimStale(r.out().toAbsolutePath().getParent());
            if (!stale.isEmpty()) {
                c.reporter().note("reclaimed " + stale.size() + " temp file" + (stale.size() == 1 ? "" : "s") + " of stopped processes ("
                        + MemoryBudget.human(stale.stream().mapToLong(TempFiles.Discarded::bytes).sum()) + ")");
            }
            c.provider().writeGram(r.spec(), x.x(), x2 == null ? null : x2.x(), r.dtype(), r.out(),
                    (d, t) -> c.reporter().progress("gram", "blocks", d, t));
            long t2 = System.nanoTime();
            double d = x.dim();
            double flops = x2 == null ? (double) x.size() * (x.size() + 1) * d : 2.0 * x.size() * cols * d;
            return new Result(x.size(), cols, x.dim(), x.description(), x2 == null ? null : x2.description(),
                    (t1 - t0) / 1e9, (t2 - t1) / 1e9, flops, c.provider().name());
        }
    }
}
