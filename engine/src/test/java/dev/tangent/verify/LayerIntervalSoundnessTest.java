package dev.tangent.verify;

import dev.tangent.TangentException;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.kernel.NtkRecursion;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static dev.tangent.verify.SoundnessPropertyTest.dot;
import static dev.tangent.verify.SoundnessPropertyTest.sample;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The certificates' interval bounds for kernels beyond paper A's ReLU networks (erf, leaky ReLU, polynomial maps,
 * paper B's two-layer kernels): the kernel of 10⁴ points sampled in the ℓ∞ ball (uniformly and at vertices) against
 * each training point lies inside the bounds that the layers' interval rules give.
 */
class LayerIntervalSoundnessTest {
    static final List<String> SPECS = List.of("ntk:dense,erf,dense", "nngp:dense(1.2,0.3),erf(1.3,0.8,0.1),dense,relu,dense",
            "ntk:dense,leaky_relu(0.1),dense,leaky_relu(0.3),dense", "ntk:dense,relu,dense,poly(0.5,2),dense", "ntk2", "rf2",
            "poly(0.5,3)");

    @Test
    void layeredKernelIntervalsContainTheKernelOfEveryPointOfTheBall() {
        SplittableRandom r = new SplittableRandom(31);
        int checked = 0;
        for (String str : SPECS) {
            KernelSpec spec = KernelSpec.parse(str);
            for (int trial = 0; trial < 3; trial++) {
                int d = 3 + r.nextInt(20);
                int n = 5;
                double low = trial == 0 ? -0.2 : -1;
                double[][] xs = new double[n][d];
                for (double[] row : xs) {
                    for (int j = 0; j < d; j++) {
                        row[j] = r.nextDouble(low, 1);
                    }
                }
                double[] x = new double[d];
                for (int j = 0; j < d; j++) {
                    x[j] = trial == 2 ? -0.9 * xs[1][j] + 0.05 * r.nextDouble() : r.nextDouble(low, 1);
                }
                double delta = Math.pow(10, r.nextDouble(-3, 0)) * Math.sqrt(dot(x, x) / d);
                double[] norms = new double[n];
                double[] dots = new double[n];
                for (int i = 0; i < n; i++) {
                    norms[i] = Math.sqrt(dot(xs[i], xs[i]));
                    dots[i] = dot(x, xs[i]);
                }
                double[] lo = new double[n];
                double[] hi = new double[n];
                IntervalKernel.recursion(spec, dot(x, x), delta, d, dots, norms, n, lo, hi);
                for (int s = 0; s < 2000; s++) {
                    double[] y = sample(r, x, delta, s % 2 == 0);
                    for (int i = 0; i < n; i++) {
                        double k = NtkRecursion.pair(spec, y, xs[i]).of(spec.kind());
                        assertTrue(lo[i] <= k && k <= hi[i], str + " d " + d + " delta " + delta + " i " + i + ": " + k
                                + " outside [" + lo[i] + ", " + hi[i] + "]");
                        checked++;
                    }
                }
            }
        }
        assertEquals(SPECS.size() * 3 * 2000 * 5, checked);
    }

    @Test
    void nonMonotoneActivationsHaveNoIntervalRule() {
        TangentException e = assertThrows(TangentException.class, () -> IntervalKernel.recursion(
                KernelSpec.parse("ntk:dense,abrelu(-1,1),dense"), 1, 0.1, 2, new double[] {0.5}, new double[] {1}, 1, new double[1], new double[1]));
        assertTrue(e.getMessage().contains("non-decreasing"), e.getMessage());
    }
}
