package dev.tangent.compute;

import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntConsumer;

/**
 * The pure-Java backend: blocked, register-tiled Vector API loops (see {@code VectorKernels64}), multi-threaded over
 * blocks of rows of C. Always available; it is the fallback when OpenBLAS cannot be loaded and the second
 * implementation the native backend is tested against.
 */
public final class JavaBackend implements Backend {
    private final int threads;
    private final ExecutorService pool;

    /** A backend using {@code threads} threads per call (1 = the caller's thread only). */
    public JavaBackend(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1");
        }
        this.threads = threads;
        this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "tangent-java-backend");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public String name() {
        return "java";
    }

    @Override
    public int threads() {
        return threads;
    }

    @Override
    public Backend serial() {
        return threads == 1 ? this : SERIAL;
    }

    private static final JavaBackend SERIAL = new JavaBackend(1);

    @Override
    public void gemm(boolean transA, boolean transB, double alpha, Matrix a, Matrix b, double beta, Matrix c) {
        Backend.requireGemmShapes(transA, transB, a, b, c);
        // The core kernel multiplies row-major A (m×k) by row-major B (n×k) transposed; other layouts are packed.
        Matrix ap = transA ? transposed(a) : a;
        Matrix bp = transB ? b : transposed(b);
        try {
            int m = c.rows();
            int n = c.cols();
            int k = ap.cols();
            parallelRows(m, 4, (r0, r1) -> gemmNT(r1 - r0, n, k, alpha, ap.rows(r0, r1 - r0), bp, beta, c.rows(r0, r1 - r0)));
        } finally {
            if (ap != a) {
                ap.close();
            }
            if (bp != b) {
                bp.close();
            }
        }
    }

    private static void gemmNT(int m, int n, int k, double alpha, Matrix a, Matrix b, double beta, Matrix c) {
        if (c.dtype() == DType.F64) {
            VectorKernels64.gemmNT(m, n, k, alpha, a.segment(), a.offset(), a.ld(), b.segment(), b.offset(), b.ld(),
                    beta, c.segment(), c.offset(), c.ld());
        } else {
            VectorKernels32.gemmNT(m, n, k, (float) alpha, a.segment(), a.offset(), a.ld(), b.segment(), b.offset(), b.ld(),
                    (float) beta, c.segment(), c.offset(), c.ld());
        }
    }

    /** A new contiguous matrix holding xᵀ. */
    static Matrix transposed(Matrix x) {
        Matrix t = Matrix.allocate(x.cols(), x.rows(), x.dtype());
        if (x.dtype() == DType.F64) {
            VectorKernels64.transpose(x.rows(), x.cols(), x.segment(), x.offset(), x.ld(), t.segment(), t.offset(), t.ld());
        } else {
            VectorKernels32.transpose(x.rows(), x.cols(), x.segment(), x.offset(), x.ld(), t.segment(), t.offset(), t.ld());
        }
        return t;
    }

    private static final int SYRK_BLOCK = 96;

    @Override
    public void syrk(double alpha, Matrix a, double beta, Matrix c) {
        Backend.requireSameType(a, c);
        int n = a.rows();
        if (c.rows() != n || c.cols() != n) {
            throw new IllegalArgumentException("syrk: C is " + c.rows() + "x" + c.cols() + ", expected " + n + "x" + n);
        }
        int k = a.cols();
        int nb = (n + SYRK_BLOCK - 1) / SYRK_BLOCK;
        List<int[]> blocks = new ArrayList<>();
        for (int bi = 0; bi < nb; bi++) {
            for (int bj = bi; bj < nb; bj++) {
                blocks.add(new int[] {bi, bj});
            }
        }
        forEach(blocks.size(), t -> {
            int i0 = blocks.get(t)[0] * SYRK_BLOCK;
            int j0 = blocks.get(t)[1] * SYRK_BLOCK;
            int mi = Math.min(SYRK_BLOCK, n - i0);
            int nj = Math.min(SYRK_BLOCK, n - j0);
            if (i0 != j0) {
                gemmNT(mi, nj, k, alpha, a.rows(i0, mi), a.rows(j0, nj), beta, c.view(i0, j0, mi, nj));
                return;
            }
            // diagonal block: compute it whole into scratch, keep the upper triangle
            try (Matrix tmp = Matrix.allocate(mi, mi, c.dtype())) {
                gemmNT(mi, mi, k, alpha, a.rows(i0, mi), a.rows(i0, mi), 0, tmp);
                for (int i = 0; i < mi; i++) {
                    for (int j = i; j < mi; j++) {
                        double v = tmp.get(i, j);
                        c.set(i0 + i, j0 + j, beta == 0 ? v : v + beta * c.get(i0 + i, j0 + j));
                    }
                }
            }
        });
    }

    @Override
    public int potrf(Matrix a) {
        if (a.rows() != a.cols()) {
            throw new IllegalArgumentException("potrf: matrix is " + a.rows() + "x" + a.cols());
        }
        return a.dtype() == DType.F64 ? VectorKernels64.potrf(a.rows(), a.segment(), a.offset(), a.ld())
                : VectorKernels32.potrf(a.rows(), a.segment(), a.offset(), a.ld());
    }

    @Override
    public void potrs(Matrix l, Matrix b) {
        Backend.requireSameType(l, b);
        if (l.rows() != l.cols() || b.rows() != l.rows()) {
            throw new IllegalArgumentException("potrs: L " + l.rows() + "x" + l.cols() + ", B " + b.rows() + "x" + b.cols());
        }
        MemorySegment ls = l.segment();
        if (l.dtype() == DType.F64) {
            VectorKernels64.potrs(l.rows(), b.cols(), ls, l.offset(), l.ld(), b.segment(), b.offset(), b.ld());
        } else {
            VectorKernels32.potrs(l.rows(), b.cols(), ls, l.offset(), l.ld(), b.segment(), b.offset(), b.ld());
        }
    }

    /** Householder tridiagonalisation and implicit QL in Java ({@link SymmetricEigen}); n² doubles of heap. */
    @Override
    public int syevd(Matrix a, double[] w) {
        int n = a.rows();
        if (a.cols() != n || w.length != n) {
            throw new IllegalArgumentException("syevd: matrix " + a.rows() + "x" + a.cols() + ", " + w.length + " eigenvalues");
        }
        if ((long) n * n > Integer.MAX_VALUE - 8) {
            throw new dev.tangent.TangentException("the Java eigendecomposition holds n^2 values on the heap: n = " + n
                    + " is too large (at most 46,340); use the OpenBLAS backend");
        }
        SymmetricEigen.Decomposition d = SymmetricEigen.decompose(a);
        System.arraycopy(d.values(), 0, w, 0, n);
        for (int j = 0; j < n; j++) {
            for (int i = 0; i < n; i++) {
                a.set(j, i, d.vector(i, j));
            }
        }
        return 0;
    }

    /** Splits [0, m) into per-thread ranges whose starts are multiples of {@code align}. */
    private void parallelRows(int m, int align, RangeTask task) {
        int parts = Math.min(threads, Math.max(1, m / (align * 4)));
        if (parts <= 1) {
            task.run(0, m);
            return;
        }
        int per = ((m + parts - 1) / parts + align - 1) / align * align;
        List<Integer> starts = new ArrayList<>();
        for (int r = 0; r < m; r += per) {
            starts.add(r);
        }
        forEach(starts.size(), t -> {
            int r0 = starts.get(t);
            task.run(r0, Math.min(m, r0 + per));
        });
    }

    @FunctionalInterface
    private interface RangeTask {
        void run(int r0, int r1);
    }

    /** Runs body(0..count-1) on this backend's threads and waits; exceptions are rethrown. */
    private void forEach(int count, IntConsumer body) {
        if (pool == null || count <= 1) {
            for (int t = 0; t < count; t++) {
                body.accept(t);
            }
            return;
        }
        java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
        List<Future<?>> fs = new ArrayList<>();
        for (int w = 0; w < Math.min(threads, count); w++) {
            fs.add(pool.submit(() -> {
                for (int t; (t = next.getAndIncrement()) < count; ) {
                    body.accept(t);
                }
            }));
        }
        for (Future<?> f : fs) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw new IllegalStateException(e.getCause());
            }
        }
    }
}
