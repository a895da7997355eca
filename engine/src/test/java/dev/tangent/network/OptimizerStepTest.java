package dev.tangent.network;

import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 16, acceptance 1: Adam and momentum steps against a hand-written reference, here in plain arrays, from the
 * textbook forms of TensorFlow 1.x's documented updates (Adam: m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g²,
 * θ ← θ − lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ)·m/(√v + ε); momentum: a ← μa + g, θ ← θ − lr·a), with g = scale·(∇ + ρ·penalty·θ)
 * on the mean-field network's parameters (scales N, N, N·C, 1; penalty on W₁ only). Two steps, so the state carries
 * over. The engine's algebraically equal forms (m += (g − m)(1 − β₁)) differ by a few ulps: 1e-13 relative in f64;
 * in f32 within 2e-6 of the f64 reference (a few float ulps per operation over two steps).
 */
class OptimizerStepTest {
    private static final double RHO = 0.02;

    private static List<double[]> snapshot(FiniteWidthModel m) {
        List<double[]> out = new ArrayList<>();
        for (FiniteWidthModel.Parameter p : m.parameters()) {
            out.add(Parameters.flatten(List.of(p)));
        }
        return out;
    }

    private static List<Matrix> gradients(FiniteWidthModel m, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        List<Matrix> g = m.zerosLike();
        for (Matrix x : g) {
            for (int i = 0; i < x.rows(); i++) {
                for (int j = 0; j < x.cols(); j++) {
                    x.set(i, j, r.nextDouble(-1, 1));
                }
            }
        }
        return g;
    }

    @Test
    void adamMatchesTheTextbookUpdate() {
        for (DType t : DType.values()) {
            try (MeanFieldNetwork m = MeanFieldNetwork.init(3, 4, 2, 1, t, 5); Optimizer opt = Optimizer.adam(m)) {
                List<double[]> theta = snapshot(m);
                List<double[]> ms = new ArrayList<>();
                List<double[]> vs = new ArrayList<>();
                theta.forEach(a -> {
                    ms.add(new double[a.length]);
                    vs.add(new double[a.length]);
                });
                double[] lrs = {0.001, 0.0005};
                for (int step = 1; step <= 2; step++) {
                    List<Matrix> g = gradients(m, step);
                    for (int q = 0; q < theta.size(); q++) {
                        FiniteWidthModel.Parameter p = m.parameters().get(q);
                        double[] grad = Parameters.flatten(List.of(new FiniteWidthModel.Parameter("", g.get(q), 0, 1)));
                        double[] th = theta.get(q);
                        for (int i = 0; i < th.length; i++) {
                            double gi = p.gradientScale() * (grad[i] + RHO * p.penalty() * th[i]);
                            ms.get(q)[i] = 0.9 * ms.get(q)[i] + 0.1 * gi;
                            vs.get(q)[i] = 0.999 * vs.get(q)[i] + 0.001 * gi * gi;
                            double alpha = lrs[step - 1] * Math.sqrt(1 - Math.pow(0.999, step)) / (1 - Math.pow(0.9, step));
                            th[i] -= alpha * ms.get(q)[i] / (Math.sqrt(vs.get(q)[i]) + 1e-8);
                        }
                    }
                    opt.step(m.parameters(), g, RHO, lrs[step - 1]);
                    g.forEach(Matrix::close);
                }
                compare(theta, snapshot(m), t);
            }
        }
    }

    @Test
    void momentumMatchesTheTextbookUpdate() {
        for (DType t : DType.values()) {
            try (MeanFieldNetwork m = MeanFieldNetwork.init(3, 4, 2, 1, t, 6); Optimizer opt = Optimizer.momentum(m)) {
                List<double[]> theta = snapshot(m);
                List<double[]> acc = new ArrayList<>();
                theta.forEach(a -> acc.add(new double[a.length]));
                double[] lrs = {0.01, 0.02};
                for (int step = 1; step <= 2; step++) {
                    List<Matrix> g = gradients(m, 10 + step);
                    for (int q = 0; q < theta.size(); q++) {
                        FiniteWidthModel.Parameter p = m.parameters().get(q);
                        double[] grad = Parameters.flatten(List.of(new FiniteWidthModel.Parameter("", g.get(q), 0, 1)));
                        double[] th = theta.get(q);
                        for (int i = 0; i < th.length; i++) {
                            double gi = p.gradientScale() * (grad[i] + RHO * p.penalty() * th[i]);
                            acc.get(q)[i] = 0.9 * acc.get(q)[i] + gi;
                            th[i] -= lrs[step - 1] * acc.get(q)[i];
                        }
                    }
                    opt.step(m.parameters(), g, RHO, lrs[step - 1]);
                    g.forEach(Matrix::close);
                }
                compare(theta, snapshot(m), t);
            }
        }
    }

    private static void compare(List<double[]> expected, List<double[]> actual, DType t) {
        double tol = t == DType.F64 ? 1e-13 : 2e-6;
        for (int q = 0; q < expected.size(); q++) {
            double[] e = expected.get(q);
            double[] a = actual.get(q);
            double scale = 0;
            for (double v : e) {
                scale = Math.max(scale, Math.abs(v));
            }
            for (int i = 0; i < e.length; i++) {
                assertEquals(e[i], a[i], tol * scale, t + " parameter " + q + " entry " + i);
            }
        }
    }
}
