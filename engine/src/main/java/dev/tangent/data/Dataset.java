package dev.tangent.data;

import dev.tangent.memory.Matrix;

/**
 * Features (one sample per row) and, where the source has them, targets.
 *
 * @param x           the n × d features; the dataset owns it
 * @param y           one target per row (class ids as read, ±1 after a {@code --classes} selection, or real targets),
 *                    or null when the source has none
 * @param description where it came from, for logs and run.json (e.g. "fashion-mnist:train, classes 0,6, first 1000, unit")
 */
public record Dataset(Matrix x, double[] y, String description) implements AutoCloseable {
    public int size() {
        return x.rows();
    }

    public int dim() {
        return x.cols();
    }

    @Override
    public void close() {
        x.close();
    }
}
