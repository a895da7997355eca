package dev.tangent.cli;

import dev.tangent.io.Npy;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tangent train} and {@code tangent predict} end to end, and their bad-input contract. */
class TrainCommandTest {
    @TempDir
    Path dir;

    /** Two Gaussian blobs in 6-D, labels ±1 (or class ids 3/5 when {@code ids}). */
    private Path[] blobs(String name, int n, long seed, boolean ids) {
        SplittableRandom r = new SplittableRandom(seed);
        try (Matrix x = Matrix.allocate(n, 6, DType.F64)) {
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                boolean pos = i % 2 == 0;
                y[i] = ids ? (pos ? 5 : 3) : (pos ? 1 : -1);
                for (int j = 0; j < 6; j++) {
                    x.set(i, j, r.nextGaussian() + (pos ? 1.5 : -1.5) * (j < 2 ? 1 : 0));
                }
            }
            Path xp = dir.resolve(name + "-x.npy");
            Path yp = dir.resolve(name + "-y.npy");
            Npy.write(xp, x);
            Npy.writeVector(yp, y);
            return new Path[] {xp, yp};
        }
    }

    @Test
    void trainThenPredictGivesTheSameTestAccuracy() throws IOException {
        Path[] tr = blobs("train", 120, 1, false);
        Path[] te = blobs("test", 80, 2, false);
        Path out = dir.resolve("model");
        Cli.Outcome o = Cli.run("train", "--method", "svm-sgd", "--train", tr[0].toString(),
                "--train-labels", tr[1].toString(), "--test", te[0].toString(), "--test-labels", te[1].toString(),
                "--depth", "1", "--epochs", "30", "--batch", "16", "--out", out.toString());
        assertEquals(0, o.code(), o.err());
        String run = Files.readString(out.resolve("run.json"));
        assertTrue(run.contains("\"test_accuracy\""), run);
        Path pred = dir.resolve("pred");
        Cli.Outcome p = Cli.run("predict", "--model", out.toString(), "--test", te[0].toString(),
                "--test-labels", te[1].toString(), "--out", pred.toString());
        assertEquals(0, p.code(), p.err());
        double trainRunAcc = number(run, "\"test_accuracy\": ");
        double predictAcc = number(Files.readString(pred.resolve("run.json")), "\"test_accuracy\": ");
        assertEquals(trainRunAcc, predictAcc, 0.0, "predict reproduces the test accuracy of train");
        assertTrue(predictAcc > 0.9, "separable blobs: " + predictAcc);
        try (Matrix s = Npy.readMatrix(pred.resolve("scores.npy"), DType.F64, "")) {
            assertEquals(80, s.rows());
        }
    }

    private static double number(String json, String key) {
        int i = json.indexOf(key) + key.length();
        int j = i;
        while (j < json.length() && "+-0123456789.eE".indexOf(json.charAt(j)) >= 0) {
            j++;
        }
        return Double.parseDouble(json.substring(i, j));
    }



    @Test
    void classificationNeedsPlusMinusOneLabels() {
        Path[] tr = blobs("ids", 40, 3, true);
        Cli.assertBadInput(null, "target 5 at row 0; --method svm-sgd needs targets -1/+1", "train", "--method", "svm-sgd", "--train", tr[0].toString(), "--train-labels",
                tr[1].toString(), "--depth", "1", "--epochs", "1", "--out", dir.resolve("m").toString());
    }

    @Test
    void labelCountMismatch() {
        Path[] tr = blobs("a", 40, 3, false);
        Path[] other = blobs("b", 30, 4, false);
        Cli.assertBadInput(null, "30 labels for the 40 samples", "train", "--method", "krr", "--train", tr[0].toString(), "--train-labels",
                other[1].toString(), "--depth", "1", "--out", dir.resolve("m").toString());
    }

    @Test
    void negativeLambda() {
        Path[] tr = blobs("a", 40, 3, false);
        Cli.assertBadInput(null, "--lambda must be finite and >= 0", "train", "--method", "krr", "--train", tr[0].toString(), "--train-labels",
                tr[1].toString(), "--depth", "1", "--lambda", "-1", "--out", dir.resolve("m").toString());
    }

    @Test
    void modelWithMissingFile() throws IOException {
        Path[] tr = blobs("a", 40, 3, false);
        Path out = dir.resolve("m");
        assertEquals(0, Cli.run("train", "--method", "krr", "--train", tr[0].toString(), "--train-labels",
                tr[1].toString(), "--depth", "1", "--out", out.toString()).code());
        Files.delete(out.resolve("alpha.npy"));
        Cli.assertBadInput(null, "alpha.npy is missing", "predict", "--model", out.toString(), "--test", tr[0].toString(), "--out",
                dir.resolve("p").toString());
    }

    @Test
    void smoMethodWritesAModelWithBias() throws IOException {
        Path[] tr = blobs("smo", 80, 5, false);
        Path out = dir.resolve("smo-model");
        Cli.Outcome o = Cli.run("train", "--method", "svm-smo", "--train", tr[0].toString(), "--train-labels", tr[1].toString(),
                "--depth", "1", "--c", "10", "--out", out.toString());
        assertEquals(0, o.code(), o.err());
        String model = Files.readString(out.resolve("model.json"));
        assertTrue(model.contains("\"c\": 10"), model);
        assertTrue(model.contains("\"smo_iterations\""), model);
        assertTrue(number(Files.readString(out.resolve("run.json")), "\"train_accuracy\": ") > 0.9);
    }

    @Test
    void unknownMethod() {
        Cli.assertBadInput(null, "--method': expected one of krr, svm-sgd", "train", "--method", "svm-magic", "--train", "x.npy", "--depth", "1", "--out", "o");
    }
}
