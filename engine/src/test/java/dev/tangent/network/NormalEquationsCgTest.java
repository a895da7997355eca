package dev.tangent.network;

import dev.tangent.TestData;
import dev.tangent.compute.Backend;
import dev.tangent.compute.JavaBackend;
import dev.tangent.data.ReferencePython;
import dev.tangent.io.Npy;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16, acceptance 1: the matrix-free CG solution of the normal equations equals numpy's direct solve of
 * H θ = b, H = (2/n)AᵀA + 2·reg·I, b = (2/n)Aᵀy, with the feature matrix A built by numpy from the reference's
 * definitions (RF: [σ(XW), 1]; NT: [σ(XW), 1, s ⊙ a₀ ⊗ x]) on 2,000 points, to 1e-6 relative in θ. The CG runs to a
 * residual of 1e-13·‖b‖; with cond(H) below 1e5 here (reg 1e-2) that bounds θ's relative error by 1e-8, so 1e-6 holds
 * with margin while a wrong operator (a missing intercept term, a wrong scale) misses by orders of magnitude. A third
 * case checks the reference's drop_remainder arithmetic (2,050 points in batches of 500: 50 rows dropped, b divided by
 * n, the intercept's b over all rows, the intercept–feature terms over n), with numpy building RF_Optimizer's H and b.
 */
class NormalEquationsCgTest {
    private static final Backend BACKEND = new JavaBackend(2);
    private static final double REG = 1e-2;

    @TempDir
    Path dir;

    private double[] reference(String kind, int n, int d, int width, int batch, boolean drop) throws Exception {
        ReferencePython.run(String.join("\n",
                "import numpy as np, os",
                "out = " + ReferencePython.quote(dir),
                "x = np.load(os.path.join(out, 'x.npy')); y = np.load(os.path.join(out, 'y.npy'))",
                "n, d, N, reg = x.shape[0], x.shape[1], " + width + ", " + REG,
                "rs = np.random.RandomState(1990)",
                "W = rs.normal(size=(d, N)); W = W / np.linalg.norm(W, axis=0, keepdims=True)",
                "a0 = rs.normal(size=(1, 1, N)).reshape(N)",
                "Z = x @ W; phi = np.maximum(Z, 0); S = 0.5 * (np.sign(Z) + 1)",
                "A = np.hstack([phi, np.ones((n, 1))])",
                "if '" + kind + "' == 'nt':",
                "    A = np.hstack([A, ((S * a0)[:, :, None] * x[:, None, :]).reshape(n, N * d)])",
                "if " + (drop ? "True" : "False") + ":",
                "    u = (n // " + batch + ") * " + batch,
                "    Au = A[:u]; s = phi[:u].sum(axis=0)",
                "    H = 2.0 / u * Au.T @ Au",
                "    H[:N, N] = 2.0 * s / n; H[N, :N] = 2.0 * s / n; H[N, N] = 2.0",
                "    b = 2.0 / n * Au.T @ y[:u]; b[N] = 2.0 / n * y.sum()",
                "else:",
                "    H = 2.0 / n * A.T @ A; b = 2.0 / n * A.T @ y",
                "H += 2 * reg * np.eye(H.shape[0])",
                "np.save(os.path.join(out, 'theta.npy'), np.linalg.solve(H, b))"));
        return ReferencePython.values(dir.resolve("theta.npy"));
    }

    private void solveAndCompare(String kind, int n, int d, int width, int batch, boolean keep) throws Exception {
        try (Matrix x = TestData.uniform(n, d, DType.F64, 31)) {
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                y[i] = Math.sin(3 * x.get(i, 0)) + x.get(i, 1) * x.get(i, 2);
            }
            Npy.write(dir.resolve("x.npy"), x);
            Npy.writeVector(dir.resolve("y.npy"), y);
            double[] expected = reference(kind, n, d, width, batch, !keep);
            try (FiniteWidthModel m = kind.equals("rf") ? RandomFeaturesModel.init(d, width, 1, DType.F64, 1990)
                    : NeuralTangentModel.init(d, width, 1, DType.F64, 1990)) {
                NormalEquationsCg.Config cfg = new NormalEquationsCg.Config(REG, 5000, 1e-13, 0, 30, kind.equals("nt"), batch, keep);
                NormalEquationsCg.Result r = NormalEquationsCg.solve(BACKEND, m, new ModelTrainer.Data(x, null, SquareLoss.Targets.real(y, 0)),
                        cfg, null, NormalEquationsCg.Listener.NONE);
                assertTrue(r.converged(), kind + ": CG did not converge in " + r.iterations() + " iterations, residual " + r.residual());
                double[] theta = Parameters.flatten(m.parameters());
                assertEquals(expected.length, theta.length);
                double err = 0;
                double norm = 0;
                for (int i = 0; i < theta.length; i++) {
                    err += (theta[i] - expected[i]) * (theta[i] - expected[i]);
                    norm += expected[i] * expected[i];
                }
                assertTrue(Math.sqrt(err / norm) < 1e-6, kind + ": relative error " + Math.sqrt(err / norm) + " after " + r.iterations()
                        + " iterations");
                assertEquals(keep ? n : (n / batch) * batch, r.usedRows());
            }
        }
    }

    @Test
    void randomFeaturesCgEqualsTheNormalEquationSolve() throws Exception {
        solveAndCompare("rf", 2000, 10, 200, 500, true);
    }

    @Test
    void neuralTangentCgEqualsTheNormalEquationSolve() throws Exception {
        solveAndCompare("nt", 2000, 5, 40, 500, true);
    }

    @Test
    void droppedRowsFollowTheReferenceArithmetic() throws Exception {
        solveAndCompare("rf", 2050, 10, 200, 500, false);
    }

    @Test
    void objectiveIsCheckedAtTheReferenceIterations() {
        try (Matrix x = TestData.uniform(300, 4, DType.F64, 3); NeuralTangentModel m = NeuralTangentModel.init(4, 20, 1, DType.F64, 1990)) {
            double[] y = new double[300];
            for (int i = 0; i < 300; i++) {
                y[i] = x.get(i, 0) - x.get(i, 3);
            }
            NormalEquationsCg.Result r = NormalEquationsCg.solve(BACKEND, m, new ModelTrainer.Data(x, null, SquareLoss.Targets.real(y, 0)),
                    new NormalEquationsCg.Config(1e-3, 65, 0, 0, 30, true, 100, true), null, NormalEquationsCg.Listener.NONE);
            assertEquals(List.of(1, 31, 61), r.history().stream().map(NormalEquationsCg.Check::iteration).toList());
            assertEquals(65, r.iterations());
        }
    }
}
