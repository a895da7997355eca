package dev.tangent.data;

import dev.tangent.TangentException;
import dev.tangent.io.Npy;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.nio.file.Path;

/**
 * {@code --normalize standard}: per-feature mean and population standard deviation of a training set, applied as
 * (x − mean)/sd to the training set and, unchanged, to every set evaluated against it (features with sd = 0 become 0).
 * Model directories keep them in {@code standardize.npy} (2 × d: the means, then the standard deviations) so that
 * predict and certify transform their inputs exactly as training did.
 */
public record Standardization(double[] mean, double[] sd) {
    public static final String FILE = "standardize.npy";

    public Standardization {
        if (mean.length != sd.length) {
            throw new IllegalArgumentException("mean and sd lengths differ");
        }
    }

    /** The statistics of {@code x}'s columns (two passes: the mean, then the centred sum of squares). */
    public static Standardization fit(Matrix x) {
        int n = x.rows();
        int d = x.cols();
        double[] mean = new double[d];
        double[] sd = new double[d];
        for (int j = 0; j < d; j++) {
            double s = 0;
            for (int i = 0; i < n; i++) {
                s += x.get(i, j);
            }
            double m = n == 0 ? 0 : s / n;
            double ss = 0;
            for (int i = 0; i < n; i++) {
                double t = x.get(i, j) - m;
                ss += t * t;
            }
            mean[j] = m;
            sd[j] = n == 0 ? 0 : Math.sqrt(ss / n);
        }
        return new Standardization(mean, sd);
    }

    public int dim() {
        return mean.length;
    }

    /** x ← (x − mean)/sd per column, in place (0 where sd = 0). */
    public void apply(Matrix x) {
        if (x.cols() != mean.length) {
            throw new TangentException("--normalize standard: the data has " + x.cols() + " features, the training statistics "
                    + mean.length);
        }
        for (int i = 0; i < x.rows(); i++) {
            for (int j = 0; j < mean.length; j++) {
                x.set(i, j, sd[j] > 0 ? (x.get(i, j) - mean[j]) / sd[j] : 0);
            }
        }
    }

    /** Writes {@code standardize.npy} into {@code dir}. */
    public void save(Path dir) {
        try (Matrix m = Matrix.allocate(2, mean.length, DType.F64)) {
            for (int j = 0; j < mean.length; j++) {
                m.set(0, j, mean[j]);
                m.set(1, j, sd[j]);
            }
            Npy.write(dir.resolve(FILE), m);
        }
    }

    /** Reads {@code standardize.npy} from a model directory. */
    public static Standardization load(Path dir, String option) {
        try (Matrix m = Npy.readMatrix(dir.resolve(FILE), DType.F64, option)) {
            if (m.rows() != 2) {
                throw new TangentException(option + " " + dir.resolve(FILE) + ": shape (" + m.rows() + ", " + m.cols()
                        + "), expected (2, d): the means, then the standard deviations");
            }
            double[] mean = new double[m.cols()];
            double[] sd = new double[m.cols()];
            for (int j = 0; j < mean.length; j++) {
                mean[j] = m.get(0, j);
                sd[j] = m.get(1, j);
            }
            return new Standardization(mean, sd);
        }
    }
}
