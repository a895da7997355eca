package dev.tangent.machine;

import dev.tangent.TangentException;
import dev.tangent.memory.DType;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The memory side of the ridge plan against the closed forms of the issue (an f32 60,000² Gram is 14.4 GB). */
class RidgePlanTest {
    private static final int N = 60_000;
    private static final long GRAM = 4L * N * N; // f32

    private static double[] fmnistRegs() {
        double[] r = new double[20];
        for (int i = 0; i < 20; i++) {
            r[i] = Math.pow(10, i == 19 ? 5 : -1 + i * 6.0 / 19);
        }
        return r;
    }

    private static RidgePlan.Choice choose(RidgePlan.Family f, long budget, boolean hostOps) {
        double[] sample = new double[2048];
        for (int k = 0; k < sample.length; k++) { // a kernel-like decay: λ_k ≈ 1e6/k² + 10
            sample[k] = 1e6 / ((k + 1.0) * (k + 1.0)) + 10;
        }
        RidgePlan.Rates rates = new RidgePlan.Rates(1e11, 4e11, 2e11, 1e-9, 1e-8, 1e-8, RidgePlan.Rates.EIGH_PER_POTRF);
        RidgePlan.Shape s = new RidgePlan.Shape(N, 10_000, 10, fmnistRegs(), DType.F32, 1e-6, 1000, 1L << 30, budget, f, -1, 0, null);
        return RidgePlan.choose(s, rates, new RidgePlan.Spectrum(N, sample), 0, hostOps);
    }

    private static RidgePlan.Candidate named(RidgePlan.Choice c, String prefix) {
        return c.candidates().stream().filter(k -> k.name().startsWith(prefix)).findFirst().orElseThrow();
    }

    @Test
    void inPlaceCholeskySharesOneArrayWithTheGram() {
        RidgePlan.Choice c = choose(RidgePlan.Family.CHOLESKY, 20L << 30, true);
        RidgePlan.Candidate copy = named(c, "cholesky on a copy");
        RidgePlan.Candidate inPlace = named(c, "cholesky in place");
        // the factor on a copy needs a second n² array; in place it lives in the Gram's other triangle
        assertEquals(GRAM, copy.bytes() - inPlace.bytes());
        assertFalse(copy.feasible(), "Gram + copy = 28.8 GB > 20 GiB");
        assertTrue(inPlace.feasible());
        assertTrue(c.chosen().settings().inPlace());
        assertTrue(c.chosen().bytes() <= 20L << 30);
    }

    @Test
    void eighNeedsFourGramsAndDoesNotFitIn20GiB() {
        RidgePlan.Choice c = choose(RidgePlan.Family.AUTO, 20L << 30, true);
        RidgePlan.Candidate eigh = named(c, "eigh");
        assertTrue(eigh.bytes() >= 4 * GRAM, "K, its copy and LAPACK's workspace: " + eigh.bytes());
        assertFalse(eigh.feasible());
        assertTrue(c.chosen().feasible() && c.chosen().bytes() <= 20L << 30);
        // with memory enough, LAPACK's 32-bit workspace size (1 + 6n + 2n² > 2^31 − 1 at n = 60,000) still rules it out
        RidgePlan.Candidate big = named(choose(RidgePlan.Family.AUTO, 1L << 40, true), "eigh");
        assertFalse(big.feasible());
        assertTrue(big.why().contains("32-bit"), big.why());
    }

    @Test
    void aProviderWithoutInPlaceOrMatrixFreeGetsNeither() {
        RidgePlan.Choice c = choose(RidgePlan.Family.AUTO, 40L << 30, false);
        assertFalse(c.chosen().settings().inPlace(), c.chosen().name());
        assertTrue(c.chosen().storedGram(), c.chosen().name());
        assertThrows(TangentException.class, () -> choose(RidgePlan.Family.CHOLESKY, 20L << 30, false));
    }

    @Test
    void nystromCountsItsBuildAtItsPeak() {
        RidgePlan.Choice c = choose(RidgePlan.Family.CG, 20L << 30, true);
        RidgePlan.Candidate stored = named(c, "cg, nystrom rank 4000, stored Gram");
        long r = 4000;
        long cg = 8L * 8 * N * 20 * 10; // five vectors and three packed blocks per column, f64, 200 columns
        // the Gram, the n × r columns, and the r × r blocks of the two eigendecompositions (4 r² doubles, 512 MB here)
        assertEquals((1L << 30) + GRAM + 8L * N * r + 32L * r * r + cg, stored.bytes());
    }
}
