package dev.tangent.network;

import dev.tangent.TestData;
import dev.tangent.compute.Backend;
import dev.tangent.compute.Backends;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.kernel.NtkRecursion;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec §3.1/§3.4: the empirical tangent kernel Θ̂ = ⟨∂f/∂θ(x), ∂f/∂θ(x′)⟩ that {@link EmpiricalNtk} computes for a
 * seeded two-layer network in NTK parameterisation (N(0,1) weights) is an unbiased Monte-Carlo estimate of the
 * analytic depth-1 NTK: a mean over the m hidden units of i.i.d. terms. Over R independently seeded networks the
 * mean of Θ̂ must lie within 4 standard errors (the sample sd of the R values / √R) of the analytic value, for the
 * golden pair of spec §9 and both diagonals.
 */
class EmpiricalNtkMonteCarloTest {
    private static final Backend BACKEND = Backends.select("auto", 2).backend();

    @Test
    void meanOverSeededNetworksMatchesTheAnalyticNtk() {
        double[][] p = TestData.goldenPair();
        int d = p[0].length;
        int width = 10_000;
        int r = 40;
        double[] flat = new double[2 * d];
        System.arraycopy(p[0], 0, flat, 0, d);
        System.arraycopy(p[1], 0, flat, d, d);
        double[][] sum = new double[2][2];
        double[][] sumSq = new double[2][2];
        try (Matrix x = Matrix.of(2, d, DType.F64, flat)) {
            for (int seed = 1; seed <= r; seed++) {
                try (FullyConnected net = FullyConnected.init(d, width, 1, DType.F64, seed);
                     Matrix k = EmpiricalNtk.twoLayer(BACKEND, net, x, x)) {
                    for (int i = 0; i < 2; i++) {
                        for (int j = 0; j < 2; j++) {
                            sum[i][j] += k.get(i, j);
                            sumSq[i][j] += k.get(i, j) * k.get(i, j);
                        }
                    }
                }
            }
        }
        for (int i = 0; i < 2; i++) {
            for (int j = i; j < 2; j++) {
                double mean = sum[i][j] / r;
                double sd = Math.sqrt((sumSq[i][j] - r * mean * mean) / (r - 1));
                double se = sd / Math.sqrt(r);
                double analytic = NtkRecursion.pair(KernelSpec.ntk(1), p[i], p[j]).ntk();
                String at = "Θ(" + (i == 0 ? "x" : "z") + ", " + (j == 0 ? "x" : "z") + ")";
                assertTrue(Math.abs(mean - analytic) <= 4 * se, at + ": mean of " + r + " networks " + mean + " vs analytic "
                        + analytic + " (4 SE = " + 4 * se + ")");
                // the test has power: an error of 2 % of the entry's scale √(Θ(a,a)Θ(b,b)) would be detected
                double scale = Math.sqrt(NtkRecursion.pair(KernelSpec.ntk(1), p[i], p[i]).ntk()
                        * NtkRecursion.pair(KernelSpec.ntk(1), p[j], p[j]).ntk());
                assertTrue(4 * se < 0.02 * scale, at + ": standard error too large to be a meaningful check: " + se);
            }
        }
    }
}
