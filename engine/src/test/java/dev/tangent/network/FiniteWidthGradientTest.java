package dev.tangent.network;

import dev.tangent.TestData;
import dev.tangent.compute.Backend;
import dev.tangent.compute.JavaBackend;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16, acceptance 1: the gradient of every paper-B model's objective, mean square loss + ρ·penalty (its backward
 * pass plus the regulariser's gradient, as the trainer forms it), equals central finite differences in f64. RF and NT
 * are quadratic in their parameters, so the central difference is exact up to rounding; the network is piecewise
 * polynomial, and with h = 1e-6 the truncation (h²·L''' ~ 1e-12) and rounding (ε·L/h ~ 1e-10) errors both sit far
 * below the 1e-6 bound, relative to the largest gradient entry.
 */
class FiniteWidthGradientTest {
    private static final Backend BACKEND = new JavaBackend(1);
    private static final double RHO = 0.3;

    static FiniteWidthModel model(String kind, int outputs) {
        return switch (kind) {
            case "rf" -> RandomFeaturesModel.init(5, 7, outputs, DType.F64, 1990);
            case "nt" -> NeuralTangentModel.init(5, 7, outputs, DType.F64, 1990);
            case "nn1" -> MeanFieldNetwork.init(5, 7, outputs, 1, DType.F64, 3);
            default -> MeanFieldNetwork.init(5, 7, outputs, 2, DType.F64, 4);
        };
    }

    @ParameterizedTest
    @ValueSource(strings = {"rf", "nt", "nn1", "nn2"})
    void gradientOfTheObjectiveMatchesCentralDifferences(String kind) {
        for (int outputs : new int[] {1, 3}) {
            try (FiniteWidthModel m = model(kind, outputs); Matrix x = TestData.uniform(4, 5, DType.F64, 17)) {
                // move the linear models away from θ = 0 so every term of the gradient is exercised
                java.util.SplittableRandom r = new java.util.SplittableRandom(9);
                for (FiniteWidthModel.Parameter p : m.parameters()) {
                    for (int i = 0; i < p.value().rows(); i++) {
                        for (int j = 0; j < p.value().cols(); j++) {
                            p.value().set(i, j, p.value().get(i, j) + r.nextDouble(-0.5, 0.5));
                        }
                    }
                }
                SquareLoss.Targets t = outputs == 1 ? SquareLoss.Targets.real(new double[] {0.4, -1.1, 0.9, 0.2}, 0)
                        : SquareLoss.Targets.oneHot(new double[] {2, 0, 1, 2}, 3, "test");
                List<Matrix> grads = m.zerosLike();
                try (Matrix dOut = Matrix.allocate(4, outputs, DType.F64)) {
                    SquareLoss.evaluate(m.forward(BACKEND, x, null), t, null, 0, dOut);
                    m.backward(BACKEND, dOut, grads);
                }
                double h = 1e-6;
                double worst = 0;
                double scale = 0;
                for (int q = 0; q < m.parameters().size(); q++) {
                    FiniteWidthModel.Parameter p = m.parameters().get(q);
                    Matrix w = p.value();
                    for (int i = 0; i < w.rows(); i++) {
                        for (int j = 0; j < w.cols(); j++) {
                            double orig = w.get(i, j);
                            w.set(i, j, orig + h);
                            double up = objective(m, x, t);
                            w.set(i, j, orig - h);
                            double down = objective(m, x, t);
                            w.set(i, j, orig);
                            double fd = (up - down) / (2 * h);
                            double an = grads.get(q).get(i, j) + RHO * p.penalty() * orig;
                            worst = Math.max(worst, Math.abs(fd - an));
                            scale = Math.max(scale, Math.abs(an));
                        }
                    }
                }
                grads.forEach(Matrix::close);
                assertTrue(scale > 0 && worst / scale < 1e-6, kind + ", " + outputs + " outputs: worst |fd - analytic| / max|gradient| = "
                        + worst / scale);
            }
        }
    }

    private static double objective(FiniteWidthModel m, Matrix x, SquareLoss.Targets t) {
        return SquareLoss.evaluate(m.forward(BACKEND, x, null), t, null, 0, null).meanLoss() + RHO * m.penalty();
    }
}
