package dev.tangent.compute;

import dev.tangent.TangentException;
import dev.tangent.memory.Matrix;
import dev.tangent.memory.MemoryBudget;

import java.util.Locale;

/**
 * {@link SymmetricSpectrum} in host memory: K copied (in its dtype) and decomposed by the backend's {@code syevd}; the
 * copy then holds Qᵀ (row j = the eigenvector of λ_j). Projections run in f64 ({@link WideProduct}).
 */
final class HostSpectrum implements SymmetricSpectrum {
    private final Matrix qt;
    private final double[] values;
    private final Backend backend;
    private final BlockOps ops;
    private final int threads;

    private HostSpectrum(Matrix qt, double[] values, Backend backend, BlockOps ops, int threads) {
        this.qt = qt;
        this.values = values;
        this.backend = backend;
        this.ops = ops;
        this.threads = threads;
    }

    /**
     * Decomposes K. LAPACK's divide and conquer allocates about 2n² elements of workspace besides the copy; both are
     * checked against the memory budget first.
     */
    static HostSpectrum of(KernelMatrix k, Backend backend, BlockOps ops, int threads) {
        if (k.rows() != k.cols()) {
            throw new TangentException("an eigendecomposition needs a square kernel matrix, found " + k.rows() + " x " + k.cols());
        }
        int n = k.rows();
        long copy = Matrix.byteSize(n, n, k.dtype());
        MemoryBudget.require(3 * copy, String.format(Locale.ROOT, "the eigendecomposition of the %d x %d %s kernel (its copy and "
                + "the divide-and-conquer workspace, 3 n^2 elements)", n, n, k.dtype()));
        Matrix q = Matrix.allocate(n, n, k.dtype());
        try {
            k.copyRows(0, q);
            double[] w = new double[n];
            int info = backend.syevd(q, w);
            if (info != 0) {
                throw new TangentException("the eigendecomposition of the kernel matrix did not converge (LAPACK info " + info + ")");
            }
            return new HostSpectrum(q, w, backend, ops, threads);
        } catch (RuntimeException e) {
            q.close();
            throw e;
        }
    }

    @Override
    public double[] values() {
        return values.clone();
    }

    @Override
    public void project(Matrix b, Matrix out) {
        WideProduct.multiply(backend, ops, threads, qt, false, b, out, false);
    }

    @Override
    public void expand(Matrix z, Matrix out) {
        WideProduct.multiply(backend, ops, threads, qt, true, z, out, false);
    }

    @Override
    public void close() {
        qt.close();
    }
}
