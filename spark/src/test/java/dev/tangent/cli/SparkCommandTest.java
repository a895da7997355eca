package dev.tangent.cli;

import dev.tangent.TestData;
import dev.tangent.io.Npy;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tangent spark …} on the command line (in-process, {@code local[2]}; in the cli package for its test helpers),
 * against the single-process commands: {@code spark certify} in partitions writes the files {@code tangent certify}
 * writes, {@code spark gram} assembles to {@code tangent gram}'s matrix, and bad input gets the one-line error before
 * Spark starts.
 */
class SparkCommandTest {
    @TempDir
    Path dir;

    private static final List<String> LOCAL = List.of("--master", "local[2]", "--conf", "spark.ui.enabled=false", "--conf",
            "spark.driver.host=127.0.0.1", "--conf", "spark.driver.bindAddress=127.0.0.1");

    private static String[] args(List<String> head, List<String> tail) {
        List<String> a = new ArrayList<>(head);
        a.addAll(tail);
        return a.toArray(String[]::new);
    }

    /**
     * 4,100 test points against an 80-point SVM: the kernel certifier's block is 2,048 points, so --partitions 3 gives
     * parts of 2,048, 2,048 and 4 points, each a task; the merged files equal tangent certify's (certify.json but for
     * its wall time). Clean scores and certificates only: PGD attacks of 4,100 points would take the suite's time.
     */
    @Test
    void certifyInPartitionsWritesWhatTangentCertifyWrites() throws Exception {
        Path[] train = Fixtures.write(dir, "train", 80, 8, 1, null);
        Path[] test = Fixtures.write(dir, "test", 4100, 8, 2, null);
        Path svm = dir.resolve("svm");
        Cli.Outcome t = Cli.run("train", "--method", "svm-sgd", "--train", train[0].toString(), "--train-labels", train[1].toString(),
                "--depth", "1", "--epochs", "50", "--batch", "16", "--out", svm.toString());
        assertEquals(0, t.code(), t.err());
        List<String> common = List.of("--model", svm.toString(), "--test", test[0].toString(), "--test-labels", test[1].toString(),
                "--max-iter", "12");
        Cli.Outcome a = Cli.run(args(List.of("certify"), args2(common, "--out", dir.resolve("local").toString())));
        assertEquals(0, a.code(), a.err());
        List<String> spark = new ArrayList<>(List.of("spark", "certify", "--partitions", "3"));
        spark.addAll(LOCAL);
        Cli.Outcome b = Cli.run(args(spark, args2(common, "--out", dir.resolve("spark").toString())));
        assertEquals(0, b.code(), b.err());
        assertTrue(b.err().contains("in 3 partitions of up to 2048"), b.err());
        for (String f : List.of("certify.csv", "certify.md")) {
            assertEquals(Files.readAllLines(dir.resolve("local").resolve(f)), Files.readAllLines(dir.resolve("spark").resolve(f)), f);
        }
        assertEquals(withoutSeconds(dir.resolve("local").resolve("certify.json")), withoutSeconds(dir.resolve("spark").resolve("certify.json")));
        assertEquals(4101, Files.readAllLines(dir.resolve("spark").resolve("certify.csv")).size());
    }

    private static List<String> args2(List<String> common, String... more) {
        List<String> a = new ArrayList<>(common);
        a.addAll(Arrays.asList(more));
        return a;
    }

    private static List<String> withoutSeconds(Path json) throws Exception {
        return Files.readAllLines(json).stream().filter(l -> !l.trim().startsWith("\"seconds\"")).toList();
    }

    /** The data bytes of a .npy (after its header: the two writers pad headers differently). */
    private static byte[] data(Path npy) throws Exception {
        byte[] all = Files.readAllBytes(npy);
        return Arrays.copyOfRange(all, (int) Npy.readHeader(npy).dataOffset(), all.length);
    }

    @Test
    void sparkGramAssemblesToTangentGramsMatrix() throws Exception {
        Path x = dir.resolve("x.npy");
        try (Matrix m = TestData.uniform(150, 7, DType.F64, 3)) {
            Npy.write(x, m);
        }
        Cli.Outcome g = Cli.run("gram", "--x", x.toString(), "--depth", "2", "--dtype", "f32", "--tile", "8", "--out", dir.resolve("K.npy").toString());
        assertEquals(0, g.code(), g.err());
        List<String> head = new ArrayList<>(List.of("spark", "gram"));
        head.addAll(LOCAL);
        Cli.Outcome s = Cli.run(args(head, List.of("--x", x.toString(), "--depth", "2", "--dtype", "f32", "--tile", "8", "--block-rows", "48",
                "--out", dir.resolve("K").toString())));
        assertEquals(0, s.code(), s.err());
        assertTrue(s.out().contains("in 4 blocks of 48 rows"), s.out());
        Cli.Outcome a = Cli.run("spark", "assemble", "--shards", dir.resolve("K").toString(), "--out", dir.resolve("K2.npy").toString());
        assertEquals(0, a.code(), a.err());
        assertArrayEquals(data(dir.resolve("K.npy")), data(dir.resolve("K2.npy")));
        // a block Gram's directory is read wherever a .npy matrix is: tangent data info sees the 150 x 150 matrix
        Cli.Outcome info = Cli.run("data", "info", dir.resolve("K").toString());
        assertEquals(0, info.code(), info.err());
        assertTrue(info.out().contains("150"), info.out());
    }

    /** A small synthetic sweep: κ levels 1 and 8; RF and NT KRR at two regs each, NT by CG (3 iterations, width 16) at two. */
    private static final List<String> SWEEP = List.of("--dataset", "synth", "--levels", "1,8", "--models", "rf-krr,nt-krr,nt", "--regs", "0,3",
            "--n-train", "64", "--n-test", "32", "--width", "16", "--epochs", "3", "--threads", "1", "--threads-per-job", "1");

    private static String[] noise(List<String> head, Path out, String... more) {
        List<String> a = new ArrayList<>(head);
        a.addAll(SWEEP);
        a.addAll(Arrays.asList(more));
        a.add("--out");
        a.add(out.toString());
        return a.toArray(String[]::new);
    }

    private static List<String> sparkNoise() {
        List<String> h = new ArrayList<>(List.of("spark", "noise"));
        h.addAll(LOCAL);
        return h;
    }

    /**
     * tangent spark noise (each job a Spark task in local[2]) against tangent noise (the local pool) on the same 10 jobs
     * (2 datasets, then per level 2 KRR jobs and 2 NT fits): the same summary files and every job's files byte for byte
     * ({@link dev.tangent.spark.SweepDirs}); and the two resume each other's directories.
     */
    @Test
    void noiseOnSparkWritesWhatTangentNoiseWritesAndTheyResumeEachOther() throws Exception {
        Path local = dir.resolve("local");
        Cli.Outcome a = Cli.run(noise(List.of("noise"), local, "--jobs", "2"));
        assertEquals(0, a.code(), a.err());
        assertTrue(a.out().contains("10 jobs (0 finished before, 10 run now, 2 side by side)"), a.out());
        Path spark = dir.resolve("spark");
        Cli.Outcome b = Cli.run(noise(sparkNoise(), spark));
        assertEquals(0, b.code(), b.err());
        assertTrue(b.out().contains("10 jobs (0 finished before, 10 run now, 2 side by side)"), b.out());
        dev.tangent.spark.SweepDirs.assertSameSweep(local, spark);
        // a local sweep interrupted after 3 jobs (the two datasets and one model job), continued on Spark: the 7 others run there
        Path cut = dir.resolve("cut");
        assertEquals(130, Cli.run(noise(List.of("noise"), cut, "--jobs", "1", "--stop-after", "3")).code());
        Cli.Outcome c = Cli.run(noise(sparkNoise(), cut, "--resume"));
        assertEquals(0, c.code(), c.err());
        assertTrue(c.out().contains("10 jobs (3 finished before, 7 run now"), c.out());
        dev.tangent.spark.SweepDirs.assertSameSweep(local, cut);
        // a Spark sweep stopped after 6 jobs: Spark runs the tasks it has scheduled (the model stage's 8), so every job
        // finishes, but the sweep ends as interrupted (exit 130, no summary); a local --resume finds all 10 complete,
        // runs none and writes the summary
        Path stopped = dir.resolve("stopped");
        Cli.Outcome d = Cli.run(noise(sparkNoise(), stopped, "--stop-after", "6"));
        assertEquals(130, d.code(), d.err());
        assertFalse(Files.exists(stopped.resolve("results.csv")));
        Cli.Outcome e = Cli.run(noise(List.of("noise"), stopped, "--resume"));
        assertEquals(0, e.code(), e.err());
        assertTrue(e.out().contains("10 jobs (10 finished before, 0 run now"), e.out());
        dev.tangent.spark.SweepDirs.assertSameSweep(local, stopped);
        // --jobs is the local pool's: on Spark it is refused before Spark starts, and nothing is created
        Cli.assertBadInput(dir.resolve("refused"), "--jobs 2: on Spark", noise(sparkNoise(), dir.resolve("refused"), "--jobs", "2"));
    }

    @Test
    void badInputGetsOneLineBeforeSparkStartsAndCreatesNothing() {
        Path x = dir.resolve("x.npy");
        try (Matrix m = TestData.uniform(40, 3, DType.F64, 3)) {
            Npy.write(x, m);
        }
        Cli.assertBadInput(dir.resolve("K"), "--block-rows 20", "spark", "gram", "--master", "local[1]", "--x", x.toString(), "--depth", "1",
                "--tile", "8", "--block-rows", "20", "--out", dir.resolve("K").toString());
        Cli.assertBadInput(dir.resolve("K.npy"), "no index.json", "spark", "assemble", "--shards", dir.toString(), "--out",
                dir.resolve("K.npy").toString());
    }
}
