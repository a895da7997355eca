package dev.tangent.network;

import dev.tangent.memory.Matrix;

import java.util.List;

/** A model's parameters as one flat vector: the matrices in order, each row-major (the reference's packing). */
final class Parameters {
    private Parameters() {
    }

    /** θ as a new vector. */
    static double[] flatten(List<FiniteWidthModel.Parameter> params) {
        long n = 0;
        for (FiniteWidthModel.Parameter p : params) {
            n += (long) p.value().rows() * p.value().cols();
        }
        double[] out = new double[Math.toIntExact(n)];
        int at = 0;
        for (FiniteWidthModel.Parameter p : params) {
            Matrix m = p.value();
            for (int i = 0; i < m.rows(); i++) {
                for (int j = 0; j < m.cols(); j++) {
                    out[at++] = m.get(i, j);
                }
            }
        }
        return out;
    }

    /** θ ← v (rounded to the parameters' dtype). */
    static void unflatten(double[] v, List<FiniteWidthModel.Parameter> params) {
        int at = 0;
        for (FiniteWidthModel.Parameter p : params) {
            Matrix m = p.value();
            for (int i = 0; i < m.rows(); i++) {
                for (int j = 0; j < m.cols(); j++) {
                    m.set(i, j, v[at++]);
                }
            }
        }
    }

    /** out ← out + the matrices flattened. */
    static void accumulate(List<Matrix> ms, double[] out) {
        int at = 0;
        for (Matrix m : ms) {
            for (int i = 0; i < m.rows(); i++) {
                for (int j = 0; j < m.cols(); j++) {
                    out[at++] += m.get(i, j);
                }
            }
        }
    }
}
