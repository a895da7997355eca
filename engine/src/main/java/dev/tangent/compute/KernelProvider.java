package dev.tangent.compute;

import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.nio.file.Path;

/**
 * Where a kernel runs: a provider computes kernel matrices of a {@link KernelSpec} from data, keeps them in memory it
 * owns, and serves them as {@link KernelMatrix} rows, blocks and products; it also solves the linear systems kernel
 * machines need. Consumers never see the memory behind a kernel, so the same solver runs on host memory, a mapped
 * file, a GPU or a cluster.
 *
 * <p>Providers: {@code cpu} (OpenBLAS or Vector-API GEMM with the fused Vector-API kernel maps), {@code scalar} (plain
 * Java, no incubator module, no native code: the fallback and the reference). {@link KernelProviders#select} chooses
 * one and says why.
 */
public interface KernelProvider {
    /** Short name as accepted by {@code --backend}. */
    String name();

    /** What runs underneath, e.g. "OpenBLAS 0.3.21 (core SkylakeX) + Vector API 512-bit kernel maps". */
    String description();

    /** Threads one call may use. */
    int threads();

    /**
     * The dense linear algebra of this provider on host matrices of the caller (networks, data transforms): the same
     * GEMM the provider's kernels are built on.
     */
    Backend backend();

    /**
     * Prepares the provider's steady state for Grams of {@code spec} in {@code dtype} and waits until it is reached, so
     * that timed runs measure it (benchmarks; the CPU provider compiles its Vector API kernels, which it otherwise does
     * once a process has mapped enough entries to repay them). Does nothing by default.
     */
    default void warmUp(KernelSpec spec, DType dtype) {
    }

    /** Reports finished work items of a long computation (called from worker threads). */
    @FunctionalInterface
    interface Progress {
        void done(long done, long total);

        Progress NONE = (d, t) -> { };
    }

    /**
     * K(X, Y) (rows of X × rows of Y; {@code y == null} means Y = X, computed once per symmetric pair and exactly
     * symmetric), stored in {@code dtype} (the inner products are computed in that precision).
     */
    KernelMatrix gram(KernelSpec spec, Matrix x, Matrix y, DType dtype, Progress progress);

    default KernelMatrix gram(KernelSpec spec, Matrix x, Matrix y) {
        return gram(spec, x, y, x.dtype(), Progress.NONE);
    }

    /**
     * A kernel matrix computed elsewhere (read from a file, built by hand), handed over to this provider: it is moved
     * into the provider's memory (host providers take it as it is) and closed with the returned matrix.
     */
    KernelMatrix adopt(Matrix k);

    /**
     * K(X, Y) into host memory the caller owns ({@code out}: rows of X × rows of Y, its dtype is the kernel's): a mapped
     * output file, or a benchmark's reused buffer.
     */
    void gramInto(KernelSpec spec, Matrix x, Matrix y, Matrix out, Progress progress);

    /**
     * K(X, Y) written to a new C-order {@code .npy} file of {@code dtype} at {@code file}, atomically (the file appears
     * complete or not at all), in bounded memory: row panels are computed in turn in a few reused buffers and each is
     * written with direct I/O as soon as it is final; the memory needed is checked first (a one-line error otherwise).
     */
    void writeGram(KernelSpec spec, Matrix x, Matrix y, DType dtype, Path file, Progress progress);

    /**
     * The height of the row panels in which {@link #gram} computes K(X, X): the unit of {@link #gramPanelsInto}.
     */
    int panelRows();

    /**
     * Rows [from, to) of K(X, X) from column {@code from} on (the upper trapezoid of those rows, (to − from) × (n − from);
     * the columns left of {@code from} are the transpose of earlier rows), computed exactly as {@link #gram} with
     * {@code y == null} computes them, so that row blocks computed apart (on the executors of a cluster) assemble into
     * the same matrix bit for bit. {@code from} and {@code to} are multiples of {@link #panelRows()} ({@code to} may be
     * n); {@code out}'s dtype is the kernel's.
     */
    void gramPanelsInto(KernelSpec spec, Matrix x, int from, int to, Matrix out, Progress progress);

    /**
     * Solves (K + shift·I)·A = B in place of the columns of {@code b} (host, K's row count × m) by a Cholesky
     * factorisation of a copy of K in this provider's memory; K itself is unchanged.
     *
     * @return 0 on success, or the order of the leading minor that is not positive definite (LAPACK's info)
     */
    int solveShifted(KernelMatrix k, double shift, Matrix b);

    /** Whether {@link #implicitGram} and an in-place {@link #cholesky} are available here (a ridge plan asks). */
    default boolean inPlaceAndMatrixFree() {
        return false;
    }

    /**
     * A matrix-free K(X, Y) ({@code y == null}: K(X, X)) in {@code dtype}: products, rows and gathers recompute the
     * blocks they need through this provider's Gram loop, so the kernel costs one row panel of memory; the first
     * {@code storedRows} rows of a K(X, X) are computed once and kept (0: none).
     */
    default KernelMatrix implicitGram(KernelSpec spec, Matrix x, Matrix y, DType dtype, int storedRows, Progress progress) {
        throw new UnsupportedOperationException("the " + name() + " provider has no matrix-free kernel");
    }

    /**
     * A Cholesky factor of K + shift·I for a ridge grid, in this provider's memory: on a copy of K, or in place, sharing
     * K's array (only a kernel this provider stored by {@link #gram} or {@link #adopt}). The default factors a host copy
     * of K's rows on {@link #backend()}.
     */
    default ShiftedCholesky cholesky(KernelMatrix k, boolean inPlace) {
        if (inPlace) {
            throw new UnsupportedOperationException("the " + name() + " provider has no in-place factor");
        }
        return HostCholesky.onCopy(k, backend());
    }

    /**
     * The eigendecomposition of a symmetric K (K unchanged), in this provider's memory. The default decomposes a host
     * copy of K's rows on {@link #backend()}.
     */
    default SymmetricSpectrum spectrum(KernelMatrix k) {
        return HostSpectrum.of(k, backend(), BlockOps.SCALAR, threads());
    }
}
