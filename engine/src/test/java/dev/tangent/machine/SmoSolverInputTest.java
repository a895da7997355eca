package dev.tangent.machine;

import dev.tangent.compute.Providers;
import dev.tangent.TangentException;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input is a one-line TangentException; two tiny problems solved by hand; the iteration cap. */
class SmoSolverInputTest {
    private static final Matrix K2 = Matrix.of(2, 2, DType.F64, 1, 0, 0, 1);

    @Test
    void labelsMustBePlusOrMinusOne() {
        assertOneLine(assertThrows(TangentException.class, () -> SmoSolver.svc(Providers.kernel(K2), new double[] {1, 0}, 1, 1e-3, true, 0)));
        assertOneLine(assertThrows(TangentException.class, () -> SmoSolver.svc(Providers.kernel(K2), new double[] {1, 2}, 1, 1e-3, true, 0)));
        assertOneLine(assertThrows(TangentException.class, () -> SmoSolver.svc(Providers.kernel(K2), new double[] {1, Double.NaN}, 1, 1e-3, true, 0)));
        assertOneLine(assertThrows(TangentException.class, () -> SmoSolver.svc(Providers.kernel(K2), new double[] {1, 1}, 1, 1e-3, true, 0)));
    }

    @Test
    void cMustBePositive() {
        for (double c : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertOneLine(assertThrows(TangentException.class, () -> SmoSolver.svc(Providers.kernel(K2), new double[] {1, -1}, c, 1e-3, true, 0)));
            assertOneLine(assertThrows(TangentException.class, () -> SmoSolver.svr(Providers.kernel(K2), new double[] {1, -1}, c, 0.1, 1e-3, true, 0)));
        }
    }

    @Test
    void sizesMustMatch() {
        assertOneLine(assertThrows(TangentException.class, () -> SmoSolver.svc(Providers.kernel(K2), new double[] {1, -1, 1}, 1, 1e-3, true, 0)));
        assertOneLine(assertThrows(TangentException.class, () -> SmoSolver.svr(Providers.kernel(K2), new double[] {1}, 1, 0.1, 1e-3, true, 0)));
        try (Matrix rect = Matrix.allocate(2, 3, DType.F64)) {
            assertOneLine(assertThrows(TangentException.class, () -> SmoSolver.svc(Providers.kernel(rect), new double[] {1, -1}, 1, 1e-3, true, 0)));
        }
    }

    @Test
    void tolerancesMustBePositive() {
        assertOneLine(assertThrows(TangentException.class, () -> SmoSolver.svc(Providers.kernel(K2), new double[] {1, -1}, 1, 0, true, 0)));
        assertOneLine(assertThrows(TangentException.class, () -> SmoSolver.svr(Providers.kernel(K2), new double[] {1, -1}, 1, -0.1, 1e-3, true, 0)));
        assertOneLine(assertThrows(TangentException.class, () -> SmoSolver.svr(Providers.kernel(K2), new double[] {1, Double.NaN}, 1, 0.1, 1e-3, true, 0)));
    }

    /**
     * K = I, y = (+1, −1): the dual min ½(α₁² + α₂²) − α₁ − α₂ with α₁ = α₂ has α = 1 (C ≥ 1), objective −1,
     * g(x₁) = 1, g(x₂) = −1, so b = 0; with C = 0.5 both sit at the bound and the objective is −0.75.
     */
    @Test
    void twoOrthogonalPointsByHand() {
        SmoSolver.Result r = SmoSolver.svc(Providers.kernel(K2), new double[] {1, -1}, 10, 1e-9, true, 0);
        assertEquals(1, r.alpha()[0], 1e-12);
        assertEquals(-1, r.alpha()[1], 1e-12);
        assertEquals(0, r.b(), 1e-12);
        assertEquals(-1, r.dualObjective(), 1e-12);
        assertEquals(2, r.supportVectors());
        SmoSolver.Result bounded = SmoSolver.svc(Providers.kernel(K2), new double[] {1, -1}, 0.5, 1e-9, true, 0);
        assertEquals(0.5, bounded.alpha()[0], 0);
        assertEquals(-0.75, bounded.dualObjective(), 1e-12);
    }

    /**
     * ε-SVR on K = I, y = (2, −2), tube 0.5, C large: the primal min ½‖β‖² with |y_i − β_i − b| ≤ 0.5 gives
     * β = (1.5, −1.5), b = 0, and the dual ½βᵀKβ + ε·Σ|β| − yᵀβ = 2.25 + 1.5 − 6 = −2.25.
     */
    @Test
    void svrOnTwoOrthogonalPointsByHand() {
        SmoSolver.Result r = SmoSolver.svr(Providers.kernel(K2), new double[] {2, -2}, 10, 0.5, 1e-9, true, 0);
        assertEquals(1.5, r.alpha()[0], 1e-9);
        assertEquals(-1.5, r.alpha()[1], 1e-9);
        assertEquals(0, r.b(), 1e-9);
        assertEquals(-2.25, r.dualObjective(), 1e-9);
    }

    @Test
    void iterationCapIsReported() {
        assertEquals(10_000_000L, SmoSolver.libsvmMaxIterations(1000));
        assertEquals(100_000_000L, SmoSolver.libsvmMaxIterations(1_000_000));
        SmoSolver.Result r = SmoSolver.svc(Providers.kernel(K2), new double[] {1, -1}, 10, 1e-9, true, 1);
        assertFalse(r.converged());
        assertEquals(1, r.iterations());
    }

    private static void assertOneLine(TangentException e) {
        assertEquals(TangentException.BAD_INPUT, e.exitCode());
        assertFalse(e.getMessage().isBlank());
        assertTrue(!e.getMessage().contains("\n"), e.getMessage());
    }
}
