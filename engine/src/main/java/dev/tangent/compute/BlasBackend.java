package dev.tangent.compute;

import dev.tangent.TangentException;
import dev.tangent.ffi.NativeLibraries;
import dev.tangent.ffi.lapacke.lapacke_h;
import dev.tangent.ffi.openblas.cblas_h;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.lang.foreign.MemorySegment;

/**
 * OpenBLAS (cblas) and LAPACKE through the jextract bindings of module tangent-ffi. Row-major throughout; Cholesky runs
 * on the row-major lower triangle as LAPACK's column-major upper triangle (the same memory), which avoids LAPACKE's
 * row-major transposition copies.
 *
 * <p>OpenBLAS's thread count is process-wide: each call sets it to this backend's {@link #threads()} when it differs
 * (a 9 ns query). The {@link #serial()} view uses one thread and is meant for callers that parallelise over
 * independent calls themselves; do not mix the two views concurrently.
 */
public final class BlasBackend implements Backend {
    private final int threads;
    private final boolean lapacke;

    private BlasBackend(int threads, boolean lapacke) {
        this.threads = threads;
        this.lapacke = lapacke;
    }

    /** The OpenBLAS backend, or an exception saying why it cannot be had. */
    public static BlasBackend create(int threads) {
        NativeLibraries.OpenBlas ob = NativeLibraries.openblas();
        if (!ob.available()) {
            throw new TangentException("--backend openblas: OpenBLAS " + ob.load().detail());
        }
        return new BlasBackend(threads, NativeLibraries.lapacke().loaded());
    }

    @Override
    public String name() {
        return "openblas";
    }

    @Override
    public int threads() {
        return threads;
    }

    @Override
    public Backend serial() {
        return threads == 1 ? this : new BlasBackend(1, lapacke);
    }

    /** True when LAPACKE was loaded too (Cholesky runs natively); otherwise potrf/potrs use the Java code. */
    public boolean hasLapacke() {
        return lapacke;
    }

    private void useThreads() {
        if (cblas_h.openblas_get_num_threads() != threads) {
            cblas_h.openblas_set_num_threads(threads);
        }
    }

    private static MemorySegment ptr(Matrix m) {
        return m.segment().asSlice(m.offset());
    }

    private static int ld(Matrix m) {
        return Math.toIntExact(Math.max(1, m.ld()));
    }

    @Override
    public void gemm(boolean transA, boolean transB, double alpha, Matrix a, Matrix b, double beta, Matrix c) {
        Backend.requireGemmShapes(transA, transB, a, b, c);
        int m = c.rows();
        int n = c.cols();
        int k = transA ? a.rows() : a.cols();
        if (m == 0 || n == 0) {
            return;
        }
        useThreads();
        int ta = transA ? cblas_h.CblasTrans() : cblas_h.CblasNoTrans();
        int tb = transB ? cblas_h.CblasTrans() : cblas_h.CblasNoTrans();
        if (c.dtype() == DType.F64) {
            cblas_h.cblas_dgemm(cblas_h.CblasRowMajor(), ta, tb, m, n, k, alpha, ptr(a), ld(a), ptr(b), ld(b), beta, ptr(c), ld(c));
        } else {
            cblas_h.cblas_sgemm(cblas_h.CblasRowMajor(), ta, tb, m, n, k, (float) alpha, ptr(a), ld(a), ptr(b), ld(b),
                    (float) beta, ptr(c), ld(c));
        }
    }

    @Override
    public void syrk(double alpha, Matrix a, double beta, Matrix c) {
        Backend.requireSameType(a, c);
        int n = a.rows();
        if (c.rows() != n || c.cols() != n) {
            throw new IllegalArgumentException("syrk: C is " + c.rows() + "x" + c.cols() + ", expected " + n + "x" + n);
        }
        if (n == 0) {
            return;
        }
        useThreads();
        if (c.dtype() == DType.F64) {
            cblas_h.cblas_dsyrk(cblas_h.CblasRowMajor(), cblas_h.CblasUpper(), cblas_h.CblasNoTrans(), n, a.cols(), alpha,
                    ptr(a), ld(a), beta, ptr(c), ld(c));
        } else {
            cblas_h.cblas_ssyrk(cblas_h.CblasRowMajor(), cblas_h.CblasUpper(), cblas_h.CblasNoTrans(), n, a.cols(),
                    (float) alpha, ptr(a), ld(a), (float) beta, ptr(c), ld(c));
        }
    }

    /** OpenBLAS's {@code cblas_?omatcopy} with α = 1 (a product by 1 is exact), on the calling thread. */
    @Override
    public boolean transpose(Matrix src, Matrix dst) {
        Backend.requireSameType(src, dst);
        int m = src.rows();
        int n = src.cols();
        if (dst.rows() != n || dst.cols() != m) {
            throw new IllegalArgumentException("transpose: destination is " + dst.rows() + "x" + dst.cols() + ", expected " + n + "x" + m);
        }
        if (m == 0 || n == 0) {
            return true;
        }
        if (src.dtype() == DType.F64) {
            cblas_h.cblas_domatcopy(cblas_h.CblasRowMajor(), cblas_h.CblasTrans(), m, n, 1.0, ptr(src), ld(src), ptr(dst), ld(dst));
        } else {
            cblas_h.cblas_somatcopy(cblas_h.CblasRowMajor(), cblas_h.CblasTrans(), m, n, 1.0f, ptr(src), ld(src), ptr(dst), ld(dst));
        }
        return true;
    }

    @Override
    public int potrf(Matrix a) {
        if (a.rows() != a.cols()) {
            throw new IllegalArgumentException("potrf: matrix is " + a.rows() + "x" + a.cols());
        }
        if (!lapacke) {
            return new JavaBackend(1).potrf(a);
        }
        useThreads();
        int n = a.rows();
        // row-major lower == column-major upper; the _work form: LAPACKE's NaN scan indexes with 32-bit ints and crashes
        // past 2^31 elements (n = 60,000); a NaN pivot still ends the factorisation with info > 0 (?potrf2 tests ?isnan)
        return a.dtype() == DType.F64
                ? lapacke_h.LAPACKE_dpotrf_work(lapacke_h.LAPACK_COL_MAJOR(), (byte) 'U', n, ptr(a), ld(a))
                : lapacke_h.LAPACKE_spotrf_work(lapacke_h.LAPACK_COL_MAJOR(), (byte) 'U', n, ptr(a), ld(a));
    }

    @Override
    public int syevd(Matrix a, double[] w) {
        int n = a.rows();
        if (a.cols() != n || w.length != n) {
            throw new IllegalArgumentException("syevd: matrix " + a.rows() + "x" + a.cols() + ", " + w.length + " eigenvalues");
        }
        if (!lapacke) {
            return new JavaBackend(threads).syevd(a, w);
        }
        if (n == 0) {
            return 0;
        }
        useThreads();
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            // row-major lower == column-major upper; the column-major eigenvectors are then the rows
            int info;
            if (a.dtype() == DType.F64) {
                MemorySegment ws = arena.allocate((long) n * Double.BYTES, Double.BYTES);
                info = lapacke_h.LAPACKE_dsyevd(lapacke_h.LAPACK_COL_MAJOR(), (byte) 'V', (byte) 'U', n, ptr(a), ld(a), ws);
                for (int i = 0; i < n; i++) {
                    w[i] = ws.getAtIndex(java.lang.foreign.ValueLayout.JAVA_DOUBLE, i);
                }
            } else {
                MemorySegment ws = arena.allocate((long) n * Float.BYTES, Float.BYTES);
                info = ssyevd(arena, n, ptr(a), ld(a), ws);
                for (int i = 0; i < n; i++) {
                    w[i] = ws.getAtIndex(java.lang.foreign.ValueLayout.JAVA_FLOAT, i);
                }
            }
            if (info < 0) {
                throw new IllegalStateException("LAPACKE syevd info " + info);
            }
            return info;
        }
    }

    /**
     * LAPACKE_ssyevd_work with the workspace LAPACK documents (1 + 6n + 2n² floats, 3 + 5n ints): LAPACKE_ssyevd's own
     * workspace query returns the size as a float, which rounds 2n² down for n ≥ ~3,000 (LAPACK before 3.12) and then
     * fails with "parameter 8 had an illegal value". A hand-made downcall, as the symbol is not in the generated bindings.
     */
    private static int ssyevd(java.lang.foreign.Arena arena, int n, MemorySegment a, int lda, MemorySegment w) {
        long lwork = 1 + 6L * n + 2L * n * n;
        long liwork = 3 + 5L * n;
        if (lwork > Integer.MAX_VALUE) {
            throw new TangentException("the f32 eigendecomposition of order " + n + " needs a workspace beyond LAPACK's 32-bit sizes");
        }
        dev.tangent.memory.MemoryBudget.require(lwork * Float.BYTES, "the workspace of the eigendecomposition (2 n^2 floats)");
        MemorySegment work = arena.allocate(lwork * Float.BYTES, 64);
        MemorySegment iwork = arena.allocate(liwork * Integer.BYTES, 64);
        try {
            return (int) Ssyevd.HANDLE.invokeExact(lapacke_h.LAPACK_COL_MAJOR(), (byte) 'V', (byte) 'U', n, a, lda, w, work, (int) lwork, iwork,
                    (int) liwork);
        } catch (Throwable t) {
            throw new IllegalStateException("LAPACKE_ssyevd_work: " + t, t);
        }
    }

    /** Looked up on first use, after {@link NativeLibraries#lapacke()} has loaded the library. */
    private static final class Ssyevd {
        static final java.lang.invoke.MethodHandle HANDLE = java.lang.foreign.Linker.nativeLinker().downcallHandle(
            java.lang.foreign.SymbolLookup.loaderLookup().find("LAPACKE_ssyevd_work")
                    .orElseThrow(() -> new IllegalStateException("LAPACKE_ssyevd_work is not in the loaded liblapacke")),
            java.lang.foreign.FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_INT, java.lang.foreign.ValueLayout.JAVA_INT,
                    java.lang.foreign.ValueLayout.JAVA_BYTE, java.lang.foreign.ValueLayout.JAVA_BYTE, java.lang.foreign.ValueLayout.JAVA_INT,
                    java.lang.foreign.ValueLayout.ADDRESS, java.lang.foreign.ValueLayout.JAVA_INT, java.lang.foreign.ValueLayout.ADDRESS,
                    java.lang.foreign.ValueLayout.ADDRESS, java.lang.foreign.ValueLayout.JAVA_INT, java.lang.foreign.ValueLayout.ADDRESS,
                    java.lang.foreign.ValueLayout.JAVA_INT));
    }

    @Override
    public void potrs(Matrix l, Matrix b) {
        Backend.requireSameType(l, b);
        if (l.rows() != l.cols() || b.rows() != l.rows()) {
            throw new IllegalArgumentException("potrs: L " + l.rows() + "x" + l.cols() + ", B " + b.rows() + "x" + b.cols());
        }
        if (!lapacke) {
            new JavaBackend(1).potrs(l, b);
            return;
        }
        useThreads();
        int n = l.rows();
        int k = b.cols();
        // B must be column-major too: B (n×k row-major) is Bᵀ column-major; transpose into a scratch copy
        try (Matrix bt = JavaBackend.transposed(b)) {
            int info = b.dtype() == DType.F64
                    ? lapacke_h.LAPACKE_dpotrs_work(lapacke_h.LAPACK_COL_MAJOR(), (byte) 'U', n, k, ptr(l), ld(l), ptr(bt), Math.max(1, n))
                    : lapacke_h.LAPACKE_spotrs_work(lapacke_h.LAPACK_COL_MAJOR(), (byte) 'U', n, k, ptr(l), ld(l), ptr(bt), Math.max(1, n));
            if (info != 0) {
                throw new IllegalStateException("LAPACKE potrs info " + info);
            }
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < k; j++) {
                    b.set(i, j, bt.get(j, i));
                }
            }
        }
    }
}
