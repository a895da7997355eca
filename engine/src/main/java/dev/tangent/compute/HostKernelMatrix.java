package dev.tangent.compute;

import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link KernelMatrix} in host memory (an off-heap matrix or a mapped file) that a CPU-side provider owns: rows are
 * read-only slices of it, products run on the provider's backend or in double-precision row dots; products with f64
 * blocks are computed in f64 whatever K's dtype ({@link WideProduct}). While a {@link ShiftedCholesky} holds its factor
 * in place (the lower triangle), K lives in the strict upper triangle and a saved diagonal: products are then assembled
 * from the upper triangle, and rows are not served.
 */
final class HostKernelMatrix implements KernelMatrix {
    private final Matrix m;
    private final Backend backend;
    private final int threads;
    private final AutoCloseable owner;
    private final BlockOps ops;
    /** K's diagonal while the lower triangle holds a factor in place; null otherwise. */
    private volatile double[] factored;

    /**
     * @param owner what to close with this matrix (the matrix itself, a mapping), or null
     */
    HostKernelMatrix(Matrix m, Backend backend, int threads, AutoCloseable owner) {
        this(m, backend, threads, owner, BlockOps.SCALAR);
    }

    HostKernelMatrix(Matrix m, Backend backend, int threads, AutoCloseable owner, BlockOps ops) {
        this.m = m;
        this.backend = backend;
        this.threads = threads;
        this.owner = owner;
        this.ops = ops;
    }

    @Override
    public int rows() {
        return m.rows();
    }

    @Override
    public int cols() {
        return m.cols();
    }

    @Override
    public DType dtype() {
        return m.dtype();
    }

    @Override
    public double get(int i, int j) {
        double[] d = factored;
        if (d != null) {
            return i == j ? d[i] : i < j ? m.get(i, j) : m.get(j, i);
        }
        return m.get(i, j);
    }

    private void requireIntact(String what) {
        if (factored != null) {
            throw new IllegalStateException(what + " of " + this + ": its lower triangle holds a Cholesky factor in place; close the factor first");
        }
    }

    @Override
    public MemorySegment row(int i) {
        requireIntact("row");
        java.util.Objects.checkIndex(i, m.rows());
        return m.segment().asSlice(m.byteIndex(i, 0), (long) m.cols() * m.dtype().bytes()).asReadOnly();
    }

    @Override
    public void copyRows(int i0, Matrix dst) {
        requireIntact("copyRows");
        m.rows(i0, dst.rows()).copyInto(dst);
    }

    @Override
    public void gather(int[] rows, int[] cols, Matrix dst) {
        if (dst.rows() != rows.length || dst.cols() != cols.length) {
            throw new IllegalArgumentException("gather into " + dst + " of " + rows.length + " x " + cols.length);
        }
        requireIntact("gather");
        MemorySegment src = m.segment();
        MemorySegment out = dst.segment();
        boolean same = dst.dtype() == m.dtype();
        for (int a = 0; a < rows.length; a++) {
            long row = m.byteIndex(rows[a], 0);
            long d = dst.byteIndex(a, 0);
            if (same && m.dtype() == DType.F32) {
                for (int b = 0; b < cols.length; b++, d += 4) {
                    out.set(ValueLayout.JAVA_FLOAT_UNALIGNED, d, src.get(ValueLayout.JAVA_FLOAT_UNALIGNED, row + (long) cols[b] * 4));
                }
            } else if (same) {
                for (int b = 0; b < cols.length; b++, d += 8) {
                    out.set(ValueLayout.JAVA_DOUBLE_UNALIGNED, d, src.get(ValueLayout.JAVA_DOUBLE_UNALIGNED, row + (long) cols[b] * 8));
                }
            } else {
                for (int b = 0; b < cols.length; b++) {
                    dst.set(a, b, m.get(rows[a], cols[b]));
                }
            }
        }
    }

    @Override
    public void multiply(double[] v, double[] out) {
        if (v.length != m.cols() || out.length != m.rows()) {
            throw new IllegalArgumentException("K is " + m.rows() + " x " + m.cols() + ", v has " + v.length + ", out " + out.length);
        }
        if (factored != null) {
            ImplicitKernelMatrix.asColumn(this, v, out);
            return;
        }
        RowOps ops = RowOps.get();
        int n = m.cols();
        int block = 64;
        int blocks = (m.rows() + block - 1) / block;
        AtomicInteger next = new AtomicInteger();
        Parallel.run(Math.min(threads, blocks), "tangent-kv", () -> {
            for (int b; (b = next.getAndIncrement()) < blocks; ) {
                for (int i = b * block; i < Math.min(m.rows(), (b + 1) * block); i++) {
                    out[i] = ops.dot(row(i), m.dtype(), v, n);
                }
            }
        });
    }

    @Override
    public void multiply(Matrix v, Matrix out) {
        if (v.rows() != m.cols() || out.rows() != m.rows() || v.cols() != out.cols()) {
            throw new IllegalArgumentException("K is " + m.rows() + " x " + m.cols() + ", V " + v + ", OUT " + out);
        }
        boolean wide = v.dtype() == DType.F64 && out.dtype() == DType.F64;
        if (factored == null && (wide || v.dtype() == m.dtype() && out.dtype() == m.dtype())) {
            if (wide) {
                WideProduct.multiply(backend, ops, threads, m, false, v, out, false);
            } else {
                backend.gemm(false, false, 1.0, m, v, 0.0, out);
            }
            return;
        }
        if (wide) {
            symmetricFromUpper(v, out);
            return;
        }
        try (Matrix vv = v.copy(DType.F64); Matrix oo = Matrix.allocate(out.rows(), out.cols(), DType.F64)) {
            multiply(vv, oo);
            oo.copyInto(out);
        }
    }

    /** OUT = K·V from K's strict upper triangle and its saved diagonal (a factor occupies the lower triangle). */
    private void symmetricFromUpper(Matrix v, Matrix out) {
        WideProduct.multiplyUpper(backend, ops, threads, m, factored, v, out);
    }

    /** Marks the lower triangle as holding a factor in place; {@code diagonal} is K's. */
    void beginFactor(double[] diagonal) {
        factored = diagonal;
    }

    /** K is whole again. */
    void endFactor() {
        factored = null;
    }

    boolean isFactored() {
        return factored != null;
    }

    BlockOps ops() {
        return ops;
    }

    Backend backend() {
        return backend;
    }

    int threads() {
        return threads;
    }

    /** The host matrix behind this kernel, for the provider that owns it (never handed to consumers). */
    Matrix matrix() {
        return m;
    }

    @Override
    public void close() {
        if (owner != null) {
            try {
                owner.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Override
    public String toString() {
        return "KernelMatrix[" + m.rows() + " x " + m.cols() + " " + m.dtype() + ", host]";
    }
}
