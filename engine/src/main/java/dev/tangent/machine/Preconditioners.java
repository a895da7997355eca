package dev.tangent.machine;

import dev.tangent.compute.ShiftedCholesky;
import dev.tangent.compute.SymmetricSpectrum;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.util.Locale;

/** The exact and diagonal preconditioners of a ridge grid (the Nyström one is {@link NystromPreconditioner}). */
public final class Preconditioners {
    private Preconditioners() {
    }

    /**
     * (K + a·I)⁻¹ from a Cholesky factor at the anchor shift a, for every column: exact for the anchor's own systems,
     * and for s ≥ a the preconditioned matrix (K + aI)⁻¹(K + sI) has its eigenvalues (λ + s)/(λ + a) in [1, s/a].
     */
    public static Preconditioner cholesky(ShiftedCholesky factor) {
        double a = factor.shift();
        return new Preconditioner() {
            @Override
            public void apply(Matrix r, double[] shifts, Matrix z) {
                r.copyInto(z);
                factor.solve(z);
            }

            @Override
            public String describe() {
                return String.format(Locale.ROOT, "cholesky at %s%s", a, factor.inPlace() ? " (in place)" : "");
            }
        };
    }

    /**
     * Q·diag(1/(λ + s))·Qᵀ from one eigendecomposition, exact for every shift. Eigenvalues below the decomposition's
     * own rounding level (n·u·λ_max, u of K's dtype) are raised to it, so that M stays positive definite at s = 0.
     */
    public static Preconditioner spectral(SymmetricSpectrum sp, DType dtype) {
        double[] lambda = sp.values();
        int n = lambda.length;
        double floor = n == 0 ? 0 : n * unitRoundoff(dtype) * Math.max(Math.abs(lambda[0]), Math.abs(lambda[n - 1]));
        for (int i = 0; i < n; i++) {
            lambda[i] = Math.max(lambda[i], floor);
        }
        return new Preconditioner() {
            @Override
            public void apply(Matrix r, double[] shifts, Matrix z) {
                int m = r.cols();
                try (Matrix t = Matrix.allocate(n, m, DType.F64)) {
                    sp.project(r, t);
                    for (int i = 0; i < n; i++) {
                        for (int j = 0; j < m; j++) {
                            t.set(i, j, t.get(i, j) / (lambda[i] + shifts[j]));
                        }
                    }
                    sp.expand(t, z);
                }
            }

            @Override
            public String describe() {
                return "eigendecomposition";
            }
        };
    }

    /** diag(K + s·I)⁻¹. */
    public static Preconditioner jacobi(double[] diagonal) {
        return new Preconditioner() {
            @Override
            public void apply(Matrix r, double[] shifts, Matrix z) {
                for (int i = 0; i < r.rows(); i++) {
                    for (int j = 0; j < r.cols(); j++) {
                        z.set(i, j, r.get(i, j) / (diagonal[i] + shifts[j]));
                    }
                }
            }

            @Override
            public String describe() {
                return "jacobi";
            }
        };
    }

    /** u of a dtype: 2⁻²⁴ (f32), 2⁻⁵³ (f64). */
    static double unitRoundoff(DType dtype) {
        return dtype == DType.F32 ? 0x1p-24 : 0x1p-53;
    }
}
