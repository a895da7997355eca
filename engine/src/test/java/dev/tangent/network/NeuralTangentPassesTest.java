package dev.tangent.network;

import dev.tangent.compute.Backend;
import dev.tangent.compute.JavaBackend;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The NT model's fused forward and backward passes (spec §7.3) against the definitions evaluated here in f64 with plain
 * loops: ŷ = σ(Z)·a + 1·cᵀ + (s(Z) ⊙ X·Gᵀ)·a₀ᵀ, and for ∂ŷ: ∂a = σ(Z)ᵀ·∂ŷ, ∂c = 1ᵀ·∂ŷ, ∂G = (s(Z) ⊙ ∂ŷ·a₀)ᵀ·X, with
 * the reference's gate s = 1 above 0, ½ at 0, 0 below. Z has exact zeros (the ½), widths are not multiples of any
 * vector length, and the batch spans three row blocks, the last one partial.
 */
class NeuralTangentPassesTest {
    private static final int B = 2 * NeuralTangentModel.CHUNK + 76;
    private static final int D = 13;

    private static void fill(Matrix m, SplittableRandom r) {
        for (int i = 0; i < m.rows(); i++) {
            for (int j = 0; j < m.cols(); j++) {
                m.set(i, j, r.nextDouble(-1, 1));
            }
        }
    }

    private static double gate(double z) {
        return z > 0 ? 1 : z == 0 ? 0.5 : 0;
    }

    @Test
    void fusedPassesEqualTheDefinitions() {
        for (DType dtype : new DType[] {DType.F32, DType.F64}) {
            for (int width : new int[] {37, 203}) {
                for (int outputs : new int[] {1, 3}) {
                    check(dtype, width, outputs);
                }
            }
        }
    }

    private static void check(DType dtype, int width, int outputs) {
        String at = dtype + ", N " + width + ", C " + outputs;
        SplittableRandom r = new SplittableRandom(width * 31L + outputs);
        try (NeuralTangentModel m = NeuralTangentModel.init(D, width, outputs, dtype, 1990);
             Matrix x = Matrix.allocate(B, D, dtype); Matrix dOut = Matrix.allocate(B, outputs, dtype)) {
            fill(x, r);
            fill(dOut, r);
            for (FiniteWidthModel.Parameter p : m.parameters()) {
                fill(p.value(), r);
            }
            Backend serial = new JavaBackend(1);
            try (Matrix z = m.frozenFeatures(serial, x)) {
                int zeros = 0;
                for (int i = 0; i < B; i++) {
                    for (int j = 0; j < width; j++) {
                        if ((i + 3 * j) % 7 == 0) {
                            z.set(i, j, 0.0);
                            zeros++;
                        }
                    }
                }
                assertTrue(zeros > 0);
                Matrix a = m.parameters().get(0).value();
                Matrix c = m.parameters().get(1).value();
                Matrix g = m.parameters().get(2).value();
                Matrix a0 = m.secondLayerAtInit();
                double[][] expect = new double[B][outputs];
                double[][] expectAbs = new double[B][outputs];
                double[][] mRef = new double[B][width];
                double[][] mAbs = new double[B][width];
                for (int i = 0; i < B; i++) {
                    for (int j = 0; j < width; j++) {
                        double zij = z.get(i, j);
                        double pij = 0;
                        double pAbs = 0;
                        for (int l = 0; l < D; l++) {
                            pij += x.get(i, l) * g.get(j, l);
                            pAbs += Math.abs(x.get(i, l) * g.get(j, l));
                        }
                        for (int k = 0; k < outputs; k++) {
                            double h = Math.max(zij, 0) * a.get(j, k);
                            double q = gate(zij) * a0.get(k, j);
                            expect[i][k] += h + q * pij;
                            expectAbs[i][k] += Math.abs(h) + Math.abs(q) * pAbs;
                            mRef[i][j] += gate(zij) * dOut.get(i, k) * a0.get(k, j);
                            mAbs[i][j] += Math.abs(gate(zij) * dOut.get(i, k) * a0.get(k, j));
                        }
                    }
                    for (int k = 0; k < outputs; k++) {
                        expect[i][k] += c.get(0, k);
                        expectAbs[i][k] += Math.abs(c.get(0, k));
                    }
                }
                // K rounded products summed in any order: |error| ≤ K·u·Σ|terms|; K = d+2N+2 (ŷ), B+1 (∂a, ∂c), B+C+2 (∂G)
                double u = dtype == DType.F32 ? 0x1p-24 : 0x1p-53;
                double[] previous = null;
                for (int threads : new int[] {1, 3}) {
                    Backend backend = new JavaBackend(threads);
                    Matrix y = m.forward(backend, x, z);
                    for (int i = 0; i < B; i++) {
                        for (int k = 0; k < outputs; k++) {
                            assertEquals(expect[i][k], y.get(i, k), (D + 2 * width + 2) * u * expectAbs[i][k], at + ": ŷ at " + i + ", " + k);
                        }
                    }
                    List<Matrix> grads = m.zerosLike();
                    m.backward(backend, dOut, grads);
                    for (int k = 0; k < outputs; k++) {
                        double dc = 0;
                        double dcAbs = 0;
                        for (int j = 0; j < width; j++) {
                            double da = 0;
                            double daAbs = 0;
                            for (int i = 0; i < B; i++) {
                                da += Math.max(z.get(i, j), 0) * dOut.get(i, k);
                                daAbs += Math.abs(Math.max(z.get(i, j), 0) * dOut.get(i, k));
                            }
                            assertEquals(da, grads.get(0).get(j, k), (B + 1) * u * daAbs, at + ": ∂a at " + j + ", " + k);
                        }
                        for (int i = 0; i < B; i++) {
                            dc += dOut.get(i, k);
                            dcAbs += Math.abs(dOut.get(i, k));
                        }
                        assertEquals(dc, grads.get(1).get(0, k), (B + 1) * u * dcAbs, at + ": ∂c at " + k);
                    }
                    for (int j = 0; j < width; j++) {
                        for (int l = 0; l < D; l++) {
                            double dg = 0;
                            double dgAbs = 0;
                            for (int i = 0; i < B; i++) {
                                dg += mRef[i][j] * x.get(i, l);
                                dgAbs += mAbs[i][j] * Math.abs(x.get(i, l));
                            }
                            assertEquals(dg, grads.get(2).get(j, l), (B + outputs + 2) * u * dgAbs, at + ": ∂G at " + j + ", " + l);
                        }
                    }
                    double[] all = flatten(y, grads);
                    if (previous != null) {
                        assertArrayEquals(previous, all, 0.0, at + ": 1 and 3 threads differ");
                    }
                    previous = all;
                    grads.forEach(Matrix::close);
                }
            }
        }
    }

    private static double[] flatten(Matrix y, List<Matrix> grads) {
        int n = y.rows() * y.cols();
        for (Matrix q : grads) {
            n += q.rows() * q.cols();
        }
        double[] v = new double[n];
        int at = 0;
        for (Matrix q : Stream.concat(Stream.of(y), grads.stream()).toList()) {
            for (int i = 0; i < q.rows(); i++) {
                for (int j = 0; j < q.cols(); j++) {
                    v[at++] = q.get(i, j);
                }
            }
        }
        return v;
    }
}
