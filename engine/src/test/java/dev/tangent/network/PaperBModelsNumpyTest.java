package dev.tangent.network;

import dev.tangent.compute.Backend;
import dev.tangent.compute.JavaBackend;
import dev.tangent.data.ReferencePython;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16, acceptance 1: the RF and NT models' features and the network's initialisation and output equal their
 * definitions as numpy computes them from the reference's code (spec §7.3): {@code RandomState(1990)} draws W
 * (d × N, row-major) normalised per column, then a₀ (1 × C × N); RF features σ(XW); the NT prediction through the
 * reference's own tensordot form; the mean-field network from {@code RandomState(7)} (W₁·1/√d, W₂, a). The draws are
 * bit-exact (the numpy-legacy RNG port); the products differ only by summation order, bounded by 1e-13 of each
 * quantity's scale (d = 6 and N = 9 terms of size ≤ 10).
 */
class PaperBModelsNumpyTest {
    private static final Backend BACKEND = new JavaBackend(1);
    private static final int D = 6;
    private static final int N = 9;
    private static final int C = 3;
    private static final int ROWS = 5;

    @TempDir
    static Path dir;

    @BeforeAll
    static void numpy() throws Exception {
        ReferencePython.run(String.join("\n",
                "import numpy as np, os",
                "d, N, C, n = 6, 9, 3, 5",
                "x = np.array([[np.sin(1 + i * 7 + k * 3) for k in range(d)] for i in range(n)])",
                "x[4, :] = 0.0  # a zero input: every gate at exactly 1/2",
                "rs = np.random.RandomState(1990)",
                "W = rs.normal(size=(d, N)); W = W / np.linalg.norm(W, axis=0, keepdims=True)",
                "a0 = rs.normal(size=(1, C, N))",
                "Z = x @ W; phi = np.maximum(Z, 0)",
                "G = np.array([[np.cos(j + 2 * k) * 0.3 for k in range(d)] for j in range(N)])",
                "a = np.array([[((j * 3 + k) % 5 - 2) / 7.0 for k in range(C)] for j in range(N)])",
                "c = np.array([[0.1 * k - 0.05 for k in range(C)]])",
                "S = 0.5 * (np.sign(Z) + 1.0)",
                "U = np.transpose(S[:, :, None], [0, 2, 1]) * a0",
                "q2 = np.tensordot(U, G, axes=[[2], [0]])",
                "nt = phi @ a + c + np.sum(q2 * np.transpose(x[:, :, None], [0, 2, 1]), axis=2)",
                "rs = np.random.RandomState(7)",
                "W1 = rs.normal(size=(d, N)) * (1.0 / np.sqrt(d + 0.0)); W2 = rs.normal(size=(N, N)) * 1.0; A = rs.normal(size=(N, C))",
                "h1 = np.maximum(x @ W1 + 0.01, 0); h2 = np.maximum(h1 @ W2 + 0.01, 0) / N; nn = h2 @ A / N",
                "out = " + ReferencePython.quote(dir),
                "for name, v in dict(x=x, W=W, a0=a0.reshape(C, N), phi=phi, nt=nt, W1=W1, W2=W2, A=A, nn=nn).items():",
                "    np.save(os.path.join(out, name + '.npy'), v)"));
    }

    private static Matrix load(String name) {
        return dev.tangent.io.Npy.readMatrix(dir.resolve(name + ".npy"), DType.F64, name);
    }

    private static void assertClose(Matrix expected, Matrix actual, String what) {
        assertTrue(expected.rows() == actual.rows() && expected.cols() == actual.cols(), what + ": shape " + actual);
        double scale = 0;
        double worst = 0;
        for (int i = 0; i < expected.rows(); i++) {
            for (int j = 0; j < expected.cols(); j++) {
                scale = Math.max(scale, Math.abs(expected.get(i, j)));
                worst = Math.max(worst, Math.abs(expected.get(i, j) - actual.get(i, j)));
            }
        }
        assertTrue(worst <= 1e-13 * scale, what + ": worst difference " + worst + " at scale " + scale);
    }

    @Test
    void randomFeaturesAreReluOfTheUnitNormFirstLayer() {
        try (RandomFeaturesModel rf = RandomFeaturesModel.init(D, N, C, DType.F64, 1990); Matrix x = load("x"); Matrix w = load("W");
             Matrix phi = load("phi"); Matrix mine = rf.frozenFeatures(BACKEND, x)) {
            assertClose(w, rf.firstLayer(), "W");
            assertClose(phi, mine, "sigma(XW)");
        }
    }

    @Test
    void neuralTangentPredictionIsTheReferenceTensordot() {
        try (NeuralTangentModel nt = NeuralTangentModel.init(D, N, C, DType.F64, 1990); Matrix x = load("x"); Matrix a0 = load("a0");
             Matrix expected = load("nt")) {
            assertClose(a0, nt.secondLayerAtInit(), "a0");
            Matrix a = nt.parameters().get(0).value();
            Matrix c = nt.parameters().get(1).value();
            Matrix g = nt.parameters().get(2).value();
            for (int j = 0; j < N; j++) {
                for (int k = 0; k < C; k++) {
                    a.set(j, k, ((j * 3 + k) % 5 - 2) / 7.0);
                }
                for (int k = 0; k < D; k++) {
                    g.set(j, k, Math.cos(j + 2 * k) * 0.3);
                }
            }
            for (int k = 0; k < C; k++) {
                c.set(0, k, 0.1 * k - 0.05);
            }
            assertClose(expected, nt.forward(BACKEND, x, null), "NT prediction");
            try (Matrix z = nt.frozenFeatures(BACKEND, x)) {
                assertClose(expected, nt.forward(BACKEND, x, z), "NT prediction from cached XW");
            }
        }
    }

    @Test
    void meanFieldNetworkInitialisationAndOutput() {
        try (MeanFieldNetwork nn = MeanFieldNetwork.init(D, N, C, 2, DType.F64, 7); Matrix x = load("x"); Matrix w1 = load("W1");
             Matrix w2 = load("W2"); Matrix a = load("A"); Matrix expected = load("nn")) {
            assertClose(w1, nn.parameters().get(0).value(), "W1");
            assertClose(w2, nn.parameters().get(2).value(), "W2");
            assertClose(a, nn.parameters().get(4).value(), "a");
            assertClose(expected, nn.forward(BACKEND, x, null), "NN output");
        }
    }
}
