package dev.tangent.data;

import dev.tangent.memory.Matrix;

/**
 * Features (one sample per row) and, where the source has them, labels.
 *
 * @param x           the n × d features; the dataset owns it
 * @param labels      one label per row, or null when the source has none
 * @param description where it came from, for logs and run.json (e.g. "fashion-mnist:train, first 10000, unit")
 */
public record Dataset(Matrix x, int[] labels, String description) implements AutoCloseable {
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
