package dev.tangent.data.synth;

import dev.tangent.TangentException;
import dev.tangent.data.rng.NumpyRandom;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

/**
 * Paper B's synthetic anisotropic ("spiked covariates") data, spec §7.2.5, as the notebook
 * {@code Data Generation-Anisotropic-Shared.ipynb} makes it: rows x = (x₁, x₂) with x₁ ∈ ℝ^{d₁}, d₁ = int(d^η), rescaled
 * to norm r = d^{(η+κ)/2} and x₂ rescaled to norm √d; target y = f₂ + f₃ + f₄ of products of neighbouring signal
 * coordinates with Exp(1) weights, each f_k divided by its training RMS.
 *
 * <p>Floating point follows the reference: the N(0,1) draws (legacy numpy stream, seed 145 train, 2 test) are cast to
 * float32, the blocks are rescaled in float32 (x/‖x‖ then ·r with r rounded to float32), products of coordinates are
 * float32, weighted sums and normalisers are float64, and y is cast to float32. One deliberate difference: the
 * reference's float32 ‖x‖ is numpy's BLAS {@code sdot}, whose summation order (and so its last bit) depends on the BLAS
 * build and CPU; here the sum of squares is accumulated in double and rounded to float32 once, which is what any
 * order gives whenever the float32 sum is correctly rounded. Features agree with the verbatim reference within a few
 * float32 ulps (3 at most, 83 % bit-equal, against Debian's numpy on OpenBLAS), and exactly, targets included, when
 * the reference's norm is computed from a float64 sum.
 */
public final class SpikedCovariates {
    /** The paper's settings: d = 1024, η = 2/5, n = 1024², n_test = 10 000. */
    public static final int D = 1024;
    public static final double ETA = 2.0 / 5.0;
    public static final int N_TRAIN = 1024 * 1024;
    public static final int N_TEST = 10_000;
    /** κ = linspace(0, 1, 10, endpoint=False)[index]. */
    public static final int KAPPA_LEVELS = 10;
    public static final long TRAIN_SEED = 145;
    public static final long TEST_SEED = 2;
    public static final long TARGET_SEED = 14;

    private SpikedCovariates() {
    }

    /**
     * A generated data set: float32 features, targets (float32 values held in doubles), and the constants used.
     *
     * @param normalizers the training RMS of f₂, f₃, f₄ (test targets are divided by these too)
     * @param betas       the Exp(1) weights β₂ (d₁ − 1), β₃ (d₁ − 2), β₄ (d₁ − 3) in drawing order
     */
    public record Data(Matrix x, double[] y, Matrix xTest, double[] yTest, int signalDim, double kappa, double radius,
                       double[] normalizers, double[][] betas) implements AutoCloseable {
        @Override
        public void close() {
            x.close();
            xTest.close();
        }
    }

    /** κ = linspace(0, 1, 10, endpoint=False)[kappaIndex] = kappaIndex·0.1. */
    public static double kappa(int kappaIndex) {
        if (kappaIndex < 0 || kappaIndex >= KAPPA_LEVELS) {
            throw new TangentException("--noise-index " + kappaIndex + ": the spiked-covariates data have levels 0.." + (KAPPA_LEVELS - 1) + " (kappa = index/10)");
        }
        return kappaIndex * (1.0 / KAPPA_LEVELS);
    }

    /** d₁ = int(d^η). */
    public static int signalDim(int d, double eta) {
        return (int) Math.pow(d, eta);
    }

    /** r = d^{(η+κ)/2} for the paper's d and η: 4, 5.656854, 8, 11.313708, 16, … 90.509668. */
    public static double radius(int kappaIndex) {
        return radius(D, ETA, kappaIndex);
    }

    /** r = d^{(η+κ)/2} with κ = {@link #kappa}(kappaIndex). */
    public static double radius(int d, double eta, int kappaIndex) {
        return Math.pow(d, (eta + kappa(kappaIndex)) / 2.0);
    }

    /** The paper's generator with n training rows (n = {@link #N_TRAIN} in the paper; smaller for tests). */
    public static Data generate(int n, int kappaIndex) {
        return generate(D, ETA, n, N_TEST, kappaIndex);
    }

    /** The generator with every size adjustable; seeds are the notebook's (145 train, 2 test, 14 target). */
    public static Data generate(int d, double eta, int n, int nTest, int kappaIndex) {
        int d1 = signalDim(d, eta);
        if (d1 < 4 || d1 >= d) {
            throw new TangentException("spiked covariates: d = " + d + ", eta = " + eta + " give d1 = " + d1
                    + ", expected 4 <= d1 < d");
        }
        if (n < 1 || nTest < 0) {
            throw new TangentException("spiked covariates: n = " + n + ", n_test = " + nTest
                    + ", expected n >= 1 and n_test >= 0");
        }
        double kappa = kappa(kappaIndex);
        double r = radius(d, eta, kappaIndex);
        Matrix x = features(n, d, d1, r, TRAIN_SEED);
        Matrix xt = null;
        try {
            xt = features(nTest, d, d1, r, TEST_SEED);
            NumpyRandom rng = new NumpyRandom(TARGET_SEED);
            double[][] betas = new double[3][];
            for (int k = 0; k < 3; k++) {
                betas[k] = new double[d1 - 1 - k];
                for (int j = 0; j < betas[k].length; j++) {
                    betas[k][j] = rng.nextExponential();
                }
            }
            double[][] f = components(x, betas);
            double[] norms = new double[3];
            for (int k = 0; k < 3; k++) {
                double s = 0;
                for (double v : f[k]) {
                    s += v * v;
                }
                norms[k] = Math.sqrt(s / n);
            }
            return new Data(x, targets(f, norms), xt, targets(components(xt, betas), norms), d1, kappa, r, norms, betas);
        } catch (RuntimeException e) {
            x.close();
            if (xt != null) {
                xt.close();
            }
            throw e;
        }
    }

    /**
     * n×d float32 features from a fresh stream with {@code seed}: N(0,1) drawn row-major and cast to float32, then per
     * row the first d₁ coordinates scaled to norm r and the rest to norm √d (in float32, as the reference).
     */
    public static Matrix features(int n, int d, int d1, double r, long seed) {
        NumpyRandom rng = new NumpyRandom(seed);
        Matrix x = Matrix.allocate(n, d, DType.F32);
        float[] row = new float[d];
        float rf = (float) r;
        float sqrtD = (float) Math.sqrt(d);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                row[j] = (float) rng.nextGaussian();
            }
            scaleBlock(row, 0, d1, rf);
            scaleBlock(row, d1, d, sqrtD);
            for (int j = 0; j < d; j++) {
                x.set(i, j, row[j]);
            }
        }
        return x;
    }

    /** v[from, to) ← v/‖v‖·target in float32, ‖v‖ = float32 sqrt of the float32-rounded sum of squares. */
    private static void scaleBlock(float[] v, int from, int to, float target) {
        double s = 0;
        for (int j = from; j < to; j++) {
            s += (double) v[j] * v[j];
        }
        float norm = (float) Math.sqrt((float) s);
        for (int j = from; j < to; j++) {
            v[j] = v[j] / norm * target;
        }
    }

    /** f₂, f₃, f₄ (unnormalised) of every row: float32 products of neighbours, float64 weighted sums. */
    private static double[][] components(Matrix x, double[][] betas) {
        int n = x.rows();
        int d1 = betas[0].length + 1;
        double[][] f = new double[3][n];
        float[] z = new float[d1];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d1; j++) {
                z[j] = (float) x.get(i, j);
            }
            for (int k = 0; k < 3; k++) {
                double s = 0;
                double[] beta = betas[k];
                for (int j = 0; j < beta.length; j++) {
                    float p = z[j];
                    for (int t = 1; t <= k + 1; t++) {
                        p *= z[j + t];
                    }
                    s += p * beta[j];
                }
                f[k][i] = s;
            }
        }
        return f;
    }

    /** y = f₂/ρ₂ + f₃/ρ₃ + f₄/ρ₄, rounded to float32. */
    private static double[] targets(double[][] f, double[] norms) {
        int n = f[0].length;
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = (float) (f[0][i] / norms[0] + f[1][i] / norms[1] + f[2][i] / norms[2]);
        }
        return y;
    }
}
