package dev.tangent.machine;

import dev.tangent.TangentException;
import dev.tangent.compute.KernelMatrix;
import dev.tangent.compute.KernelProvider;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Kernel ridge regression in paper A's convention (spec §4.5): α = (K + (λ/2)·I)⁻¹ y, the stationary point of
 * Σ_i (y_i − g(x_i))² + (λ/2)‖β‖². A front for {@link KernelRidge} (the one ridge engine): {@link #paperA} solves a
 * whole λ list with one Cholesky factorisation per λ on a copy of K in the provider (each λ's factor is the exact
 * preconditioner of its CG, which then stops after the direct solve or a refinement step); {@link #conjugateGradient}
 * is Jacobi-preconditioned CG without a factorisation.
 */
public final class RidgeSolver {
    /** Relative residual the exact solves refine to (a few ulps of an f64 system; reached unless K is near singular). */
    static final double EXACT_TOL = 1e-12;
    /** Refinement products after the direct solve. */
    static final int EXACT_ITERATIONS = 8;

    private RidgeSolver() {
    }

    /**
     * Solves (K + (λ/2)·I) α = y by Cholesky. K is not modified (a copy is factored).
     *
     * @throws TangentException when K + (λ/2)I is not positive definite (e.g. λ = 0 with duplicate points), suggesting
     *                          a jitter
     */
    public static double[] cholesky(KernelProvider provider, KernelMatrix gram, double[] y, double lambda, double jitter) {
        return paperA(provider, gram, y, new double[] {lambda}, jitter)[0];
    }

    /** α_λ = (K + (λ/2 + jitter)·I)⁻¹ y for every λ, one factorisation each (K unchanged). */
    public static double[][] paperA(KernelProvider provider, KernelMatrix gram, double[] y, double[] lambdas, double jitter) {
        for (double lambda : lambdas) {
            check(gram, y, lambda);
        }
        if (!(jitter >= 0) || Double.isInfinite(jitter)) {
            throw new TangentException("--jitter must be finite and >= 0, found " + jitter);
        }
        double[] shifts = new double[lambdas.length];
        List<String> labels = new ArrayList<>();
        List<KernelRidge.Group> groups = new ArrayList<>();
        for (int i = 0; i < lambdas.length; i++) {
            shifts[i] = lambdas[i] / 2 + jitter;
            labels.add("lambda = " + lambdas[i]);
            groups.add(new KernelRidge.Group(KernelRidge.Method.CHOLESKY, i, List.of(i)));
        }
        KernelRidge.Settings s = new KernelRidge.Settings(groups, EXACT_TOL, EXACT_ITERATIONS, false, 0, 0);
        double[][] out = new double[lambdas.length][];
        try (Matrix rhs = column(y)) {
            KernelRidge.Problem p = new KernelRidge.Problem(gram, rhs, shifts, labels,
                    "use lambda > 0 or add a jitter (--jitter, e.g. 1e-10 x mean diagonal)");
            for (KernelRidge.Solution sol : KernelRidge.solve(provider, p, s, Set.of(), KernelRidge.Listener.NONE).solutions()) {
                double[] alpha = sol.coefficients()[0];
                for (double a : alpha) {
                    if (!Double.isFinite(a)) {
                        throw new TangentException("the ridge solve at lambda = " + lambdas[sol.index()] + " produced non-finite coefficients; "
                                + "the Gram is too ill-conditioned, use a larger lambda or a jitter");
                    }
                }
                out[sol.index()] = alpha;
            }
        }
        return out;
    }

    /** The outcome of a CG solve. */
    public record CgResult(double[] alpha, int iterations, double relativeResidual, boolean converged) {
    }

    /**
     * Solves (K + (λ/2)·I) α = y by Jacobi-preconditioned conjugate gradients, stopping when ‖r‖ ≤ tol·‖y‖.
     */
    public static CgResult conjugateGradient(KernelMatrix gram, double[] y, double lambda, double tol, int maxIterations) {
        check(gram, y, lambda);
        for (int i = 0; i < gram.rows(); i++) {
            double d = gram.get(i, i) + lambda / 2;
            if (!(d > 0)) {
                throw new TangentException("CG needs a positive diagonal; K[" + i + "][" + i + "] + lambda/2 = " + d);
            }
        }
        KernelRidge.Settings s = new KernelRidge.Settings(List.of(new KernelRidge.Group(KernelRidge.Method.JACOBI, -1, List.of(0))), tol,
                maxIterations, false, 0, 0);
        try (Matrix rhs = column(y)) {
            KernelRidge.Problem p = new KernelRidge.Problem(gram, rhs, new double[] {lambda / 2}, List.of("lambda = " + lambda), "");
            KernelRidge.Solution sol = KernelRidge.solve(null, p, s, Set.of(), KernelRidge.Listener.NONE).solutions().get(0);
            return new CgResult(sol.coefficients()[0], sol.iterations(), sol.residual(), sol.converged());
        }
    }

    private static Matrix column(double[] y) {
        Matrix m = Matrix.allocate(y.length, 1, DType.F64);
        for (int i = 0; i < y.length; i++) {
            m.set(i, 0, y[i]);
        }
        return m;
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
