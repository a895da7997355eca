package dev.tangent.machine;

import dev.tangent.TangentException;
import dev.tangent.compute.KernelMatrix;
import dev.tangent.compute.KernelProvider;
import dev.tangent.compute.ShiftedCholesky;
import dev.tangent.compute.SymmetricSpectrum;
import dev.tangent.memory.Matrix;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * Kernel ridge regression over a grid of shifts and many outputs: the coefficients X_s = (K + s·I)⁻¹·Y of every shift s
 * and every column of Y, both papers' conventions being a choice of shifts and targets (paper A: s = λ/2, Y = y; paper
 * B: s = reg, Y = one-hot − mean). Every shift is solved by preconditioned CG ({@link BlockPcg}) over all of its outputs
 * at once; the solvers differ in the preconditioner, which is exact where a factorisation exists:
 * <ul>
 *   <li>{@link Method#EIGH}: one eigendecomposition of K; M_s⁻¹ = (K + sI)⁻¹ exactly for every shift, so each column
 *       converges in one or two products (the second only where rounding left the residual above tol);</li>
 *   <li>{@link Method#CHOLESKY}: a Cholesky factor of K + a·I at an anchor shift a (in place: the factor shares K's
 *       array); exact for the anchor's own systems, and (K + aI)⁻¹(K + sI) has its spectrum in [1, s/a] for the shifts
 *       the anchor serves: every shift an anchor is one factorisation per shift; fewer anchors trade factorisations
 *       (n³/3 flops each) for CG iterations (a few n² each);</li>
 *   <li>{@link Method#NYSTROM}: a Nyström approximation from a column sample, for kernels too large to factor (with a
 *       matrix-free K);</li>
 *   <li>{@link Method#JACOBI}: the diagonal.</li>
 * </ul>
 * Shifts come in groups that share a preconditioner; the groups run one after the other (one factor in memory at a
 * time), and every shift's solution is handed to the listener as soon as all of its outputs have stopped, so that a
 * caller can save it (and skip it when resuming).
 */
public final class KernelRidge {
    private KernelRidge() {
    }

    public enum Method { EIGH, CHOLESKY, NYSTROM, JACOBI;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * Shifts solved with one preconditioner.
     *
     * @param anchor for {@link Method#CHOLESKY}: the index of the shift whose K + s·I is factored; else −1
     * @param shifts indices into the problem's shifts
     */
    public record Group(Method method, int anchor, List<Integer> shifts) {
        public Group {
            shifts = List.copyOf(shifts);
            if (method == Method.CHOLESKY && anchor < 0) {
                throw new IllegalArgumentException("a cholesky group needs an anchor shift");
            }
        }
    }

    /**
     * How to solve.
     *
     * @param tol           every column stops at ‖(K + sI)x − y‖ ≤ tol·‖y‖ (recurrence residual)
     * @param inPlace       Cholesky factors share K's array (n² memory instead of 2n²)
     * @param nystromRank   columns sampled for {@link Method#NYSTROM}
     * @param seed          of the column sample
     */
    public record Settings(List<Group> groups, double tol, int maxIterations, boolean inPlace, int nystromRank, long seed) {
        public Settings {
            groups = List.copyOf(groups);
            if (!(tol > 0) || tol >= 1) {
                throw new TangentException("--tol must be in (0, 1), found " + tol);
            }
            if (maxIterations < 1) {
                throw new TangentException("--max-iterations must be >= 1, found " + maxIterations);
            }
        }
    }

    /**
     * @param y      targets, n × C host f64 (one column per output)
     * @param labels names of the shifts in messages ("lambda = 0.1"), one per shift
     * @param hint   what to suggest when K + s·I is not positive definite
     */
    public record Problem(KernelMatrix k, Matrix y, double[] shifts, List<String> labels, String hint) {
        public Problem {
            if (k.rows() != k.cols()) {
                throw new TangentException("the training Gram must be square, found " + k.rows() + " x " + k.cols());
            }
            if (y.rows() != k.rows()) {
                throw new TangentException("the Gram has " + k.rows() + " rows but there are " + y.rows() + " targets");
            }
            if (labels.size() != shifts.length) {
                throw new IllegalArgumentException(labels.size() + " labels for " + shifts.length + " shifts");
            }
            for (double s : shifts) {
                if (!(s >= 0) || Double.isInfinite(s)) {
                    throw new TangentException("ridge shifts must be finite and >= 0, found " + s);
                }
            }
        }
    }

    /**
     * One shift's coefficients.
     *
     * @param coefficients one n-vector per output
     * @param residual     the largest ‖r‖/‖y‖ of the recurrence over the outputs
     * @param method       the preconditioner ("cholesky at 0.1 (in place)", ...)
     */
    public record Solution(int index, double shift, double[][] coefficients, int iterations, double residual, boolean converged,
                           String stop, String method) {
    }

    /** Where the time went: factorisations / decompositions / preconditioner builds, and CG iterations. */
    public record Timing(double factorSeconds, double iterationSeconds, int factorizations, int products) {
    }

    public interface Listener {
        /** A phase starts: "factor at reg 0.1", "eigendecomposition", "nystrom", "cg". */
        default void phase(String what) {
        }

        default void iteration(int iteration, int active, int columns, double worst) {
        }

        /** All outputs of a shift have stopped. */
        default void solved(Solution s) {
        }

        Listener NONE = new Listener() { };
    }

    /**
     * Solves the groups' shifts (those in {@code skip} are left out: already solved). Returns the solutions in the order
     * they finished, with the time split.
     */
    public static Result solve(KernelProvider provider, Problem p, Settings s, Collection<Integer> skip, Listener listener) {
        int c = p.y().cols();
        int n = p.k().rows();
        double[][] ys = new double[c][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < c; j++) {
                ys[j][i] = p.y().get(i, j);
            }
        }
        List<Solution> out = new ArrayList<>();
        double factorSeconds = 0;
        double iterationSeconds = 0;
        int factorizations = 0;
        int[] products = {0};
        ShiftedCholesky chol = null;
        NystromPreconditioner nystrom = null;
        try {
            for (Group g : s.groups()) {
                List<Integer> todo = new ArrayList<>();
                for (int i : g.shifts()) {
                    if (!skip.contains(i)) {
                        todo.add(i);
                    }
                }
                if (todo.isEmpty()) {
                    continue;
                }
                long t0 = System.nanoTime();
                if (g.method() != Method.CHOLESKY && chol != null) {
                    chol.close(); // K whole again (an in-place factor hides its lower triangle)
                    chol = null;
                }
                Preconditioner pc;
                SymmetricSpectrum spectrum = null;
                switch (g.method()) {
                    case EIGH -> {
                        listener.phase("eigendecomposition");
                        spectrum = provider.spectrum(p.k());
                        pc = Preconditioners.spectral(spectrum, p.k().dtype());
                        factorizations++;
                    }
                    case CHOLESKY -> {
                        listener.phase("factor at " + p.labels().get(g.anchor()));
                        if (chol == null) {
                            chol = provider.cholesky(p.k(), s.inPlace());
                        }
                        int info = chol.factor(p.shifts()[g.anchor()]);
                        if (info != 0) {
                            throw new TangentException(String.format(Locale.ROOT,
                                    "K + shift I is not positive definite at %s (leading minor %d of %d); %s", p.labels().get(g.anchor()),
                                    info, n, p.hint()));
                        }
                        pc = Preconditioners.cholesky(chol);
                        factorizations++;
                    }
                    case NYSTROM -> {
                        listener.phase("nystrom preconditioner");
                        if (nystrom == null) {
                            nystrom = NystromPreconditioner.build(provider.backend(), p.k(), Math.min(n, s.nystromRank()), s.seed(),
                                    what -> listener.phase("nystrom preconditioner: " + what));
                        }
                        pc = nystrom;
                    }
                    case JACOBI -> {
                        double[] d = new double[n];
                        for (int i = 0; i < n; i++) {
                            d[i] = p.k().get(i, i);
                        }
                        pc = Preconditioners.jacobi(d);
                    }
                    default -> throw new IllegalStateException();
                }
                long t1 = System.nanoTime();
                factorSeconds += (t1 - t0) / 1e9;
                try {
                    listener.phase("cg (" + pc.describe() + ")");
                    List<BlockPcg.Column> cols = new ArrayList<>();
                    for (int i : todo) {
                        for (int j = 0; j < c; j++) {
                            cols.add(new BlockPcg.Column(p.shifts()[i], ys[j]));
                        }
                    }
                    String method = pc.describe();
                    int[] left = new int[todo.size()];
                    java.util.Arrays.fill(left, c);
                    BlockPcg.Outcome[] got = new BlockPcg.Outcome[cols.size()];
                    BlockPcg.solve(p.k(), cols, pc, s.tol(), s.maxIterations(), new BlockPcg.Listener() {
                        @Override
                        public void iteration(int iteration, int active, int columns, double worst) {
                            products[0]++;
                            listener.iteration(iteration, active, columns, worst);
                        }

                        @Override
                        public void done(int column, BlockPcg.Outcome o) {
                            got[column] = o;
                            int t = column / c;
                            if (--left[t] == 0) {
                                Solution sol = solution(todo.get(t), p.shifts()[todo.get(t)], got, t * c, c, method);
                                out.add(sol);
                                listener.solved(sol);
                            }
                        }
                    });
                } finally {
                    if (spectrum != null) {
                        spectrum.close();
                    }
                }
                iterationSeconds += (System.nanoTime() - t1) / 1e9;
            }
        } finally {
            if (chol != null) {
                chol.close();
            }
            if (nystrom != null) {
                nystrom.close();
            }
        }
        return new Result(out, new Timing(factorSeconds, iterationSeconds, factorizations, products[0]));
    }

    public record Result(List<Solution> solutions, Timing timing) {
    }

    private static Solution solution(int index, double shift, BlockPcg.Outcome[] got, int from, int c, String method) {
        double[][] x = new double[c][];
        int its = 0;
        double res = 0;
        boolean conv = true;
        String stop = "converged";
        for (int j = 0; j < c; j++) {
            BlockPcg.Outcome o = got[from + j];
            x[j] = o.x();
            its = Math.max(its, o.iterations());
            res = Math.max(res, o.residual());
            conv &= o.converged();
            if (!o.converged()) {
                stop = o.stop();
            }
        }
        return new Solution(index, shift, x, its, res, conv, stop, method);
    }
}
