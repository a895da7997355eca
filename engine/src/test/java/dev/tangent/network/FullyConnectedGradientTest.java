package dev.tangent.network;

import dev.tangent.TestData;
import dev.tangent.compute.Backend;
import dev.tangent.compute.JavaBackend;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 5, acceptance 1: the analytic gradient equals central finite differences (f64) for depths 1–3. */
class FullyConnectedGradientTest {
    private static final Backend BACKEND = new JavaBackend(1);

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void backwardMatchesCentralDifferences(int depth) {
        try (FullyConnected net = FullyConnected.init(5, 7, depth, DType.F64, 11 + depth);
             Matrix x = TestData.uniform(3, 5, DType.F64, depth)) {
            double[] dOut = {0.7, -1.3, 0.4};
            List<Matrix> grads;
            try (FullyConnected.Activations a = net.forwardKeep(BACKEND, x)) {
                grads = net.backward(BACKEND, a, dOut);
            }
            double h = 1e-6;
            double worst = 0;
            for (int k = 0; k <= depth; k++) {
                Matrix w = net.weight(k);
                for (int i = 0; i < w.rows(); i++) {
                    for (int j = 0; j < w.cols(); j++) {
                        double orig = w.get(i, j);
                        w.set(i, j, orig + h);
                        double up = objective(net, x, dOut);
                        w.set(i, j, orig - h);
                        double down = objective(net, x, dOut);
                        w.set(i, j, orig);
                        double fd = (up - down) / (2 * h);
                        double an = grads.get(k).get(i, j);
                        double err = Math.abs(fd - an) / Math.max(1e-3, Math.abs(fd) + Math.abs(an));
                        worst = Math.max(worst, err);
                    }
                }
            }
            grads.forEach(Matrix::close);
            assertTrue(worst < 1e-6, "depth " + depth + ": worst relative difference " + worst);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 3})
    void fusedDescentEqualsGradientThenStep(int depth) {
        try (FullyConnected a = FullyConnected.init(6, 9, depth, DType.F64, 5 + depth); FullyConnected b = a.copy();
             Matrix x = TestData.uniform(4, 6, DType.F64, 7)) {
            double[] dOut = {0.3, -0.9, 0.0, 1.2};
            double lr = 0.7;
            double decay = 0.05;
            try (FullyConnected.Activations act = a.forwardKeep(BACKEND, x)) {
                a.descend(BACKEND, act, dOut, lr, decay);
            }
            List<Matrix> grads;
            try (FullyConnected.Activations act = b.forwardKeep(BACKEND, x)) {
                grads = b.backward(BACKEND, act, dOut);
            }
            Matrix w = b.weight(depth);
            for (int j = 0; j < w.cols(); j++) {
                grads.get(depth).set(0, j, grads.get(depth).get(0, j) + decay * w.get(0, j));
            }
            b.step(grads, lr);
            grads.forEach(Matrix::close);
            for (int k = 0; k <= depth; k++) {
                for (int i = 0; i < a.weight(k).rows(); i++) {
                    for (int j = 0; j < a.weight(k).cols(); j++) {
                        assertEquals(b.weight(k).get(i, j), a.weight(k).get(i, j), 1e-13, "layer " + k);
                    }
                }
            }
        }
    }

    @org.junit.jupiter.api.Test
    void saveAndLoadAreBitIdentical(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        try (FullyConnected a = FullyConnected.init(5, 7, 2, DType.F32, 3)) {
            a.save(dir, "net");
            try (FullyConnected b = FullyConnected.load(dir, "net", 2, DType.F32)) {
                for (int k = 0; k <= 2; k++) {
                    for (int i = 0; i < a.weight(k).rows(); i++) {
                        for (int j = 0; j < a.weight(k).cols(); j++) {
                            assertEquals(a.weight(k).get(i, j), b.weight(k).get(i, j), 0.0);
                        }
                    }
                }
            }
        }
    }

    private static double objective(FullyConnected net, Matrix x, double[] dOut) {
        double[] f = net.forward(BACKEND, x);
        double s = 0;
        for (int i = 0; i < f.length; i++) {
            s += dOut[i] * f[i];
        }
        return s;
    }
}
