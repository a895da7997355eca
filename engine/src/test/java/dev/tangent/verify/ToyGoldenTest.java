package dev.tangent.verify;

import dev.tangent.compute.Providers;
import dev.tangent.compute.JavaBackend;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.network.FullyConnected;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The toy golden values of spec §9: the kernel-machine certification (reference semantics of §6.2–6.4, float64: g0,
 * certified δ, probe counts) and the IBP bounds of a 16 → 4 → 1 network.
 */
class ToyGoldenTest {
    static final int D = 16;
    static final double[] ALPHA = {1.5, -0.7, 2.0, -1.2, 0.4, -0.3};

    static double[][] trainRows() {
        double[][] x = new double[6][D];
        for (int j = 0; j < 6; j++) {
            for (int i = 0; i < D; i++) {
                x[j][i] = ((i * (j + 2)) % 5) / 5.0 + 0.05 * j;
            }
        }
        return x;
    }

    static double[][] testPoints() {
        double[][] x = trainRows();
        double[][] t = new double[3][D];
        for (int i = 0; i < D; i++) {
            t[0][i] = 0.9 * x[0][i] + 0.02;
            t[1][i] = 1.1 * x[1][i] + 0.01 * (i % 2);
            t[2][i] = (i % 3) / 3.0;
        }
        return t;
    }

    static Matrix matrix(double[][] rows) {
        Matrix m = Matrix.allocate(rows.length, rows[0].length, DType.F64);
        for (int i = 0; i < rows.length; i++) {
            for (int j = 0; j < rows[0].length; j++) {
                m.set(i, j, rows[i][j]);
            }
        }
        return m;
    }

    @Test
    void toyCertificationMatchesSpecTable() {
        double[] g0 = {5.490803537435e-01, 5.195558558311e-01, 3.274214612541e-01};
        double[] delta = {8.955078125e-02, 9.785156250e-02, 5.830078125e-02};
        int[] iterations = {10, 9, 10};
        try (Matrix xt = matrix(trainRows()); Matrix test = matrix(testPoints());
             KernelCertifier kc = new KernelCertifier(KernelSpec.ntk(1), IntervalKernel.NanMode.REFERENCE, ALPHA, xt, 0)) {
            KernelCertifier.Point[] pts = kc.certify(Providers.java(1), 1, test, null, false,
                    new BinarySearch.Config(0.05, 0, 0.3, 1000, 1e-3, 0), null);
            for (int k = 0; k < 3; k++) {
                assertEquals(g0[k], pts[k].score(), 1e-12 * g0[k], "g0 of point " + k);
                assertEquals(delta[k], pts[k].outcome().radius(), 1e-12, "delta of point " + k);
                assertEquals(iterations[k], pts[k].outcome().iterations(), "iterations of point " + k);
                assertEquals(BinarySearch.Status.CERTIFIED, pts[k].outcome().status());
            }
        }
    }

    @Test
    void toyIbpMatchesSpec() {
        double[] wOut = {1, -2, 0.5, 1.5};
        try (FullyConnected net = FullyConnected.init(D, 4, 1, DType.F64, 1); Matrix x = Matrix.allocate(1, D, DType.F64)) {
            for (int a = 0; a < 4; a++) {
                for (int b = 0; b < D; b++) {
                    net.weight(0).set(a, b, (((3 * a + 5 * b) % 7) - 3) / 3.0);
                }
                net.weight(1).set(0, a, wOut[a]);
            }
            for (int i = 0; i < D; i++) {
                x.set(0, i, (i % 4) / 4.0);
            }
            JavaBackend be = new JavaBackend(1);
            assertEquals(-1.197916666667e-01, net.forward(be, x)[0], 1e-12);
            double[] lo = new double[1];
            double[] hi = new double[1];
            try (Ibp ibp = new Ibp(net); Ibp.Centres z = ibp.firstLayer(be, x)) {
                ibp.bounds(be, z, new double[] {0.01}, lo, hi);
            }
            assertEquals(-1.466666666667e-01, lo[0], 1e-12);
            assertEquals(-9.229166666667e-02, hi[0], 1e-12);
        }
    }
}
