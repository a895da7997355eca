package dev.tangent.experiment;

import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The benchmark inputs: unit01 is one-signed, centred is the same draws less their column means and mixed-sign. */
class BenchWorkflowTest {
    private static final int N = 300;
    private static final int D = 40;

    @Test
    void centredIsUnitDrawsLessColumnMeans() {
        try (Matrix u = BenchWorkflow.inputs(N, D, DType.F64, BenchWorkflow.Inputs.UNIT01, 5);
             Matrix c = BenchWorkflow.inputs(N, D, DType.F64, BenchWorkflow.Inputs.CENTRED, 5)) {
            for (int j = 0; j < D; j++) {
                double mean = 0;
                for (int i = 0; i < N; i++) {
                    assertTrue(u.get(i, j) >= 0 && u.get(i, j) < 1, "unit01 entry " + u.get(i, j));
                    mean += u.get(i, j);
                }
                mean /= N;
                double centredSum = 0;
                for (int i = 0; i < N; i++) {
                    // one subtraction of values below 1: rounding at most one ulp of 1
                    assertEquals(u.get(i, j) - mean, c.get(i, j), 0x1p-52, "entry " + i + "," + j);
                    centredSum += c.get(i, j);
                }
                // the mean's own rounding (N additions of partial sums below N, each at most ulp(N)/2, divided by N) plus
                // the rounding of each centred entry and of the sum above (at most an ulp of 1 each, divided by N)
                assertEquals(0, centredSum / N, Math.ulp((double) N) + 2 * 0x1p-52, "column " + j + " mean");
            }
        }
    }

    @Test
    void onlyCentredInputsGiveNegativeCosines() {
        assertEquals(0, negativeFraction(BenchWorkflow.Inputs.UNIT01));
        // centred cosines are symmetric about 0 in distribution (spread about 1/sqrt(D) = 0.16), so half are negative;
        // the band is many standard deviations of a fraction over N(N-1)/2 = 44,850 pairs wide
        double f = negativeFraction(BenchWorkflow.Inputs.CENTRED);
        assertTrue(f > 0.4 && f < 0.6, "fraction of negative cosines " + f);
    }

    @Test
    void parsesNamesAndRejectsOthers() {
        assertEquals(BenchWorkflow.Inputs.CENTRED, BenchWorkflow.Inputs.parse("Centered"));
        assertEquals(BenchWorkflow.Inputs.UNIT01, BenchWorkflow.Inputs.parse("unit01"));
        assertThrows(IllegalArgumentException.class, () -> BenchWorkflow.Inputs.parse("gaussian"));
    }

    private static double negativeFraction(BenchWorkflow.Inputs inputs) {
        try (Matrix x = BenchWorkflow.inputs(N, D, DType.F32, inputs, 9)) {
            long negative = 0;
            long pairs = 0;
            for (int i = 0; i < N; i++) {
                for (int k = i + 1; k < N; k++) {
                    double dot = 0;
                    for (int j = 0; j < D; j++) {
                        dot += x.get(i, j) * x.get(k, j);
                    }
                    negative += dot < 0 ? 1 : 0;
                    pairs++;
                }
            }
            return (double) negative / pairs;
        }
    }
}
