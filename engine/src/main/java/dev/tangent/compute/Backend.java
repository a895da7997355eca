package dev.tangent.compute;

import dev.tangent.memory.Matrix;

/**
 * The dense linear-algebra operations the engine needs, on row-major {@link Matrix} operands of one dtype.
 *
 * <p>Implementations: {@link JavaBackend} (Vector API, always available) and {@link BlasBackend} (OpenBLAS/LAPACKE via
 * FFM). Callers cannot tell which one ran; tests compare them. A backend may use several threads inside one call
 * ({@link #threads()}); {@link #serial()} returns a view that runs every call on the caller's thread, for callers that
 * parallelise over independent calls themselves (the tiled Gram builder).
 */
public interface Backend {

    /** Short name as accepted by {@code --backend}: {@code java}, {@code openblas}. */
    String name();

    /** Threads one call may use. */
    int threads();

    /** The same backend, running each call on the calling thread only. */
    Backend serial();

    /**
     * C ← alpha·op(A)·op(B) + beta·C with op(X) = X or Xᵀ. When beta is 0, C is not read (it may hold garbage).
     * All three operands must have the same dtype.
     */
    void gemm(boolean transA, boolean transB, double alpha, Matrix a, Matrix b, double beta, Matrix c);

    /**
     * Upper triangle of C ← alpha·A·Aᵀ + beta·C (C is n×n for A n×k). The strict lower triangle is not touched.
     */
    void syrk(double alpha, Matrix a, double beta, Matrix c);

    /**
     * Cholesky factorisation in place: on return the lower triangle of {@code a} holds L with A = L·Lᵀ; the strict
     * upper triangle is not referenced.
     *
     * @return 0 on success, or k &gt; 0 when the leading minor of order k is not positive definite (LAPACK's info)
     */
    int potrf(Matrix a);

    /** Solves A·X = B for X in place of {@code b}, given the lower Cholesky factor of A from {@link #potrf}. */
    void potrs(Matrix l, Matrix b);

    /**
     * dst ← srcᵀ ({@code dst} is src.cols() × src.rows(), the same dtype), every value copied exactly; false when this
     * backend has no such operation (the caller transposes itself).
     */
    default boolean transpose(Matrix src, Matrix dst) {
        return false;
    }

    /**
     * Symmetric eigendecomposition in place (LAPACK's {@code ?syevd} where there is one): reads the lower triangle of
     * the square matrix {@code a}; on return {@code w} holds its eigenvalues in ascending order and row j of {@code a}
     * the unit eigenvector of {@code w[j]} (so {@code a} holds Qᵀ for A = Q·diag(w)·Qᵀ).
     *
     * @return 0 on success, or LAPACK's info &gt; 0 when the iteration failed to converge
     */
    default int syevd(Matrix a, double[] w) {
        throw new UnsupportedOperationException("the " + name() + " backend has no symmetric eigendecomposition");
    }

    static void requireSameType(Matrix... ms) {
        for (Matrix m : ms) {
            if (m.dtype() != ms[0].dtype()) {
                throw new IllegalArgumentException("mixed dtypes: " + ms[0].dtype() + " and " + m.dtype());
            }
        }
    }

    static void requireGemmShapes(boolean transA, boolean transB, Matrix a, Matrix b, Matrix c) {
        int m = transA ? a.cols() : a.rows();
        int ka = transA ? a.rows() : a.cols();
        int kb = transB ? b.cols() : b.rows();
        int n = transB ? b.rows() : b.cols();
        if (ka != kb || c.rows() != m || c.cols() != n) {
            throw new IllegalArgumentException("gemm shapes: op(A) " + m + "x" + ka + ", op(B) " + kb + "x" + n + ", C "
                    + c.rows() + "x" + c.cols());
        }
        requireSameType(a, b, c);
    }
}
