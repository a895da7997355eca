package dev.tangent;

import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.util.SplittableRandom;

/** Seeded test inputs shared by the engine tests. */
public final class TestData {
    private TestData() {
    }

    /** An n×d matrix of uniform values in [−1, 1) from {@code seed}. */
    public static Matrix uniform(int n, int d, DType dtype, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Matrix m = Matrix.allocate(n, d, dtype);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                m.set(i, j, r.nextDouble(-1, 1));
            }
        }
        return m;
    }

    /** The deterministic golden pair of spec §9: x_k = (k mod 7)/7, z_k = ((3k) mod 11)/11 − 0.3, d = 784. */
    public static double[][] goldenPair() {
        double[] x = new double[784];
        double[] z = new double[784];
        for (int k = 0; k < 784; k++) {
            x[k] = (k % 7) / 7.0;
            z[k] = ((3 * k) % 11) / 11.0 - 0.3;
        }
        return new double[][] {x, z};
    }

    public static double relErr(double actual, double expected) {
        return Math.abs(actual - expected) / Math.max(Math.abs(expected), Double.MIN_NORMAL);
    }
}
