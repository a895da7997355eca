package dev.tangent.verify;

import dev.tangent.compute.Backend;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.network.FullyConnected;

/**
 * Interval bound propagation through a {@link FullyConnected} network in NTK parameterisation (spec §6.5): for the box
 * [x − δ, x + δ] on every input (not intersected with the pixel range, as the reference), each linear layer with
 * fan-in s maps centre and radius as μ′ = Wμ/√s, r′ = |W|r/√s, and ReLU is applied to both ends.
 *
 * <p><b>What the bounds enclose.</b> For every real point x′ of the box, the output of the network computed in exact
 * real arithmetic from its stored weights (an f32 weight is the real number it stores) lies in [lower, upper],
 * whatever the weights' dtype, the backend and its order of summation. The propagation runs in f64 for every network
 * and rounds outward: scalar operations widen their result by one ulp ({@link Math#nextDown}/{@link Math#nextUp}, which
 * covers any round-to-nearest error); a GEMM's rounding error is covered by the a priori bound
 * |fl(Σ wⱼaⱼ) − Σ wⱼaⱼ| ≤ γₙ·Σ|wⱼ||aⱼ| + n·η with γₙ = nu/(1 − nu), u = 2⁻⁵³, η the smallest subnormal (Higham,
 * <i>Accuracy and Stability of Numerical Algorithms</i>, §3.1, for any order of summation, with or without FMA), with
 * Σ|wⱼ||aⱼ| ≤ (row sum of |W|)·max|aⱼ|. The widening is about n·10⁻¹⁶ relative: the f32 and f64 copies of one network
 * get the same bounds. Not covered: the rounding of a forward pass that <i>runs</i> the network (in f32 its output
 * differs from the exact one by up to about n·6·10⁻⁸ of Σ|w||a| per layer), and overflow past f64's range.
 *
 * <p>Batched over test points: the first layer's centre W¹x does not depend on δ and its radius is
 * δ·rowsum|W¹|, so {@link #firstLayer} computes it once per point with one GEMM and every probe after that costs
 * O(m) per point for a two-layer network (plus two GEMMs on the m×m layers for deeper ones). Its rounding error
 * (γ_d·rowsum|W¹|·‖x‖∞) has the form of a radius and is carried as an extra input radius γ_d·‖x‖∞ per point.
 */
public final class Ibp implements AutoCloseable {
    /** Rows of W¹ converted to f64 per GEMM in {@link #firstLayer} (at most this many elements, 32 MiB). */
    private static final long CHUNK_ELEMENTS = 1L << 22;

    private final FullyConnected net;
    private final int width;
    /** [lower, upper] enclosures of 1/√d and 1/√m */
    private final double[] scaleIn;
    private final double[] scaleHidden;
    /** γ_d and γ_m */
    private final double gammaIn;
    private final double gammaHidden;
    /** upper bounds of 1/(1 − γ_m) */
    private final double inflateHidden;
    /** rowL1[k][i] ≥ Σⱼ |Wᵏ⁺¹ᵢⱼ| exactly, for k = 0..depth (W¹ first, the output row last) */
    private final double[][] rowL1;
    /** Wᵏ and |Wᵏ| in f64 for k = 2..depth+1 (the m×m layers and the output row) */
    private final Matrix[] w64;
    private final Matrix[] abs;

    public Ibp(FullyConnected net) {
        this.net = net;
        this.width = net.width();
        int d = net.inputDim();
        scaleIn = inverseSqrt(d);
        scaleHidden = inverseSqrt(width);
        gammaIn = gamma(d);
        gammaHidden = gamma(width);
        inflateHidden = up(1 / down(1 - gammaHidden));
        int depth = net.depth();
        rowL1 = new double[depth + 1][];
        rowL1[0] = rowL1(net.weight(0), up(1 / down(1 - gammaIn)));
        w64 = new Matrix[depth];
        abs = new Matrix[depth];
        try {
            for (int k = 1; k <= depth; k++) {
                Matrix w = net.weight(k);
                rowL1[k] = rowL1(w, inflateHidden);
                Matrix a = Matrix.allocate(w.rows(), w.cols(), DType.F64);
                abs[k - 1] = a;
                w64[k - 1] = w.dtype() == DType.F64 ? w : w.copy(DType.F64);
                for (int i = 0; i < w.rows(); i++) {
                    for (int j = 0; j < w.cols(); j++) {
                        a.set(i, j, Math.abs(w.get(i, j)));
                    }
                }
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public FullyConnected network() {
        return net;
    }

    /**
     * The first layer's unscaled centres ĉ = fl(W¹x) for a block of points (B × m, f64) and, per point, the extra input
     * radius γ_d·‖x‖∞ that covers ĉ's rounding error.
     */
    public static final class Centres implements AutoCloseable {
        final Matrix centre;
        final double[] slack;

        Centres(Matrix centre, double[] slack) {
            this.centre = centre;
            this.slack = slack;
        }

        public int rows() {
            return centre.rows();
        }

        /** Rows {@code idx[0..k)} in a new block. */
        public Centres select(int[] idx, int k) {
            Matrix c = Matrix.allocate(k, centre.cols(), DType.F64);
            double[] s = new double[k];
            for (int a = 0; a < k; a++) {
                centre.rows(idx[a], 1).copyInto(c.rows(a, 1));
                s[a] = slack[idx[a]];
            }
            return new Centres(c, s);
        }

        @Override
        public void close() {
            centre.close();
        }
    }

    /** The first layer's centres for every row of {@code x} (any dtype; its values are the box centres). */
    public Centres firstLayer(Backend backend, Matrix x) {
        Matrix w1 = net.weight(0);
        int b = x.rows();
        int d = w1.cols();
        Matrix xs = x.dtype() == DType.F64 ? x : x.copy(DType.F64);
        Matrix z = Matrix.allocate(b, width, DType.F64);
        try {
            if (w1.dtype() == DType.F64) {
                backend.gemm(false, true, 1.0, xs, w1, 0.0, z);
            } else {
                int chunk = (int) Math.max(1, Math.min(width, CHUNK_ELEMENTS / d));
                try (Matrix w = Matrix.allocate(chunk, d, DType.F64)) {
                    for (int r0 = 0; r0 < width; r0 += chunk) {
                        int rows = Math.min(chunk, width - r0);
                        Matrix part = w.rows(0, rows);
                        w1.rows(r0, rows).copyInto(part);
                        backend.gemm(false, true, 1.0, xs, part, 0.0, z.view(0, r0, b, rows));
                    }
                }
            }
            double[] slack = new double[b];
            for (int i = 0; i < b; i++) {
                double m = 0;
                for (int j = 0; j < d; j++) {
                    m = Math.max(m, Math.abs(xs.get(i, j)));
                }
                slack[i] = up(gammaIn * m);
            }
            return new Centres(z, slack);
        } catch (RuntimeException e) {
            z.close();
            throw e;
        } finally {
            if (xs != x) {
                xs.close();
            }
        }
    }

    /**
     * Output bounds for row b of {@code z1} (from {@link #firstLayer}) over the box of radius {@code delta[b]}: the
     * exact output at every point of the box lies in [lower[b], upper[b]] (see the class comment). With all deltas 0
     * both bounds are f(x) to about 10⁻¹⁶·n relative.
     */
    public void bounds(Backend backend, Centres z1, double[] delta, double[] lower, double[] upper) {
        int b = z1.rows();
        Matrix l = Matrix.allocate(b, width, DType.F64);
        Matrix u = Matrix.allocate(b, width, DType.F64);
        try {
            double[] rho = rowL1[0];
            double tinyIn = net.inputDim() * Double.MIN_VALUE; // a dot product of length d may lose d·η to underflow
            for (int i = 0; i < b; i++) {
                double dl = up(delta[i] + z1.slack[i]);
                for (int j = 0; j < width; j++) {
                    double c = z1.centre.get(i, j);
                    double r = up(up(dl * rho[j]) + tinyIn);
                    l.set(i, j, Math.max(scaleDown(down(c - r), scaleIn), 0));
                    u.set(i, j, Math.max(scaleUp(up(c + r), scaleIn), 0));
                }
            }
            double[] muMax = new double[b];
            for (int k = 1; k <= net.depth(); k++) {
                boolean last = k == net.depth();
                Matrix w = w64[k - 1];
                centreRadius(l, u, muMax);
                Matrix mu = Matrix.allocate(b, w.rows(), DType.F64);
                Matrix rad = Matrix.allocate(b, w.rows(), DType.F64);
                try {
                    backend.gemm(false, true, 1.0, l, w, 0.0, mu);
                    backend.gemm(false, true, 1.0, u, abs[k - 1], 0.0, rad);
                    // two dot products of length m may each lose m·η to underflow
                    double tiny = 2.0 * width * Double.MIN_VALUE;
                    double[] rows = rowL1[k];
                    for (int i = 0; i < b; i++) {
                        for (int j = 0; j < w.rows(); j++) {
                            // Σ|W|r ≤ (r̂ad + mη)/(1 − γ);  |μ̂ − Wμ| ≤ γ·rowsum|W|·max μ + mη
                            double radius = up(up(up(rad.get(i, j) + tiny) * inflateHidden) + up(up(gammaHidden * rows[j]) * muMax[i]));
                            double c = mu.get(i, j);
                            double lo = scaleDown(down(c - radius), scaleHidden);
                            double hi = scaleUp(up(c + radius), scaleHidden);
                            if (last) {
                                lower[i] = lo;
                                upper[i] = hi;
                            } else {
                                l.set(i, j, Math.max(lo, 0));
                                u.set(i, j, Math.max(hi, 0));
                            }
                        }
                    }
                } finally {
                    mu.close();
                    rad.close();
                }
            }
        } finally {
            l.close();
            u.close();
        }
    }

    /**
     * Turns (lower, upper) into (centre, radius) in place with [l, u] ⊆ [μ − r, μ + r] exactly, and records each row's
     * largest centre (the centres are ≥ 0: the ends come out of a ReLU).
     */
    private static void centreRadius(Matrix l, Matrix u, double[] muMax) {
        for (int i = 0; i < l.rows(); i++) {
            double m = 0;
            for (int j = 0; j < l.cols(); j++) {
                double a = l.get(i, j);
                double c = u.get(i, j);
                double mu = (a + c) / 2;
                l.set(i, j, mu);
                u.set(i, j, Math.max(up(c - mu), up(mu - a)));
                m = Math.max(m, mu);
            }
            muMax[i] = m;
        }
    }

    /** Upper bounds of the row sums of |W| (sequential sums, inflated by 1/(1 − γ_n) ≥ the true sum's ratio). */
    private static double[] rowL1(Matrix w, double inflate) {
        double[] out = new double[w.rows()];
        for (int i = 0; i < w.rows(); i++) {
            double s = 0;
            for (int j = 0; j < w.cols(); j++) {
                s += Math.abs(w.get(i, j));
            }
            out[i] = up(s * inflate);
        }
        return out;
    }

    /** γₙ = nu/(1 − nu), u = 2⁻⁵³, rounded up. */
    static double gamma(int n) {
        double nu = n * 0x1p-53; // exact
        return up(nu / down(1 - nu));
    }

    /** [lower, upper] ∋ 1/√n (Math.sqrt and the division are correctly rounded, so one ulp each way covers them). */
    static double[] inverseSqrt(int n) {
        double s = Math.sqrt(n);
        return new double[] {down(1 / up(s)), up(1 / down(s))};
    }

    /** A lower bound of v·s for every s in the enclosure. */
    private static double scaleDown(double v, double[] s) {
        return down(v * (v >= 0 ? s[0] : s[1]));
    }

    /** An upper bound of v·s for every s in the enclosure. */
    private static double scaleUp(double v, double[] s) {
        return up(v * (v >= 0 ? s[1] : s[0]));
    }

    static double up(double v) {
        return Math.nextUp(v);
    }

    static double down(double v) {
        return Math.nextDown(v);
    }

    @Override
    public void close() {
        for (int k = 0; k < abs.length; k++) {
            if (abs[k] != null) {
                abs[k].close();
            }
            if (w64[k] != null && w64[k] != net.weight(k + 1)) { // an f64 network's own weights are used, not copied
                w64[k].close();
            }
        }
    }
}
