package dev.tangent.data.transform;

import dev.tangent.RepositoryData;
import dev.tangent.TangentException;
import dev.tangent.TestData;
import dev.tangent.compute.Backend;
import dev.tangent.compute.JavaBackend;
import dev.tangent.data.ReferencePython;
import dev.tangent.data.rng.NumpyRandom;
import dev.tangent.io.Idx;
import dev.tangent.io.Npy;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link FrequencyNoise} (spec §7.2.1, §7.2.2): the mask sizes of spec §7.2 (600, 782), the noise grids against numpy,
 * the invariants of B1 (mean 0, norm √d, τ = 0 gives the normalised clean image), and both noise models on
 * Fashion-MNIST images against a numpy/scipy re-implementation of the reference's {@code addHFNoise} /
 * {@code addTHNoise} seeded with 2048.
 */
class FrequencyNoiseTest {
    private static final Backend BACKEND = new JavaBackend(2);

    @TempDir
    Path dir;

    /** The reference's preprocessing functions, transcribed from spec §7.2.1–7.2.2 (scipy.fftpack, norm='ortho'). */
    private static final String REFERENCE = """
            import numpy as np, gzip
            from scipy.fftpack import dct, idct
            def images(path, start, count):
                raw = gzip.open(path).read()
                return np.frombuffer(raw, dtype=np.uint8, offset=16).reshape(-1, 784)[start:start + count].astype(np.float64)
            def cfilter(n1):
                f = np.zeros((n1, n1))
                for i in range(n1):
                    for j in range(n1):
                        if np.sqrt((n1 - i - 1) ** 2 + (n1 - j - 1) ** 2) <= (n1 - 1):
                            f[i, j] = 1.0
                return f
            def addHFNoise(X, mfilter, multiplier):
                n, d = X.shape
                n1 = int(np.sqrt(d))
                Z = np.zeros((n, d))
                for i in range(n):
                    image = X[i, :] + 0.0
                    image = image - np.mean(image)
                    image = image.reshape((n1, n1))
                    freq = dct(dct(image, axis=0, norm='ortho'), axis=1, norm='ortho')
                    noise = np.random.normal(size=(n1, n1))
                    noise = np.multiply(noise, mfilter)
                    noise = noise / np.linalg.norm(noise)
                    noise = noise * (multiplier * np.linalg.norm(freq))
                    newIm = idct(idct(freq + noise, axis=0, norm='ortho'), axis=1, norm='ortho')
                    newIm = newIm / np.linalg.norm(newIm)
                    Z[i, :] = newIm.flatten() * np.sqrt(d)
                return Z
            def sphere_dct(X):
                n, d = X.shape
                n1 = int(np.sqrt(d))
                Z = np.zeros((n, d))
                for i in range(n):
                    image = X[i].reshape((n1, n1))
                    image = image - np.mean(image)
                    image = image / np.linalg.norm(image) * np.sqrt(d)
                    Z[i, :] = dct(dct(image, axis=0, norm='ortho'), axis=1, norm='ortho').flatten()
                return Z
            def addTHNoise(X, thresh, covHalf, mu):
                n, d = X.shape
                n1 = int(np.sqrt(d))
                Z = np.zeros((n, d))
                noise = np.random.normal(size=(n, d))
                noise = np.dot(noise, covHalf) + mu
                for i in range(n):
                    image = X[i].reshape((n1, n1))
                    image = image - np.mean(image)
                    image = image / np.linalg.norm(image)
                    image = image * np.sqrt(d)
                    freq = dct(dct(image, axis=0, norm='ortho'), axis=1, norm='ortho')
                    freq[:thresh, :thresh] = noise[i, :].reshape((n1, n1))[:thresh, :thresh]
                    Z[i, :] = idct(idct(freq, axis=0, norm='ortho'), axis=1, norm='ortho').flatten()
                return Z
            """;

    private static Path train() {
        return RepositoryData.fashionMnistDir().resolve("train-images-idx3-ubyte.gz");
    }

    private static Path test() {
        return RepositoryData.fashionMnistDir().resolve("t10k-images-idx3-ubyte.gz");
    }

    @Test
    void maskSizesOfSpec72AndTheReferenceFilter() throws Exception {
        assertEquals(600, count(FrequencyNoise.highFrequencyMask(28)));
        assertEquals(782, count(FrequencyNoise.highFrequencyMask(32)));
        assertFalse(FrequencyNoise.highFrequencyMask(28)[0], "the DC term is never noised");
        ReferencePython.run(REFERENCE + "np.save(" + ReferencePython.quote(dir.resolve("f.npy")) + ", cfilter(28))\n");
        double[] f = ReferencePython.values(dir.resolve("f.npy"));
        boolean[] mask = FrequencyNoise.highFrequencyMask(28);
        for (int k = 0; k < f.length; k++) {
            assertEquals(f[k] == 1.0, mask[k], "mask entry " + k);
        }
    }

    @Test
    void noiseGridsEqualNumpy() throws Exception {
        ReferencePython.run("import numpy as np\n"
                + "np.save(" + ReferencePython.quote(dir.resolve("tau.npy")) + ", np.linspace(0, 3, num=15))\n"
                + "np.save(" + ReferencePython.quote(dir.resolve("k.npy")) + ", np.arange(1, 28, step=2).astype(np.float64))\n");
        double[] tau = ReferencePython.values(dir.resolve("tau.npy"));
        for (int i = 0; i < tau.length; i++) {
            assertEquals(tau[i], FrequencyNoise.tau(i), 0.0, "tau " + i);
        }
        double[] k = ReferencePython.values(dir.resolve("k.npy"));
        for (int i = 0; i < k.length; i++) {
            assertEquals((int) k[i], FrequencyNoise.threshold(i), "threshold " + i);
        }
        assertEquals(0.2142857142857143, FrequencyNoise.tau(1), 1e-15);
        assertThrows(TangentException.class, () -> FrequencyNoise.tau(15));
        assertThrows(TangentException.class, () -> FrequencyNoise.threshold(14));
        assertThrows(TangentException.class, () -> FrequencyNoise.tau(-1));
    }

    @Test
    void highFrequencyRowsHaveMeanZeroAndNormSqrtD() {
        try (Matrix x = TestData.uniform(6, 1024, DType.F64, 4)) {
            FrequencyNoise.addHighFrequencyNoise(x, 32, FrequencyNoise.tau(9), new NumpyRandom(2048));
            for (int i = 0; i < x.rows(); i++) {
                double sum = 0;
                double sq = 0;
                for (int j = 0; j < x.cols(); j++) {
                    sum += x.get(i, j);
                    sq += x.get(i, j) * x.get(i, j);
                }
                assertEquals(0, sum / x.cols(), 1e-12, "mean of row " + i);
                assertEquals(32, Math.sqrt(sq), 1e-12, "norm of row " + i);
            }
        }
    }

    @Test
    void tauZeroGivesTheSphereNormalisedImage() {
        try (Matrix x = Idx.readImages(train(), DType.F64, 3); Matrix clean = x.copy(DType.F64)) {
            FrequencyNoise.addHighFrequencyNoise(x, 28, 0.0, new NumpyRandom(2048));
            for (int i = 0; i < x.rows(); i++) {
                double mean = 0;
                for (int j = 0; j < 784; j++) {
                    mean += clean.get(i, j) / 784;
                }
                double sq = 0;
                for (int j = 0; j < 784; j++) {
                    sq += (clean.get(i, j) - mean) * (clean.get(i, j) - mean);
                }
                for (int j = 0; j < 784; j++) {
                    assertEquals((clean.get(i, j) - mean) / Math.sqrt(sq) * 28, x.get(i, j), 1e-12, "image " + i + " pixel " + j);
                }
            }
        }
    }

    /** Train rows then test rows from one stream seeded 2048, at a middle and the largest τ. */
    @Test
    void highFrequencyPipelineEqualsNumpyReference() throws Exception {
        int nTrain = 12;
        int nTest = 6;
        int[] levels = {5, 14};
        StringBuilder py = new StringBuilder(REFERENCE);
        py.append("mf = cfilter(28)\n");
        for (int level : levels) {
            py.append("np.random.seed(2048)\n")
                    .append("X = addHFNoise(images(").append(ReferencePython.quote(train())).append(", 0, ").append(nTrain)
                    .append("), mf, np.linspace(0, 3, num=15)[").append(level).append("])\n")
                    .append("XT = addHFNoise(images(").append(ReferencePython.quote(test())).append(", 0, ").append(nTest)
                    .append("), mf, np.linspace(0, 3, num=15)[").append(level).append("])\n")
                    .append("np.save(").append(ReferencePython.quote(dir.resolve("x" + level + ".npy"))).append(", X)\n")
                    .append("np.save(").append(ReferencePython.quote(dir.resolve("xt" + level + ".npy"))).append(", XT)\n");
        }
        ReferencePython.run(py.toString());
        for (int level : levels) {
            try (Matrix x = Idx.readImages(train(), DType.F64, nTrain); Matrix xt = Idx.readImages(test(), DType.F64, nTest)) {
                NumpyRandom rng = new NumpyRandom(2048);
                FrequencyNoise.addHighFrequencyNoise(x, 28, FrequencyNoise.tau(level), rng);
                FrequencyNoise.addHighFrequencyNoise(xt, 28, FrequencyNoise.tau(level), rng);
                assertClose(ReferencePython.values(dir.resolve("x" + level + ".npy")), x, 1e-12, "train, level " + level);
                assertClose(ReferencePython.values(dir.resolve("xt" + level + ".npy")), xt, 1e-12, "test, level " + level);
            }
        }
    }

    /**
     * The model statistics against numpy (μ; S^{1/2}·S^{1/2} = S up to the clamped part), then the replacement
     * pipeline given the same S^{1/2}, train then test from one stream seeded 2048.
     */
    @Test
    void lowFrequencyModelAndPipelineEqualNumpyReference() throws Exception {
        int nTrain = 1000;
        int nTest = 8;
        int k = FrequencyNoise.threshold(4);
        try (Matrix x = Idx.readImages(train(), DType.F64, nTrain); Matrix xt = Idx.readImages(test(), DType.F64, nTest);
             FrequencyNoise.LowFrequencyModel model = FrequencyNoise.fitLowFrequencyModel(x, 28, BACKEND)) {
            Npy.write(dir.resolve("half.npy"), model.sqrtCovariance());
            ReferencePython.run(REFERENCE
                    + "X = images(" + ReferencePython.quote(train()) + ", 0, " + nTrain + ")\n"
                    + "XT = images(" + ReferencePython.quote(test()) + ", 0, " + nTest + ")\n"
                    + "Z = sphere_dct(X)\n"
                    + "mu = np.mean(Z, axis=0, keepdims=True)\n"
                    + "Z = Z - mu\n"
                    + "S = np.dot(Z.T, Z) / (Z.shape[0] + 0.0)\n"
                    + "half = np.load(" + ReferencePython.quote(dir.resolve("half.npy")) + ")\n"
                    + "np.save(" + ReferencePython.quote(dir.resolve("mu.npy")) + ", mu.ravel())\n"
                    + "np.save(" + ReferencePython.quote(dir.resolve("err.npy")) + ", np.array([np.abs(half @ half - S).max(),"
                    + " np.abs(S).max(), np.abs(half - half.T).max()]))\n"
                    + "np.random.seed(2048)\n"
                    + "np.save(" + ReferencePython.quote(dir.resolve("x.npy")) + ", addTHNoise(X, " + k + ", half, mu))\n"
                    + "np.save(" + ReferencePython.quote(dir.resolve("xt.npy")) + ", addTHNoise(XT, " + k + ", half, mu))\n");
            double[] mu = ReferencePython.values(dir.resolve("mu.npy"));
            for (int j = 0; j < mu.length; j++) {
                assertEquals(mu[j], model.mean()[j], 1e-12, "mean of coefficient " + j);
            }
            double[] err = ReferencePython.values(dir.resolve("err.npy"));
            assertTrue(err[0] <= 1e-12 * err[1], "S^1/2 S^1/2 differs from numpy's S by " + err[0] + " (max |S| " + err[1] + ")");
            assertTrue(err[2] <= 1e-12 * err[1], "S^1/2 is not symmetric: " + err[2]);
            assertTrue(model.clampedEigenvalues() >= 0 && model.mostNegativeEigenvalue() <= 0);
            assertTrue(-model.mostNegativeEigenvalue() <= 1e-12 * err[1], "a clamped eigenvalue is not rounding noise");

            NumpyRandom rng = new NumpyRandom(2048);
            FrequencyNoise.replaceLowFrequencies(x, model, k, rng, BACKEND);
            FrequencyNoise.replaceLowFrequencies(xt, model, k, rng, BACKEND);
            assertClose(ReferencePython.values(dir.resolve("x.npy")), x, 1e-12, "train");
            assertClose(ReferencePython.values(dir.resolve("xt.npy")), xt, 1e-12, "test");
        }
    }

    @Test
    void wrongImageSizeIsRejected() {
        try (Matrix x = Matrix.allocate(2, 700, DType.F64)) {
            TangentException e = assertThrows(TangentException.class,
                    () -> FrequencyNoise.addHighFrequencyNoise(x, 28, 1.0, new NumpyRandom(1)));
            assertTrue(e.getMessage().contains("700") && e.getMessage().contains("784"), e.getMessage());
        }
    }

    private static void assertClose(double[] expected, Matrix actual, double tol, String what) {
        assertEquals(expected.length, actual.rows() * actual.cols(), what + ": size");
        for (int i = 0; i < actual.rows(); i++) {
            for (int j = 0; j < actual.cols(); j++) {
                double e = expected[i * actual.cols() + j];
                if (Math.abs(e - actual.get(i, j)) > tol) {
                    assertEquals(e, actual.get(i, j), tol, what + " row " + i + " col " + j);
                }
            }
        }
    }

    private static int count(boolean[] mask) {
        int c = 0;
        for (boolean b : mask) {
            c += b ? 1 : 0;
        }
        return c;
    }
}
