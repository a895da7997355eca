package dev.tangent.verify;

import dev.tangent.compute.Backend;
import dev.tangent.compute.Backends;
import dev.tangent.compute.JavaBackend;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.network.FullyConnected;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigDecimal;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --ibp-center sound} is a certificate for f32 networks (issue 11): the bounds contain the centred output
 * g(x′) = f_θ(x′) − f_θ₀(x′) computed <i>exactly</i> (BigDecimal, from the stored f32 weights; d and m are powers of 4
 * so that the 1/√fan-in scales are exact) at points of the box, including networks where the bounds are attained
 * (every unit monotone in x′, so IBP is exact at the box's two extreme vertices and any rounding inward shows); the
 * certified radius of such a network is never contradicted at its worst vertex; and the f32 and f64 copies of one
 * network get the same radius.
 */
class IbpOutwardRoundingTest {
    static final int D = 16;
    /** The radius bracket's upper end in the search tests: large enough for most signs of g to flip inside it. */
    static final double HI = 4;

    /** Backends with different summation orders: the Vector API GEMM and OpenBLAS when it loads. */
    static Backend[] backends() {
        return new Backend[] {new JavaBackend(1), Backends.select("auto", 1).backend()};
    }

    /** N(0, 1)-sized f32 weights; with {@code tie}, every unit j gets a direction τⱼ = ±1 and Wⱼₖ has sign τⱼτₖ. */
    static FullyConnected network(int width, int depth, long seed, boolean tie, boolean increasing, DType dtype) {
        FullyConnected net = FullyConnected.init(D, width, depth, dtype, seed);
        SplittableRandom r = new SplittableRandom(seed * 31 + 7);
        int[] tau = new int[width];
        for (int j = 0; j < width; j++) {
            tau[j] = r.nextBoolean() ? 1 : -1;
        }
        if (tie) {
            for (int k = 0; k <= depth; k++) {
                Matrix w = net.weight(k);
                for (int i = 0; i < w.rows(); i++) {
                    for (int j = 0; j < w.cols(); j++) {
                        int out = k == depth ? (increasing ? 1 : -1) : tau[i];
                        int in = k == 0 ? 1 : tau[j];
                        w.set(i, j, out * in * Math.abs(w.get(i, j)));
                    }
                }
            }
        }
        return net;
    }

    /** θ = θ₀ + 0.5·N(0, 1) on every weight (rounded to the dtype): a "trained" network of the same shape. */
    static FullyConnected trained(FullyConnected theta0, long seed) {
        FullyConnected t = theta0.copy();
        SplittableRandom r = new SplittableRandom(seed);
        for (int k = 0; k <= t.depth(); k++) {
            Matrix w = t.weight(k);
            for (int i = 0; i < w.rows(); i++) {
                for (int j = 0; j < w.cols(); j++) {
                    w.set(i, j, w.get(i, j) + 0.5 * r.nextGaussian());
                }
            }
        }
        return t;
    }

    /** f(x′) in exact arithmetic from the stored weights (fan-ins are powers of 4, so 1/√s is an exact binary fraction). */
    static BigDecimal exact(FullyConnected net, BigDecimal[] x) {
        BigDecimal[] a = x;
        for (int k = 0; k <= net.depth(); k++) {
            Matrix w = net.weight(k);
            double s = 1 / Math.sqrt(w.cols());
            assertEquals(1.0, s * s * w.cols(), 0.0, "fan-in must be a power of 4");
            BigDecimal scale = new BigDecimal(s);
            BigDecimal[] z = new BigDecimal[w.rows()];
            for (int i = 0; i < w.rows(); i++) {
                BigDecimal acc = BigDecimal.ZERO;
                for (int j = 0; j < w.cols(); j++) {
                    if (a[j].signum() != 0) {
                        acc = acc.add(new BigDecimal(w.get(i, j)).multiply(a[j]));
                    }
                }
                acc = acc.multiply(scale);
                z[i] = k == net.depth() || acc.signum() > 0 ? acc : BigDecimal.ZERO;
            }
            a = z;
        }
        return a[0];
    }

    /** x + δ·t exactly (t ∈ [−1, 1] per coordinate): a point of the real box. */
    static BigDecimal[] point(double[] x, double delta, double[] t) {
        BigDecimal[] p = new BigDecimal[x.length];
        for (int j = 0; j < x.length; j++) {
            p[j] = new BigDecimal(x[j]).add(new BigDecimal(delta).multiply(new BigDecimal(t[j])));
        }
        return p;
    }

    static BigDecimal centred(FullyConnected theta, FullyConnected theta0, BigDecimal[] x) {
        return exact(theta, x).subtract(exact(theta0, x));
    }

    static Matrix row(double[] x) {
        Matrix m = Matrix.allocate(1, x.length, DType.F64);
        for (int j = 0; j < x.length; j++) {
            m.set(0, j, x[j]);
        }
        return m;
    }

    static double[] pixels(SplittableRandom r) {
        double[] x = new double[D];
        for (int j = 0; j < D; j++) {
            x[j] = r.nextInt(256) / 255.0;
        }
        return x;
    }

    static double[] constant(double v) {
        double[] t = new double[D];
        java.util.Arrays.fill(t, v);
        return t;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void soundBoundsContainTheExactCentredOutputOfF32Networks(int depth) {
        SplittableRandom r = new SplittableRandom(40 + depth);
        int width = depth == 1 ? 64 : 16;
        int checked = 0;
        int tight = 0;
        for (int trial = 0; trial < 12; trial++) {
            boolean tie = trial % 2 == 0;
            try (FullyConnected theta0 = network(width, depth, 100 + trial, tie, false, DType.F32);
                 FullyConnected theta = tie ? network(width, depth, 200 + trial, true, true, DType.F32) : trained(theta0, 300 + trial);
                 NetworkCertifier nc = new NetworkCertifier(theta, theta0, NetworkCertifier.Center.SOUND)) {
                double[] x = pixels(r);
                double delta = Math.pow(10, r.nextDouble(-5, -0.5));
                for (Backend be : backends()) {
                    double[] lo = new double[1];
                    double[] hi = new double[1];
                    try (Matrix xm = row(x)) {
                        nc.bounds(be, xm, new double[] {delta}, lo, hi);
                    }
                    BigDecimal lower = new BigDecimal(lo[0]);
                    BigDecimal upper = new BigDecimal(hi[0]);
                    String where = "depth " + depth + ", trial " + trial + (tie ? " (attained bounds)" : "") + ", delta " + delta + ", "
                            + be.name() + ": g = ";
                    // the extreme vertices first: for the monotone networks they attain the bounds
                    BigDecimal gMin = centred(theta, theta0, point(x, delta, constant(-1)));
                    BigDecimal gMax = centred(theta, theta0, point(x, delta, constant(1)));
                    for (BigDecimal g : new BigDecimal[] {gMin, gMax}) {
                        assertTrue(lower.compareTo(g) <= 0 && g.compareTo(upper) <= 0, where + g + " outside [" + lo[0] + ", " + hi[0] + "]");
                        checked++;
                    }
                    if (tie) {
                        // attained up to the outward widening (about n·1e-16 of Σ|w||a|, below 1e-10 of the bounds here): a bound rounded
                        // inward by more than that would have failed just above
                        double scale = Math.abs(lo[0]) + Math.abs(hi[0]);
                        assertEquals(lo[0], gMin.doubleValue(), 1e-10 * scale, where + "lower bound should be attained");
                        assertEquals(hi[0], gMax.doubleValue(), 1e-10 * scale, where + "upper bound should be attained");
                        tight++;
                    }
                    for (int s = 0; s < 60; s++) {
                        double[] t = new double[D];
                        for (int j = 0; j < D; j++) {
                            t[j] = s % 2 == 0 ? (r.nextBoolean() ? 1 : -1) : r.nextDouble(-1, 1);
                        }
                        BigDecimal g = centred(theta, theta0, point(x, delta, t));
                        assertTrue(lower.compareTo(g) <= 0 && g.compareTo(upper) <= 0, where + g + " outside [" + lo[0] + ", " + hi[0] + "]");
                        checked++;
                    }
                }
            }
        }
        assertEquals(12 * 2 * 62, checked);
        assertEquals(6 * 2, tight);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void certifiedRadiusOfAnAttainedBoundIsNeverContradictedAtTheWorstVertex(int depth) {
        // g is monotone in every coordinate, so its minimum over the box of radius δ around a point with g(x) > 0 is
        // g(x − δ·1), and the exact robust radius δ* solves g(x − δ*·1) = 0: the IBP margin equals g there, the tie
        // that rounding decides. The search runs to a δ tolerance far below any rounding (margin stop off).
        SplittableRandom r = new SplittableRandom(60 + depth);
        int width = depth == 1 ? 64 : 16;
        BinarySearch.Config cfg = new BinarySearch.Config(0.01, 0, HI, 1000, 0, 1e-15);
        int searched = 0;
        for (int trial = 0; trial < 6; trial++) {
            try (FullyConnected theta0 = network(width, depth, 500 + trial, true, false, DType.F32);
                 FullyConnected theta = network(width, depth, 600 + trial, true, true, DType.F32);
                 NetworkCertifier nc = new NetworkCertifier(theta, theta0, NetworkCertifier.Center.SOUND)) {
                for (int p = 0; p < 200 && searched < 8 * (trial + 1); p++) {
                    double[] x = pixels(r);
                    BigDecimal g = centred(theta, theta0, point(x, 0, constant(0)));
                    int s = g.signum();
                    // only points whose sign flips inside the bracket [0, HI]
                    if (s == 0 || centred(theta, theta0, point(x, HI, constant(-s))).signum() != -s) {
                        continue;
                    }
                    for (Backend be : backends()) {
                        KernelCertifier.Point pt;
                        try (Matrix xm = row(x)) {
                            pt = nc.certify(be, xm, null, false, cfg, null)[0];
                        }
                        double rad = pt.outcome().radius();
                        String where = "depth " + depth + ", trial " + trial + ", point " + p + ", " + be.name() + ": radius " + rad;
                        assertEquals(s, (int) Math.signum(pt.score()), where);
                        BigDecimal worst = centred(theta, theta0, point(x, rad, constant(-s)));
                        assertTrue(worst.signum() == 0 || worst.signum() == s, where + ": g at the worst vertex is " + worst);
                        // and the radius is the true one to 1e-9 (the widening costs ~1e-14): just beyond it, g flips
                        BigDecimal past = centred(theta, theta0, point(x, rad * (1 + 1e-9), constant(-s)));
                        assertEquals(-s, past.signum(), where + ": g just past the radius is " + past);
                    }
                    searched++;
                }
            }
        }
        assertEquals(48, searched);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void f32AndF64CopiesOfANetworkGetTheSameRadius(int depth) {
        int d = 64;
        int width = 256;
        SplittableRandom r = new SplittableRandom(80 + depth);
        BinarySearch.Config cfg = new BinarySearch.Config(0.01, 0, 0.3, 1000, 0, 1e-13);
        Backend be = Backends.select("auto", 1).backend();
        try (FullyConnected init64 = FullyConnected.init(d, width, depth, DType.F64, 9); FullyConnected init32 = FullyConnected.init(d, width, depth, DType.F32, 9);
             FullyConnected t64 = trained(init64, 10); FullyConnected t32 = trained(init32, 10);
             FullyConnected same0 = FullyConnected.init(d, width, depth, DType.F64, 0); FullyConnected same = FullyConnected.init(d, width, depth, DType.F64, 0);
             FullyConnected abs0 = init64.copy(); FullyConnected abs = t64.copy();
             Matrix x = Matrix.allocate(30, d, DType.F64)) {
            for (int k = 0; k <= depth; k++) {
                init32.weight(k).copyInto(same0.weight(k)); // the f32 network's exact weights in f64 storage
                t32.weight(k).copyInto(same.weight(k));
                for (Matrix w : new Matrix[] {abs0.weight(k), abs.weight(k)}) {
                    for (int i = 0; i < w.rows(); i++) {
                        for (int j = 0; j < w.cols(); j++) {
                            w.set(i, j, Math.abs(w.get(i, j)));
                        }
                    }
                }
            }
            for (int i = 0; i < x.rows(); i++) {
                for (int j = 0; j < d; j++) {
                    x.set(i, j, r.nextDouble());
                }
            }
            KernelCertifier.Point[] p32;
            KernelCertifier.Point[] p64;
            KernelCertifier.Point[] pSame;
            try (NetworkCertifier c32 = new NetworkCertifier(t32, init32, NetworkCertifier.Center.SOUND);
                 NetworkCertifier c64 = new NetworkCertifier(t64, init64, NetworkCertifier.Center.SOUND);
                 NetworkCertifier cSame = new NetworkCertifier(same, same0, NetworkCertifier.Center.SOUND)) {
                p32 = c32.certify(be, x, null, false, cfg, null);
                p64 = c64.certify(be, x, null, false, cfg, null);
                pSame = cSame.certify(be, x, null, false, cfg, null);
            }
            // Σ over paths of |weights|·|x|, for θ and θ₀: the scale that a relative change of the weights moves g by
            double[] pathAbs = abs.forward(be, x);
            double[] pathAbs0 = abs0.forward(be, x);
            double eps = (depth + 1) * 0x1p-24; // a path's product of depth + 1 weights, each rounded to f32
            int positive = 0;
            double worst = 0;
            for (int i = 0; i < x.rows(); i++) {
                double a = p32[i].outcome().radius();
                double b = p64[i].outcome().radius();
                double c = pSame[i].outcome().radius();
                // the same real weights: both enclose one function, each widened by ~1e-14 relative, searched to 1e-13
                assertEquals(a, c, 2e-13 + 1e-12 * a, "point " + i + ": f32 network vs its exact f64 copy");
                // weights rounded to f32 move g(x′) by at most ε·(Σ|paths|) (ε = (depth+1)·2^-24); the radius, where the
                // bound g(x) − δ·S crosses 0, moves by about that over S = |g(x)|/r, i.e. relatively by ε·κ with the
                // condition number κ = Σ|paths|/|g(x)|; 4x for the bound's own slope terms and the linearisation
                // (measured: at most 2e-3 (depth 1) and 3e-4 (depth 2) of ε·(κ + 1))
                double kappa = (pathAbs[i] + pathAbs0[i]) / Math.abs(p64[i].score());
                assertEquals(b, a, 4 * eps * (kappa + 1) * b + 2e-13, "point " + i + ": f32 vs f64 weights, kappa " + kappa);
                worst = Math.max(worst, Math.abs(a - b) / (eps * (kappa + 1) * b));
                positive += b > 0 ? 1 : 0;
            }
            assertTrue(positive >= 25, "most points should have a positive radius, " + positive + " of 30");
            assertTrue(worst > 0, "f32 rounding of the weights should move some radius (it changed the network)");
        }
    }

    @Test
    void scaleEnclosuresAndGammaAreOutward() {
        for (int n : new int[] {1, 2, 3, 16, 784, 1000, 100_000}) {
            double[] s = Ibp.inverseSqrt(n);
            BigDecimal lo = new BigDecimal(s[0]);
            BigDecimal hi = new BigDecimal(s[1]);
            BigDecimal nn = BigDecimal.valueOf(n);
            // 1/√n ∈ [lo, hi] ⇔ lo²·n ≤ 1 ≤ hi²·n
            assertTrue(lo.multiply(lo).multiply(nn).compareTo(BigDecimal.ONE) <= 0, "lower end for n = " + n);
            assertTrue(hi.multiply(hi).multiply(nn).compareTo(BigDecimal.ONE) >= 0, "upper end for n = " + n);
            assertTrue(s[1] - s[0] <= 8 * Math.ulp(s[1]), "a few ulps wide for n = " + n);
            // γₙ ≥ nu/(1 − nu) with u = 2^-53, exactly
            BigDecimal nu = new BigDecimal(n).multiply(new BigDecimal(0x1p-53));
            assertTrue(new BigDecimal(Ibp.gamma(n)).multiply(BigDecimal.ONE.subtract(nu)).compareTo(nu) >= 0, "gamma " + n);
            assertEquals(n * 0x1p-53, Ibp.gamma(n), 1e-6 * n * 0x1p-53);
        }
    }
}
