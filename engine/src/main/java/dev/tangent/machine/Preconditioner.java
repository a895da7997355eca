package dev.tangent.machine;

import dev.tangent.memory.Matrix;

/**
 * M_s⁻¹ for the shifted systems (K + s·I)·x = y of a ridge grid: applied to a block of residual columns at once, each
 * column with its own shift. Implementations: the exact inverses of one eigendecomposition or one Cholesky factor, a
 * Nyström approximation, the Jacobi diagonal.
 */
public interface Preconditioner {
    /**
     * Z = M⁻¹·R column by column ({@code shifts[j]} is column j's shift); R and Z are n × m host f64 matrices, R is
     * not modified.
     */
    void apply(Matrix r, double[] shifts, Matrix z);

    /** What it is, for run.json ("cholesky at 0.1", "nystrom rank 4000", ...). */
    String describe();

    /** M = I. */
    Preconditioner NONE = new Preconditioner() {
        @Override
        public void apply(Matrix r, double[] shifts, Matrix z) {
            r.copyInto(z);
        }

        @Override
        public String describe() {
            return "none";
        }
    };
}
