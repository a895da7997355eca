package dev.tangent.machine;

import dev.tangent.compute.Providers;
import dev.tangent.TangentException;
import dev.tangent.TestData;
import dev.tangent.compute.Backend;
import dev.tangent.compute.Backends;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.kernel.NtkRecursion;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The model directory format and g(x) = Σ α_i K(x, x_i) + b. */
class KernelMachineTest {
    private static final Backend BACKEND = Backends.select("auto", 2).backend();

    @TempDir
    Path dir;

    private KernelMachine machine(Matrix x) {
        double[] alpha = new double[x.rows()];
        double[] y = new double[x.rows()];
        for (int i = 0; i < alpha.length; i++) {
            alpha[i] = Math.sin(i + 1) / 3;
            y[i] = i % 2 == 0 ? 1 : -1;
        }
        return new KernelMachine("svm-sgd", KernelSpec.fc(KernelSpec.Kind.NTK, 2, 1.0, 0.1), "hinge", 0.001, Double.NaN, 0.25,
                alpha, x, y, Map.of("seed", 6));
    }

    @Test
    void savesAndLoadsBitIdentically() {
        try (Matrix x = TestData.uniform(17, 9, DType.F64, 1)) {
            KernelMachine km = machine(x);
            km.save(dir);
            try (KernelMachine back = KernelMachine.load(dir)) {
                assertArrayEquals(km.alpha(), back.alpha(), 0.0);
                assertArrayEquals(km.yTrain(), back.yTrain(), 0.0);
                assertEquals(km.spec(), back.spec());
                assertEquals(0.25, back.b());
                for (int i = 0; i < 17; i++) {
                    assertArrayEquals(x.row(i), back.xTrain().row(i), 0.0);
                }
            }
        }
    }

    @Test
    void scoresAreTheKernelExpansion() {
        try (Matrix x = TestData.uniform(23, 5, DType.F64, 2); Matrix t = TestData.uniform(11, 5, DType.F64, 3)) {
            KernelMachine km = machine(x);
            double[] g = km.scores(Providers.cpu(BACKEND, 2), t);
            for (int i = 0; i < 11; i++) {
                double ref = 0.25;
                for (int j = 0; j < 23; j++) {
                    ref += km.alpha()[j] * NtkRecursion.pair(km.spec(), t.row(i), x.row(j)).ntk();
                }
                assertEquals(ref, g[i], 1e-12 * Math.max(1, Math.abs(ref)));
            }
        }
    }

    @Test
    void corruptedFileIsDetected() throws IOException {
        try (Matrix x = TestData.uniform(5, 3, DType.F64, 4)) {
            machine(x).save(dir);
        }
        Path alpha = dir.resolve("alpha.npy");
        byte[] b = Files.readAllBytes(alpha);
        b[b.length - 1] ^= 1;
        Files.write(alpha, b);
        TangentException e = assertThrows(TangentException.class, () -> KernelMachine.load(dir));
        assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
    }

    @Test
    void missingFileIsDetected() throws IOException {
        try (Matrix x = TestData.uniform(5, 3, DType.F64, 4)) {
            machine(x).save(dir);
        }
        Files.delete(dir.resolve("y_train.npy"));
        TangentException e = assertThrows(TangentException.class, () -> KernelMachine.load(dir));
        assertTrue(e.getMessage().contains("y_train.npy is missing"), e.getMessage());
    }

    @Test
    void notAModelDirectory() {
        TangentException e = assertThrows(TangentException.class, () -> KernelMachine.load(dir));
        assertTrue(e.getMessage().contains("no model.json"), e.getMessage());
    }

    @Test
    void hingeSubgradientUsesTheStrictTest() {
        Loss h = new Loss.Hinge();
        assertEquals(-1.0, h.derivative(0.5, 1));
        assertEquals(0.0, h.derivative(1.0, 1), "y z = 1 is not < 1");
        assertEquals(1.0, h.derivative(-0.5, -1));
        Loss lg = new Loss.Logistic();
        // d/dz log(1 + e^{-yz}) = -y / (1 + e^{yz}); at z = 0: -y/2
        assertEquals(-0.5, lg.derivative(0, 1), 1e-15);
        assertEquals(Math.log(2), lg.value(0, 1), 1e-15);
        assertEquals(745.0, lg.value(-745, 1), 1e-12, "no overflow for large margins");
    }
}
