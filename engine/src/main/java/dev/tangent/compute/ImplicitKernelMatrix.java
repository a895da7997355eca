package dev.tangent.compute;

import dev.tangent.TangentException;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.lang.foreign.MemorySegment;

/**
 * A matrix-free {@link KernelMatrix}: K(X, Y) is never stored whole; products, rows and gathers recompute the blocks
 * they need through the provider's own Gram loop ({@link KernelProvider#gramInto}), so the kernel costs the memory of
 * one row panel. Optionally the first {@code stored} rows of a symmetric K(X, X) are computed once and kept: a product
 * then recomputes only the trailing block. For K(X, X), each product walks panels of rows I and computes the diagonal
 * block K(X_I, X_I) (the symmetric path, as the stored Gram) and the block K(X_I, X_{>I}) right of it, applied to
 * V_{>I} and, transposed, to V_I: half the Gram per product. Products are accumulated in f64 ({@link WideProduct}).
 */
final class ImplicitKernelMatrix implements KernelMatrix {
    /** Bytes of one recomputed row panel (in the kernel's dtype). */
    static final long PANEL_BYTES = 256L << 20;

    private final HostProvider provider;
    private final Backend backend;
    private final BlockOps ops;
    private final int threads;
    private final KernelSpec spec;
    private final Matrix x;
    private final Matrix y;
    private final boolean symmetric;
    private final DType dtype;
    private final boolean ownsX;
    private final boolean ownsY;
    private final double[] nx;
    private final double[] ny;
    private final Matrix stored;
    private final int panelRows;
    private final Matrix[] rowBuffers = new Matrix[2];
    private int nextRow;

    /**
     * @param y      null for K(X, X)
     * @param stored rows of K(X, X) to compute now and keep (0 for none; only for K(X, X))
     */
    ImplicitKernelMatrix(HostProvider provider, KernelSpec spec, Matrix x, Matrix y, DType dtype, int stored,
                         KernelProvider.Progress progress) {
        this(provider, spec, x, y, dtype, stored, 0, progress);
    }

    /** @param panelRows rows per recomputed panel (0: as many as {@link #PANEL_BYTES} holds; tests use a few) */
    ImplicitKernelMatrix(HostProvider provider, KernelSpec spec, Matrix x, Matrix y, DType dtype, int stored, int panelRows,
                         KernelProvider.Progress progress) {
        if (y != null && x.cols() != y.cols()) {
            throw new TangentException("feature counts differ: " + x.cols() + " and " + y.cols());
        }
        if (stored < 0 || stored > 0 && y != null || stored > x.rows()) {
            throw new IllegalArgumentException("stored rows " + stored + " of " + x.rows() + (y != null ? " (only K(X, X) keeps rows)" : ""));
        }
        this.provider = provider;
        this.backend = provider.backend();
        this.ops = provider.blockOps();
        this.threads = provider.threads();
        this.spec = spec;
        this.symmetric = y == null;
        this.dtype = dtype;
        Matrix xx = x.dtype() == dtype ? x : x.copy(dtype);
        Matrix yy = null;
        Matrix st = null;
        try {
            yy = y == null ? null : y.dtype() == dtype ? y : y.copy(dtype);
            this.nx = PanelGram.squaredNorms(xx);
            this.ny = yy == null ? nx : PanelGram.squaredNorms(yy);
            if (stored > 0) {
                st = Matrix.allocate(stored, x.rows(), dtype);
                double[] n0 = slice(nx, 0, stored);
                provider.gramInto(spec, xx.rows(0, stored), null, st.view(0, 0, stored, stored), n0, n0, progress);
                if (stored < x.rows()) {
                    provider.gramInto(spec, xx.rows(0, stored), xx.rows(stored, x.rows() - stored), st.view(0, stored, stored, x.rows() - stored),
                            slice(nx, 0, stored), slice(nx, stored, x.rows()), progress);
                }
            }
        } catch (RuntimeException e) {
            if (st != null) {
                st.close();
            }
            if (yy != null && yy != y) {
                yy.close();
            }
            if (xx != x) {
                xx.close();
            }
            throw e;
        }
        this.x = xx;
        this.y = yy;
        this.ownsX = xx != x;
        this.ownsY = yy != null && yy != y;
        this.stored = st;
        this.panelRows = panelRows;
    }

    private static double[] slice(double[] a, int from, int to) {
        return java.util.Arrays.copyOfRange(a, from, to);
    }

    /** K(X[r0, r0 + h), Y[c0, c0 + w)) into {@code out}; the same rows and columns are a symmetric block. */
    private void block(int r0, int h, int c0, int w, Matrix out) {
        Matrix cols = columns();
        double[] nc = symmetric ? nx : ny;
        if (symmetric && r0 == c0 && h == w) {
            double[] n0 = slice(nx, r0, r0 + h);
            provider.gramInto(spec, x.rows(r0, h), null, out, n0, n0, KernelProvider.Progress.NONE);
        } else {
            provider.gramInto(spec, x.rows(r0, h), cols.rows(c0, w), out, slice(nx, r0, r0 + h), slice(nc, c0, c0 + w),
                    KernelProvider.Progress.NONE);
        }
    }

    private Matrix columns() {
        return symmetric ? x : y;
    }

    @Override
    public int rows() {
        return x.rows();
    }

    @Override
    public int cols() {
        return columns().rows();
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    /** Rows of K(X, X) kept in memory. */
    int storedRows() {
        return stored == null ? 0 : stored.rows();
    }

    @Override
    public double get(int i, int j) {
        try (Matrix one = Matrix.allocate(1, 1, dtype)) {
            gather(new int[] {i}, new int[] {j}, one);
            return one.get(0, 0);
        }
    }

    @Override
    public synchronized MemorySegment row(int i) {
        java.util.Objects.checkIndex(i, rows());
        int slot = nextRow;
        nextRow ^= 1;
        if (rowBuffers[slot] == null) {
            rowBuffers[slot] = Matrix.allocate(1, cols(), dtype);
        }
        copyRows(i, rowBuffers[slot]);
        return rowBuffers[slot].segment().asSlice(0, (long) cols() * dtype.bytes()).asReadOnly();
    }

    @Override
    public void copyRows(int i0, Matrix dst) {
        int h = dst.rows();
        java.util.Objects.checkFromIndexSize(i0, h, rows());
        if (dst.cols() != cols()) {
            throw new IllegalArgumentException("copyRows into " + dst + ", K has " + cols() + " columns");
        }
        Matrix into = dst.dtype() == dtype ? dst : Matrix.allocate(h, cols(), dtype);
        try {
            if (symmetric) {
                // the rows' diagonal block by the symmetric path, so that a copied row equals the stored Gram's
                int s = storedRows();
                for (int r = i0; r < i0 + h; r++) {
                    if (r < s) {
                        stored.rows(r, 1).copyInto(into.rows(r - i0, 1));
                    }
                }
                int a = Math.max(i0, s);
                if (a < i0 + h) {
                    int m = i0 + h - a;
                    Matrix part = into.rows(a - i0, m);
                    block(a, m, a, m, part.view(0, a, m, m));
                    if (a > 0) {
                        block(a, m, 0, a, part.view(0, 0, m, a));
                    }
                    if (a + m < rows()) {
                        block(a, m, a + m, rows() - a - m, part.view(0, a + m, m, rows() - a - m));
                    }
                }
            } else {
                block(i0, h, 0, cols(), into);
            }
            if (into != dst) {
                into.copyInto(dst);
            }
        } finally {
            if (into != dst) {
                into.close();
            }
        }
    }

    @Override
    public void gather(int[] rows, int[] cols, Matrix dst) {
        if (dst.rows() != rows.length || dst.cols() != cols.length) {
            throw new IllegalArgumentException("gather into " + dst + " of " + rows.length + " x " + cols.length);
        }
        Matrix out = dst.dtype() == dtype ? dst : Matrix.allocate(rows.length, cols.length, dtype);
        try (Matrix xr = pick(x, rows); Matrix yc = pick(columns(), cols)) {
            double[] nc = symmetric ? nx : ny;
            double[] nr = new double[rows.length];
            double[] ncs = new double[cols.length];
            for (int a = 0; a < rows.length; a++) {
                nr[a] = nx[rows[a]];
            }
            for (int b = 0; b < cols.length; b++) {
                ncs[b] = nc[cols[b]];
            }
            provider.gramInto(spec, xr, yc, out, nr, ncs, KernelProvider.Progress.NONE);
            if (symmetric) { // a point paired with itself: K(x, x) from its norm, as the stored Gram's diagonal
                for (int a = 0; a < rows.length; a++) {
                    for (int b = 0; b < cols.length; b++) {
                        if (rows[a] == cols[b]) {
                            out.set(a, b, spec.value(nr[a], nr[a], nr[a], x.cols()));
                        }
                    }
                }
            }
            if (out != dst) {
                out.copyInto(dst);
            }
        } finally {
            if (out != dst) {
                out.close();
            }
        }
    }

    private Matrix pick(Matrix m, int[] idx) {
        Matrix p = Matrix.allocate(idx.length, m.cols(), dtype);
        for (int a = 0; a < idx.length; a++) {
            m.rows(idx[a], 1).copyInto(p.rows(a, 1));
        }
        return p;
    }

    @Override
    public void multiply(double[] v, double[] out) {
        if (v.length != cols() || out.length != rows()) {
            throw new IllegalArgumentException("K is " + rows() + " x " + cols() + ", v has " + v.length + ", out " + out.length);
        }
        asColumn(this, v, out);
    }

    /** K·v through the matrix product of {@code k} with v as one f64 column. */
    static void asColumn(KernelMatrix k, double[] v, double[] out) {
        try (Matrix vv = Matrix.allocate(v.length, 1, DType.F64); Matrix oo = Matrix.allocate(out.length, 1, DType.F64)) {
            for (int i = 0; i < v.length; i++) {
                vv.set(i, 0, v[i]);
            }
            k.multiply(vv, oo);
            for (int i = 0; i < out.length; i++) {
                out[i] = oo.get(i, 0);
            }
        }
    }

    @Override
    public void multiply(Matrix v, Matrix out) {
        if (v.rows() != cols() || out.rows() != rows() || v.cols() != out.cols()) {
            throw new IllegalArgumentException("K is " + rows() + " x " + cols() + ", V " + v + ", OUT " + out);
        }
        if (v.dtype() != DType.F64 || out.dtype() != DType.F64) {
            try (Matrix vv = v.copy(DType.F64); Matrix oo = Matrix.allocate(out.rows(), out.cols(), DType.F64)) {
                multiply(vv, oo);
                oo.copyInto(out);
            }
            return;
        }
        int n = rows();
        int w = cols();
        int panel = panelRows > 0 ? panelRows : (int) Math.max(16, Math.min(n, PANEL_BYTES / ((long) w * dtype.bytes())));
        if (!symmetric) {
            try (Matrix p = Matrix.allocate(Math.min(panel, n), w, dtype)) {
                for (int i0 = 0; i0 < n; i0 += panel) {
                    int h = Math.min(panel, n - i0);
                    Matrix ph = p.rows(0, h);
                    block(i0, h, 0, w, ph);
                    WideProduct.multiply(backend, ops, threads, ph, false, v, out.rows(i0, h), false);
                }
            }
            return;
        }
        WideProduct.zero(out);
        int s = storedRows();
        if (s > 0) {
            WideProduct.multiply(backend, ops, threads, stored, false, v, out.rows(0, s), true);
            if (s < n) {
                WideProduct.multiply(backend, ops, threads, stored.view(0, s, s, n - s), true, v.rows(0, s), out.rows(s, n - s), true);
            }
        }
        if (s == n) {
            return;
        }
        try (Matrix p = Matrix.allocate(Math.min(panel, n - s), n - s, dtype)) {
            for (int i0 = s; i0 < n; i0 += panel) {
                int h = Math.min(panel, n - i0);
                int rest = n - i0 - h;
                Matrix diag = p.view(0, 0, h, h);
                block(i0, h, i0, h, diag);
                WideProduct.multiply(backend, ops, threads, diag, false, v.rows(i0, h), out.rows(i0, h), true);
                if (rest > 0) {
                    Matrix right = p.view(0, h, h, rest);
                    block(i0, h, i0 + h, rest, right);
                    WideProduct.multiply(backend, ops, threads, right, false, v.rows(i0 + h, rest), out.rows(i0, h), true);
                    WideProduct.multiply(backend, ops, threads, right, true, v.rows(i0, h), out.rows(i0 + h, rest), true);
                }
            }
        }
    }

    @Override
    public void close() {
        for (Matrix m : rowBuffers) {
            if (m != null) {
                m.close();
            }
        }
        if (stored != null) {
            stored.close();
        }
        if (ownsY) {
            y.close();
        }
        if (ownsX) {
            x.close();
        }
    }

    @Override
    public String toString() {
        return "KernelMatrix[" + rows() + " x " + cols() + " " + dtype + ", matrix-free" + (storedRows() > 0 ? ", " + storedRows()
                + " rows stored" : "") + "]";
    }
}
