package dev.tangent.network;

import dev.tangent.compute.Providers;
import dev.tangent.MnistSplits;
import dev.tangent.TestData;
import dev.tangent.compute.Backend;
import dev.tangent.compute.Backends;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Spec §3.4 and issue 5, acceptance 1: the empirical NTK of a wide two-layer network against the analytic NTK. */
class EmpiricalNtkTest {
    private static final Backend BACKEND = Backends.select("auto", 2).backend();

    @Test
    void closedFormEqualsJacobianInnerProducts() {
        try (FullyConnected net = FullyConnected.init(6, 9, 1, DType.F64, 3);
             Matrix x = TestData.uniform(4, 6, DType.F64, 8);
             Matrix closed = EmpiricalNtk.twoLayer(BACKEND, net, x, x);
             Matrix jac = EmpiricalNtk.fromJacobians(BACKEND, net, x)) {
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    // both are sums of the same 63 parameter products (9 units, 6 inputs): rounding ~1e-15 of the entry's
                    // scale √(Θ_ii Θ_jj), whatever the entry's own size
                    double scale = Math.sqrt(jac.get(i, i) * jac.get(j, j));
                    assertEquals(jac.get(i, j), closed.get(i, j), 1e-12 * scale);
                }
            }
        }
    }

    @Test
    void width100kIsWithinTwoPercentOfTheAnalyticNtkOnMnistPairs() {
        try (MnistSplits.Split s = MnistSplits.zeroOne(0, 6); Matrix x = s.x().copy(DType.F32);
             FullyConnected net = FullyConnected.init(784, 100_000, 1, DType.F32, 6);
             Matrix emp = EmpiricalNtk.twoLayer(BACKEND, net, x, x);
             Matrix ana = Providers.gram(Providers.cpu(BACKEND, 2), KernelSpec.ntk(1), s.x())) {
            double worst = 0;
            for (int i = 0; i < 6; i++) {
                for (int j = 0; j < 6; j++) {
                    worst = Math.max(worst, Math.abs(emp.get(i, j) - ana.get(i, j)) / ana.get(i, j));
                }
            }
            assertTrue(worst < 0.02, "worst relative gap " + worst);
        }
    }
}
