package dev.tangent.machine;

import dev.tangent.compute.Providers;
import dev.tangent.MnistSplits;
import dev.tangent.TangentException;
import dev.tangent.compute.Backend;
import dev.tangent.compute.Backends;
import dev.tangent.data.ReferencePython;
import dev.tangent.io.Npy;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Spec §4.5: α = (K + λ/2·I)⁻¹ y, checked against numpy.linalg.solve on the same NTK. */
class RidgeSolverTest {
    private static final Backend BACKEND = Backends.select("auto", 2).backend();

    @TempDir
    Path dir;

    /**
     * λ = 0 (the interpolating kernel machine, docs/RESULTS.md) and paper A's grid. Both solves are backward stable
     * (Cholesky; numpy's LU), each with a backward error of a few n·u·‖A‖, so the solutions differ relatively by at most
     * about 2·n·u·κ(A) each: the tolerance is 4·n·u·κ(A) with κ = cond(K + λ/2·I) from numpy.
     */
    @Test
    void matchesNumpySolveFromLambdaZeroOverPaperGrid() throws Exception {
        try (MnistSplits.Split tr = MnistSplits.zeroOne(0, 400);
             Matrix k = Providers.gram(Providers.cpu(BACKEND, 2), KernelSpec.ntk(1), tr.x())) {
            Npy.write(dir.resolve("k.npy"), k);
            Npy.writeVector(dir.resolve("y.npy"), tr.y());
            double[] lambdas = {0, 0.001, 0.01, 0.1, 1, 10, 100, 1000};
            StringBuilder py = new StringBuilder("import numpy as np\nK = np.load(" + ReferencePython.quote(dir.resolve("k.npy"))
                    + "); y = np.load(" + ReferencePython.quote(dir.resolve("y.npy")) + ")\n");
            for (int i = 0; i < lambdas.length; i++) {
                py.append("A = K + 0.5 * ").append(lambdas[i]).append(" * np.eye(len(y))\n")
                        .append("np.save(").append(ReferencePython.quote(dir.resolve("a" + i + ".npy"))).append(", np.linalg.solve(A, y))\n")
                        .append("print(repr(np.linalg.cond(A)))\n");
            }
            String[] cond = ReferencePython.run(py.toString()).split("\n");
            int n = tr.y().length;
            for (int i = 0; i < lambdas.length; i++) {
                double[] alpha = RidgeSolver.cholesky(Providers.cpu(BACKEND, 2), Providers.kernel(k), tr.y(), lambdas[i], 0);
                double[] ref = ReferencePython.values(dir.resolve("a" + i + ".npy"));
                double num = 0;
                double den = 0;
                for (int j = 0; j < alpha.length; j++) {
                    num += (alpha[j] - ref[j]) * (alpha[j] - ref[j]);
                    den += ref[j] * ref[j];
                }
                double rel = Math.sqrt(num / den);
                double kappa = Double.parseDouble(cond[i].trim());
                double tol = 4 * n * 0x1p-53 * kappa;
                assertTrue(tol < 1e-3, "lambda " + lambdas[i] + ": cond " + kappa + " too large for a meaningful check");
                assertTrue(rel <= tol, "lambda " + lambdas[i] + ": relative error " + rel + ", bound " + tol + " (cond " + kappa + ")");
            }
        }
    }

    @Test
    void conjugateGradientAgreesWithCholesky() {
        try (MnistSplits.Split tr = MnistSplits.zeroOne(0, 300);
             Matrix k = Providers.gram(Providers.cpu(BACKEND, 2), KernelSpec.ntk(2), tr.x())) {
            double[] exact = RidgeSolver.cholesky(Providers.cpu(BACKEND, 2), Providers.kernel(k), tr.y(), 1.0, 0);
            RidgeSolver.CgResult cg = RidgeSolver.conjugateGradient(Providers.kernel(k), tr.y(), 1.0, 1e-12, 5000);
            assertTrue(cg.converged(), "CG did not converge: residual " + cg.relativeResidual());
            for (int i = 0; i < exact.length; i++) {
                assertEquals(exact[i], cg.alpha()[i], 1e-7 * Math.max(1, Math.abs(exact[i])));
            }
        }
    }

    @Test
    void singularGramAtLambdaZeroSuggestsJitter() {
        try (Matrix x = Matrix.of(3, 2, DType.F64, 1, 2, 1, 2, 3, 1);
             Matrix k = Providers.gram(Providers.cpu(BACKEND, 1), KernelSpec.ntk(1), x)) {
            TangentException e = assertThrows(TangentException.class,
                    () -> RidgeSolver.cholesky(Providers.cpu(BACKEND, 2), Providers.kernel(k), new double[] {1, -1, 1}, 0, 0));
            assertTrue(e.getMessage().contains("jitter"), e.getMessage());
            double[] a = RidgeSolver.cholesky(Providers.cpu(BACKEND, 2), Providers.kernel(k), new double[] {1, -1, 1}, 0, 1e-8);
            assertTrue(Double.isFinite(a[0]));
        }
    }

    @Test
    void negativeLambdaIsRejected() {
        try (Matrix k = Matrix.of(1, 1, DType.F64, 1)) {
            assertThrows(TangentException.class, () -> RidgeSolver.cholesky(Providers.cpu(BACKEND, 2), Providers.kernel(k), new double[] {1}, -1, 0));
        }
    }
}
