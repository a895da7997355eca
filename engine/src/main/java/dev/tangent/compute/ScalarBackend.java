package dev.tangent.compute;

import dev.tangent.memory.Matrix;

/**
 * Dense linear algebra in plain Java loops (no Vector API, no native code), single-threaded: the scalar provider's
 * backend and a reference for the others. Accumulates in double precision whatever the operands' dtype.
 */
final class ScalarBackend implements Backend {
    static final ScalarBackend INSTANCE = new ScalarBackend();

    private ScalarBackend() {
    }

    @Override
    public String name() {
        return "scalar";
    }

    @Override
    public int threads() {
        return 1;
    }

    @Override
    public Backend serial() {
        return this;
    }

    @Override
    public void gemm(boolean transA, boolean transB, double alpha, Matrix a, Matrix b, double beta, Matrix c) {
        Backend.requireGemmShapes(transA, transB, a, b, c);
        int m = c.rows();
        int n = c.cols();
        int k = transA ? a.rows() : a.cols();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    s += (transA ? a.get(p, i) : a.get(i, p)) * (transB ? b.get(j, p) : b.get(p, j));
                }
                c.set(i, j, beta == 0 ? alpha * s : alpha * s + beta * c.get(i, j));
            }
        }
    }

    @Override
    public void syrk(double alpha, Matrix a, double beta, Matrix c) {
        int n = a.rows();
        if (c.rows() != n || c.cols() != n) {
            throw new IllegalArgumentException("syrk: C is " + c.rows() + "x" + c.cols() + ", expected " + n + "x" + n);
        }
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double s = 0;
                for (int p = 0; p < a.cols(); p++) {
                    s += a.get(i, p) * a.get(j, p);
                }
                c.set(i, j, beta == 0 ? alpha * s : alpha * s + beta * c.get(i, j));
            }
        }
    }

    @Override
    public int potrf(Matrix a) {
        int n = a.rows();
        for (int j = 0; j < n; j++) {
            double d = a.get(j, j);
            for (int p = 0; p < j; p++) {
                d -= a.get(j, p) * a.get(j, p);
            }
            if (!(d > 0)) {
                return j + 1;
            }
            double l = Math.sqrt(d);
            a.set(j, j, l);
            for (int i = j + 1; i < n; i++) {
                double s = a.get(i, j);
                for (int p = 0; p < j; p++) {
                    s -= a.get(i, p) * a.get(j, p);
                }
                a.set(i, j, s / l);
            }
        }
        return 0;
    }

    @Override
    public void potrs(Matrix l, Matrix b) {
        int n = l.rows();
        for (int col = 0; col < b.cols(); col++) {
            for (int i = 0; i < n; i++) { // L y = b
                double s = b.get(i, col);
                for (int p = 0; p < i; p++) {
                    s -= l.get(i, p) * b.get(p, col);
                }
                b.set(i, col, s / l.get(i, i));
            }
            for (int i = n - 1; i >= 0; i--) { // Lᵀ x = y
                double s = b.get(i, col);
                for (int p = i + 1; p < n; p++) {
                    s -= l.get(p, i) * b.get(p, col);
                }
                b.set(i, col, s / l.get(i, i));
            }
        }
    }
}
