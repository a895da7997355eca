package dev.tangent.compute;

import dev.tangent.TangentException;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.memory.MemoryBudget;

import java.util.Locale;

/**
 * {@link ShiftedCholesky} on host memory, on a backend's {@code potrf}/{@code potrs}: either on a copy of K (n² more
 * elements; K untouched) or in place in a {@link HostKernelMatrix} (the factor in its lower triangle, K kept in the
 * strict upper triangle and a saved diagonal; restored by mirroring before the next factorisation and on close).
 */
final class HostCholesky implements ShiftedCholesky {
    private final KernelMatrix k;
    private final HostKernelMatrix host;
    private final Backend backend;
    private final BlockOps ops;
    private final Matrix factor;
    private final double[] diagonal;
    private double shift = Double.NaN;

    private HostCholesky(KernelMatrix k, HostKernelMatrix host, Backend backend, BlockOps ops, Matrix factor, double[] diagonal) {
        this.k = k;
        this.host = host;
        this.backend = backend;
        this.ops = ops;
        this.factor = factor;
        this.diagonal = diagonal;
    }

    /** A factor on a copy of K in K's dtype, in host memory (any provider's K, read through {@link KernelMatrix#copyRows}). */
    static HostCholesky onCopy(KernelMatrix k, Backend backend) {
        requireSquare(k);
        int n = k.rows();
        MemoryBudget.require(Matrix.byteSize(n, n, k.dtype()), String.format(Locale.ROOT, "the Cholesky factor (%d x %d, %s)", n, n, k.dtype()));
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = k.get(i, i);
        }
        return new HostCholesky(k, null, backend, null, Matrix.allocate(n, n, k.dtype()), d);
    }

    /** A factor in K's own array. */
    static HostCholesky inPlace(HostKernelMatrix k) {
        requireSquare(k);
        if (k.isFactored()) {
            throw new IllegalStateException(k + " already holds a factor in place");
        }
        Matrix m = k.matrix();
        double[] d = new double[m.rows()];
        for (int i = 0; i < d.length; i++) {
            d[i] = m.get(i, i);
        }
        return new HostCholesky(k, k, k.backend(), k.ops(), m, d);
    }

    private static void requireSquare(KernelMatrix k) {
        if (k.rows() != k.cols()) {
            throw new TangentException("a Cholesky factor needs a square kernel matrix, found " + k.rows() + " x " + k.cols());
        }
    }

    @Override
    public int factor(double s) {
        if (!(s >= 0) || Double.isInfinite(s)) {
            throw new IllegalArgumentException("shift must be finite and >= 0, found " + s);
        }
        if (host != null) {
            restore();
            host.beginFactor(diagonal);
            for (int i = 0; i < diagonal.length; i++) {
                factor.set(i, i, diagonal[i] + s);
            }
        } else {
            k.copyRows(0, factor);
            for (int i = 0; i < diagonal.length; i++) {
                factor.set(i, i, diagonal[i] + s);
            }
        }
        shift = s;
        int info = backend.potrf(factor);
        if (info != 0) {
            restore();
            shift = Double.NaN;
        }
        return info;
    }

    /** In place: K's lower triangle and diagonal back from the upper triangle and the saved diagonal. */
    private void restore() {
        if (host == null || !host.isFactored()) {
            return;
        }
        ops.mirrorUpperToLower(factor);
        for (int i = 0; i < diagonal.length; i++) {
            factor.set(i, i, diagonal[i]);
        }
        host.endFactor();
    }

    @Override
    public double shift() {
        return shift;
    }

    @Override
    public void solve(Matrix b) {
        if (Double.isNaN(shift)) {
            throw new IllegalStateException("no factor is held");
        }
        if (b.rows() != factor.rows()) {
            throw new IllegalArgumentException("solve: the factor has order " + factor.rows() + ", B is " + b);
        }
        if (b.dtype() == factor.dtype()) {
            backend.potrs(factor, b);
            return;
        }
        try (Matrix bb = b.copy(factor.dtype())) {
            backend.potrs(factor, bb);
            bb.copyInto(b);
        }
    }

    @Override
    public boolean inPlace() {
        return host != null;
    }

    @Override
    public void close() {
        if (host != null) {
            restore();
            shift = Double.NaN;
        } else {
            factor.close();
        }
    }
}
