package dev.tangent.spark;

import dev.tangent.TestData;
import dev.tangent.cli.Main;
import dev.tangent.io.Npy;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tangent spark …} on the command line (in-process, {@code local[2]}), against the single-process commands:
 * {@code spark certify} in partitions writes the files {@code tangent certify} writes, {@code spark gram} assembles to
 * {@code tangent gram}'s matrix, and bad input gets the one-line error.
 */
class SparkCommandTest {
    @TempDir
    Path dir;

    record Outcome(int code, String out, String err) {
    }

    static Outcome tangent(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Two blobs in 8-D with pixel-like values, labels ±1 (as the certify command's own tests). */
    private Path[] blobs(String name, int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        try (Matrix x = Matrix.allocate(n, 8, DType.F64)) {
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                boolean pos = i % 2 == 0;
                y[i] = pos ? 1 : -1;
                for (int j = 0; j < 8; j++) {
                    x.set(i, j, Math.max(0, 0.5 + 0.15 * r.nextGaussian() + (pos ? 0.3 : -0.3) * (j < 3 ? 1 : 0)));
                }
            }
            Path xp = dir.resolve(name + "-x.npy");
            Path yp = dir.resolve(name + "-y.npy");
            Npy.write(xp, x);
            Npy.writeVector(yp, y);
            return new Path[] {xp, yp};
        }
    }

    /**
     * 4,100 test points against an 80-point SVM: the kernel certifier's block is 2,048 points, so --partitions 3 gives
     * parts of 2,048, 2,048 and 4 points, each a task; the merged files equal tangent certify's (certify.json but for
     * its wall time). Clean scores and certificates only: PGD attacks of 4,100 points would take the suite's time.
     */
    @Test
    void certifyInPartitionsWritesWhatTangentCertifyWrites() throws Exception {
        Path[] train = blobs("train", 80, 1);
        Path[] test = blobs("test", 4100, 2);
        Path svm = dir.resolve("svm");
        Outcome t = tangent("train", "--method", "svm-sgd", "--train", train[0].toString(), "--train-labels", train[1].toString(),
                "--depth", "1", "--epochs", "50", "--batch", "16", "--out", svm.toString());
        assertEquals(0, t.code(), t.err());
        List<String> common = List.of("--model", svm.toString(), "--test", test[0].toString(), "--test-labels", test[1].toString(),
                "--max-iter", "12");
        List<String> local = new ArrayList<>(List.of("certify"));
        local.addAll(common);
        local.addAll(List.of("--out", dir.resolve("local").toString()));
        Outcome a = tangent(local.toArray(String[]::new));
        assertEquals(0, a.code(), a.err());
        List<String> spark = new ArrayList<>(List.of("spark", "certify", "--master", "local[2]", "--conf", "spark.ui.enabled=false",
                "--conf", "spark.driver.host=127.0.0.1", "--conf", "spark.driver.bindAddress=127.0.0.1", "--partitions", "3"));
        spark.addAll(common);
        spark.addAll(List.of("--out", dir.resolve("spark").toString()));
        Outcome b = tangent(spark.toArray(String[]::new));
        assertEquals(0, b.code(), b.err());
        assertTrue(b.err().contains("in 3 partitions of up to 2048"), b.err());
        for (String f : List.of("certify.csv", "certify.md")) {
            assertEquals(Files.readAllLines(dir.resolve("local").resolve(f)), Files.readAllLines(dir.resolve("spark").resolve(f)), f);
        }
        assertEquals(withoutSeconds(dir.resolve("local").resolve("certify.json")), withoutSeconds(dir.resolve("spark").resolve("certify.json")));
        assertEquals(4101, Files.readAllLines(dir.resolve("spark").resolve("certify.csv")).size());
    }

    private static List<String> withoutSeconds(Path json) throws Exception {
        return Files.readAllLines(json).stream().filter(l -> !l.trim().startsWith("\"seconds\"")).toList();
    }

    @Test
    void sparkGramAssemblesToTangentGramsMatrix() throws Exception {
        Path x = dir.resolve("x.npy");
        try (Matrix m = TestData.uniform(150, 7, DType.F64, 3)) {
            Npy.write(x, m);
        }
        Outcome g = tangent("gram", "--x", x.toString(), "--depth", "2", "--dtype", "f32", "--tile", "8", "--out", dir.resolve("K.npy").toString());
        assertEquals(0, g.code(), g.err());
        Outcome s = tangent("spark", "gram", "--master", "local[2]", "--conf", "spark.ui.enabled=false", "--conf", "spark.driver.host=127.0.0.1",
                "--conf", "spark.driver.bindAddress=127.0.0.1", "--x", x.toString(), "--depth", "2", "--dtype", "f32", "--tile", "8",
                "--block-rows", "48", "--out", dir.resolve("K").toString());
        assertEquals(0, s.code(), s.err());
        assertTrue(s.out().contains("in 4 blocks of 48 rows"), s.out());
        Outcome a = tangent("spark", "assemble", "--shards", dir.resolve("K").toString(), "--out", dir.resolve("K2.npy").toString());
        assertEquals(0, a.code(), a.err());
        assertArrayEquals(SparkLocalTest.data(dir.resolve("K.npy")), SparkLocalTest.data(dir.resolve("K2.npy")));
        // a block Gram's directory is read wherever a .npy matrix is: tangent data info sees the 150 x 150 matrix
        Outcome info = tangent("data", "info", dir.resolve("K").toString());
        assertEquals(0, info.code(), info.err());
        assertTrue(info.out().contains("150"), info.out());
    }

    @Test
    void badInputGetsOneLineAndCreatesNothing() {
        Path x = dir.resolve("x.npy");
        try (Matrix m = TestData.uniform(40, 3, DType.F64, 3)) {
            Npy.write(x, m);
        }
        Path out = dir.resolve("K");
        Outcome o = tangent("spark", "gram", "--master", "local[1]", "--x", x.toString(), "--depth", "1", "--tile", "8", "--block-rows", "20",
                "--out", out.toString());
        assertEquals(2, o.code(), o.err());
        List<String> lines = o.err().lines().filter(l -> !l.isBlank() && !l.startsWith("WARNING") && !l.matches("^\\d\\d:\\d\\d:\\d\\d .*")).toList();
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.getFirst().contains("--block-rows 20"), lines.getFirst());
        assertFalse(Files.exists(out));
        Outcome m = tangent("spark", "assemble", "--shards", dir.toString(), "--out", dir.resolve("K.npy").toString());
        assertEquals(2, m.code());
        assertTrue(m.err().contains("no index.json"), m.err());
    }
}
