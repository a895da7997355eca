package dev.tangent.spark;

import dev.tangent.TestData;
import dev.tangent.compute.KernelProviders;
import dev.tangent.data.DataSource;
import dev.tangent.data.Input;
import dev.tangent.data.Selection;
import dev.tangent.experiment.BlockGramWorkflow;
import dev.tangent.experiment.Context;
import dev.tangent.experiment.NoiseSweep;
import dev.tangent.experiment.Output;
import dev.tangent.experiment.PrepWorkflow;
import dev.tangent.experiment.Reporter;
import dev.tangent.experiment.Sweep;
import dev.tangent.experiment.Tasks;
import dev.tangent.io.Npy;
import dev.tangent.io.RunDirectory;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Against a real standalone cluster (a Master and two Workers, each a separate JVM; one executor per Worker): the
 * 5,000-point block Gram equals the single-process {@code tangent gram} bit for bit, a small {@code tangent noise} sweep
 * writes what the local pool writes, and a sweep during which one Worker is killed completes with every job's result
 * present once and equal to the local runner's.
 * Run alone: {@code mvn -pl spark -am verify -Pspark-cluster}.
 */
@Tag("spark-cluster")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SparkClusterTest {
    private static Path root;
    private static StandaloneCluster cluster;
    private static SparkTasks spark;

    @BeforeAll
    static void start() throws Exception {
        root = Files.createTempDirectory(Path.of("target").toAbsolutePath(), "spark-cluster-");
        cluster = new StandaloneCluster(root, 2, 1, "1g");
        spark = SparkTasks.open(cluster.url(), "tangent-cluster-test", Map.of("spark.ui.enabled", "false", "spark.driver.host", "127.0.0.1",
                "spark.driver.bindAddress", "127.0.0.1", "spark.executor.memory", "512m", "spark.executor.cores", "1",
                "spark.local.dir", root.toString()), SparkClusterTest.class);
        long end = System.currentTimeMillis() + 120_000;
        while (spark.context().sc().getExecutorMemoryStatus().size() < 3) { // the driver and two executors
            if (System.currentTimeMillis() > end) {
                throw new AssertionError("two executors did not register within 120 s; see " + root);
            }
            Thread.sleep(250);
        }
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.close();
        }
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void blockGramOfFiveThousandPointsEqualsTheSingleProcessGram() throws Exception {
        Path x = root.resolve("x.npy");
        try (Matrix m = TestData.uniform(5000, 16, DType.F32, 19)) {
            Npy.write(x, m);
        }
        Input in = new Input(DataSource.parse(x.toString(), "--x"), Selection.ALL, "--x");
        KernelSpec spec = KernelSpec.ntk(2);
        Path dir = root.resolve("K");
        BlockGramWorkflow.Result r = BlockGramWorkflow.run(new BlockGramWorkflow.Request(in, null, spec, DType.F32, "auto", 1, 256, 512, dir),
                Reporter.SILENT, spark);
        assertEquals(10, r.blocks());
        try (Matrix whole = SparkLocalTest.singleProcess(x, spec, DType.F32, 256, root.resolve("K.npy"));
             Matrix blocks = Npy.readMatrix(dir, DType.F32, "--x")) {
            SparkLocalTest.assertBitIdentical(whole, blocks);
        }
    }

    /**
     * tangent noise's sweep (the 10 jobs of SparkCommandTest's: two κ levels, RF and NT KRR, NT by CG) with its jobs on the
     * two executors' JVMs writes the files the local pool writes ({@link SweepDirs}), before a Worker is killed.
     */
    @Test
    @Order(2)
    void noiseSweepOnTheClusterWritesWhatTheLocalPoolWrites() throws Exception {
        NoiseSweep.Settings s = NoiseSweep.resolve(PrepWorkflow.Kind.SYNTH, NoiseSweep.Scale.QUICK, new int[] {1, 8},
                List.of(NoiseSweep.Model.RF_KRR, NoiseSweep.Model.NT_KRR, NoiseSweep.Model.NT), new int[] {0, 3}, 64, 32, 16, 3, "auto", 1);
        Context c = Context.of(KernelProviders.select("auto", 1).provider());
        Path local = root.resolve("noise-local");
        Path onCluster = root.resolve("noise-cluster");
        NoiseSweep.run(new NoiseSweep.Request(s, Output.of(local), 2, -1), c);
        NoiseSweep.Result r = NoiseSweep.run(new NoiseSweep.Request(s, Output.of(onCluster), 0, -1), c, spark);
        assertEquals(10, r.summary().ran());
        SweepDirs.assertSameSweep(local, onCluster);
    }

    @Test
    @Order(3)
    void sweepLosesNothingWhenAWorkerIsKilled() throws Exception {
        List<SeedJob> jobs = new ArrayList<>();
        for (int k = 0; k < 12; k++) {
            jobs.add(new SeedJob("job-" + k, 7000 + k, 200, 1500));
        }
        Path out = root.resolve("sweep");
        int[] doneAtKill = {-1};
        Thread killer = new Thread(() -> {
            try {
                // once two jobs are done (both executors are working), kill the second Worker and its executor
                long end = System.currentTimeMillis() + 120_000;
                while (completed(out) < 2 && System.currentTimeMillis() < end) {
                    Thread.sleep(100);
                }
                doneAtKill[0] = completed(out);
                cluster.killWorker(1);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        killer.start();
        List<Sweep.Outcome> outcomes = Sweep.run(jobs, out, spark);
        killer.join();
        assertTrue(doneAtKill[0] >= 2 && doneAtKill[0] < jobs.size(), "the Worker was killed while jobs ran (" + doneAtKill[0] + " done)");
        assertEquals(jobs.stream().map(SeedJob::id).toList(), outcomes.stream().map(Sweep.Outcome::id).toList(), "one outcome per job, in order");
        Path local = root.resolve("sweep-local");
        Sweep.run(jobs, local, Tasks.local());
        for (SeedJob j : jobs) {
            Path d = out.resolve(j.id());
            assertTrue(RunDirectory.isComplete(d), j.id());
            Set<String> files;
            try (var s = Files.list(d)) {
                files = s.map(p -> p.getFileName().toString()).collect(Collectors.toSet());
            }
            assertEquals(Set.of(RunDirectory.MANIFEST, "values.npy"), files, j.id() + ": the result once, no temp or lock file left");
            assertArrayEquals(Files.readAllBytes(local.resolve(j.id()).resolve("values.npy")), Files.readAllBytes(d.resolve("values.npy")), j.id());
        }
    }

    private static int completed(Path out) throws Exception {
        if (!Files.isDirectory(out)) {
            return 0;
        }
        try (var s = Files.list(out)) {
            return (int) s.filter(RunDirectory::isComplete).count();
        }
    }
}
