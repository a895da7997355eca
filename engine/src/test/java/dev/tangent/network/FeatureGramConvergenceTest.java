package dev.tangent.network;

import dev.tangent.TestData;
import dev.tangent.compute.Backend;
import dev.tangent.compute.JavaBackend;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.kernel.NtkRecursion;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 16, acceptance 1: as the width N grows, the Gram of the models' features divided by N tends to its kernel,
 * computed by the kernel layers ({@code rf2}, {@code ntk2} through {@link NtkRecursion}, an independent code path).
 * The first layer's columns are uniform on the unit sphere, so by rotation invariance E_w[σ(⟨w,x⟩)σ(⟨w,x′⟩)] =
 * rf2(x, x′)/d exactly (rf2 = E_g over g ~ N(0, I), and E‖g‖² = d), and E[s(x)s(x′)]·E[a₀²] = (π − θ)/(2π), so:
 * <pre>
 *   RF:  ΦΦᵀ/N → rf2/d,      NT (one output, intercept removed):  JJᵀ/N − 1/N → rf2/d + (ntk2 − rf2)
 * </pre>
 * Monte-Carlo tolerance: each entry is a mean of N i.i.d. per-feature terms; it must lie within 5 standard errors
 * (the terms' sample deviation/√N) of the limit, for N = 1,000, 16,000 and 128,000 (55 pairs each: a 5σ miss has
 * probability about 6e-7 per entry, and the draw is fixed by seed 1990).
 */
class FeatureGramConvergenceTest {
    private static final Backend BACKEND = new JavaBackend(2);
    private static final int D = 8;
    private static final int POINTS = 10;
    private static final KernelSpec RF2 = KernelSpec.parse("rf2");
    private static final KernelSpec NTK2 = KernelSpec.parse("ntk2");

    private static double[] row(Matrix x, int i) {
        return x.row(i);
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int k = 0; k < a.length; k++) {
            s += a[k] * b[k];
        }
        return s;
    }

    @Test
    void randomFeaturesGramTendsToTheRfKernel() {
        try (Matrix x = TestData.uniform(POINTS, D, DType.F64, 21)) {
            List<Double> worst = new ArrayList<>();
            for (int n : new int[] {1_000, 16_000, 128_000}) {
                try (RandomFeaturesModel rf = RandomFeaturesModel.init(D, n, 1, DType.F64, 1990); Matrix phi = rf.frozenFeatures(BACKEND, x)) {
                    double w = 0;
                    for (int i = 0; i < POINTS; i++) {
                        for (int j = 0; j <= i; j++) {
                            double limit = NtkRecursion.pair(RF2, row(x, i), row(x, j)).nngp() / D;
                            double[] terms = new double[n];
                            for (int m = 0; m < n; m++) {
                                terms[m] = phi.get(i, m) * phi.get(j, m);
                            }
                            w = Math.max(w, check(terms, limit, "RF N=" + n + " (" + i + "," + j + ")"));
                        }
                    }
                    worst.add(w);
                }
            }
            assertTrue(worst.get(2) < worst.get(0), "the error shrinks with N: " + worst);
        }
    }

    @Test
    void neuralTangentGramTendsToTheNtk() {
        try (Matrix x = TestData.uniform(POINTS, D, DType.F64, 22)) {
            for (int n : new int[] {1_000, 16_000, 128_000}) {
                try (NeuralTangentModel nt = NeuralTangentModel.init(D, n, 1, DType.F64, 1990); Matrix z = nt.frozenFeatures(BACKEND, x)) {
                    double[][] jac = new double[POINTS][];
                    List<Matrix> grads = nt.zerosLike();
                    try (Matrix one = Matrix.of(1, 1, DType.F64, 1.0)) {
                        for (int i = 0; i < POINTS; i++) {
                            nt.forward(BACKEND, x.rows(i, 1), null);
                            nt.backward(BACKEND, one, grads);
                            jac[i] = new double[(int) nt.parameterCount()];
                            Parameters.accumulate(grads, jac[i]);
                        }
                    }
                    grads.forEach(Matrix::close);
                    Matrix a0 = nt.secondLayerAtInit();
                    for (int i = 0; i < POINTS; i++) {
                        for (int j = 0; j <= i; j++) {
                            double[] xi = row(x, i);
                            double[] xj = row(x, j);
                            double rf2 = NtkRecursion.pair(RF2, xi, xj).nngp();
                            double limit = rf2 / D + NtkRecursion.pair(NTK2, xi, xj).ntk() - rf2;
                            double gram = (dot(jac[i], jac[j]) - 1) / n;
                            // the per-feature terms, for the standard error only
                            double xx = dot(xi, xj);
                            double[] terms = new double[n];
                            for (int m = 0; m < n; m++) {
                                double zi = z.get(i, m);
                                double zj = z.get(j, m);
                                double a = a0.get(0, m);
                                terms[m] = Math.max(zi, 0) * Math.max(zj, 0) + xx * gate(zi) * gate(zj) * a * a;
                            }
                            double se = deviation(terms) / Math.sqrt(n);
                            assertTrue(Math.abs(gram - limit) <= 5 * se, "NT N=" + n + " (" + i + "," + j + "): Gram/N " + gram + ", limit "
                                    + limit + ", 5 standard errors " + 5 * se);
                        }
                    }
                }
            }
        }
    }

    private static double gate(double z) {
        return z > 0 ? 1 : z == 0 ? 0.5 : 0;
    }

    /** |mean − limit| in standard errors, asserted ≤ 5. */
    private static double check(double[] terms, double limit, String what) {
        double mean = 0;
        for (double t : terms) {
            mean += t;
        }
        mean /= terms.length;
        double se = deviation(terms) / Math.sqrt(terms.length);
        assertTrue(Math.abs(mean - limit) <= 5 * se, what + ": mean " + mean + ", limit " + limit + ", 5 standard errors " + 5 * se);
        return Math.abs(mean - limit);
    }

    private static double deviation(double[] t) {
        double mean = 0;
        for (double v : t) {
            mean += v;
        }
        mean /= t.length;
        double ss = 0;
        for (double v : t) {
            ss += (v - mean) * (v - mean);
        }
        return Math.sqrt(ss / (t.length - 1));
    }
}
