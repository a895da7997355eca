package dev.tangent.kernel;

import dev.tangent.TestData;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Spec §3.3: paper A's closed form ‖x‖‖x′‖h(u)/(2πd) equals the depth-1 recursion of §3.2 to 1e-12.
 *
 * <p>Near u = ±1 both forms are ill-conditioned (h′(u) ~ 1/√(1 − u²): an error of one ulp in u moves arccos u by about
 * √ε), so the 1e-12 claim is checked for |u| ≤ 0.999 (condition number ≤ 23) and, separately, nearly collinear pairs
 * must agree to the √ε level that their conditioning allows.
 */
class TwoLayerClosedFormTest {
    @Test
    void closedFormEqualsRecursionOnRandomPairs() {
        SplittableRandom r = new SplittableRandom(20211);
        double worst = 0;
        int checked = 0;
        for (int t = 0; t < 2000; t++) {
            int d = 1 + r.nextInt(800);
            double[] x = new double[d];
            double[] y = new double[d];
            double scale = Math.pow(10, r.nextDouble(-3, 3));
            for (int k = 0; k < d; k++) {
                x[k] = r.nextGaussian() * scale;
                // mix in some correlation so u covers [-1, 1]
                y[k] = r.nextDouble(-1, 1) * x[k] + r.nextGaussian() * scale * r.nextDouble();
            }
            double dot = 0, xx = 0, yy = 0;
            for (int k = 0; k < d; k++) {
                dot += x[k] * y[k];
                xx += x[k] * x[k];
                yy += y[k] * y[k];
            }
            double rec = NtkRecursion.pair(KernelSpec.ntk(1), dot, xx, yy, d).ntk();
            double closed = NtkRecursion.twoLayerClosedForm(dot, xx, yy, d);
            // relative to the kernel's scale ‖x‖‖y‖/d: h can cross zero, where a pure relative error is meaningless
            double err = Math.abs(rec - closed) / (Math.sqrt(xx * yy) / d);
            double u = dot / Math.sqrt(xx * yy);
            if (Math.abs(u) <= 0.999) {
                worst = Math.max(worst, err);
                checked++;
            } else {
                assertTrue(err <= 1e-7, "nearly collinear pair (u = " + u + "): " + err);
            }
        }
        assertTrue(worst <= 1e-12, "worst scaled difference " + worst);
        assertTrue(checked > 1500, "too few well-conditioned pairs: " + checked);
    }

    @Test
    void relativeAgreementAwayFromTheZeroOfH() {
        SplittableRandom r = new SplittableRandom(7);
        for (int t = 0; t < 1000; t++) {
            int d = 784;
            double[] x = new double[d];
            double[] y = new double[d];
            for (int k = 0; k < d; k++) {
                x[k] = r.nextDouble();
                y[k] = r.nextDouble() - 0.2;
            }
            double rec = NtkRecursion.pair(KernelSpec.ntk(1), x, y).ntk();
            double dot = 0, xx = 0, yy = 0;
            for (int k = 0; k < d; k++) {
                dot += x[k] * y[k];
                xx += x[k] * x[k];
                yy += y[k] * y[k];
            }
            double closed = NtkRecursion.twoLayerClosedForm(dot, xx, yy, d);
            assertTrue(TestData.relErr(rec, closed) <= 1e-12, "pair " + t + ": " + rec + " vs " + closed);
        }
    }
}
