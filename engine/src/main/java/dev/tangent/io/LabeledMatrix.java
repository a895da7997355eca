package dev.tangent.io;

import dev.tangent.memory.Matrix;

/**
 * Features read from a file that also carries targets: one row of {@code x} per entry of {@code y} (class ids or real
 * targets, as in the file). The caller owns {@code x}.
 */
public record LabeledMatrix(Matrix x, double[] y) implements AutoCloseable {
    public LabeledMatrix {
        if (y != null && y.length != x.rows()) {
            throw new IllegalArgumentException(x.rows() + " rows but " + y.length + " targets");
        }
    }

    @Override
    public void close() {
        x.close();
    }
}
