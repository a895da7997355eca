package dev.tangent.kernel;

import dev.tangent.TestData;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The golden values of spec §9 (computed independently in float64 by the spec's authors), to 1e-12 relative. */
class NtkRecursionGoldenTest {
    private static final double TOL = 1e-12;

    private static void close(double expected, double actual, String what) {
        assertTrue(TestData.relErr(actual, expected) <= TOL,
                what + ": expected " + expected + ", got " + actual + " (rel " + TestData.relErr(actual, expected) + ")");
    }

    private static NtkRecursion.Value golden(int depth, double biasStd) {
        double[][] p = TestData.goldenPair();
        return NtkRecursion.pair(KernelSpec.fc(KernelSpec.Kind.NTK, depth, 1.0, biasStd), p[0], p[1]);
    }

    @Test
    void goldenPairNormsAndCosine() {
        double[][] p = TestData.goldenPair();
        double xx = 0, zz = 0, xz = 0;
        for (int k = 0; k < 784; k++) {
            xx += p[0][k] * p[0][k];
            zz += p[1][k] * p[1][k];
            xz += p[0][k] * p[1][k];
        }
        close(14.422205101856, Math.sqrt(xx), "|x|");
        close(9.129626643222, Math.sqrt(zz), "|z|");
        close(0.392896815676, xz / Math.sqrt(xx * zz), "u");
    }

    @Test
    void oneReluLayer() {
        NtkRecursion.Value v = golden(1, 0);
        close(4.531663412545e-02, v.nngp(), "NNGP L=1");
        close(6.605340388933e-02, v.ntk(), "NTK L=1");
    }

    @Test
    void twoReluLayers() {
        NtkRecursion.Value v = golden(2, 0);
        close(2.669194948212e-02, v.nngp(), "NNGP L=2");
        close(4.919788437425e-02, v.ntk(), "NTK L=2");
    }

    @Test
    void threeReluLayers() {
        NtkRecursion.Value v = golden(3, 0);
        close(1.475794802950e-02, v.nngp(), "NNGP L=3");
        close(3.245197192035e-02, v.ntk(), "NTK L=3");
    }

    @Test
    void oneReluLayerWithBias() {
        NtkRecursion.Value v = golden(1, 0.5);
        close(4.167624645788e-01, v.nngp(), "NNGP L=1 sb=0.5");
        close(5.374622823441e-01, v.ntk(), "NTK L=1 sb=0.5");
    }

    @Test
    void paperAClosedFormAtGoldenPair() {
        double[][] p = TestData.goldenPair();
        double xx = 0, zz = 0, xz = 0;
        for (int k = 0; k < 784; k++) {
            xx += p[0][k] * p[0][k];
            zz += p[1][k] * p[1][k];
            xz += p[0][k] * p[1][k];
        }
        close(6.605340388933e-02, NtkRecursion.twoLayerClosedForm(xz, xx, zz, 784), "closed form");
        // paper B's two-layer NTK has no 1/d: 784 × paper A's
        close(5.178586864923e+01, 784 * NtkRecursion.twoLayerClosedForm(xz, xx, zz, 784), "paper-B NTK2");
        close(3.552824115435e+01, 784 * golden(1, 0).nngp(), "paper-B RFK2");
    }

    @Test
    void hValues() {
        close(-0.181172147412, NtkRecursion.h(-0.5), "h(-0.5)");
        close(2.079232589903, NtkRecursion.h(0.3), "h(0.3)");
        close(-0.429737781906, NtkRecursion.h(-0.794), "h(-0.794)");
        assertEquals(0.0, NtkRecursion.h(-1), 1e-15);
        assertEquals(1.0, NtkRecursion.h(0), 1e-15);
        close(2 * Math.PI, NtkRecursion.h(1), "h(1)");
    }

    @Test
    void minimumOfH() {
        // golden-section search on [-1, 0]; h is unimodal there (spec §3.3)
        double a = -1, b = 0, g = (Math.sqrt(5) - 1) / 2;
        for (int it = 0; it < 200; it++) {
            double c = b - g * (b - a), d = a + g * (b - a);
            if (NtkRecursion.h(c) < NtkRecursion.h(d)) {
                b = d;
            } else {
                a = c;
            }
        }
        double u = (a + b) / 2;
        assertEquals(-0.794099864810, u, 1e-7, "argmin h"); // argmin is only determined to ~sqrt(eps)
        close(-0.429737820518, NtkRecursion.h(u), "min h");
    }

    @Test
    void diagonalIdentities() {
        // spec §3.2: with σ_b = 0 and L ReLU layers, Θ(x,x) = (L+1)|x|²/(d 2^L), NNGP(x,x) = |x|²/(d 2^L)
        double[] x = TestData.goldenPair()[0];
        double xx = 0;
        for (double v : x) {
            xx += v * v;
        }
        for (int l = 0; l <= 5; l++) {
            NtkRecursion.Value v = NtkRecursion.pair(KernelSpec.ntk(l), x, x);
            close((l + 1) * xx / (784 * Math.pow(2, l)), v.ntk(), "NTK diag L=" + l);
            close(xx / (784 * Math.pow(2, l)), v.nngp(), "NNGP diag L=" + l);
        }
    }
}
