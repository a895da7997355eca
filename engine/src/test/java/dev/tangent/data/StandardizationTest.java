package dev.tangent.data;

import dev.tangent.TestData;
import dev.tangent.io.Npy;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Issue 11's correctness fixes against numpy: {@code --normalize standard} standardises every set with the training
 * set's mean and population standard deviation (numpy's {@code x.mean(0)}, {@code x.std(0)}; constant features to 0),
 * and {@code --normalize mnist} is paper A's (p/255 − 0.1307)/0.3081 (spec §2.1).
 */
class StandardizationTest {
    @TempDir
    Path dir;

    @Test
    void testSetIsStandardisedWithTheTrainingStatistics() throws Exception {
        Path tr = dir.resolve("tr.npy");
        Path te = dir.resolve("te.npy");
        try (Matrix a = TestData.uniform(57, 7, DType.F64, 1); Matrix b = TestData.uniform(23, 7, DType.F64, 2)) {
            for (int i = 0; i < a.rows(); i++) {
                a.set(i, 3, 0.25); // a constant training feature
            }
            Npy.write(tr, a);
            Npy.write(te, b);
        }
        ReferencePython.run("import numpy as np\n"
                + "tr = np.load(" + ReferencePython.quote(tr) + "); te = np.load(" + ReferencePython.quote(te) + ")\n"
                + "mu = tr.mean(axis=0); sd = tr.std(axis=0); safe = np.where(sd > 0, sd, 1)\n"
                + "np.save(" + ReferencePython.quote(dir.resolve("tr-ref.npy")) + ", np.where(sd > 0, (tr - mu) / safe, 0))\n"
                + "np.save(" + ReferencePython.quote(dir.resolve("te-ref.npy")) + ", np.where(sd > 0, (te - mu) / safe, 0))\n");
        Input train = new Input(DataSource.parse(tr.toString(), "--train"), Selection.ALL, "--train");
        Input test = new Input(DataSource.parse(te.toString(), "--test"), Selection.ALL, "--test");
        try (Dataset a = train.load(DType.F64, Normalization.STANDARD);
             Dataset b = test.load(DType.F64, Normalization.STANDARD, a.standardization())) {
            compare(ReferencePython.values(dir.resolve("tr-ref.npy")), a.x());
            compare(ReferencePython.values(dir.resolve("te-ref.npy")), b.x());
        }
    }

    private static void compare(double[] ref, Matrix x) {
        for (int i = 0; i < x.rows(); i++) {
            for (int j = 0; j < x.cols(); j++) {
                // values of order 1 from sums of ~60 terms in two summation orders (numpy pairwise, Java in order):
                // a few units of 1e-16 in the mean and the deviation, relative error below 1e-13 after the division
                assertEquals(ref[i * x.cols() + j], x.get(i, j), 1e-13, "[" + i + "][" + j + "]");
            }
        }
    }

    @Test
    void mnistIsPaperAsFixedTransform() throws Exception {
        try (Matrix x = Matrix.allocate(1, 256, DType.F64)) {
            for (int p = 0; p < 256; p++) {
                x.set(0, p, p);
            }
            Normalization.MNIST.apply(x);
            String out = ReferencePython.run("import numpy as np\n"
                    + "p = np.arange(256, dtype=np.float64)\n"
                    + "print(' '.join(repr(float(v)) for v in (p / 255 - 0.1307) / 0.3081))");
            String[] ref = out.split(" ");
            for (int p = 0; p < 256; p++) {
                // the same three correctly rounded operations in the same order: identical doubles
                assertEquals(Double.parseDouble(ref[p]), x.get(0, p), 0.0, "pixel " + p);
            }
        }
    }
}
