package dev.tangent.spark;

import dev.tangent.TestData;
import dev.tangent.compute.KernelProviders;
import dev.tangent.data.DataSource;
import dev.tangent.data.Input;
import dev.tangent.data.Selection;
import dev.tangent.experiment.BlockGramWorkflow;
import dev.tangent.experiment.Context;
import dev.tangent.experiment.GramWorkflow;
import dev.tangent.experiment.Reporter;
import dev.tangent.experiment.Sweep;
import dev.tangent.experiment.Tasks;
import dev.tangent.io.GramShards;
import dev.tangent.io.Npy;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Spark jobs in {@code local[2]} (two task slots in this JVM), against the single-process runners: the block Gram
 * read back equals {@code tangent gram}'s file bit for bit, and a sweep writes the same bytes as the local runner.
 */
class SparkLocalTest {
    private static SparkTasks spark;

    @BeforeAll
    static void start() {
        spark = SparkTasks.open("local[2]", "tangent-test", Map.of("spark.ui.enabled", "false", "spark.driver.host", "127.0.0.1",
                "spark.driver.bindAddress", "127.0.0.1"));
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.close();
        }
    }

    /** The single-process Gram ({@code tangent gram}'s workflow) of the points in {@code x}. */
    static Matrix singleProcess(Path x, KernelSpec spec, DType dtype, int tile, Path out) {
        Input in = new Input(DataSource.parse(x.toString(), "--x"), Selection.ALL, "--x");
        GramWorkflow.run(new GramWorkflow.Request(in, null, null, spec, dtype, tile, out),
                Context.of(KernelProviders.select("auto", 2, tile).provider()));
        return Npy.readMatrix(out, dtype, "");
    }

    static void assertBitIdentical(Matrix expected, Matrix actual) {
        assertEquals(expected.rows(), actual.rows());
        assertEquals(expected.cols(), actual.cols());
        for (int i = 0; i < expected.rows(); i++) {
            for (int j = 0; j < expected.cols(); j++) {
                if (Double.doubleToRawLongBits(expected.get(i, j)) != Double.doubleToRawLongBits(actual.get(i, j))) {
                    throw new AssertionError("entry (" + i + ", " + j + "): " + actual.get(i, j) + ", single process " + expected.get(i, j));
                }
            }
        }
    }

    @Test
    void blockGramReadsBackAsTheSingleProcessGramBitForBit(@TempDir Path tmp) throws Exception {
        int n = 300; // tile 8: panels of 16 rows; blocks of 32 rows, the last one of 12
        Path x = tmp.resolve("x.npy");
        try (Matrix m = TestData.uniform(n, 12, DType.F64, 11)) {
            Npy.write(x, m);
        }
        Input in = new Input(DataSource.parse(x.toString(), "--x"), Selection.ALL, "--x");
        for (DType dt : DType.values()) {
            KernelSpec spec = dt == DType.F32 ? KernelSpec.ntk(2) : KernelSpec.fc(KernelSpec.Kind.NTK, 3, 1.1, 0.2);
            Path dir = tmp.resolve("K-" + dt);
            BlockGramWorkflow.Result r = BlockGramWorkflow.run(new BlockGramWorkflow.Request(in, null, spec, dt, "auto", 1, 8, 32, dir),
                    Reporter.SILENT, spark);
            assertEquals(10, r.blocks());
            assertEquals(0, r.reused());
            try (Matrix whole = singleProcess(x, spec, dt, 8, tmp.resolve("K-" + dt + ".npy"));
                 Matrix blocks = Npy.readMatrix(dir, dt, "--x")) {
                assertBitIdentical(whole, blocks);
            }
            // assembled into one .npy: the same bytes as tangent gram's output after the header
            Path assembled = tmp.resolve("assembled-" + dt + ".npy");
            GramShards.assemble(dir, assembled, "--shards");
            assertArrayEquals(data(tmp.resolve("K-" + dt + ".npy")), data(assembled));
            // the index lists every block with its checksum; nothing else was left in the directory
            GramShards.Index ix = GramShards.readIndex(dir, "");
            assertEquals(10, ix.blocks().size());
            try (var files = Files.list(dir)) {
                assertEquals(ix.blocks().size() + 2, files.count(), "blocks, x.npy and index.json only");
            }
        }
        // an interrupted job (no index, one block missing) run again: the nine finished blocks are reused
        Path dir = tmp.resolve("K-" + DType.F32);
        Files.delete(dir.resolve(GramShards.INDEX));
        Files.delete(dir.resolve(GramShards.fileName(64, 96)));
        BlockGramWorkflow.Result again = BlockGramWorkflow.run(new BlockGramWorkflow.Request(in, null, KernelSpec.ntk(2), DType.F32, "auto", 1, 8,
                32, dir), Reporter.SILENT, spark);
        assertEquals(9, again.reused());
        assertArrayEquals(data(tmp.resolve("K-f32.npy")), data(assembledAgain(dir, tmp)));
    }

    private static Path assembledAgain(Path dir, Path tmp) {
        Path p = tmp.resolve("again.npy");
        GramShards.assemble(dir, p, "--shards");
        return p;
    }

    /** The data bytes of a .npy (after its header; the two writers pad headers alike, but the data is what must match). */
    static byte[] data(Path npy) throws Exception {
        byte[] all = Files.readAllBytes(npy);
        long off = Npy.readHeader(npy).dataOffset();
        return java.util.Arrays.copyOfRange(all, (int) off, all.length);
    }

    @Test
    void sweepWritesWhatTheLocalRunnerWritesAndResumes(@TempDir Path tmp) throws Exception {
        List<SeedJob> jobs = new ArrayList<>();
        for (int k = 0; k < 6; k++) {
            jobs.add(new SeedJob("job-" + k, 1000 + k, 50, 0));
        }
        List<Sweep.Outcome> first = Sweep.run(jobs, tmp.resolve("spark"), spark);
        assertEquals(6, first.size());
        assertTrue(first.stream().allMatch(Sweep.Outcome::ran));
        Sweep.run(jobs, tmp.resolve("local"), Tasks.local());
        for (SeedJob j : jobs) {
            assertArrayEquals(Files.readAllBytes(tmp.resolve("local").resolve(j.id()).resolve("values.npy")),
                    Files.readAllBytes(tmp.resolve("spark").resolve(j.id()).resolve("values.npy")), j.id());
        }
        // run again (on Spark, over the local runner's results): every job is found complete and none runs
        assertTrue(Sweep.run(jobs, tmp.resolve("local"), spark).stream().noneMatch(Sweep.Outcome::ran));
        // one result removed: only that job runs
        try (var files = Files.walk(tmp.resolve("spark").resolve("job-3"))) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        List<Sweep.Outcome> third = Sweep.run(jobs, tmp.resolve("spark"), spark);
        assertEquals(List.of("job-3"), third.stream().filter(Sweep.Outcome::ran).map(Sweep.Outcome::id).toList());
        assertFalse(Files.exists(tmp.resolve("spark").resolve("job-3").resolve(dev.tangent.io.RunDirectory.LOCK)));
    }
}
