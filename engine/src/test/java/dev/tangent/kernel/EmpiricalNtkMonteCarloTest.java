package dev.tangent.kernel;

import dev.tangent.TestData;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec §3.1/§3.4: the empirical tangent kernel ⟨∂f/∂θ(x), ∂f/∂θ(x′)⟩ of a seeded two-layer network in NTK
 * parameterisation, f(x) = Σ_j w_j σ(W_j·x/√d)/√m with N(0,1) weights and width m = 200,000, agrees with the analytic
 * depth-1 NTK within 4 Monte-Carlo standard errors. The gradient inner product is a mean over hidden units of i.i.d.
 * terms, so its standard error is their sample standard deviation / √m.
 */
class EmpiricalNtkMonteCarloTest {
    @Test
    void wideNetworkMatchesAnalyticNtk() {
        double[][] p = TestData.goldenPair();
        double[] x = p[0];
        double[] y = p[1];
        int d = x.length;
        int m = 200_000;
        double dotXY = 0;
        for (int k = 0; k < d; k++) {
            dotXY += x[k] * y[k];
        }
        SplittableRandom rng = new SplittableRandom(6);
        double sum = 0;
        double sumSq = 0;
        double invSqrtD = 1 / Math.sqrt(d);
        for (int j = 0; j < m; j++) {
            double zx = 0;
            double zy = 0;
            for (int k = 0; k < d; k++) {
                double w = rng.nextGaussian();
                zx += w * x[k];
                zy += w * y[k];
            }
            zx *= invSqrtD;
            zy *= invSqrtD;
            double wOut = rng.nextGaussian();
            // per-unit gradient inner product, times m:
            //   ∂f/∂w_j = σ(z_j)/√m,  ∂f/∂W_j = w_j σ'(z_j) x /(√d √m)
            double t = Math.max(zx, 0) * Math.max(zy, 0)
                    + (zx > 0 && zy > 0 ? wOut * wOut * dotXY / d : 0);
            sum += t;
            sumSq += t * t;
        }
        double mean = sum / m;
        double sd = Math.sqrt((sumSq - m * mean * mean) / (m - 1));
        double se = sd / Math.sqrt(m);
        double analytic = NtkRecursion.pair(KernelSpec.ntk(1), x, y).ntk();
        assertTrue(Math.abs(mean - analytic) <= 4 * se,
                "empirical " + mean + " vs analytic " + analytic + " (4 SE = " + 4 * se + ")");
        // the test has power: a 5 % error in the kernel would be detected
        assertTrue(4 * se < 0.05 * analytic, "standard error too large to be a meaningful check: " + se);
    }
}
