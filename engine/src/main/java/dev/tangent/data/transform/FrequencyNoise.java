package dev.tangent.data.transform;

import dev.tangent.TangentException;
import dev.tangent.compute.Backend;
import dev.tangent.compute.SymmetricEigen;
import dev.tangent.data.rng.NumpyRandom;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

/**
 * Paper B's frequency-domain noise models on square greyscale images stored one per row (spec §7.2.1, §7.2.2):
 * high-frequency noise ({@code addHFNoise}) and the replacement of the low-frequency DCT block by Gaussian noise with
 * the training set's DCT statistics ({@code addTHNoise}). Random numbers come from a {@link NumpyRandom} in numpy's
 * order, so a stream seeded with 2048 and used on the training rows and then the test rows reproduces the reference.
 */
public final class FrequencyNoise {
    /** Noise levels of {@code dataset='FMNIST'}/{@code 'CIFAR2'}: τ = linspace(0, 3, 15). */
    public static final int TAU_LEVELS = 15;
    /** Thresholds of {@code dataset='NFMNIST'}: k = arange(1, 28, 2). */
    public static final int THRESHOLD_LEVELS = 14;
    private static final int LF_BLOCK_ROWS = 1024;

    private FrequencyNoise() {
    }

    /** τ = linspace(0, 3, 15)[noiseIndex], computed as numpy does (i·(3/14), the last one exactly 3). */
    public static double tau(int noiseIndex) {
        if (noiseIndex < 0 || noiseIndex >= TAU_LEVELS) {
            throw new TangentException("--noise-index " + noiseIndex + ": high-frequency noise has levels 0.."
                    + (TAU_LEVELS - 1));
        }
        return noiseIndex == TAU_LEVELS - 1 ? 3.0 : noiseIndex * (3.0 / (TAU_LEVELS - 1));
    }

    /** k = arange(1, 28, 2)[noiseIndex] = 1 + 2·noiseIndex, the side of the replaced low-frequency block. */
    public static int threshold(int noiseIndex) {
        if (noiseIndex < 0 || noiseIndex >= THRESHOLD_LEVELS) {
            throw new TangentException("--noise-index " + noiseIndex + ": low-frequency noise has levels 0.."
                    + (THRESHOLD_LEVELS - 1));
        }
        return 1 + 2 * noiseIndex;
    }

    /**
     * The quarter disc around the highest-frequency corner: F[i][j] iff √((s−1−i)² + (s−1−j)²) ≤ s − 1, row-major
     * (600 of 784 coefficients for s = 28, 782 of 1024 for s = 32; the DC term is never in it).
     */
    public static boolean[] highFrequencyMask(int side) {
        if (side < 1) {
            throw new IllegalArgumentException("mask side must be >= 1, found " + side);
        }
        boolean[] mask = new boolean[side * side];
        long r2 = (long) (side - 1) * (side - 1);
        for (int i = 0; i < side; i++) {
            for (int j = 0; j < side; j++) {
                long di = side - 1 - i;
                long dj = side - 1 - j;
                mask[i * side + j] = di * di + dj * dj <= r2;
            }
        }
        return mask;
    }

    /**
     * Adds high-frequency noise to every row of {@code x} in place, row by row as the reference: centre; X̂ = DCT;
     * z ~ N(0,1)^{s×s} drawn row-major (always, also for τ = 0); z ← z⊙F; z ← z/‖z‖·(τ‖X̂‖); x̃ = DCT⁻¹(X̂ + z);
     * row = x̃/‖x̃‖·√d. Every output row has mean 0 and norm √d.
     */
    public static void addHighFrequencyNoise(Matrix x, int side, double tau, NumpyRandom rng) {
        int d = checkImages(x, side);
        if (!(tau >= 0) || Double.isInfinite(tau)) {
            throw new TangentException("high-frequency noise level tau = " + tau + ": expected a finite value >= 0");
        }
        boolean[] mask = highFrequencyMask(side);
        Dct2 dct = new Dct2(side, side);
        double[] img = new double[d];
        double[] freq = new double[d];
        double[] z = new double[d];
        double sqrtD = Math.sqrt(d);
        for (int i = 0; i < x.rows(); i++) {
            readCentered(x, i, img);
            dct.forward(img, freq);
            rng.fillGaussian(z);
            for (int k = 0; k < d; k++) {
                if (!mask[k]) {
                    z[k] = 0.0;
                }
            }
            double zNorm = norm(z);
            double scale = tau * norm(freq);
            for (int k = 0; k < d; k++) {
                freq[k] += z[k] / zNorm * scale;
            }
            dct.inverse(freq, img);
            double n = norm(img);
            if (!(n > 0) || !Double.isFinite(n)) {
                throw new TangentException("row " + i + " of the images is constant (norm " + n
                        + " after centring): it cannot be scaled to norm sqrt(" + d + ")");
            }
            for (int k = 0; k < d; k++) {
                x.set(i, k, img[k] / n * sqrtD);
            }
        }
    }

    /**
     * The statistics of the low-frequency noise model, from the DCT coefficients Z of the training images (each centred
     * and scaled to norm √d): {@code mean} μ (d values), {@code sqrtCovariance} S^{1/2} = Q diag(√max(w, 0)) Qᵀ of
     * S = (Z − μ)ᵀ(Z − μ)/n (d×d, f64; the caller closes it), how many eigenvalues were negative and clamped to 0 (numpy's
     * {@code w ** 0.5} would have made them NaN) and the most negative one (0 when none).
     */
    public record LowFrequencyModel(int side, double[] mean, Matrix sqrtCovariance, int clampedEigenvalues,
                                    double mostNegativeEigenvalue) implements AutoCloseable {
        public LowFrequencyModel {
            int d = side * side;
            if (mean.length != d || sqrtCovariance.rows() != d || sqrtCovariance.cols() != d) {
                throw new IllegalArgumentException("low-frequency model of side " + side + " with " + mean.length
                        + " means and a " + sqrtCovariance + " square root");
            }
        }

        @Override
        public void close() {
            sqrtCovariance.close();
        }
    }

    /** Fits the {@link LowFrequencyModel} on the training images (rows of {@code train}); products on {@code backend}. */
    public static LowFrequencyModel fitLowFrequencyModel(Matrix train, int side, Backend backend) {
        int d = checkImages(train, side);
        int n = train.rows();
        if (n < 1) {
            throw new TangentException("low-frequency noise model: the training set is empty");
        }
        Dct2 dct = new Dct2(side, side);
        double[] mean = new double[d];
        try (Matrix z = Matrix.allocate(n, d, DType.F64); Matrix s = Matrix.allocate(d, d, DType.F64)) {
            double[] img = new double[d];
            double[] freq = new double[d];
            for (int i = 0; i < n; i++) {
                readSphere(train, i, img);
                dct.forward(img, freq);
                for (int k = 0; k < d; k++) {
                    z.set(i, k, freq[k]);
                    mean[k] += freq[k];
                }
            }
            for (int k = 0; k < d; k++) {
                mean[k] /= n;
            }
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < d; k++) {
                    z.set(i, k, z.get(i, k) - mean[k]);
                }
            }
            backend.gemm(true, false, 1.0 / n, z, z, 0.0, s);
            SymmetricEigen.Decomposition eig = SymmetricEigen.decompose(s);
            int clamped = 0;
            double mostNegative = 0;
            Matrix b = Matrix.allocate(d, d, DType.F64);
            try {
                // S^{1/2} = B·Bᵀ with B = Q·diag(w^{1/4}).
                for (int j = 0; j < d; j++) {
                    double w = eig.values()[j];
                    if (w < 0) {
                        clamped++;
                        mostNegative = Math.min(mostNegative, w);
                        w = 0;
                    }
                    double q = Math.sqrt(Math.sqrt(w));
                    for (int i = 0; i < d; i++) {
                        b.set(i, j, eig.vector(i, j) * q);
                    }
                }
                Matrix half = Matrix.allocate(d, d, DType.F64);
                try {
                    backend.gemm(false, true, 1.0, b, b, 0.0, half);
                } catch (RuntimeException e) {
                    half.close();
                    throw e;
                }
                return new LowFrequencyModel(side, mean, half, clamped, mostNegative);
            } finally {
                b.close();
            }
        }
    }

    /**
     * Replaces the top-left k×k block of every row's DCT coefficients by noise, in place, as the reference: first the
     * whole noise matrix ξ = G·S^{1/2} + μ with G ~ N(0,1)^{n×d} drawn row-major (here in blocks of rows, the same
     * stream), then per row: centre, scale to norm √d, DCT, replace the block by ξ_i's, inverse DCT. No
     * renormalisation afterwards. k = 0 replaces nothing but still draws G.
     */
    public static void replaceLowFrequencies(Matrix x, LowFrequencyModel model, int k, NumpyRandom rng, Backend backend) {
        int side = model.side();
        int d = checkImages(x, side);
        if (k < 0 || k > side) {
            throw new TangentException("low-frequency threshold " + k + ": expected 0.." + side);
        }
        Dct2 dct = new Dct2(side, side);
        double[] img = new double[d];
        double[] freq = new double[d];
        double[] g = new double[d];
        int block = Math.min(LF_BLOCK_ROWS, Math.max(1, x.rows()));
        try (Matrix gb = Matrix.allocate(block, d, DType.F64); Matrix xi = Matrix.allocate(block, d, DType.F64)) {
            for (int r0 = 0; r0 < x.rows(); r0 += block) {
                int rows = Math.min(block, x.rows() - r0);
                Matrix gv = gb.rows(0, rows);
                Matrix xv = xi.rows(0, rows);
                for (int i = 0; i < rows; i++) {
                    rng.fillGaussian(g);
                    for (int c = 0; c < d; c++) {
                        gv.set(i, c, g[c]);
                    }
                }
                backend.gemm(false, false, 1.0, gv, model.sqrtCovariance(), 0.0, xv);
                for (int i = 0; i < rows; i++) {
                    readSphere(x, r0 + i, img);
                    dct.forward(img, freq);
                    for (int a = 0; a < k; a++) {
                        for (int c = 0; c < k; c++) {
                            int at = a * side + c;
                            freq[at] = xv.get(i, at) + model.mean()[at];
                        }
                    }
                    dct.inverse(freq, img);
                    for (int c = 0; c < d; c++) {
                        x.set(r0 + i, c, img[c]);
                    }
                }
            }
        }
    }

    private static int checkImages(Matrix x, int side) {
        if (side < 1) {
            throw new TangentException("image side " + side + ": expected >= 1");
        }
        int d = side * side;
        if (x.cols() != d) {
            throw new TangentException("images have " + x.cols() + " values per row, expected " + side + " x " + side
                    + " = " + d);
        }
        return d;
    }

    /** Row i of x minus its mean. */
    private static void readCentered(Matrix x, int i, double[] out) {
        double sum = 0;
        for (int k = 0; k < out.length; k++) {
            out[k] = x.get(i, k);
            sum += out[k];
        }
        double mean = sum / out.length;
        for (int k = 0; k < out.length; k++) {
            out[k] -= mean;
        }
    }

    /** Row i of x centred and scaled to norm √d (the reference's sphere normalisation). */
    private static void readSphere(Matrix x, int i, double[] out) {
        readCentered(x, i, out);
        double n = norm(out);
        if (!(n > 0)) {
            throw new TangentException("row " + i + " of the images is constant: it cannot be scaled to norm sqrt("
                    + out.length + ")");
        }
        double sqrtD = Math.sqrt(out.length);
        for (int k = 0; k < out.length; k++) {
            out[k] = out[k] / n * sqrtD;
        }
    }

    private static double norm(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s);
    }
}
