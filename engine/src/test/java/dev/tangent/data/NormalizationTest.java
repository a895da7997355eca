package dev.tangent.data;

import dev.tangent.TestData;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The closed-form properties of each normalisation. */
class NormalizationTest {
    @Test
    void sphereCentresAndScalesToRootD() {
        try (Matrix x = TestData.uniform(20, 37, DType.F64, 4)) {
            Normalization.SPHERE.apply(x);
            for (int i = 0; i < 20; i++) {
                double mean = 0;
                double ss = 0;
                for (int j = 0; j < 37; j++) {
                    mean += x.get(i, j);
                    ss += x.get(i, j) * x.get(i, j);
                }
                assertEquals(0, mean / 37, 1e-15);
                assertEquals(37, ss, 1e-12);
            }
        }
    }

    @Test
    void standardGivesZeroMeanUnitVariancePerFeature() {
        try (Matrix x = TestData.uniform(50, 6, DType.F64, 5)) {
            Normalization.STANDARD.apply(x);
            for (int j = 0; j < 6; j++) {
                double mean = 0;
                double ss = 0;
                for (int i = 0; i < 50; i++) {
                    mean += x.get(i, j);
                    ss += x.get(i, j) * x.get(i, j);
                }
                assertEquals(0, mean / 50, 1e-15);
                assertEquals(1, ss / 50, 1e-12);
            }
        }
    }

    @Test
    void unitDividesBy255() {
        try (Matrix x = Matrix.of(1, 3, DType.F32, 0, 51, 255)) {
            Normalization.UNIT.apply(x);
            assertEquals(0.2, x.get(0, 1), 1e-7);
            assertEquals(1.0, x.get(0, 2), 0.0);
        }
    }
}
