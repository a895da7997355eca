package dev.tangent.io;

import dev.tangent.TangentException;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Libsvm} against LIBSVM 3.24's own tools (svm-train, svm-predict from Debian's libsvm-tools) and
 * scikit-learn's svmlight reader and writer, which parse and print the numbers independently of this code.
 */
class LibsvmTest {
    private static final Pattern ACCURACY = Pattern.compile("Accuracy = [0-9.]+% \\((\\d+)/(\\d+)\\)");
    private static final Pattern WRONG_LINE = Pattern.compile("Wrong input format at line (\\d+)");

    @TempDir
    Path dir;

    /** A matrix with many zeros and values of every magnitude, including ones that need 17 digits. */
    private static Matrix awkward(int rows, int cols, DType t, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Matrix m = Matrix.allocate(rows, cols, t);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                if (r.nextInt(3) > 0) {
                    double v = r.nextGaussian() * Math.pow(10, r.nextInt(-12, 12));
                    m.set(i, j, switch (r.nextInt(8)) {
                        case 0 -> Math.rint(v);
                        case 1 -> r.nextInt(256) / 255.0;
                        case 2 -> v * (t == DType.F64 ? 1e290 : 1e25);
                        case 3 -> (t == DType.F64 ? Double.MIN_VALUE : Float.MIN_VALUE) * r.nextInt(1, 100);
                        default -> v;
                    });
                }
            }
        }
        return m;
    }

    private static double[] labels(int n) {
        double[] y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 3 == 0 ? -1 : i % 3 == 1 ? 1 : 2.5;
        }
        return y;
    }

    @Test
    void roundTripIsExactInBothTypes() {
        for (DType t : DType.values()) {
            Path file = dir.resolve("rt-" + t + ".libsvm");
            try (Matrix x = awkward(40, 17, t, 7)) {
                double[] y = labels(40);
                Libsvm.write(file, x, y);
                try (LabeledMatrix back = Libsvm.read(file, t, 17, "")) {
                    assertArrayEquals(y, back.y());
                    for (int i = 0; i < 40; i++) {
                        double[] expected = x.row(i);
                        for (int j = 0; j < expected.length; j++) {
                            expected[j] += 0.0; // -0.0 is a zero, omitted from the file: it reads back as 0.0
                        }
                        assertArrayEquals(expected, back.x().row(i), t.toString());
                    }
                }
            }
        }
    }

    @Test
    void scikitLearnReadsWhatWeWrite() throws Exception {
        try (Matrix x64 = awkward(30, 11, DType.F64, 11); Matrix x32 = awkward(30, 11, DType.F32, 12)) {
            double[] y = labels(30);
            Libsvm.write(dir.resolve("x64.libsvm"), x64, y);
            Libsvm.write(dir.resolve("x32.libsvm"), x32, y);
            Npy.write(dir.resolve("x64.npy"), x64);
            Npy.write(dir.resolve("x32.npy"), x32);
            Npy.writeVector(dir.resolve("y.npy"), y);
        }
        assertEquals("ok", External.python("import numpy as np\n"
                + "from sklearn.datasets import load_svmlight_file\n"
                + "d = '" + dir + "'\n"
                + "y = np.load(d + '/y.npy')\n"
                + "for name, t in (('x64', np.float64), ('x32', np.float32)):\n"
                + "    X, yy = load_svmlight_file(d + '/' + name + '.libsvm', n_features=11, zero_based=False, dtype=t)\n"
                + "    ref = np.load(d + '/' + name + '.npy')\n"
                + "    assert X.dtype == ref.dtype, (X.dtype, ref.dtype)\n"
                + "    assert np.array_equal(X.toarray(), ref), name\n"
                + "    assert X.nnz == np.count_nonzero(ref), 'zeros must be omitted'\n"
                + "    assert np.array_equal(yy, y), name\n"
                + "print('ok')\n"));
    }

    @Test
    void readsWhatScikitLearnWrites() throws Exception {
        // sklearn prints %.16g (not always round-trip), so the expected values are sklearn's own parse of its file
        External.python("import numpy as np\n"
                + "from sklearn.datasets import dump_svmlight_file, load_svmlight_file\n"
                + "d = '" + dir + "'\n"
                + "rng = np.random.default_rng(5)\n"
                + "X = rng.standard_normal((50, 13)) * 10.0 ** rng.integers(-8, 8, (50, 13))\n"
                + "X[rng.random((50, 13)) < 0.5] = 0\n"
                + "X[:, 12] = 0\n"
                + "y = rng.choice([-1.0, 1.0, 3.0], 50)\n"
                + "dump_svmlight_file(X, y, d + '/sk.libsvm', zero_based=False, comment='written by scikit-learn')\n"
                + "X2, y2 = load_svmlight_file(d + '/sk.libsvm', n_features=13, zero_based=False)\n"
                + "np.save(d + '/X.npy', X2.toarray()); np.save(d + '/y.npy', y2)\n");
        try (LabeledMatrix wide = Libsvm.read(dir.resolve("sk.libsvm"), DType.F64, 13, "--train");
             LabeledMatrix narrow = Libsvm.read(dir.resolve("sk.libsvm"), DType.F64, "--train");
             Matrix ex = Npy.readMatrix(dir.resolve("X.npy"), DType.F64, "");
             Matrix ey = Npy.readMatrix(dir.resolve("y.npy"), DType.F64, "")) {
            assertEquals(50, wide.x().rows());
            assertEquals(13, wide.x().cols());
            assertEquals(12, narrow.x().cols(), "d is the largest index present (column 13 is all zeros)");
            for (int i = 0; i < 50; i++) {
                assertEquals(ey.get(i, 0), wide.y()[i]);
                assertArrayEquals(ex.row(i), wide.x().row(i));
                for (int j = 0; j < 12; j++) {
                    assertEquals(ex.get(i, j), narrow.x().get(i, j));
                }
            }
        }
    }

    /** Lines LIBSVM's read_problem accepts although they are written unusually. */
    private static final String ODD_BUT_VALID = "+1 1:0.5 3:-2e0\t4:+.25   \n"
            + "\t-1\t2:1E-3 4:7.\n"
            + "  1e0 1: 3  2:0.1 \n"
            + "3\n"
            + "2 2:1.5\r\n"
            + "-1 1:12345678901234567890 4:-0.0000000000000000000000123456789012345678901\n";

    @Test
    void acceptsWhatSvmTrainAccepts() throws Exception {
        Path file = dir.resolve("odd.libsvm");
        Files.writeString(file, ODD_BUT_VALID, StandardCharsets.US_ASCII);
        External.libsvm("svm-train", "-q", file.toString(), dir.resolve("odd.model").toString());
        // python's float() is the reference for the numbers; the regex only pairs indices with values
        String expected = External.python("import re\n"
                + "for line in open('" + file + "', newline='').read().split('\\n')[:-1]:\n"
                + "    label, rest = line.strip().split(None, 1) if ' ' in line.strip() or '\\t' in line.strip() else (line.strip(), '')\n"
                + "    row = [0.0] * 4\n"
                + "    for i, v in re.findall(r'(\\d+):\\s*(\\S+)', rest):\n"
                + "        row[int(i) - 1] = float(v)\n"
                + "    print(repr(float(label)), *map(repr, row))\n");
        try (LabeledMatrix m = Libsvm.read(file, DType.F64, "")) {
            String[] lines = expected.split("\n");
            assertEquals(lines.length, m.x().rows());
            assertEquals(4, m.x().cols());
            for (int i = 0; i < lines.length; i++) {
                String[] v = lines[i].trim().split(" ");
                assertEquals(Double.parseDouble(v[0]), m.y()[i], "label of line " + (i + 1));
                for (int j = 0; j < 4; j++) {
                    assertEquals(Double.parseDouble(v[j + 1]), m.x().get(i, j), "line " + (i + 1) + " index " + (j + 1));
                }
            }
        }
    }

    private TangentException rejected(String name, String content) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content, StandardCharsets.US_ASCII);
        TangentException e = assertThrows(TangentException.class, () -> Libsvm.read(file, DType.F64, "--train"),
                name);
        External.assertOneLineError(e, "--train " + file + ":");
        return e;
    }

    @Test
    void rejectsWhatSvmTrainRejectsOnTheSameLine() throws Exception {
        String ok = "1 1:1 3:2\n";
        List<String[]> cases = new ArrayList<>();
        cases.add(new String[] {"descending", ok + "-1 3:1 2:1\n"});
        cases.add(new String[] {"repeated", ok + ok + "1 2:1 2:1\n"});
        cases.add(new String[] {"no-colon", ok + "1 1:1 2 3:4\n"});
        cases.add(new String[] {"bad-value", ok + "1 1:abc\n"});
        cases.add(new String[] {"bad-value-suffix", "1 1:2.5x\n"});
        cases.add(new String[] {"bad-label", ok + ok + "a 1:1\n"});
        cases.add(new String[] {"bad-label-suffix", "1,0 1:1\n"});
        cases.add(new String[] {"empty-line", ok + "\n" + ok});
        cases.add(new String[] {"negative-index", "1 -2:1\n"});
        cases.add(new String[] {"overflow", ok + "1 1:1e400\n"});
        for (String[] c : cases) {
            Path file = dir.resolve(c[0] + ".libsvm");
            TangentException e = rejected(c[0] + ".libsvm", c[1]);
            External.Result r = External.run(List.of("svm-train", "-q", file.toString(), dir.resolve("m").toString()));
            assertNotEquals(0, r.exit(), c[0] + ": svm-train accepted it");
            Matcher lm = WRONG_LINE.matcher(r.output());
            assertTrue(lm.find(), r.output());
            assertTrue(e.getMessage().contains(file + ":" + lm.group(1) + ":"), c[0] + ": svm-train says line "
                    + lm.group(1) + ", we say: " + e.getMessage());
        }
    }

    @Test
    void rejectsWhatLibsvmWouldSilentlyMisread() throws IOException {
        // LIBSVM drops a trailing token without a colon and takes index 0 (the precomputed form's serial number)
        assertTrue(rejected("trailing.libsvm", "1 1:1 3:2\n1 1:1 2\n").getMessage().contains(":2:7: found '2'"));
        assertTrue(rejected("zero.libsvm", "1 0:1 3:2\n").getMessage().contains(":1:3: found '0'"));
        assertTrue(rejected("empty.libsvm", "").getMessage().contains("empty file"));
        assertTrue(rejected("nan.libsvm", "1 1:nan\n").getMessage().contains("found 'nan'"));
        assertTrue(rejected("label-inf.libsvm", "inf 1:2\n").getMessage().contains("found 'inf'"));
        assertTrue(rejected("missing-value.libsvm", "1 1:\n").getMessage().contains(":1:5: found end of line"));
    }

    @Test
    void dimsForcesTheWidth() throws IOException {
        Path file = dir.resolve("narrow.libsvm");
        Files.writeString(file, "1 2:5\n-1 1:4\n");
        try (LabeledMatrix m = Libsvm.read(file, DType.F32, 6, "")) {
            assertEquals(6, m.x().cols());
            assertEquals(5.0, m.x().get(0, 1));
            assertEquals(4.0, m.x().get(1, 0));
        }
        TangentException e = assertThrows(TangentException.class, () -> Libsvm.read(file, DType.F32, 1, "--test"));
        assertTrue(e.getMessage().contains(file + ":1:3: found '2', expected indices up to 1"), e.getMessage());
    }

    /** Iris (bundled with scikit-learn): our file through svm-train -t 0 and svm-predict, against sklearn's SVC. */
    @Test
    void svmTrainLearnsFromWhatWeWrite() throws Exception {
        String sk = External.python("import numpy as np\n"
                + "from sklearn.datasets import load_iris\n"
                + "from sklearn.svm import SVC\n"
                + "X, y = load_iris(return_X_y=True)\n"
                + "np.save('" + dir + "/X.npy', X); np.save('" + dir + "/y.npy', y.astype(np.float64))\n"
                + "p = SVC(kernel='linear', C=0.05).fit(X, y).predict(X)\n"
                + "np.save('" + dir + "/p.npy', p.astype(np.float64))\n"
                + "print(int((p == y).sum()))\n");
        Path train = dir.resolve("iris.libsvm");
        Path model = dir.resolve("iris.model");
        Path pred = dir.resolve("iris.pred");
        try (Matrix x = Npy.readMatrix(dir.resolve("X.npy"), DType.F64, "");
             Matrix y = Npy.readMatrix(dir.resolve("y.npy"), DType.F64, "")) {
            double[] labels = new double[y.rows()];
            for (int i = 0; i < labels.length; i++) {
                labels[i] = y.get(i, 0);
            }
            Libsvm.write(train, x, labels);
        }
        External.libsvm("svm-train", "-q", "-t", "0", "-c", "0.05", train.toString(), model.toString());
        String out = External.libsvm("svm-predict", train.toString(), model.toString(), pred.toString());
        Matcher m = ACCURACY.matcher(out);
        assertTrue(m.find(), out);
        assertEquals("150", m.group(2));
        assertEquals(Integer.parseInt(sk), Integer.parseInt(m.group(1)), out);
        assertTrue(Integer.parseInt(sk) < 150, "C is chosen so that some points are misclassified");
        assertPredictions(pred, dir.resolve("p.npy"));
    }

    private static void assertPredictions(Path libsvmPredictions, Path sklearnPredictions) throws IOException {
        List<String> lines = Files.readAllLines(libsvmPredictions);
        try (Matrix p = Npy.readMatrix(sklearnPredictions, DType.F64, "")) {
            assertEquals(p.rows(), lines.size());
            for (int i = 0; i < lines.size(); i++) {
                assertEquals(p.get(i, 0), Double.parseDouble(lines.get(i)), "prediction " + i);
            }
        }
    }

    /**
     * A linear kernel on 300 MNIST test-set 0s and 1s (pixels / 255), trained with svm-train -t 4 on our precomputed
     * file and predicted with svm-predict on a 500 × 300 test-vs-train kernel; scikit-learn's
     * SVC(kernel='precomputed') on the same matrices must give the same predictions.
     */
    @Test
    void precomputedKernelAgreesWithScikitLearn() throws Exception {
        Path mnist = dev.tangent.RepositoryData.mnistDir();
        int[] all = Idx.readLabels(mnist.resolve("t10k-labels-idx1-ubyte.gz"), -1);
        int nTrain = 300;
        int nTest = 500;
        int[] rows = new int[nTrain + nTest];
        double[] y = new double[rows.length];
        for (int i = 0, k = 0; k < rows.length; i++) {
            if (all[i] <= 1) {
                y[k] = all[i];
                rows[k++] = i;
            }
        }
        double c = 1e-3;
        Path train = dir.resolve("k-train.libsvm");
        Path test = dir.resolve("k-test.libsvm");
        try (Matrix x = Idx.readImages(mnist.resolve("t10k-images-idx3-ubyte.gz"), DType.F64, rows);
             Matrix kTrain = linearKernel(x, 0, nTrain, nTrain);
             Matrix kTest = linearKernel(x, nTrain, nTest, nTrain)) {
            Libsvm.writePrecomputed(train, kTrain, java.util.Arrays.copyOf(y, nTrain));
            Libsvm.writePrecomputed(test, kTest, java.util.Arrays.copyOfRange(y, nTrain, rows.length));
            Npy.write(dir.resolve("ktrain.npy"), kTrain);
            Npy.write(dir.resolve("ktest.npy"), kTest);
            Npy.writeVector(dir.resolve("y.npy"), y);
        }
        assertTrue(Files.readString(train).startsWith((int) y[0] + " 0:1 1:"), "0:<serial> comes first");
        Path model = dir.resolve("k.model");
        Path pred = dir.resolve("k.pred");
        External.libsvm("svm-train", "-q", "-t", "4", "-c", Double.toString(c), train.toString(), model.toString());
        String out = External.libsvm("svm-predict", test.toString(), model.toString(), pred.toString());
        String sk = External.python("import numpy as np\n"
                + "from sklearn.svm import SVC\n"
                + "d = '" + dir + "'\n"
                + "y = np.load(d + '/y.npy'); ytr, yte = y[:" + nTrain + "], y[" + nTrain + ":]\n"
                + "m = SVC(kernel='precomputed', C=" + c + ").fit(np.load(d + '/ktrain.npy'), ytr)\n"
                + "p = m.predict(np.load(d + '/ktest.npy'))\n"
                + "np.save(d + '/p.npy', p.astype(np.float64))\n"
                + "print(int((p == yte).sum()))\n");
        Matcher m = ACCURACY.matcher(out);
        assertTrue(m.find(), out);
        assertEquals(Integer.toString(nTest), m.group(2));
        assertEquals(Integer.parseInt(sk), Integer.parseInt(m.group(1)), "svm-predict: " + out);
        assertTrue(Integer.parseInt(sk) > nTest * 9 / 10, "a linear kernel separates 0s from 1s: " + sk);
        assertPredictions(pred, dir.resolve("p.npy"));
    }

    /** K(i, j) = ⟨x_{r0+i}, x_j⟩ / 255² for i < n, j < m: a linear kernel on pixels scaled to [0, 1]. */
    private static Matrix linearKernel(Matrix x, int r0, int n, int m) {
        int d = x.cols();
        double[][] train = new double[m][];
        for (int j = 0; j < m; j++) {
            train[j] = x.row(j);
        }
        Matrix k = Matrix.allocate(n, m, DType.F64);
        for (int i = 0; i < n; i++) {
            double[] xi = x.row(r0 + i);
            for (int j = 0; j < m; j++) {
                double s = 0;
                for (int t = 0; t < d; t++) {
                    s += xi[t] * train[j][t];
                }
                k.set(i, j, s / (255.0 * 255.0));
            }
        }
        return k;
    }
}
