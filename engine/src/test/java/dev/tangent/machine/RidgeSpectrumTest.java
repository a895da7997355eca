package dev.tangent.machine;

import dev.tangent.RepositoryData;
import dev.tangent.compute.KernelProvider;
import dev.tangent.compute.Providers;
import dev.tangent.data.DataSource;
import dev.tangent.data.Dataset;
import dev.tangent.data.Normalization;
import dev.tangent.data.Selection;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ridge plan's estimate of λ_min(K), the quantity CG's iteration counts hinge on at small regs: against the exact
 * smallest eigenvalue of the whole Gram (LAPACK), and the power law of nested sample minima against its closed form.
 */
class RidgeSpectrumTest {
    @Test
    void nestedMinimaFollowTheirPowerLawToN() {
        double[] sample = {100, 50, 10, 4};
        // μ_min(m) = 40·m^(−1/2) at m = 128, 256, 512: carried to n = 8,192 it is 40/√8192
        int[] sizes = {128, 256, 512};
        double[] mins = new double[3];
        for (int i = 0; i < 3; i++) {
            mins[i] = 40 / Math.sqrt(sizes[i]);
        }
        RidgePlan.Spectrum s = new RidgePlan.Spectrum(8192, sample, mins, sizes);
        assertEquals(40 / Math.sqrt(8192), s.lambdaMin(), 1e-12 * 40);
        // a minimum that rises with the sample (noise) is not carried up: the sample's own μ_min stays the estimate
        RidgePlan.Spectrum rising = new RidgePlan.Spectrum(8192, sample, new double[] {1, 2, 3}, sizes);
        assertEquals(3, rising.lambdaMin(), 0, "capped at the sample's μ_min");
        assertEquals(4, new RidgePlan.Spectrum(8192, sample).lambdaMin(), 0, "no nested samples: μ_min");
    }

    @Test
    void lambdaMinOfAFashionMnistNtkGramFromAnEighthOfItsPoints() {
        RepositoryData.fashionMnistDir();
        int n = 4096;
        KernelProvider provider = Providers.auto(2);
        try (Dataset train = DataSource.parse("fashion-mnist:train", "--train").load(DType.F64, new Selection(null, null, n),
                Normalization.SPHERE, "--train");
             Matrix gram = Providers.gram(provider, KernelSpec.parse("ntk2"), train.x())) {
            RidgePlan.Measured m = RidgePlan.measure(provider, KernelSpec.parse("ntk2"), train.x(), DType.F64, 0, 512);
            double[] w = new double[n];
            assertEquals(0, provider.backend().syevd(gram, w));
            double exact = w[0];
            double sampleMin = m.spectrum().sampleDescending()[511];
            double estimate = m.spectrum().lambdaMin();
            // the sample's μ_min (the old estimate) is far above the truth; the nested power law moves toward it without
            // passing it by more than 1.5× (λ_min is set by the closest pair of images, which an eighth of the points
            // seldom holds: measured here, λ_min 4.18 at 4,096 points against 4.32 at 512 stride-8 points and 30.98 at 256)
            assertTrue(sampleMin > 2 * exact, "μ_min of 512 points " + sampleMin + " vs λ_min " + exact);
            assertTrue(estimate < sampleMin && estimate > exact / 1.5, "estimate " + estimate + " vs exact " + exact + " and μ_min "
                    + sampleMin);
        }
    }
}
