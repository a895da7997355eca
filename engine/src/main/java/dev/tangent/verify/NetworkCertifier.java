package dev.tangent.verify;

import dev.tangent.TangentException;
import dev.tangent.compute.Backend;
import dev.tangent.memory.Matrix;
import dev.tangent.network.FullyConnected;

import java.util.Locale;

/**
 * The IBP certificate of a trained network centred by its initialisation, g(x) = f_θ(x) − f_θ₀(x) (spec §6.5), with
 * the binary search of §6.4 run for a whole block of test points in lock step (one batched IBP pass per round over
 * the points still searching).
 *
 * <p>{@link Center#SOUND} propagates the box through θ₀ as well and subtracts the opposite bounds,
 * [L_θ − U_θ₀, U_θ − L_θ₀] ∋ g(x′), rounding the difference outward. With {@link Ibp}'s outward-rounded f64
 * propagation this is a certificate, for f32 and f64 networks alike: at every real x′ with ‖x′ − x‖∞ ≤ the certified
 * radius, the centred output computed in exact arithmetic from the stored weights has the clean point's sign (the
 * rounding of an f32 or f64 forward pass that evaluates g is not part of it; see {@link Ibp}).
 *
 * <p>{@link Center#CLEAN} is the reference: the bounds of f_θ over the box minus f_θ₀ at the clean point. That
 * interval does not contain g(x′) in general (spec §10 item 6: f_θ₀ moves with x′ too), so its radii are not
 * certificates of the centred network, however carefully the bounds of f_θ are rounded; they reproduce paper A's
 * Table 2 procedure.
 */
public final class NetworkCertifier implements AutoCloseable {
    public enum Center {
        CLEAN, SOUND;

        public static Center parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "clean" -> CLEAN;
                case "sound" -> SOUND;
                default -> throw new TangentException("--ibp-center " + s + ": expected clean or sound");
            };
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final Ibp theta;
    private final Ibp theta0;
    private final Center center;

    public NetworkCertifier(FullyConnected theta, FullyConnected theta0, Center center) {
        if (theta.width() != theta0.width() || theta.depth() != theta0.depth() || theta.inputDim() != theta0.inputDim()) {
            throw new TangentException("the trained network and its initialisation have different shapes");
        }
        this.center = center;
        this.theta = new Ibp(theta);
        try {
            this.theta0 = new Ibp(theta0);
        } catch (RuntimeException e) {
            this.theta.close();
            throw e;
        }
    }

    /**
     * Test points per batched pass for a network of this width: f64 blocks of B x width per network, at most 2^24
     * elements (128 MiB) each, at most 1024 points. Points certified apart in parts that start on multiples of this
     * (a cluster's partitions) get the results of one run bit for bit.
     */
    public static int blockRows(int width) {
        return (int) Math.max(1, Math.min(1024, (1L << 24) / width));
    }

    /**
     * Certifies every row of {@code x}.
     *
     * @param labels      ±1 targets, or null
     * @param onlyCorrect skip points whose clean sign differs from their label
     */
    public KernelCertifier.Point[] certify(Backend backend, Matrix x, double[] labels, boolean onlyCorrect, BinarySearch.Config cfg,
                                          KernelCertifier.Progress progress) {
        int m = x.rows();
        KernelCertifier.Point[] out = new KernelCertifier.Point[m];
        int block = blockRows(theta.network().width());
        int done = 0;
        for (int r0 = 0; r0 < m; r0 += block) {
            int rows = Math.min(block, m - r0);
            try (Ibp.Centres z = theta.firstLayer(backend, x.rows(r0, rows)); Ibp.Centres z0 = theta0.firstLayer(backend, x.rows(r0, rows))) {
                double[] f = clean(backend, theta, z);
                double[] f0 = clean(backend, theta0, z0);
                BinarySearch[] searches = new BinarySearch[rows];
                double[] sign = new double[rows];
                int active = 0;
                for (int i = 0; i < rows; i++) {
                    double g = f[i] - f0[i];
                    double s = Math.signum(g);
                    sign[i] = s;
                    if (onlyCorrect && labels != null && s != labels[r0 + i]) {
                        out[r0 + i] = new KernelCertifier.Point(g, new BinarySearch.Outcome(Double.NaN, 0, BinarySearch.Status.SKIPPED));
                    } else if (s == 0 || Double.isNaN(s)) {
                        out[r0 + i] = new KernelCertifier.Point(g, new BinarySearch.Outcome(Double.NaN, 0, BinarySearch.Status.UNCERTIFIABLE));
                    } else {
                        searches[i] = new BinarySearch(cfg);
                        active++;
                    }
                    if (out[r0 + i] != null && progress != null) {
                        progress.done(++done, m);
                    }
                }
                int[] idx = new int[rows];
                while (active > 0) {
                    int k = 0;
                    for (int i = 0; i < rows; i++) {
                        if (searches[i] != null && !searches[i].done()) {
                            idx[k++] = i;
                        }
                    }
                    double[] margins = margins(backend, z, z0, idx, k, searches, sign, f0);
                    for (int a = 0; a < k; a++) {
                        int i = idx[a];
                        if (searches[i].report(margins[a])) {
                            out[r0 + i] = new KernelCertifier.Point(f[i] - f0[i], searches[i].outcome());
                            active--;
                            if (progress != null) {
                                progress.done(++done, m);
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    /** The clean outputs f(x): the midpoints of the bounds at δ = 0 (intervals about 10⁻¹⁶·n wide). */
    private static double[] clean(Backend backend, Ibp ibp, Ibp.Centres z) {
        int b = z.rows();
        double[] lo = new double[b];
        double[] hi = new double[b];
        ibp.bounds(backend, z, new double[b], lo, hi);
        double[] mid = new double[b];
        for (int i = 0; i < b; i++) {
            mid[i] = (lo[i] + hi[i]) / 2;
        }
        return mid;
    }

    /**
     * Bounds [lower[b], upper[b]] of the centred output over the box of radius {@code delta[b]} around row b of
     * {@code x}, in this certifier's centring (for SOUND they contain g(x′) for every x′ of the box).
     */
    public void bounds(Backend backend, Matrix x, double[] delta, double[] lower, double[] upper) {
        try (Ibp.Centres z = theta.firstLayer(backend, x); Ibp.Centres z0 = theta0.firstLayer(backend, x)) {
            int b = x.rows();
            int[] all = new int[b];
            for (int i = 0; i < b; i++) {
                all[i] = i;
            }
            centred(backend, z, z0, all, b, delta, center == Center.CLEAN ? clean(backend, theta0, z0) : null, lower, upper);
        }
    }

    /** Bounds of the centred output for rows idx[0..k) at radii delta[0..k); f0 (by row of z0) is used by CLEAN only. */
    private void centred(Backend backend, Ibp.Centres z, Ibp.Centres z0, int[] idx, int k, double[] delta, double[] f0,
                         double[] lower, double[] upper) {
        double[] lo = new double[k];
        double[] hi = new double[k];
        try (Ibp.Centres zs = z.select(idx, k)) {
            theta.bounds(backend, zs, delta, lo, hi);
        }
        if (center == Center.SOUND) {
            double[] lo0 = new double[k];
            double[] hi0 = new double[k];
            try (Ibp.Centres zs = z0.select(idx, k)) {
                theta0.bounds(backend, zs, delta, lo0, hi0);
            }
            for (int a = 0; a < k; a++) {
                lower[a] = Ibp.down(lo[a] - hi0[a]);
                upper[a] = Ibp.up(hi[a] - lo0[a]);
            }
        } else {
            for (int a = 0; a < k; a++) {
                lower[a] = lo[a] - f0[idx[a]];
                upper[a] = hi[a] - f0[idx[a]];
            }
        }
    }

    /** The certified margin at each searching point's current δ: the lower bound of s·g over its box (s = sign of g(x)). */
    private double[] margins(Backend backend, Ibp.Centres z, Ibp.Centres z0, int[] idx, int k, BinarySearch[] searches, double[] sign,
                             double[] f0) {
        double[] delta = new double[k];
        for (int a = 0; a < k; a++) {
            delta[a] = searches[idx[a]].delta();
        }
        double[] gl = new double[k];
        double[] gu = new double[k];
        centred(backend, z, z0, idx, k, delta, f0, gl, gu);
        double[] v = new double[k];
        for (int a = 0; a < k; a++) {
            v[a] = sign[idx[a]] > 0 ? gl[a] : -gu[a];
        }
        return v;
    }

    @Override
    public void close() {
        theta.close();
        theta0.close();
    }
}
