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
 * <p>{@link Center#CLEAN} is the reference: the bounds of f_θ over the box minus f_θ₀ at the clean point, which does
 * not bound g itself (spec §10 item 6). {@link Center#SOUND} propagates the box through θ₀ as well and subtracts the
 * opposite bounds, [L_θ − U_θ₀, U_θ − L_θ₀] ∋ g(x′), which is a certificate of the centred model.
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
     * Certifies every row of {@code x}.
     *
     * @param labels      ±1 targets, or null
     * @param onlyCorrect skip points whose clean sign differs from their label
     */
    public KernelCertifier.Point[] certify(Backend backend, Matrix x, double[] labels, boolean onlyCorrect, BinarySearch.Config cfg,
                                          KernelCertifier.Progress progress) {
        int m = x.rows();
        KernelCertifier.Point[] out = new KernelCertifier.Point[m];
        int block = 1024;
        int done = 0;
        for (int r0 = 0; r0 < m; r0 += block) {
            int rows = Math.min(block, m - r0);
            try (Matrix z = theta.firstLayer(backend, x.rows(r0, rows)); Matrix z0 = theta0.firstLayer(backend, x.rows(r0, rows))) {
                double[] zero = new double[rows];
                double[] f = new double[rows];
                double[] f0 = new double[rows];
                double[] scratch = new double[rows];
                theta.bounds(backend, z, zero, f, scratch);
                theta0.bounds(backend, z0, zero, f0, scratch);
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

    /** s·bound at each searching point's current δ. */
    private double[] margins(Backend backend, Matrix z, Matrix z0, int[] idx, int k, BinarySearch[] searches, double[] sign,
                             double[] f0) {
        double[] delta = new double[k];
        for (int a = 0; a < k; a++) {
            delta[a] = searches[idx[a]].delta();
        }
        double[] lo = new double[k];
        double[] hi = new double[k];
        try (Matrix zs = gather(z, idx, k)) {
            theta.bounds(backend, zs, delta, lo, hi);
        }
        double[] lo0 = null;
        double[] hi0 = null;
        if (center == Center.SOUND) {
            lo0 = new double[k];
            hi0 = new double[k];
            try (Matrix zs = gather(z0, idx, k)) {
                theta0.bounds(backend, zs, delta, lo0, hi0);
            }
        }
        double[] v = new double[k];
        for (int a = 0; a < k; a++) {
            int i = idx[a];
            double gl = center == Center.SOUND ? lo[a] - hi0[a] : lo[a] - f0[i];
            double gu = center == Center.SOUND ? hi[a] - lo0[a] : hi[a] - f0[i];
            v[a] = sign[i] > 0 ? gl : -gu;
        }
        return v;
    }

    private static Matrix gather(Matrix z, int[] idx, int k) {
        Matrix g = Matrix.allocate(k, z.cols(), z.dtype());
        for (int a = 0; a < k; a++) {
            z.rows(idx[a], 1).copyInto(g.rows(a, 1));
        }
        return g;
    }

    @Override
    public void close() {
        theta.close();
        theta0.close();
    }
}
