package dev.tangent.machine;

import dev.tangent.compute.Backend;
import dev.tangent.compute.KernelMatrix;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.memory.MemoryBudget;

import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The Nyström preconditioner of a kernel ridge grid, from a uniform column sample S of r points (Williams and Seeger's
 * approximation K̂ = C·W⁺·Cᵀ with C = K[:, S], W = K[S, S]; applied as in Frangella, Tropp and Udell's randomized
 * Nyström PCG): K̂ = U·Λ̂·Uᵀ with orthonormal U (n × k), and for a shift s
 * <pre>  P_s⁻¹ = (λ̂_min + s)·U·(Λ̂ + sI)⁻¹·Uᵀ + (I − U·Uᵀ),</pre>
 * one U for every shift. When K̂ captures K's spectrum above λ̂_min, (K + sI)·P_s⁻¹ has its eigenvalues in about
 * [1, (λ̂_min + s + ‖K − K̂‖)/(λ̂_min + s)]·(λ_min + s)/(…): the small shifts that stall plain CG converge in tens of
 * iterations. Built in f64 in one n × r array, transformed in place (C → C·V·Λ_W^(−½) = B → U), so the preconditioner
 * costs 8·n·r bytes; two r × r eigendecompositions on the backend.
 */
public final class NystromPreconditioner implements Preconditioner, AutoCloseable {
    private final Backend backend;
    private final Matrix owner;
    private final Matrix u;
    private final double[] lambda;
    private final double lambdaMin;
    private final int sample;

    private NystromPreconditioner(Backend backend, Matrix owner, Matrix u, double[] lambda, int sample) {
        this.backend = backend;
        this.owner = owner;
        this.u = u;
        this.lambda = lambda;
        this.sample = sample;
        double min = Double.POSITIVE_INFINITY;
        for (double l : lambda) {
            min = Math.min(min, l);
        }
        this.lambdaMin = lambda.length == 0 ? 0 : min;
    }

    /** Bytes the preconditioner of rank r holds for n points (its scratch is a few r × r matrices more). */
    public static long bytes(long n, long r) {
        return 8 * n * r;
    }

    /**
     * The most the build holds at once: the n × r columns and, around each of its two eigendecompositions, r × r f64
     * blocks (the core or BᵀB, its scaled eigenvectors, LAPACK's ?syevd workspace of 1 + 6r + 2r² doubles), counted as
     * 4r² doubles. At r = 8,000 that is 2 GB above {@link #bytes}: a plan that counted only the columns overran its
     * 20 GiB budget by 1.44 GiB at n = 100,000.
     */
    public static long peakBytes(long n, long r) {
        return bytes(n, r) + 4L * 8 * r * r;
    }

    /** r distinct indices of [0, n) drawn uniformly (partial Fisher–Yates on a seeded SplittableRandom), sorted. */
    static int[] landmarks(int n, int r, long seed) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        SplittableRandom rng = new SplittableRandom(seed);
        for (int i = 0; i < r; i++) {
            int j = i + rng.nextInt(n - i);
            int t = idx[i];
            idx[i] = idx[j];
            idx[j] = t;
        }
        int[] s = Arrays.copyOf(idx, r);
        Arrays.sort(s);
        return s;
    }

    /**
     * Builds the preconditioner of rank ≤ r from K's columns at r uniformly drawn points.
     *
     * @param progress told the phase ("columns", "factor") as the build goes
     */
    public static NystromPreconditioner build(Backend backend, KernelMatrix k, int r, long seed, java.util.function.Consumer<String> progress) {
        int n = k.rows();
        if (r < 1 || r > n) {
            throw new IllegalArgumentException("Nystrom rank " + r + " for " + n + " points");
        }
        MemoryBudget.require(peakBytes(n, r), String.format(Locale.ROOT, "the Nystrom preconditioner (%d x %d, f64)", n, r));
        int[] s = landmarks(n, r, seed);
        Matrix c = Matrix.allocate(n, r, DType.F64);
        try {
            progress.accept("columns");
            int panel = Math.max(1, (int) Math.min(n, (64L << 20) / (8L * r)));
            for (int i0 = 0; i0 < n; i0 += panel) {
                int h = Math.min(panel, n - i0);
                int[] rows = new int[h];
                for (int i = 0; i < h; i++) {
                    rows[i] = i0 + i;
                }
                k.gather(rows, s, c.rows(i0, h));
            }
            progress.accept("factor");
            // W = C[S, :], symmetrised; W = V·Λ·Vᵀ, keep λ above its rounding level
            double[] w = new double[r];
            int kept;
            Matrix t;
            try (Matrix wm = Matrix.allocate(r, r, DType.F64)) {
                for (int a = 0; a < r; a++) {
                    for (int b = 0; b <= a; b++) {
                        double v = 0.5 * (c.get(s[a], b) + c.get(s[b], a));
                        wm.set(a, b, v);
                        wm.set(b, a, v);
                    }
                }
                eigen(backend, wm, w);
                kept = keep(w);
                // T = V_kept·Λ_kept^(−½) (r × kept): row j of wm is the eigenvector of w[j]
                t = scaledEigenvectors(wm, w, kept);
            }
            try (Matrix tt = t) {
                transformInPlace(backend, c, tt); // C → B = C·T in the first `kept` columns
            }
            Matrix b = c.view(0, 0, n, kept);
            // BᵀB = W₂·Σ²·W₂ᵀ; U = B·W₂·Σ⁻¹ (orthonormal columns), K̂ = B·Bᵀ = U·Σ²·Uᵀ
            double[] sigma2 = new double[kept];
            int kept2;
            Matrix t2;
            try (Matrix g = Matrix.allocate(kept, kept, DType.F64)) {
                backend.gemm(true, false, 1.0, b, b, 0.0, g);
                for (int a = 0; a < kept; a++) {
                    for (int bb = 0; bb < a; bb++) {
                        double v = 0.5 * (g.get(a, bb) + g.get(bb, a));
                        g.set(a, bb, v);
                        g.set(bb, a, v);
                    }
                }
                eigen(backend, g, sigma2);
                kept2 = keep(sigma2);
                t2 = scaledEigenvectors(g, sigma2, kept2);
            }
            try (Matrix tt = t2) {
                transformInPlace(backend, b, tt);
            }
            double[] lambda = Arrays.copyOfRange(sigma2, kept - kept2, kept);
            return new NystromPreconditioner(backend, c, c.view(0, 0, n, kept2), lambda, r);
        } catch (RuntimeException e) {
            c.close();
            throw e;
        }
    }

    /** Eigenvalues ascending into w, eigenvectors as rows of a. */
    private static void eigen(Backend backend, Matrix a, double[] w) {
        int info = backend.syevd(a, w);
        if (info != 0) {
            throw new IllegalStateException("the eigendecomposition of the Nystrom core did not converge (info " + info + ")");
        }
    }

    /** How many of the ascending values to keep: those above r·u·max (the rounding level of the decomposition). */
    private static int keep(double[] w) {
        int r = w.length;
        double max = r == 0 ? 0 : w[r - 1];
        double floor = 10 * r * 0x1p-53 * max;
        int kept = 0;
        for (int i = r - 1; i >= 0 && w[i] > floor; i--) {
            kept++;
        }
        return kept;
    }

    /** Row panels of A (n × r) replaced by A·T (T: r × k, k ≤ r) in A's first k columns. */
    private static void transformInPlace(Backend backend, Matrix a, Matrix t) {
        int n = a.rows();
        int k = t.cols();
        int panel = Math.max(1, (int) Math.min(n, (64L << 20) / (8L * Math.max(1, a.cols()))));
        try (Matrix scratch = Matrix.allocate(Math.min(panel, n), k, DType.F64)) {
            for (int i0 = 0; i0 < n; i0 += panel) {
                int h = Math.min(panel, n - i0);
                Matrix sv = scratch.rows(0, h);
                backend.gemm(false, false, 1.0, a.rows(i0, h), t, 0.0, sv);
                sv.copyInto(a.view(i0, 0, h, k));
            }
        }
    }

    @Override
    public void apply(Matrix r, double[] shifts, Matrix z) {
        int k = lambda.length;
        int m = r.cols();
        r.copyInto(z);
        if (k == 0) {
            return;
        }
        try (Matrix t = Matrix.allocate(k, m, DType.F64)) {
            backend.gemm(true, false, 1.0, u, r, 0.0, t);
            for (int i = 0; i < k; i++) {
                for (int j = 0; j < m; j++) {
                    t.set(i, j, t.get(i, j) * ((lambdaMin + shifts[j]) / (lambda[i] + shifts[j]) - 1));
                }
            }
            backend.gemm(false, false, 1.0, u, t, 1.0, z);
        }
    }

    /** The eigenvalues of K̂ (ascending), the spectrum estimate the plan uses. */
    public double[] values() {
        return lambda.clone();
    }

    public int rank() {
        return lambda.length;
    }

    @Override
    public String describe() {
        return String.format(Locale.ROOT, "nystrom rank %d of %d sampled columns", lambda.length, sample);
    }

    @Override
    public void close() {
        owner.close();
    }

    /** V·Λ^(−½) over the {@code kept} largest eigenpairs (m × kept), with row j of {@code vectors} the eigenvector of w[j]. */
    private static Matrix scaledEigenvectors(Matrix vectors, double[] w, int kept) {
        int m = w.length;
        Matrix t = Matrix.allocate(m, kept, DType.F64);
        for (int j = 0; j < kept; j++) {
            int src = m - kept + j;
            double sc = 1 / Math.sqrt(w[src]);
            for (int i = 0; i < m; i++) {
                t.set(i, j, vectors.get(src, i) * sc);
            }
        }
        return t;
    }
}
