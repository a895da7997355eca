package dev.tangent.machine;

import dev.tangent.TangentException;
import dev.tangent.compute.KernelMatrix;
import dev.tangent.compute.KernelProvider;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.util.Locale;

/**
 * Kernel ridge regression in paper A's convention (spec §4.5): α = (K + (λ/2)·I)⁻¹ y, the stationary point of
 * Σ_i (y_i − g(x_i))² + (λ/2)‖β‖². Exact solves factor K + (λ/2)I by Cholesky in the provider (a double-precision copy,
 * LAPACKE or the Java fallback), one factorisation per λ; {@link #conjugateGradient} solves without factoring
 * (Jacobi-preconditioned CG, one K·v product per iteration), for Grams too large to copy.
 */
public final class RidgeSolver {
    private RidgeSolver() {
    }

    /**
     * Solves (K + (λ/2)·I) α = y by Cholesky. K is not modified (a copy is factored).
     *
     * @throws TangentException when K + (λ/2)I is not positive definite (e.g. λ = 0 with duplicate points), suggesting
     *                          a jitter
     */
    public static double[] cholesky(KernelProvider provider, KernelMatrix gram, double[] y, double lambda, double jitter) {
        check(gram, y, lambda);
        int n = gram.rows();
        try (Matrix rhs = Matrix.allocate(n, 1, DType.F64)) {
            double shift = lambda / 2 + jitter;
            for (int i = 0; i < n; i++) {
                rhs.set(i, 0, y[i]);
            }
            int info = provider.solveShifted(gram, shift, rhs);
            if (info != 0) {
                throw new TangentException(String.format(Locale.ROOT,
                        "K + (lambda/2)I is not positive definite at lambda = %s (leading minor %d of %d); "
                                + "use lambda > 0 or add a jitter (--jitter, e.g. 1e-10 x mean diagonal)", lambda, info, n));
            }
            double[] alpha = new double[n];
            for (int i = 0; i < n; i++) {
                alpha[i] = rhs.get(i, 0);
                if (!Double.isFinite(alpha[i])) {
                    throw new TangentException("the ridge solve at lambda = " + lambda + " produced non-finite coefficients; "
                            + "the Gram is too ill-conditioned, use a larger lambda or a jitter");
                }
            }
            return alpha;
        }
    }

    /** The outcome of a CG solve. */
    public record CgResult(double[] alpha, int iterations, double relativeResidual, boolean converged) {
    }

    /**
     * Solves (K + (λ/2)·I) α = y by Jacobi-preconditioned conjugate gradients, stopping when ‖r‖ ≤ tol·‖y‖.
     */
    public static CgResult conjugateGradient(KernelMatrix gram, double[] y, double lambda, double tol, int maxIterations) {
        check(gram, y, lambda);
        int n = gram.rows();
        double shift = lambda / 2;
        double[] diag = new double[n];
        for (int i = 0; i < n; i++) {
            diag[i] = gram.get(i, i) + shift;
            if (!(diag[i] > 0)) {
                throw new TangentException("CG needs a positive diagonal; K[" + i + "][" + i + "] + lambda/2 = " + diag[i]);
            }
        }
        {
            double[] p = new double[n];
            double[] q = new double[n];
            double[] x = new double[n];
            double[] r = y.clone();
            double[] z = new double[n];
            double yNorm = norm(y);
            if (yNorm == 0) {
                return new CgResult(x, 0, 0, true);
            }
            double rz = 0;
            for (int i = 0; i < n; i++) {
                z[i] = r[i] / diag[i];
                p[i] = z[i];
                rz += r[i] * z[i];
            }
            int it = 0;
            double rel = 1;
            while (it < maxIterations) {
                gram.multiply(p, q);
                double pq = 0;
                for (int i = 0; i < n; i++) {
                    q[i] += shift * p[i];
                    pq += p[i] * q[i];
                }
                double a = rz / pq;
                for (int i = 0; i < n; i++) {
                    x[i] += a * p[i];
                    r[i] -= a * q[i];
                }
                it++;
                rel = norm(r) / yNorm;
                if (rel <= tol) {
                    break;
                }
                double rzNew = 0;
                for (int i = 0; i < n; i++) {
                    z[i] = r[i] / diag[i];
                    rzNew += r[i] * z[i];
                }
                double beta = rzNew / rz;
                rz = rzNew;
                for (int i = 0; i < n; i++) {
                    p[i] = z[i] + beta * p[i];
                }
            }
            return new CgResult(x, it, rel, rel <= tol);
        }
    }

    private static double norm(double[] v) {
        double s = 0;
        for (double t : v) {
            s += t * t;
        }
        return Math.sqrt(s);
    }

    private static void check(KernelMatrix gram, double[] y, double lambda) {
        if (gram.rows() != gram.cols()) {
            throw new TangentException("the training Gram must be square, found " + gram.rows() + " x " + gram.cols());
        }
        if (y.length != gram.rows()) {
            throw new TangentException("the Gram has " + gram.rows() + " rows but there are " + y.length + " targets");
        }
        if (!(lambda >= 0) || Double.isInfinite(lambda)) {
            throw new TangentException("--lambda must be a finite number >= 0, found " + lambda);
        }
    }
}
