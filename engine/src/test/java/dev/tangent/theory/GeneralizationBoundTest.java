package dev.tangent.theory;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Paper A's bound L_S + 2R̂ + 3·√(ln(2/δ)/(2n)) (spec §5.3) at the confidence levels every run reports: the constant
 * term against its closed form evaluated by Python's math module, and the bound at one δ against another.
 */
class GeneralizationBoundTest {
    /** 3·sqrt(log(2/δ)/2000) by /usr/bin/python3's math module, for n = 1000 (spec §9 gives 0.056253 at δ = 0.99). */
    static final double[][] CONSTANTS = {{0.99, 0.05625290058175232}, {0.05, 0.12884082250402126}, {0.01, 0.15440993539751957}};

    @Test
    void constantTermMatchesItsClosedForm() {
        for (double[] c : CONSTANTS) {
            // one log, one division, one sqrt: a few ulps
            assertEquals(c[1], GeneralizationBound.confidenceTerm(c[0], 1000), 4 * Math.ulp(c[1]), "delta " + c[0]);
        }
        assertEquals(0.056253, GeneralizationBound.confidenceTerm(0.99, 1000), 5e-7, "spec §9's rounded value");
        // n enters as 1/√n
        assertEquals(CONSTANTS[2][1] * Math.sqrt(1000.0 / 1058), GeneralizationBound.confidenceTerm(0.01, 1058), 1e-15);
    }

    @Test
    void boundsAtTheReportedDeltasDifferOnlyByTheConstant() {
        // L_S = 0.5, aᵀKa = 4, tr K = 9, n = 1000: R̂ = 2·3/1000
        for (double[] c : CONSTANTS) {
            GeneralizationBound.Value v = GeneralizationBound.of(0.5, 4, 9, c[0], 1000);
            assertEquals(0.5 + 2 * 0.006 + c[1], v.bound(), 1e-15, "delta " + c[0]);
            assertEquals(c[0], v.delta());
        }
    }

    @Test
    void reportedDeltasPutTheRequestedOneFirst() {
        assertArrayEquals(new double[] {0.99, 0.05, 0.01}, GeneralizationBound.reportedDeltas(0.99));
        assertArrayEquals(new double[] {0.05, 0.99, 0.01}, GeneralizationBound.reportedDeltas(0.05));
        assertArrayEquals(new double[] {0.2, 0.99, 0.05, 0.01}, GeneralizationBound.reportedDeltas(0.2));
    }
}
