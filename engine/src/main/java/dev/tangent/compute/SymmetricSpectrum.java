package dev.tangent.compute;

import dev.tangent.memory.Matrix;

/**
 * The eigendecomposition K = Q·diag(λ)·Qᵀ of a symmetric {@link KernelMatrix}, held by the provider that owns K
 * ({@link KernelProvider#spectrum}): one decomposition serves (K + s·I)⁻¹ = Q·diag(1/(λ + s))·Qᵀ for every shift s.
 * Q stays in the provider's memory (in K's precision); consumers use it through projections.
 */
public interface SymmetricSpectrum extends AutoCloseable {
    /** λ, ascending. */
    double[] values();

    /** OUT = Qᵀ·B (B: K's order × m, OUT: the same shape; host f64 matrices of the caller). */
    void project(Matrix b, Matrix out);

    /** OUT = Q·Z (Z, OUT: K's order × m, host f64). */
    void expand(Matrix z, Matrix out);

    @Override
    void close();
}
