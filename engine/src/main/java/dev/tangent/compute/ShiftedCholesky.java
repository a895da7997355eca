package dev.tangent.compute;

import dev.tangent.memory.Matrix;

/**
 * A Cholesky factorisation K + shift·I = L·Lᵀ of a symmetric {@link KernelMatrix}, held in the memory of the provider
 * that owns K ({@link KernelProvider#cholesky}), refactored for each shift of a ridge grid. In place, the factor shares
 * K's array: K stays in the strict upper triangle and on a saved diagonal, L takes the lower triangle, so an n×n
 * kernel and its factor need n² elements, not 2n². While a factor is in place, K's products
 * ({@link KernelMatrix#multiply}) stay exact (they read the upper triangle and the saved diagonal) but its rows are not
 * served; {@link #close} restores K.
 */
public interface ShiftedCholesky extends AutoCloseable {
    /**
     * Factors K + shift·I, replacing the previous factor (in place, K is first restored from its upper triangle).
     *
     * @return 0 on success, or the order of the leading minor that is not positive definite (LAPACK's info); then no
     *         factor is held
     */
    int factor(double shift);

    /** The shift of the factor held, NaN when there is none. */
    double shift();

    /** B ← (K + shift·I)⁻¹·B for a host matrix B of the caller (K's order × m, any dtype), in the factor's precision. */
    void solve(Matrix b);

    /** Whether the factor shares K's memory. */
    boolean inPlace();

    /** Releases the factor; in place, K's lower triangle and diagonal are restored. */
    @Override
    void close();
}
