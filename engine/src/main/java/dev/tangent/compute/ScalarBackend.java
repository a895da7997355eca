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

    private static final int JACOBI_SWEEPS = 100;

    /**
     * Cyclic Jacobi rotations on a copy of the lower triangle (Golub and Van Loan, algorithm 8.5.3): plain loops, an
     * implementation independent of the Householder/QL one of the Java backend and of LAPACK's divide and conquer.
     */
    @Override
    public int syevd(Matrix a, double[] w) {
        int n = a.rows();
        if (a.cols() != n || w.length != n) {
            throw new IllegalArgumentException("syevd: matrix " + a.rows() + "x" + a.cols() + ", " + w.length + " eigenvalues");
        }
        double[][] m = new double[n][n];
        double[][] v = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                m[i][j] = a.get(i, j);
                m[j][i] = m[i][j];
            }
            v[i][i] = 1;
        }
        boolean converged = false;
        for (int sweep = 0; sweep < JACOBI_SWEEPS && !converged; sweep++) {
            converged = true;
            for (int p = 0; p < n - 1; p++) {
                for (int q = p + 1; q < n; q++) {
                    double apq = m[p][q];
                    // an entry below half an ulp of the geometric mean of its diagonal pair no longer changes them
                    if (Math.abs(apq) <= 1.1e-16 * Math.sqrt(Math.abs(m[p][p] * m[q][q])) || apq == 0) {
                        m[p][q] = 0;
                        m[q][p] = 0;
                        continue;
                    }
                    converged = false;
                    double theta = (m[q][q] - m[p][p]) / (2 * apq);
                    double t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int k = 0; k < n; k++) { // columns p, q of M·J
                        double mkp = m[k][p];
                        double mkq = m[k][q];
                        m[k][p] = c * mkp - s * mkq;
                        m[k][q] = s * mkp + c * mkq;
                    }
                    for (int k = 0; k < n; k++) { // rows p, q of Jᵀ·(M·J)
                        double mpk = m[p][k];
                        double mqk = m[q][k];
                        m[p][k] = c * mpk - s * mqk;
                        m[q][k] = s * mpk + c * mqk;
                    }
                    for (int k = 0; k < n; k++) {
                        double vkp = v[k][p];
                        double vkq = v[k][q];
                        v[k][p] = c * vkp - s * vkq;
                        v[k][q] = s * vkp + c * vkq;
                    }
                }
            }
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (x, y) -> Double.compare(m[x][x], m[y][y]));
        for (int j = 0; j < n; j++) {
            int src = order[j];
            w[j] = m[src][src];
            for (int i = 0; i < n; i++) {
                a.set(j, i, v[i][src]);
            }
        }
        return converged ? 0 : 1;
    }
}
