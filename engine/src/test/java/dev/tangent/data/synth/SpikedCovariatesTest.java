package dev.tangent.data.synth;

import dev.tangent.TangentException;
import dev.tangent.data.ReferencePython;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link SpikedCovariates} (spec §7.2.5): the notebook's printed radii (spec §8 B2), and the whole generator for small
 * n against a numpy transcription of the notebook's {@code generate_nonuniform_data} (seeds 145, 2, 14).
 */
class SpikedCovariatesTest {
    private static final int N = 300;
    private static final int N_TEST = 40;

    @TempDir
    Path dir;

    /** The notebook's generator with n, n_test as parameters; {@code exact} swaps np.linalg.norm's float32 BLAS dot for a float64 sum. */
    private static final String REFERENCE = """
            import numpy as np
            def nrm(v, exact):
                if exact:
                    w = v.astype(np.float64)
                    return np.sqrt(np.float32(np.dot(w, w)))
                return np.linalg.norm(v)
            def generate(n, nt, d, eta, kappa, exact):
                d1 = int(d ** eta)
                r = d ** ((eta + kappa) / 2.0)
                np.random.seed(145)
                X = np.random.normal(size=(n, d)).astype(np.float32)
                for i in range(n):
                    X[i, :d1] = X[i, :d1] / nrm(X[i, :d1], exact) * r
                    X[i, d1:] = X[i, d1:] / nrm(X[i, d1:], exact) * np.sqrt(d)
                np.random.seed(2)
                XT = np.random.normal(size=(nt, d)).astype(np.float32)
                for i in range(nt):
                    XT[i, :d1] = XT[i, :d1] / nrm(XT[i, :d1], exact) * r
                    XT[i, d1:] = XT[i, d1:] / nrm(XT[i, d1:], exact) * np.sqrt(d)
                X0 = X[:, :d1]
                X1 = XT[:, :d1]
                np.random.seed(14)
                beta2 = np.random.exponential(scale=1.0, size=(d1 - 1, 1))
                beta3 = np.random.exponential(scale=1.0, size=(d1 - 2, 1))
                beta4 = np.random.exponential(scale=1.0, size=(d1 - 3, 1))
                def parts(A):
                    Z2 = np.multiply(A[:, :-1], A[:, 1:])
                    Z3 = np.multiply(np.multiply(A[:, :-2], A[:, 1:-1]), A[:, 2:])
                    Z4 = np.multiply(np.multiply(np.multiply(A[:, :-3], A[:, 1:-2]), A[:, 2:-1]), A[:, 3:])
                    return [np.dot(Z2, beta2), np.dot(Z3, beta3), np.dot(Z4, beta4)]
                f = parts(X0)
                normalization = [np.sqrt(np.mean(t ** 2)) for t in f]
                y = (f[0] / normalization[0] + f[1] / normalization[1] + f[2] / normalization[2]).astype(np.float32)
                g = parts(X1)
                yt = (g[0] / normalization[0] + g[1] / normalization[1] + g[2] / normalization[2]).astype(np.float32)
                return X, y, XT, yt, np.array(normalization), np.concatenate([beta2, beta3, beta4]).ravel()
            """;

    @Test
    void radiiOfTheNotebookPrintout() throws Exception {
        double[] printed = {4, 5.656854, 8, 11.313708, 16, 22.627417, 32, 45.254834, 64, 90.509668};
        for (int k = 0; k < printed.length; k++) {
            assertEquals(printed[k], SpikedCovariates.radius(k), 5e-7, "r for kappa index " + k);
        }
        assertEquals(16, SpikedCovariates.signalDim(SpikedCovariates.D, SpikedCovariates.ETA));
        ReferencePython.run("import numpy as np\n"
                + "k = np.linspace(0, 1, num=10, endpoint=False)\n"
                + "np.save(" + ReferencePython.quote(dir.resolve("k.npy")) + ", k)\n"
                + "np.save(" + ReferencePython.quote(dir.resolve("r.npy")) + ", np.array([1024 ** ((2.0 / 5.0 + v) / 2.0) for v in k]))\n");
        double[] kappa = ReferencePython.values(dir.resolve("k.npy"));
        double[] r = ReferencePython.values(dir.resolve("r.npy"));
        for (int k = 0; k < kappa.length; k++) {
            assertEquals(kappa[k], SpikedCovariates.kappa(k), 0.0, "kappa " + k);
            assertEquals(r[k], SpikedCovariates.radius(k), 0.0, "radius " + k);
        }
        assertThrows(TangentException.class, () -> SpikedCovariates.kappa(10));
    }

    /** Exact float32 equality of features and targets when the reference's norms come from a float64 sum. */
    @Test
    void equalsNumpyGeneratorExactly() throws Exception {
        for (int kappaIndex : new int[] {0, 3}) {
            runReference(kappaIndex, true);
            try (SpikedCovariates.Data data = SpikedCovariates.generate(SpikedCovariates.D, SpikedCovariates.ETA, N, N_TEST, kappaIndex)) {
                String tag = "kappa index " + kappaIndex;
                assertEquals(0, ulpsOff(ReferencePython.values(dir.resolve("x.npy")), data.x()), tag + ": train features");
                assertEquals(0, ulpsOff(ReferencePython.values(dir.resolve("xt.npy")), data.xTest()), tag + ": test features");
                assertArrayEquals(ReferencePython.values(dir.resolve("y.npy")), data.y(), 0.0, tag + ": train targets");
                assertArrayEquals(ReferencePython.values(dir.resolve("yt.npy")), data.yTest(), 0.0, tag + ": test targets");
                double[] norms = ReferencePython.values(dir.resolve("norm.npy"));
                for (int k = 0; k < 3; k++) {
                    assertEquals(norms[k], data.normalizers()[k], 1e-13 * norms[k], tag + ": normaliser " + k);
                }
                double[] betas = ReferencePython.values(dir.resolve("beta.npy"));
                double[] flat = new double[15 + 14 + 13];
                int at = 0;
                for (double[] b : data.betas()) {
                    for (double v : b) {
                        flat[at++] = v;
                    }
                }
                assertArrayEquals(betas, flat, 0.0, tag + ": Exp(1) weights");
            }
        }
    }

    /**
     * Against the notebook verbatim (np.linalg.norm, a float32 BLAS dot whose rounding depends on the BLAS build):
     * every feature within a few float32 ulps (3 at most, 83 % of them bit-equal, with Debian's numpy 1.24 on OpenBLAS
     * 0.3.21 here), the block norms r and √d within float32 rounding.
     */
    @Test
    void agreesWithVerbatimNotebookToFloat32Rounding() throws Exception {
        runReference(5, false);
        try (SpikedCovariates.Data data = SpikedCovariates.generate(SpikedCovariates.D, SpikedCovariates.ETA, N, N_TEST, 5)) {
            double[] x = ReferencePython.values(dir.resolve("x.npy"));
            int u = ulpsOff(x, data.x());
            assertTrue(u <= 4, "train features differ by " + u + " float32 ulps; bit-equal fraction " + equalFraction(x, data.x()));
            assertTrue(ulpsOff(ReferencePython.values(dir.resolve("xt.npy")), data.xTest()) <= 4, "test features");
            double[] y = ReferencePython.values(dir.resolve("y.npy"));
            for (int i = 0; i < N; i++) {
                assertEquals(y[i], data.y()[i], 1e-5 * Math.max(1, Math.abs(y[i])), "target " + i);
            }
            for (int i = 0; i < N; i++) {
                double s1 = 0;
                double s2 = 0;
                for (int j = 0; j < SpikedCovariates.D; j++) {
                    double v = data.x().get(i, j);
                    if (j < 16) {
                        s1 += v * v;
                    } else {
                        s2 += v * v;
                    }
                }
                assertEquals(SpikedCovariates.radius(5), Math.sqrt(s1), 1e-5 * SpikedCovariates.radius(5));
                assertEquals(32, Math.sqrt(s2), 1e-5 * 32);
            }
        }
    }

    private void runReference(int kappaIndex, boolean exact) throws Exception {
        ReferencePython.run(REFERENCE
                + "X, y, XT, yt, norm, beta = generate(" + N + ", " + N_TEST + ", 1024, 2.0 / 5.0, "
                + "np.linspace(0, 1, num=10, endpoint=False)[" + kappaIndex + "], " + (exact ? "True" : "False") + ")\n"
                + "for name, a in [('x', X), ('y', y), ('xt', XT), ('yt', yt), ('norm', norm), ('beta', beta)]:\n"
                + "    np.save(" + ReferencePython.quote(dir) + " + '/' + name + '.npy', a)\n");
    }

    private static double equalFraction(double[] expected, Matrix m) {
        int same = 0;
        for (int i = 0; i < m.rows(); i++) {
            for (int j = 0; j < m.cols(); j++) {
                same += (float) expected[i * m.cols() + j] == (float) m.get(i, j) ? 1 : 0;
            }
        }
        return same / (double) expected.length;
    }

    /** The largest distance in float32 ulps between the expected values and the matrix. */
    private static int ulpsOff(double[] expected, Matrix m) {
        assertEquals(expected.length, m.rows() * m.cols());
        int worst = 0;
        for (int i = 0; i < m.rows(); i++) {
            for (int j = 0; j < m.cols(); j++) {
                float e = (float) expected[i * m.cols() + j];
                float a = (float) m.get(i, j);
                worst = Math.max(worst, Math.abs(Float.floatToIntBits(e) - Float.floatToIntBits(a)));
            }
        }
        return worst;
    }
}
