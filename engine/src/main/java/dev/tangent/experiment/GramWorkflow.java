package dev.tangent.experiment;

import dev.tangent.TangentException;
import dev.tangent.compute.KernelProvider;
import dev.tangent.data.DataSource;
import dev.tangent.data.Dataset;
import dev.tangent.data.Normalization;
import dev.tangent.data.Selection;
import dev.tangent.io.AtomicFile;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;

import java.nio.file.Path;

/**
 * {@code tangent gram}: loads X (and optionally X₂), builds K(X, X₂) with the fused tiled builder straight into a
 * memory-mapped {@code .npy} next to the output path, and renames it into place when complete.
 */
public final class GramWorkflow {
    private GramWorkflow() {
    }

    /**
     * @param x         the row points
     * @param x2        the column points, or null for K(X, X)
     * @param selection which samples of each source (class pair, first N)
     * @param norm      input normalisation, or null for each source's default (unit for images, none for arrays)
     * @param progress  receives finished work items
     */
    public record Request(DataSource x, DataSource x2, Selection selection, Normalization norm, KernelSpec spec, DType dtype,
                          KernelProvider provider, Path out, KernelProvider.Progress progress) {
    }

    /**
     * @param rows        rows of K
     * @param cols        columns of K
     * @param dim         input dimension d
     * @param loadSeconds time to read and normalise the inputs
     * @param seconds     time to build K (GEMM + recursion + mirroring), excluding loading and the final rename
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

    public static Result run(Request r) {
        AtomicFile.checkWritable(r.out(), "--out");
        long t0 = System.nanoTime();
        try (Dataset x = load(r.x(), r, "--x");
             Dataset x2 = r.x2() == null ? null : load(r.x2(), r, "--x2")) {
            if (x2 != null && x2.dim() != x.dim()) {
                throw new TangentException("--x has " + x.dim() + " features per sample but --x2 has " + x2.dim()
                        + "; expected the same number");
            }
            if (x.size() == 0 || (x2 != null && x2.size() == 0)) {
                throw new TangentException((x.size() == 0 ? "--x" : "--x2") + ": no samples, expected at least one row");
            }
            long t1 = System.nanoTime();
            int cols = x2 == null ? x.size() : x2.size();
            r.provider().writeGram(r.spec(), x.x(), x2 == null ? null : x2.x(), r.dtype(), r.out(), r.progress());
            long t2 = System.nanoTime();
            double d = x.dim();
            double flops = x2 == null ? (double) x.size() * (x.size() + 1) * d : 2.0 * x.size() * cols * d;
            return new Result(x.size(), cols, x.dim(), x.description(), x2 == null ? null : x2.description(),
                    (t1 - t0) / 1e9, (t2 - t1) / 1e9, flops, r.provider().name());
        }
    }

    private static Dataset load(DataSource src, Request r, String option) {
        return src.load(r.dtype(), r.selection(), r.norm(), option);
    }
}
