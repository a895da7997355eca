package dev.tangent.cli;

import dev.tangent.io.Npy;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tangent equivalence} from paper A's YAML config, with command-line options taking precedence. */
class EquivalenceCommandTest {
    @TempDir
    Path dir;

    private Path[] data(String name, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        try (Matrix x = Matrix.allocate(n, 8, DType.F64)) {
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                y[i] = i % 2 == 0 ? 1 : -1;
                for (int j = 0; j < 8; j++) {
                    x.set(i, j, r.nextDouble() + (j == 0 ? 0.5 * y[i] : 0));
                }
            }
            Npy.write(dir.resolve(name + "x.npy"), x);
            Npy.writeVector(dir.resolve(name + "y.npy"), y);
        }
        return new Path[] {dir.resolve(name + "x.npy"), dir.resolve(name + "y.npy")};
    }

    @Test
    void configFileSetsPaperDefaultsAndOptionsWin() throws IOException {
        Path[] tr = data("tr", 60, 1);
        Path[] te = data("te", 30, 2);
        Path cfg = dir.resolve("svm_sgd.yaml");
        Files.writeString(cfg, """
                data:
                  dataset: mnist
                  normalize: False
                model:
                  seed: 6
                  width: 300   # the paper uses 10000
                  hidden_layer: 1
                train_net:
                  lr: 0.5
                  epochs: 3
                  lam: 0.002
                  batch_size: 16
                  save: True
                """);
        Path out = dir.resolve("eq");
        Cli.Outcome o = Cli.run("equivalence", "--config", cfg.toString(), "--epochs", "2", "--train", tr[0].toString(), "--train-labels",
                tr[1].toString(), "--test", te[0].toString(), "--test-labels", te[1].toString(), "--out", out.toString());
        assertEquals(0, o.code(), o.err());
        String run = Files.readString(out.resolve("run.json"));
        assertTrue(run.contains("\"depth\": 2"), "hidden_layer 1 = two ReLU layers: " + run);
        assertTrue(run.contains("\"epochs\": 2"), "the command line wins over the file: " + run);
        assertTrue(run.contains("\"lambda\": 0.002") && run.contains("\"lr\": 0.5") && run.contains("\"batch\": 16"), run);
        assertTrue(run.contains("\"width\": 300"), run);
        assertTrue(Files.exists(out.resolve("fcnn_init_layer0.npy")) && Files.exists(out.resolve("plot_sgd.png")));
    }

    @Test
    void malformedConfigIsOneLine() throws IOException {
        Path cfg = dir.resolve("bad.yaml");
        Files.writeString(cfg, "model:\n  width 100\n");
        Cli.assertBadInput(null, "bad.yaml:2: expected 'key: value'", "equivalence", "--config", cfg.toString(), "--train", "x.npy",
                "--test", "y.npy", "--out", dir.resolve("o").toString());
    }
}
