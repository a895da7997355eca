package dev.tangent.machine;

import dev.tangent.TangentException;
import dev.tangent.compute.KernelMatrix;
import dev.tangent.compute.RowOps;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.memory.MemoryBudget;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Locale;

/**
 * The exact dual solver of C-SVC and ε-SVR on a precomputed Gram: LIBSVM 3.24's {@code Solver} (svm.cpp), i.e. SMO
 * with the second-order working-set selection of Fan, Chen &amp; Lin (JMLR 2005), LIBSVM's shrinking heuristics and
 * final gradient reconstruction, and b = −ρ computed as LIBSVM does. It solves
 * <pre>
 *   min_α  f(α) = ½ αᵀQα + pᵀα    subject to  yᵀα = 0,  0 ≤ α_t ≤ C
 * </pre>
 * with Q_st = y_s y_t K(m_s, m_t): for C-SVC the n variables α_i, y = labels, p = −1; for ε-SVR the 2n variables
 * (α_i, α*_i), y = (+1…, −1…), p = (ε − y_i, ε + y_i). Kernel rows come from the provider's {@link KernelMatrix} (LIBSVM's
 * Q-matrix idea: the solver never sees where the kernel lives); Q is never formed.
 *
 * <p><b>Tolerance.</b> {@code eps} is LIBSVM's {@code -e} (default 1e-3) with the same meaning: with
 * m(α) = max_{t ∈ I_up} −y_t∇f(α)_t and M(α) = min_{t ∈ I_low} −y_t∇f(α)_t, where I_up = {y=+1, α&lt;C} ∪ {y=−1, α&gt;0}
 * and I_low = {y=+1, α&gt;0} ∪ {y=−1, α&lt;C}, the solver stops when the maximal violating pair's gap
 * m(α) − M(α) &lt; eps. The gap is in units of the decision function: at the stop every training point's margin
 * y_i·g(x_i) is consistent with the KKT conditions to within about eps.
 *
 * <p><b>Iterations.</b> LIBSVM caps the loop at max(10⁷, 100·l) iterations (l = n for C-SVC, 2n for ε-SVR,
 * {@link #libsvmMaxIterations}); pass {@code maxIterations ≤ 0} for that default. A run that hits the cap returns
 * {@code converged = false} with the reconstructed gradient, as LIBSVM (which only warns).
 *
 * <p><b>Paper A's λ.</b> Paper A's soft-margin kernel machine minimises (λ/2)‖β‖² + (1/n)·Σ_i max(0, 1 − y_i g(x_i))
 * with g(x) = ⟨β, φ(x)⟩ + b. Multiplying by 1/λ does not move the minimiser and gives
 * ½‖β‖² + (1/(λn))·Σ_i ξ_i, ξ_i ≥ max(0, 1 − y_i g(x_i)), which is LIBSVM's C-SVC primal with <b>C = 1/(λ·n)</b>; the
 * dual solution gives β = Σ_i y_i α_i φ(x_i), so {@link Result#alpha()} (= y_i α_i) are the kernel machine's
 * coefficients in g(x) = Σ_i alpha_i K(x, x_i) + b. (Under the spec's sum convention (λ/2)‖β‖² + Σ_i hinge of §4.4
 * the same argument gives C = 1/λ.) Two caveats: LIBSVM's model has an unregularised bias b (hence yᵀα = 0), which
 * paper A's bias-free kernel machine lacks, and the paper's (sub)gradient iterates only approach this optimum. The same
 * scaling maps (λ/2)‖β‖² + (1/n)·Σ_i max(0, |y_i − g(x_i)| − ε) to ε-SVR with C = 1/(λn).
 *
 * <p><b>Layout.</b> Instead of LIBSVM's swapped index order and Q-row cache, the solver keeps s = K·(signed α) on a
 * <i>working block</i> W = K[U, U], U ⊇ the kernel indices of the active (unshrunk) variables: at first W is the Gram
 * itself; when shrinking leaves few enough of W's columns needed that the copy pays for itself
 * ({@code worthCompacting}), the block is gathered into a compact copy, so every hot loop (the update
 * s += K_i·Δ_i + K_j·Δ_j fused with the next selection's first pass, and the second pass over K_i) runs over
 * contiguous rows with the Vector API (one loop for both dtypes: an f32 row is widened to double lanes on load). Since ∇f(α)_t = y_t·(s + y∘p)_t, the signed gradient
 * F_t = y_t∇f_t = s_{m_t} + y_t p_t needs one update per kernel column even for ε-SVR's two variables per point.
 * Variables are visited in index order (LIBSVM's, until its shrinking swaps them) and ties broken as LIBSVM breaks
 * them (the last index wins), so the iterates follow LIBSVM's: on an f32 Gram, whose values LIBSVM's float (Qfloat) rows hold exactly, the iteration count
 * is svm-train's; an f64 Gram is read in double precision and may part from LIBSVM's path at a near-tie.
 */
public final class SmoSolver {
    /** LIBSVM's TAU: the curvature used when K_ii + K_jj − 2K_ij ≤ 0. */
    public static final double TAU = 1e-12;
    /** LIBSVM's default stopping tolerance ({@code -e}). */
    public static final double DEFAULT_EPS = 1e-3;
    /** Compact the working block when at most this fraction of its columns is still needed. */
    static final double COMPACT_FRACTION = 0.75;
    /** Smallest working block worth compacting. */
    static final int COMPACT_MIN = 256;

    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> FS =
            VectorSpecies.of(float.class, VectorShape.forBitSize(Math.max(64, S.vectorBitSize() / 2)));
    private static final int L = S.length();
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final ValueLayout.OfDouble E64 = ValueLayout.JAVA_DOUBLE_UNALIGNED;
    private static final ValueLayout.OfFloat E32 = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final double INF = Double.POSITIVE_INFINITY;

    /**
     * The solution. {@code alpha} is signed so that g(x) = Σ_i alpha[i]·K(x, x_i) + b (C-SVC: y_i·α_i; ε-SVR:
     * α_i − α*_i), as LIBSVM's sv_coef; {@code b} = −ρ; {@code dualObjective} is LIBSVM's {@code obj}, the value of
     * f(α) above; {@code supportVectors} counts alpha[i] ≠ 0; {@code converged} is false when the iteration cap stopped
     * the loop.
     */
    public record Result(double[] alpha, double b, double dualObjective, int iterations, int supportVectors, boolean converged) {
    }

    /**
     * Receives the iteration count, the current gap m(α) − M(α) (the solver stops below eps), the number of active
     * (unshrunk) variables and the number of Gram columns the hot loops run over (n until the block is compacted).
     */
    @FunctionalInterface
    public interface Progress {
        void update(long iterations, double gap, int activeSize, int workingColumns);

        Progress NONE = (it, gap, active, columns) -> { };
    }

    /** LIBSVM's iteration cap for l variables: max(10⁷, 100·l), clipped to Integer.MAX_VALUE. */
    public static long libsvmMaxIterations(int l) {
        return Math.max(10_000_000L, l > Integer.MAX_VALUE / 100 ? Integer.MAX_VALUE : 100L * l);
    }

    /** C-SVC (LIBSVM {@code -s 0 -t 4 -c c -e eps -h shrinking}) on the n×n Gram with labels ±1. */
    public static Result svc(KernelMatrix gram, double[] y, double c, double eps, boolean shrinking, long maxIterations) {
        return svc(gram, y, c, eps, shrinking, maxIterations, Progress.NONE);
    }

    /** As {@link #svc(KernelMatrix, double[], double, double, boolean, long)}, reporting progress every ≤ 1000 iterations. */
    public static Result svc(KernelMatrix gram, double[] y, double c, double eps, boolean shrinking, long maxIterations,
                             Progress progress) {
        check(gram, y, c, eps);
        boolean pos = false;
        boolean neg = false;
        for (int i = 0; i < y.length; i++) {
            if (y[i] == 1) {
                pos = true;
            } else if (y[i] == -1) {
                neg = true;
            } else {
                throw new TangentException("SVC labels must be +1 or -1; label " + i + " is " + y[i]);
            }
        }
        if (!pos || !neg) {
            throw new TangentException("SVC needs labels of both classes (+1 and -1); all " + y.length + " are " + y[0]);
        }
        double[][] sign = {y.clone()};
        double[][] p = {new double[y.length]};
        Arrays.fill(p[0], -1);
        return new SmoSolver(gram, sign, p, c, eps, progress).solve(shrinking, maxIterations);
    }

    /** ε-SVR (LIBSVM {@code -s 3 -t 4 -c c -p epsilonTube -e eps -h shrinking}) on the n×n Gram with targets y. */
    public static Result svr(KernelMatrix gram, double[] y, double c, double epsilonTube, double eps, boolean shrinking,
                             long maxIterations) {
        return svr(gram, y, c, epsilonTube, eps, shrinking, maxIterations, Progress.NONE);
    }

    /** As {@link #svr(KernelMatrix, double[], double, double, double, boolean, long)}, reporting progress. */
    public static Result svr(KernelMatrix gram, double[] y, double c, double epsilonTube, double eps, boolean shrinking,
                             long maxIterations, Progress progress) {
        check(gram, y, c, eps);
        if (!(epsilonTube >= 0) || Double.isInfinite(epsilonTube)) {
            throw new TangentException("the SVR tube width epsilon must be finite and >= 0, found " + epsilonTube);
        }
        int n = y.length;
        double[][] sign = {new double[n], new double[n]};
        double[][] p = {new double[n], new double[n]};
        for (int i = 0; i < n; i++) {
            if (!Double.isFinite(y[i])) {
                throw new TangentException("SVR target " + i + " is not finite: " + y[i]);
            }
            sign[0][i] = 1;
            sign[1][i] = -1;
            p[0][i] = epsilonTube - y[i];
            p[1][i] = epsilonTube + y[i];
        }
        return new SmoSolver(gram, sign, p, c, eps, progress).solve(shrinking, maxIterations);
    }

    private static void check(KernelMatrix gram, double[] y, double c, double eps) {
        if (gram.rows() != gram.cols()) {
            throw new TangentException("the Gram matrix must be square, found " + gram.rows() + " x " + gram.cols());
        }
        if (gram.rows() != y.length) {
            throw new TangentException("the Gram matrix is " + gram.rows() + " x " + gram.cols() + " but there are "
                    + y.length + " labels");
        }
        if (y.length == 0) {
            throw new TangentException("no training points");
        }
        if (!(c > 0) || Double.isInfinite(c)) {
            throw new TangentException("C must be finite and > 0, found " + c);
        }
        if (!(eps > 0) || Double.isInfinite(eps)) {
            throw new TangentException("the stopping tolerance eps must be finite and > 0, found " + eps);
        }
    }

    // ---- state: variables t = (plane p, kernel index k); plane 0 only for C-SVC, planes 0 (α) and 1 (α*) for SVR

    private final KernelMatrix gram;
    private final boolean f32;
    private final int n;
    private final int planes;
    private final int l;
    private final double c;
    private final double eps;
    private final Progress progress;
    private final double[][] y;
    /** q = y∘p, so the signed gradient is F_t = y_t ∇f_t = s[k] + q[p][k]. */
    private final double[][] q;
    private final double[][] alpha;
    private final boolean[][] active;
    private final double[] qdAll;
    /**
     * s[k] = Σ_t y_t α_t K[m_t][k]. Exact for the columns of the working block; for a column k outside it,
     * sAll[k] + Σ_m (β_m − betaSnap[m])·K[m][k] is exact, with β_m = Σ_planes y α the signed coefficient.
     */
    private final double[] sAll;
    private final double[] betaSnap;
    private int activeSize;
    private boolean unshrink;

    // ---- working block W = K[cols, cols]: the Gram's rows while full, the rows of a compact copy afterwards
    private int w;
    private final int[] cols;
    private boolean wFull;
    private Matrix buffer;
    private final double[] s;
    private final double[] qd;
    private final double[][] qw;
    /** q − ∞·[not an active variable in I_up]: the first selection pass maximises upA − s = −F over I_up. */
    private final double[][] upA;
    /** q − ∞·[not an active variable in I_low]: s + lowB = F over I_low, −∞ elsewhere. */
    private final double[][] lowB;

    // ---- the working set chosen by select()
    private int pi;
    private int ci;
    private int pj;
    private int cj;
    private double gap;
    private final double[] out = new double[2];
    /** The first selection pass over plane 0, computed by the last update (valid until the penalties change). */
    private boolean pass1Ready;
    private int pass1Idx;
    private double pass1Max;

    private SmoSolver(KernelMatrix gram, double[][] y, double[][] p, double c, double eps, Progress progress) {
        this.gram = gram;
        this.f32 = gram.dtype() == DType.F32;
        this.n = gram.rows();
        this.planes = y.length;
        this.l = planes * n;
        this.c = c;
        this.eps = eps;
        this.progress = progress;
        this.y = y;
        this.q = new double[planes][n];
        this.alpha = new double[planes][n];
        this.active = new boolean[planes][n];
        for (int pl = 0; pl < planes; pl++) {
            for (int k = 0; k < n; k++) {
                q[pl][k] = y[pl][k] * p[pl][k];
            }
        }
        this.qdAll = new double[n];
        for (int k = 0; k < n; k++) {
            qdAll[k] = gram.get(k, k);
            if (!Double.isFinite(qdAll[k])) {
                throw new TangentException("the Gram matrix has a non-finite diagonal entry at " + k + ": " + qdAll[k]);
            }
        }
        this.betaSnap = new double[n];
        this.sAll = new double[n];
        this.cols = new int[n];
        this.s = new double[n];
        this.qd = new double[n];
        this.qw = new double[planes][n];
        this.upA = new double[planes][n];
        this.lowB = new double[planes][n];
    }

    private Result solve(boolean shrinking, long maxIterations) {
        long maxIter = maxIterations > 0 ? maxIterations : libsvmMaxIterations(l);
        try {
            for (boolean[] a : active) {
                Arrays.fill(a, true);
            }
            activeSize = l;
            useFullGram();
            long iter = 0;
            int counter = Math.min(l, 1000) + 1;
            boolean optimal = false;
            while (iter < maxIter) {
                if (--counter == 0) {
                    counter = Math.min(l, 1000);
                    if (shrinking) {
                        doShrinking(iter);
                    }
                    progress.update(iter, gap, activeSize, w);
                }
                if (!select()) {
                    unshrinkAll();
                    if (!select()) {
                        optimal = true;
                        break;
                    }
                    counter = 1;
                }
                ++iter;
                step();
            }
            unshrinkAll();
            progress.update(iter, gap, activeSize, w);
            return result((int) Math.min(iter, Integer.MAX_VALUE), optimal);
        } finally {
            if (buffer != null) {
                buffer.close();
            }
        }
    }

    /**
     * LIBSVM's select_working_set (WSS 2 of Fan, Chen &amp; Lin): i maximises −y_t∇f_t = −F_t over I_up, j minimises
     * −(m(α) + F_t)²/(K_ii + K_tt − 2K_it) over t ∈ I_low with m(α) + F_t &gt; 0 (curvature ≤ 0 replaced by TAU).
     * Returns false, LIBSVM's "already optimal", when m(α) − M(α) &lt; eps or no such j exists. Inactive (shrunk)
     * variables carry a −∞ penalty and are never chosen.
     */
    private boolean select() {
        double gmax = -INF;
        pi = -1;
        ci = -1;
        for (int p = 0; p < planes; p++) {
            int idx;
            double v;
            if (p == 0 && pass1Ready) {
                idx = pass1Idx;
                v = pass1Max;
            } else {
                idx = argmaxUp(w, s, upA[p], out);
                v = out[0];
            }
            if (idx >= 0 && v >= gmax) {
                gmax = v;
                pi = p;
                ci = idx;
            }
        }
        pass1Ready = false;
        if (ci < 0) {
            gap = -INF;
            return false;
        }
        double gmax2 = -INF;
        double objMin = INF;
        pj = -1;
        cj = -1;
        MemorySegment rowI = blockRow(ci);
        for (int p = 0; p < planes; p++) {
            int idx = wss(w, f32, rowI, s, lowB[p], qd, qd[ci], gmax, out);
            gmax2 = Math.max(gmax2, out[1]);
            if (idx >= 0 && out[0] <= objMin) {
                objMin = out[0];
                pj = p;
                cj = idx;
            }
        }
        gap = gmax + gmax2;
        return !(gap < eps || cj < 0);
    }

    /**
     * LIBSVM's two-variable update (clipped to the box along yᵀα = const), then s += K_i·Δ_i + K_j·Δ_j, fused with the
     * next selection's first pass over plane 0.
     */
    private void step() {
        int ki = cols[ci];
        int kj = cols[cj];
        double yi = y[pi][ki];
        double yj = y[pj][kj];
        MemorySegment rowI = blockRow(ci);
        double kij = f32 ? rowI.getAtIndex(E32, cj) : rowI.getAtIndex(E64, cj);
        double qij = yi * yj * kij;
        double gi = yi * (s[ci] + qw[pi][ci]);
        double gj = yj * (s[cj] + qw[pj][cj]);
        double oldI = alpha[pi][ki];
        double oldJ = alpha[pj][kj];
        double ai = oldI;
        double aj = oldJ;
        if (yi != yj) {
            double quad = qd[ci] + qd[cj] + 2 * qij;
            if (quad <= 0) {
                quad = TAU;
            }
            double delta = (-gi - gj) / quad;
            double diff = ai - aj;
            ai += delta;
            aj += delta;
            if (diff > 0) {
                if (aj < 0) {
                    aj = 0;
                    ai = diff;
                }
            } else if (ai < 0) {
                ai = 0;
                aj = -diff;
            }
            if (diff > 0) { // C_i − C_j = 0
                if (ai > c) {
                    ai = c;
                    aj = c - diff;
                }
            } else if (aj > c) {
                aj = c;
                ai = c + diff;
            }
        } else {
            double quad = qd[ci] + qd[cj] - 2 * qij;
            if (quad <= 0) {
                quad = TAU;
            }
            double delta = (gi - gj) / quad;
            double sum = ai + aj;
            ai -= delta;
            aj += delta;
            if (sum > c) {
                if (ai > c) {
                    ai = c;
                    aj = sum - c;
                }
            } else if (aj < 0) {
                aj = 0;
                ai = sum;
            }
            if (sum > c) {
                if (aj > c) {
                    aj = c;
                    ai = sum - c;
                }
            } else if (ai < 0) {
                ai = 0;
                aj = sum;
            }
        }
        alpha[pi][ki] = ai;
        alpha[pj][kj] = aj;
        double di = yi * (ai - oldI);
        double dj = yj * (aj - oldJ);
        setPenalties(pi, ci);
        setPenalties(pj, cj);
        pass1Idx = update(w, f32, rowI, blockRow(cj), di, dj, s, upA[0], out);
        pass1Max = out[0];
        pass1Ready = true;
    }

    /**
     * LIBSVM's do_shrinking: with m = max_{I_up} −F and M' = max_{I_low} F over the active set, a bounded variable only
     * in I_low is shrunk when −F_t &gt; m, one only in I_up when F_t &gt; M'; free variables stay. The first time the gap
     * falls to 10·eps everything is unshrunk once (gradient reconstructed) before shrinking again.
     */
    private void doShrinking(long iter) {
        pass1Ready = false;
        double gmax1 = -INF;
        double gmax2 = -INF;
        for (int p = 0; p < planes; p++) {
            for (int cc = 0; cc < w; cc++) {
                double f = s[cc] + qw[p][cc];
                if (upA[p][cc] > -INF) {
                    gmax1 = Math.max(gmax1, -f);
                }
                if (lowB[p][cc] > -INF) {
                    gmax2 = Math.max(gmax2, f);
                }
            }
        }
        if (!unshrink && gmax1 + gmax2 <= eps * 10) {
            unshrink = true;
            unshrinkAll();
        }
        int needed = 0;
        int[] keep = new int[w];
        for (int cc = 0; cc < w; cc++) {
            int k = cols[cc];
            boolean any = false;
            for (int p = 0; p < planes; p++) {
                if (active[p][k]) {
                    double a = alpha[p][k];
                    double f = s[cc] + qw[p][cc];
                    boolean up = y[p][k] > 0 ? a < c : a > 0;
                    boolean low = y[p][k] > 0 ? a > 0 : a < c;
                    if ((up != low) && (low ? -f > gmax1 : f > gmax2)) {
                        active[p][k] = false;
                        activeSize--;
                    }
                }
                any |= active[p][k];
            }
            if (any) {
                keep[needed++] = k;
            }
        }
        if (worthCompacting(needed, iter) && compact(keep, needed)) {
            return;
        }
        for (int cc = 0; cc < w; cc++) {
            for (int p = 0; p < planes; p++) {
                setPenalties(p, cc);
            }
        }
    }

    /**
     * Compacting W to m columns costs about m² gathered elements; it saves about 3·(w − m) streamed elements per
     * iteration (the selection row and the two update rows). The remaining iterations are guessed as many as those done
     * so far (at least 1,000, the shrinking period), so the block is compacted when (w − m)·3·guess ≥ 4·m² (a gathered
     * element costing about four streamed ones), and only when at most {@value #COMPACT_FRACTION} of it is needed.
     */
    private boolean worthCompacting(int m, long iter) {
        double guess = Math.max(1000, iter);
        return m > 0 && w >= COMPACT_MIN && m <= COMPACT_FRACTION * w && (w - m) * 3.0 * guess >= 4.0 * m * (double) m;
    }

    /**
     * Makes every variable active again with its exact gradient and W = K: LIBSVM's reconstruct_gradient. LIBSVM
     * rebuilds the inactive gradients from G_bar (kept up to date with a full Q row at every change of a variable's
     * upper-bound status) plus the free variables' rows; here they are brought up to date from the change of the
     * coefficients since they left the working block, one Gram row per changed coefficient: the same values with less
     * memory traffic, and nothing to do at all while the working block is the whole Gram.
     */
    private void unshrinkAll() {
        if (wFull && activeSize == l) {
            return;
        }
        pass1Ready = false;
        if (!wFull) {
            refreshOutside();
            for (int cc = 0; cc < w; cc++) {
                sAll[cols[cc]] = s[cc];
            }
        }
        for (boolean[] a : active) {
            Arrays.fill(a, true);
        }
        activeSize = l;
        if (!wFull) {
            useFullGram();
        } else {
            for (int cc = 0; cc < w; cc++) {
                for (int p = 0; p < planes; p++) {
                    setPenalties(p, cc);
                }
            }
        }
    }

    private void useFullGram() {
        w = n;
        for (int k = 0; k < n; k++) {
            cols[k] = k;
        }
        wFull = true;
        loadBlockArrays();
    }

    /**
     * sAll[k] += Σ_m (β_m − betaSnap[m])·K[m][k] for the columns k outside the working block (one full Gram row per
     * changed coefficient), then betaSnap = β.
     */
    private void refreshOutside() {
        double[] delta = new double[n];
        for (int m = 0; m < n; m++) {
            double beta = 0;
            for (int p = 0; p < planes; p++) {
                beta += y[p][m] * alpha[p][m];
            }
            double d = beta - betaSnap[m];
            if (d != 0 && !wFull) {
                addGramRow(m, d, delta);
            }
            betaSnap[m] = beta;
        }
        if (!wFull) {
            boolean[] inW = new boolean[n];
            for (int cc = 0; cc < w; cc++) {
                inW[cols[cc]] = true;
            }
            for (int k = 0; k < n; k++) {
                if (!inW[k]) {
                    sAll[k] += delta[k];
                }
            }
        }
    }

    /** Gathers K[keep, keep] into the compaction buffer; false (nothing changed) when memory is short. */
    private boolean compact(int[] keep, int m) {
        int bytes = f32 ? 4 : 8;
        long need = (long) m * m * bytes;
        if (buffer == null || (long) buffer.rows() * buffer.cols() * bytes < need) {
            if (need > MemoryBudget.availableBytes() / 2) {
                return false;
            }
            if (buffer != null) {
                buffer.close();
            }
            buffer = Matrix.allocate(m, m, gram.dtype());
        }
        refreshOutside();
        for (int cc = 0; cc < w; cc++) {
            sAll[cols[cc]] = s[cc];
        }
        int[] rows = Arrays.copyOf(keep, m);
        Matrix block = buffer.cols() == m ? buffer : Matrix.wrap(buffer.segment(), buffer.offset(), m, m, m, buffer.dtype());
        gram.gather(rows, rows, block);
        compactRows = block;
        System.arraycopy(keep, 0, cols, 0, m);
        w = m;
        wFull = false;
        loadBlockArrays();
        return true;
    }

    /** The compact copy of the working block while it is in use. */
    private Matrix compactRows;

    /** Row cc of the working block W (w elements of the Gram's dtype at byte 0). */
    private MemorySegment blockRow(int cc) {
        if (wFull) {
            return gram.row(cc);
        }
        return compactRows.segment().asSlice(compactRows.byteIndex(cc, 0), (long) w * (f32 ? 4 : 8));
    }

    private void loadBlockArrays() {
        for (int cc = 0; cc < w; cc++) {
            int k = cols[cc];
            s[cc] = sAll[k];
            qd[cc] = qdAll[k];
            for (int p = 0; p < planes; p++) {
                qw[p][cc] = q[p][k];
                setPenalties(p, cc);
            }
        }
    }

    /** upA, lowB of variable (p, cc) from its α and active flag. */
    private void setPenalties(int p, int cc) {
        int k = cols[cc];
        double a = alpha[p][k];
        boolean act = active[p][k];
        boolean up = y[p][k] > 0 ? a < c : a > 0;
        boolean low = y[p][k] > 0 ? a > 0 : a < c;
        upA[p][cc] = act && up ? -qw[p][cc] : -INF;
        lowB[p][cc] = act && low ? qw[p][cc] : -INF;
    }

    /** dst[0..n) += a·K[k][0..n) over a full row of the Gram. */
    private void addGramRow(int k, double a, double[] dst) {
        RowOps.get().axpy(gram.row(k), gram.dtype(), a, dst, n);
    }

    /** LIBSVM's calculate_rho (ρ = mean of y_t∇f_t over free variables, else the middle of the feasible interval). */
    private Result result(int iterations, boolean optimal) {
        for (int cc = 0; cc < w; cc++) {
            sAll[cols[cc]] = s[cc];
        }
        double ub = INF;
        double lb = -INF;
        double sumFree = 0;
        int nFree = 0;
        double obj = 0;
        double[] signed = new double[n];
        for (int p = 0; p < planes; p++) {
            for (int k = 0; k < n; k++) {
                double a = alpha[p][k];
                double yt = y[p][k];
                double f = sAll[k] + q[p][k];
                if (a >= c) {
                    if (yt < 0) {
                        ub = Math.min(ub, f);
                    } else {
                        lb = Math.max(lb, f);
                    }
                } else if (a <= 0) {
                    if (yt > 0) {
                        ub = Math.min(ub, f);
                    } else {
                        lb = Math.max(lb, f);
                    }
                } else {
                    nFree++;
                    sumFree += f;
                }
                obj += a * (yt * f + yt * q[p][k]);
                signed[k] += yt * a;
            }
        }
        double rho = nFree > 0 ? sumFree / nFree : (ub + lb) / 2;
        int sv = 0;
        for (double v : signed) {
            if (v != 0) {
                sv++;
            }
        }
        return new Result(signed, -rho, obj / 2, iterations, sv, optimal);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "SmoSolver[n=%d, planes=%d, C=%s, eps=%s]", n, planes, c, eps);
    }

    // ---- Vector API kernels: each keeps its vectors inside one method (scalar, array and segment parameters only)

    /** Largest index with the maximal a − s (LIBSVM's ≥: the last one wins); out[0] = the max; −1 if it is −∞. */
    private static int argmaxUp(int w, double[] s, double[] a, double[] out) {
        DoubleVector best = DoubleVector.broadcast(S, -INF);
        DoubleVector bestIdx = DoubleVector.broadcast(S, -1);
        DoubleVector idx = DoubleVector.zero(S).addIndex(1);
        DoubleVector stepV = DoubleVector.broadcast(S, L);
        int wb = S.loopBound(w);
        int cc = 0;
        for (; cc < wb; cc += L) {
            DoubleVector v = DoubleVector.fromArray(S, a, cc).sub(DoubleVector.fromArray(S, s, cc));
            VectorMask<Double> m = v.compare(VectorOperators.GE, best);
            best = best.blend(v, m);
            bestIdx = bestIdx.blend(idx, m);
            idx = idx.add(stepV);
        }
        double max = best.reduceLanes(VectorOperators.MAX);
        int at = (int) bestIdx.blend(-1, best.compare(VectorOperators.NE, max)).reduceLanes(VectorOperators.MAX);
        for (; cc < w; cc++) {
            double v = a[cc] - s[cc];
            if (v >= max) {
                max = v;
                at = cc;
            }
        }
        out[0] = max;
        return max == -INF ? -1 : at;
    }

    /** Elements [cc, cc + L) of a row as doubles (an f32 row widened; C2 hoists the dtype test out of the loops). */
    private static DoubleVector load(boolean f32, MemorySegment g, int cc) {
        return f32 ? (DoubleVector) FloatVector.fromMemorySegment(FS, g, (long) cc * 4, NO).convertShape(VectorOperators.F2D, S, 0)
                : DoubleVector.fromMemorySegment(S, g, (long) cc * 8, NO);
    }

    private static double get(boolean f32, MemorySegment g, int cc) {
        return f32 ? g.getAtIndex(E32, cc) : g.getAtIndex(E64, cc);
    }

    /**
     * s[0..w) += di·K_i + dj·K_j for rows gi, gj of the working block, fused with {@link #argmaxUp} over the new s:
     * returns its index, out[0] = its max.
     */
    private static int update(int w, boolean f32, MemorySegment gi, MemorySegment gj, double di, double dj, double[] s,
                              double[] a, double[] out) {
        DoubleVector vi = DoubleVector.broadcast(S, di);
        DoubleVector vj = DoubleVector.broadcast(S, dj);
        DoubleVector best = DoubleVector.broadcast(S, -INF);
        DoubleVector bestIdx = DoubleVector.broadcast(S, -1);
        DoubleVector idx = DoubleVector.zero(S).addIndex(1);
        DoubleVector stepV = DoubleVector.broadcast(S, L);
        int wb = S.loopBound(w);
        int cc = 0;
        for (; cc < wb; cc += L) {
            DoubleVector acc = DoubleVector.fromArray(S, s, cc);
            acc = load(f32, gi, cc).fma(vi, acc);
            acc = load(f32, gj, cc).fma(vj, acc);
            acc.intoArray(s, cc);
            DoubleVector v = DoubleVector.fromArray(S, a, cc).sub(acc);
            VectorMask<Double> m = v.compare(VectorOperators.GE, best);
            best = best.blend(v, m);
            bestIdx = bestIdx.blend(idx, m);
            idx = idx.add(stepV);
        }
        double max = best.reduceLanes(VectorOperators.MAX);
        int at = (int) bestIdx.blend(-1, best.compare(VectorOperators.NE, max)).reduceLanes(VectorOperators.MAX);
        for (; cc < w; cc++) {
            s[cc] += get(f32, gi, cc) * di + get(f32, gj, cc) * dj;
            double v = a[cc] - s[cc];
            if (v >= max) {
                max = v;
                at = cc;
            }
        }
        out[0] = max;
        return max == -INF ? -1 : at;
    }

    /**
     * WSS 2's second pass over row gi of the working block: returns the largest index with minimal obj = −gd²/quad,
     * gd = gmax + F_t &gt; 0 (F = s + b, −∞ outside I_low), quad = qdi + qd_t − 2K_it (TAU when ≤ 0); out[0] = min obj,
     * out[1] = max F.
     */
    private static int wss(int w, boolean f32, MemorySegment gi, double[] s, double[] b, double[] qd, double qdi,
                           double gmax, double[] out) {
        DoubleVector best = DoubleVector.broadcast(S, INF);
        DoubleVector bestIdx = DoubleVector.broadcast(S, -1);
        DoubleVector g2 = DoubleVector.broadcast(S, -INF);
        DoubleVector idx = DoubleVector.zero(S).addIndex(1);
        DoubleVector stepV = DoubleVector.broadcast(S, L);
        int wb = S.loopBound(w);
        int cc = 0;
        for (; cc < wb; cc += L) {
            DoubleVector f = DoubleVector.fromArray(S, s, cc).add(DoubleVector.fromArray(S, b, cc));
            g2 = g2.max(f);
            DoubleVector gd = f.add(gmax);
            DoubleVector k = load(f32, gi, cc);
            DoubleVector quad = DoubleVector.fromArray(S, qd, cc).add(qdi).sub(k.add(k));
            quad = quad.blend(TAU, quad.compare(VectorOperators.LE, 0));
            DoubleVector obj = gd.mul(gd).div(quad).neg().blend(INF, gd.compare(VectorOperators.LE, 0));
            VectorMask<Double> m = obj.compare(VectorOperators.LE, best);
            best = best.blend(obj, m);
            bestIdx = bestIdx.blend(idx, m);
            idx = idx.add(stepV);
        }
        double min = best.reduceLanes(VectorOperators.MIN);
        int at = (int) bestIdx.blend(-1, best.compare(VectorOperators.NE, min)).reduceLanes(VectorOperators.MAX);
        double gmax2 = g2.reduceLanes(VectorOperators.MAX);
        for (; cc < w; cc++) {
            double f = s[cc] + b[cc];
            gmax2 = Math.max(gmax2, f);
            double gd = gmax + f;
            if (gd > 0) {
                double quad = qdi + qd[cc] - 2 * get(f32, gi, cc);
                double obj = -(gd * gd) / (quad > 0 ? quad : TAU);
                if (obj <= min) {
                    min = obj;
                    at = cc;
                }
            }
        }
        out[0] = min;
        out[1] = gmax2;
        return min == INF ? -1 : at;
    }
}
