package dev.tangent.data;

import dev.tangent.TangentException;
import dev.tangent.memory.Matrix;

/**
 * Features (one sample per row) and, where the source has them, targets.
 *
 * @param x               the n × d features; the dataset owns it
 * @param y               one target per row (class ids as read, ±1 after a {@code --classes} selection, or real targets),
 *                        or null when the source has none; always finite
 * @param description     where it came from, for logs and run.json (e.g. "fashion-mnist:train, classes 0,6, first 1000, unit")
 * @param normalization   the normalisation applied
 * @param standardization the statistics {@code standard} applied (fitted on this set or given), else null
 */
public record Dataset(Matrix x, double[] y, String description, Normalization normalization, Standardization standardization)
        implements AutoCloseable {
    public Dataset(Matrix x, double[] y, String description) {
        this(x, y, description, Normalization.NONE, null);
    }

    public int size() {
        return x.rows();
    }

    public int dim() {
        return x.cols();
    }

    /**
     * Fails unless every target is −1 or +1 (binary methods: hinge, logistic, certificates).
     *
     * @param option the option naming the source ("--train")
     * @param needs  who needs them, e.g. "--method svm-sgd"
     */
    public void requireBinaryTargets(String option, String needs) {
        requireTargets(option, needs);
        for (int i = 0; i < y.length; i++) {
            if (y[i] != 1 && y[i] != -1) {
                throw new TangentException(option + " " + description + ": target " + Selection.fmt(y[i]) + " at row " + i + "; " + needs
                        + " needs targets -1/+1 (use --classes A,B to map two classes to -1 and +1)");
            }
        }
    }

    /** Fails when the dataset has no targets. */
    public void requireTargets(String option, String needs) {
        if (y == null) {
            throw new TangentException(option + " " + description + ": no targets; " + needs + " needs them (" + labelsHint(option) + ")");
        }
    }

    static String labelsHint(String option) {
        return option.startsWith("--") ? "pass " + option + "-labels for a .npy, --label-column for a CSV" : "pass --labels for a .npy";
    }

    @Override
    public void close() {
        x.close();
    }
}
