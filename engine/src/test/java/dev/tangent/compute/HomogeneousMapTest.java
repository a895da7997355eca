package dev.tangent.compute;

import dev.tangent.kernel.KernelSpec;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fitted one-step map of bias-free kernels against the scalar recursion over a dense cosine grid. Each value is
 * judged against the error bound of {@link RoundingBounds.MapBound} at its own u (evaluation rounding, the fit's
 * truncated tail and noise, the reference's own rounding), not against one measured figure: the fit's cosines and the
 * reference's atan2 differ in the last bits from machine to machine.
 */
class HomogeneousMapTest {
    @ParameterizedTest
    @CsvSource({"NTK,1,1.0", "NTK,2,1.0", "NTK,3,1.0", "NNGP,1,1.0", "NNGP,2,1.0", "NTK,2,1.7", "NNGP,3,0.6", "NTK,6,1.0"})
    void seriesMatchesTheRecursionWithinItsErrorBound(KernelSpec.Kind kind, int depth, double sw) {
        KernelSpec spec = KernelSpec.fc(kind, depth, sw, 0);
        RoundingBounds.MapBound bound = new RoundingBounds.MapBound(spec);
        HomogeneousMap hm = bound.hm;
        double max = 0;
        for (int k = 0; k <= 2000; k++) {
            max = Math.max(max, Math.abs(HomogeneousMap.g(spec, -1 + k / 1000.0)));
        }
        double worstInner = 0;
        double boundInner = 0;
        double ratio64 = 0;
        double ratio32 = 0;
        double ratioFloat = 0;
        for (int k = 0; k <= 200_000; k++) {
            double u = -1 + k / 100_000.0;
            double ref = HomogeneousMap.g(spec, u);
            double err = Math.abs(hm.value(u) - ref);
            double b = bound.f64(u);
            assertTrue(err <= b, spec + ": |value(" + u + ") - G| = " + err + " above its bound " + b);
            ratio64 = Math.max(ratio64, err / b);
            if (Math.abs(u) <= 0.999) {
                worstInner = Math.max(worstInner, err / max);
                boundInner = Math.max(boundInner, b / max);
            }
            // the f32 series (truncated at 1e-9 of its largest coefficient), by Clenshaw in double
            double err32 = Math.abs(HomogeneousMap.chebyshev(u, hm.pos32, hm.neg32) - ref);
            double b32 = bound.series32(u);
            assertTrue(err32 <= b32, spec + ": f32 series at " + u + " errs " + err32 + ", bound " + b32);
            ratio32 = Math.max(ratio32, err32 / b32);
            // the float-lane evaluation of f32 Grams, against G at the same (float) cosine
            float uf = (float) u;
            double errFloat = Math.abs(hm.value32(uf) - HomogeneousMap.g(spec, uf));
            double bFloat = bound.f32(uf);
            assertTrue(errFloat <= bFloat, spec + ": float evaluation at " + uf + " errs " + errFloat + ", bound " + bFloat);
            ratioFloat = Math.max(ratioFloat, errFloat / bFloat);
        }
        System.out.printf("%s: degree %d, |u| <= 0.999: max error %.2e of max|G| (bound %.2e); error/bound at most %.3f (f64),"
                + " %.3f (f32 series, degree %d), %.3f (float lanes)%n", spec, hm.pos.length - 1, worstInner, boundInner,
                ratio64, ratio32, hm.pos32.length - 1, ratioFloat);
        // the bound is an error analysis, not a free pass: for |u| <= 0.999 the fit's tail and noise must stay below
        // 5e-13 of max|G| (docs/architecture.md), a few times what the worst-case rounding of an f64 dot product of
        // d = 784 inputs (γ_784 = 8.7e-14) already carries into the kernel; a shorter fit fails here
        assertTrue(boundInner <= 5e-13, spec + ": the error bound itself is " + boundInner + " of max|G| for |u| <= 0.999");
    }
}
