package dev.tangent.compute;

import dev.tangent.data.ReferencePython;
import dev.tangent.io.Npy;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link SymmetricEigen} against numpy.linalg.eigh and the closed-form spectrum of the 1-D Laplacian. */
class SymmetricEigenTest {
    @TempDir
    Path dir;

    /** tridiag(−1, 2, −1) of order n: λ_k = 2 − 2cos(kπ/(n+1)), v_k[i] ∝ sin(ikπ/(n+1)), k, i = 1..n. */
    @Test
    void laplacianClosedForm() {
        int n = 40;
        double[] a = new double[n * n];
        for (int i = 0; i < n; i++) {
            a[i * n + i] = 2;
            if (i > 0) {
                a[i * n + i - 1] = -1;
                a[(i - 1) * n + i] = -1;
            }
        }
        SymmetricEigen.Decomposition e = SymmetricEigen.decompose(a, n);
        for (int k = 1; k <= n; k++) {
            double lambda = 2 - 2 * Math.cos(k * Math.PI / (n + 1));
            assertEquals(lambda, e.values()[k - 1], 1e-13, "eigenvalue " + k);
            double norm = Math.sqrt((n + 1) / 2.0);
            double sign = Math.signum(e.vector(0, k - 1));
            for (int i = 1; i <= n; i++) {
                assertEquals(Math.sin(i * k * Math.PI / (n + 1)) / norm, sign * e.vector(i - 1, k - 1), 1e-12);
            }
        }
    }

    @Test
    void diagonalAndTinyMatrices() {
        SymmetricEigen.Decomposition e = SymmetricEigen.decompose(new double[] {3, 0, 0, 0, -1, 0, 0, 0, 2}, 3);
        assertEquals(-1, e.values()[0], 0.0);
        assertEquals(2, e.values()[1], 0.0);
        assertEquals(3, e.values()[2], 0.0);
        assertEquals(1, Math.abs(e.vector(1, 0)), 0.0);
        SymmetricEigen.Decomposition one = SymmetricEigen.decompose(new double[] {5}, 1);
        assertEquals(5, one.values()[0], 0.0);
        assertEquals(1, one.vectors()[0], 0.0);
        assertEquals(0, SymmetricEigen.decompose(new double[0], 0).n());
    }

    /** Random symmetric and rank-deficient PSD matrices: eigenvalues against numpy, reconstruction, orthonormality. */
    @Test
    void equalsNumpyEigh() throws Exception {
        SplittableRandom r = new SplittableRandom(3);
        int[] sizes = {7, 150, 300};
        for (int n : sizes) {
            double[] a = new double[n * n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j <= i; j++) {
                    double v = r.nextDouble(-1, 1);
                    a[i * n + j] = v;
                    a[j * n + i] = v;
                }
            }
            write(dir.resolve("sym" + n + ".npy"), a, n);
            // A covariance of rank n/3 (many zero eigenvalues), as the low-frequency noise model meets.
            int rank = n / 3;
            double[] g = r.doubles((long) rank * n, -1, 1).toArray();
            double[] c = new double[n * n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    double s = 0;
                    for (int k = 0; k < rank; k++) {
                        s += g[k * n + i] * g[k * n + j];
                    }
                    c[i * n + j] = s;
                }
            }
            write(dir.resolve("psd" + n + ".npy"), c, n);
        }
        StringBuilder py = new StringBuilder("import numpy as np\n");
        for (int n : sizes) {
            for (String kind : new String[] {"sym", "psd"}) {
                String f = ReferencePython.quote(dir.resolve(kind + n + ".npy"));
                py.append("np.save(").append(f).append("[:-4] + '_w.npy', np.linalg.eigh(np.load(").append(f).append("))[0])\n");
            }
        }
        ReferencePython.run(py.toString());
        for (int n : sizes) {
            for (String kind : new String[] {"sym", "psd"}) {
                double[] a = ReferencePython.values(dir.resolve(kind + n + ".npy"));
                double[] w = ReferencePython.values(dir.resolve(kind + n + "_w.npy"));
                SymmetricEigen.Decomposition e = SymmetricEigen.decompose(a, n);
                double scale = Math.max(Math.abs(w[0]), Math.abs(w[n - 1]));
                for (int k = 0; k < n; k++) {
                    // Relative to the spectrum's scale: eigenvalues are only defined to ε‖A‖ (the PSD zeros).
                    assertEquals(w[k], e.values()[k], 1e-10 * scale, kind + n + " eigenvalue " + k);
                }
                // backward stable (Householder + QL): ‖A − VΛVᵀ‖ ≤ p(n)·u·‖A‖, p(n) a modest multiple of n (1e-12 = 4500 u)
                assertReconstructs(a, e, n, 1e-12 * scale * n);
            }
        }
    }

    /** A 784 × 784 symmetric matrix (the FMNIST DCT model's order), through the {@link Matrix} entry point. */
    @Test
    void order784FromMatrix() {
        int n = 784;
        SplittableRandom r = new SplittableRandom(9);
        try (Matrix a = Matrix.allocate(n, n, DType.F64)) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j <= i; j++) {
                    double v = r.nextDouble(-1, 1) + (i == j ? 4 : 0);
                    a.set(i, j, v);
                    a.set(j, i, v);
                }
            }
            SymmetricEigen.Decomposition e = SymmetricEigen.decompose(a);
            double[] flat = new double[n * n];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    flat[i * n + j] = a.get(i, j);
                }
            }
            double scale = Math.max(Math.abs(e.values()[0]), Math.abs(e.values()[n - 1]));
            assertReconstructs(flat, e, n, 1e-12 * scale * n);
        }
    }

    /** ‖A − V Λ Vᵀ‖_max and ‖VᵀV − I‖_max within tol (and 1e-12·n for orthonormality). */
    private static void assertReconstructs(double[] a, SymmetricEigen.Decomposition e, int n, double tol) {
        double[] v = e.vectors();
        double[] w = e.values();
        double worst = 0;
        double worstOrtho = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                double o = 0;
                for (int k = 0; k < n; k++) {
                    s += v[i * n + k] * w[k] * v[j * n + k];
                    o += v[k * n + i] * v[k * n + j];
                }
                worst = Math.max(worst, Math.abs(s - a[i * n + j]));
                worstOrtho = Math.max(worstOrtho, Math.abs(o - (i == j ? 1 : 0)));
            }
        }
        assertTrue(worst <= tol, "reconstruction error " + worst + " > " + tol);
        assertTrue(worstOrtho <= 1e-12 * n, "orthonormality error " + worstOrtho);
    }

    private static void write(Path file, double[] a, int n) {
        try (Matrix m = Matrix.of(n, n, DType.F64, a)) {
            Npy.write(file, m);
        }
    }
}
