package dev.tangent.compute;

import dev.tangent.kernel.KernelSpec;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fitted one-step map of bias-free kernels against the scalar recursion over a dense cosine grid. */
class HomogeneousMapTest {
    @ParameterizedTest
    @CsvSource({"NTK,1,1.0", "NTK,2,1.0", "NTK,3,1.0", "NNGP,1,1.0", "NNGP,2,1.0", "NTK,2,1.7", "NNGP,3,0.6", "NTK,6,1.0"})
    void seriesMatchesTheRecursion(KernelSpec.Kind kind, int depth, double sw) {
        KernelSpec spec = KernelSpec.fc(kind, depth, sw, 0);
        HomogeneousMap hm = new HomogeneousMap(spec);
        double max = 0;
        for (int k = 0; k <= 2000; k++) {
            max = Math.max(max, Math.abs(HomogeneousMap.g(spec, -1 + k / 1000.0)));
        }
        double worstAbs = 0;
        double worst32 = 0;
        double worstInner = 0;
        double worstRel = 0;
        double worstFloat = 0;
        for (int k = 0; k <= 200_000; k++) {
            double u = -1 + k / 100_000.0;
            double ref = HomogeneousMap.g(spec, u);
            double err = Math.abs(hm.value(u) - ref);
            worstAbs = Math.max(worstAbs, err / max);
            float uf = (float) u;
            // the float-lane evaluation of f32 Grams, against G at the same (float) cosine
            worstFloat = Math.max(worstFloat, Math.abs(hm.value32(uf) - HomogeneousMap.g(spec, uf)) / max);
            worst32 = Math.max(worst32, Math.abs(HomogeneousMap.chebyshev(u, hm.pos32, hm.neg32) - ref) / max);
            if (Math.abs(u) <= 0.999) {
                worstInner = Math.max(worstInner, err / max);
                if (Math.abs(ref) >= 1e-3 * max) {
                    worstRel = Math.max(worstRel, err / Math.abs(ref));
                }
            }
        }
        System.out.printf("%s: degree %d, max error %.2e of max|G| (%.2e for |u| <= 0.999), %.2e relative where |G| >= 1e-3 max;"
                + " f32 series degree %d, max error %.2e, in float arithmetic %.2e%n", spec, hm.pos.length - 1, worstAbs, worstInner, worstRel,
                hm.pos32.length - 1, worst32, worstFloat);
        // float arithmetic: a few units of float rounding (6e-8) of max|G| through the square root and the two sums
        assertTrue(worstFloat <= 1e-6, spec + ": float evaluation error " + worstFloat + " of max|G|");
        assertTrue(worst32 <= 1e-8, spec + ": f32 series error " + worst32 + " of max|G|");
        // |u| > 0.999: the recursion itself is ill-conditioned there (√(1 − u²)), both sides carry √ε-level rounding
        assertTrue(worstAbs <= 1e-12, spec + ": max abs error " + worstAbs + " of max|G|");
        assertTrue(worstInner <= 5e-14, spec + ": max abs error " + worstInner + " of max|G| for |u| <= 0.999");
        assertTrue(worstRel <= 1e-12, spec + ": relative error " + worstRel);
    }
}
