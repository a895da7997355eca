package dev.tangent.cli;

import dev.tangent.io.Npy;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code tangent data prep}: paper B's files, with the closed-form properties of spec §7.2 (norm √d, mean 0). */
class PrepCommandTest {
    @TempDir
    Path dir;

    @Test
    void highFrequencyNoiseFilesHaveNormRootDAndMeanZero() {
        Cli.Outcome o = Cli.run("data", "prep", "--dataset", "fmnist-hf", "--noise-index", "7", "--n", "50", "--n-test", "20",
                "--out", dir.toString());
        assertEquals(0, o.code(), o.err());
        try (Matrix x = Npy.readMatrix(dir.resolve("X.npy"), DType.F64, ""); Matrix y = Npy.readMatrix(dir.resolve("Y.npy"), DType.F64, "");
             Matrix xt = Npy.readMatrix(dir.resolve("Xt.npy"), DType.F64, "")) {
            assertEquals("<f4", Npy.readHeader(dir.resolve("X.npy")).descr());
            assertEquals(50, x.rows());
            assertEquals(20, xt.rows());
            assertEquals(1, y.cols());
            for (int i = 0; i < 50; i++) {
                double s = 0;
                double ss = 0;
                for (int j = 0; j < 784; j++) {
                    s += x.get(i, j);
                    ss += x.get(i, j) * x.get(i, j);
                }
                assertEquals(0, s / 784, 1e-6);
                assertEquals(28, Math.sqrt(ss), 1e-4, "float32 storage of a norm-sqrt(d) image");
            }
        }
    }

    @Test
    void synthBlocksHaveThePrescribedNorms() {
        Cli.Outcome o = Cli.run("data", "prep", "--dataset", "synth", "--noise-index", "2", "--n", "30", "--n-test", "10",
                "--out", dir.toString());
        assertEquals(0, o.code(), o.err());
        try (Matrix x = Npy.readMatrix(dir.resolve("X.npy"), DType.F64, "")) {
            double r = Math.pow(1024, (0.4 + 0.2) / 2); // r = d^((eta + kappa)/2), kappa = 0.2
            for (int i = 0; i < 30; i++) {
                double s1 = 0;
                double s2 = 0;
                for (int j = 0; j < 1024; j++) {
                    double v = x.get(i, j);
                    if (j < 16) {
                        s1 += v * v;
                    } else {
                        s2 += v * v;
                    }
                }
                assertEquals(r, Math.sqrt(s1), 1e-4 * r);
                assertEquals(32, Math.sqrt(s2), 1e-4 * 32);
            }
        }
    }

    @Test
    void noiseIndexOutOfRange() {
        Cli.assertBadInput(null, "levels 0..13", "data", "prep", "--dataset", "fmnist-lf", "--noise-index", "14", "--out", dir.toString());
    }
}
