package dev.tangent.cli;

import dev.tangent.io.Npy;
import dev.tangent.io.RunDirectory;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.report.Json;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12, what the rules promise when a run succeeds: --overwrite replaces the previous run whole, stale locks and
 * temp files of dead processes are reclaimed, run.json records version, commit, command line and every option, per-input
 * limits and the counts used are recorded, model directories carry their data options (and the training statistics of
 * --normalize standard) and predict and certify reuse them, predict scores networks, train's trace ends with the final
 * model, and bound warns when the network leaves the kernel regime.
 */
class RunContractTest {
    @TempDir
    Path dir;

    private String x;
    private String y;

    @BeforeEach
    void data() {
        Path[] xy = Fixtures.write(dir, "blobs", 60, 6, 1, null);
        x = xy[0].toString();
        y = xy[1].toString();
    }

    private Cli.Outcome ok(String... args) {
        Cli.Outcome o = Cli.run(args);
        assertEquals(0, o.code(), String.join(" ", args) + ": " + o.err());
        return o;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(Path p) throws IOException {
        return (Map<String, Object>) Json.parse(Files.readString(p));
    }

    private static double[] vector(Path p) {
        try (Matrix m = Npy.readMatrix(p, DType.F64, "")) {
            double[] v = new double[m.rows() * m.cols()];
            for (int i = 0; i < m.rows(); i++) {
                for (int j = 0; j < m.cols(); j++) {
                    v[i * m.cols() + j] = m.get(i, j);
                }
            }
            return v;
        }
    }

    /** Regular files under a directory, relative, without the hidden manifest. */
    private static Set<String> files(Path root) throws IOException {
        try (Stream<Path> s = Files.walk(root)) {
            return s.filter(Files::isRegularFile).map(p -> root.relativize(p).toString()).filter(p -> !p.startsWith("."))
                    .collect(Collectors.toCollection(TreeSet::new));
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void overwriteReplacesThePreviousRunWhole() throws IOException {
        Path m = dir.resolve("m");
        ok("train", "--method", "krr", "--lambdas", "0.5", "--train", x, "--train-labels", y, "--depth", "1", "--out", m.toString());
        assertTrue(Files.exists(m.resolve("model.json")));
        Cli.Outcome o = ok("train", "--method", "krr", "--lambdas", "0.1,0.2", "--train", x, "--train-labels", y, "--depth", "1",
                "--overwrite", "--out", m.toString());
        assertTrue(o.err().contains("removed the previous run (tangent train, 5 files)"), o.err());
        assertFalse(Files.exists(m.resolve("model.json")), "the lambda = 0.5 model is gone, so predict cannot use it by mistake");
        Map<String, Object> run = json(m.resolve("run.json"));
        assertEquals(files(m), new TreeSet<>((List<String>) run.get("files")), "run.json lists exactly the files of the run");
        assertTrue(files(m).containsAll(List.of("lambda_0.1/model.json", "lambda_0.2/model.json")));
        assertEquals(List.of("tangent-run 1", "status complete", "command train"),
                Files.readAllLines(m.resolve(RunDirectory.MANIFEST)).subList(0, 3));
        assertFalse(Files.exists(m.resolve(RunDirectory.LOCK)), "the lock is released");
    }

    /** The id of a process that has ended. */
    private static long deadPid() throws IOException, InterruptedException {
        Process p = new ProcessBuilder("true").start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        long pid = p.pid();
        assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        return pid;
    }

    @Test
    void staleLocksAndTempFilesOfDeadProcessesAreReclaimed() throws Exception {
        long dead = deadPid();
        Path r = Files.createDirectories(dir.resolve("r"));
        Files.writeString(r.resolve(RunDirectory.LOCK), dead + "\n");
        Files.write(r.resolve(".alpha.npy.tangent-" + dead + "-1.part"), new byte[1000]);
        Cli.Outcome o = ok("train", "--method", "krr", "--train", x, "--train-labels", y, "--depth", "1", "--out", r.toString());
        assertTrue(o.err().contains("removed the stale lock of process " + dead), o.err());
        assertTrue(o.err().contains("reclaimed 1 temp file of stopped processes in " + r + " (1000 B)"), o.err());
        assertFalse(Files.exists(r.resolve(".alpha.npy.tangent-" + dead + "-1.part")));
        Path stale = dir.resolve(".K.npy.tangent-" + dead + "-7.part");
        Files.write(stale, new byte[10]);
        Cli.Outcome g = ok("gram", "--x", x, "--depth", "1", "--out", dir.resolve("K.npy").toString());
        assertTrue(g.err().contains("reclaimed 1 temp file of stopped processes (10 B)"), g.err());
        assertFalse(Files.exists(stale));
    }

    @Test
    @SuppressWarnings("unchecked")
    void runJsonRecordsVersionCommitCommandLineAndEveryOption() throws IOException {
        Path m = dir.resolve("m");
        String[] args = {"train", "--method", "svm-sgd", "--train", x, "--train-labels", y, "--depth", "1", "--epochs", "3", "--lambda",
                "0.01", "--out", m.toString()};
        ok(args);
        Map<String, Object> run = json(m.resolve("run.json"));
        Map<String, Object> t = (Map<String, Object>) run.get("tangent");
        assertEquals(BuildInfo.CURRENT.version(), t.get("version"));
        assertTrue(String.valueOf(t.get("commit")).matches("[0-9a-f]{40}(-dirty)?|unknown"), String.valueOf(t.get("commit")));
        assertEquals("tangent " + String.join(" ", args), run.get("command_line"));
        Map<String, Object> options = (Map<String, Object>) run.get("options");
        Set<String> expected = new TreeSet<>();
        CommandLine train = Main.commandLine(new Main(), null).getSubcommands().get("train");
        for (OptionSpec o : train.getCommandSpec().options()) {
            if (!o.usageHelp() && !o.versionHelp()) {
                expected.add(o.longestName());
            }
        }
        assertEquals(expected, new TreeSet<>(options.keySet()), "every option of tangent train, given or not");
        assertEquals(3.0, options.get("--epochs"));
        assertEquals(List.of(0.01), options.get("--lambdas"));
        assertEquals(60.0, Fixtures.number(Files.readString(m.resolve("run.json")), "\"n_train\": "), 0.0);
        assertEquals("svm-sgd", options.get("--method"));
        assertEquals(64.0, options.get("--batch"), "a default is recorded as resolved");
        assertEquals("batch", options.get("--km-decay"), "values as the command line spells them");
    }

    @Test
    @SuppressWarnings("unchecked")
    void perInputLimitsAndTheCountsUsedAreRecorded() throws IOException {
        Path m = dir.resolve("m");
        ok("train", "--method", "krr", "--train", x, "--train-labels", y, "--test", x, "--test-labels", y, "--train-limit", "40",
                "--test-limit", "10", "--depth", "1", "--out", m.toString());
        Map<String, Object> run = json(m.resolve("run.json"));
        assertEquals(40.0, ((Map<String, Object>) run.get("train")).get("n"));
        assertEquals(40.0, ((Map<String, Object>) run.get("train")).get("limit"));
        assertEquals(10.0, ((Map<String, Object>) run.get("test")).get("n"));
        Path all = dir.resolve("all");
        ok("train", "--method", "krr", "--train", x, "--train-labels", y, "--limit", "100000", "--depth", "1", "--out", all.toString());
        Map<String, Object> train = (Map<String, Object>) json(all.resolve("run.json")).get("train");
        assertEquals(60.0, train.get("n"));
        assertTrue(String.valueOf(train.get("description")).contains("all 60 (limit 100000)"), String.valueOf(train.get("description")));
    }

    /** An MNIST-style directory: n images of 3×3 pixels, labels i mod 3, class 1 brighter on the left. */
    private Path idx(int n) throws IOException {
        Path d = Files.createDirectories(dir.resolve("mnist"));
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);
        ByteBuffer img = ByteBuffer.allocate(16 + 9 * n);
        img.putInt(0x803).putInt(n).putInt(3).putInt(3);
        ByteBuffer lab = ByteBuffer.allocate(8 + n);
        lab.putInt(0x801).putInt(n);
        for (int i = 0; i < n; i++) {
            int c = i % 3;
            for (int j = 0; j < 9; j++) {
                img.put((byte) Math.min(255, 40 + r.nextInt(120) + (c == 1 && j % 3 == 0 ? 90 : 0)));
            }
            lab.put((byte) c);
        }
        Files.write(d.resolve("t10k-images-idx3-ubyte"), img.array());
        Files.write(d.resolve("t10k-labels-idx1-ubyte"), lab.array());
        return d;
    }

    @Test
    @SuppressWarnings("unchecked")
    void modelsCarryTheirDataOptionsAndPredictAndCertifyReuseThem() throws IOException {
        String spec = "mnist:" + idx(150) + ":test";
        Path m = dir.resolve("m");
        ok("train", "--method", "svm-sgd", "--train", spec, "--classes", "2,1", "--train-limit", "60", "--test", spec, "--depth", "1",
                "--epochs", "20", "--batch", "10", "--out", m.toString());
        Map<String, Object> meta = (Map<String, Object>) json(m.resolve("model.json")).get("meta");
        assertEquals("unit", meta.get("normalize"), "the value used, not 'default'");
        assertEquals("2,1", meta.get("classes"));
        double trainTestAcc = Fixtures.number(Files.readString(m.resolve("run.json")), "\"test_accuracy\": ");
        assertTrue(trainTestAcc > 0.8, "separable classes: " + trainTestAcc);
        Path p = dir.resolve("p");
        Cli.Outcome o = ok("predict", "--model", m.toString(), "--test", spec, "--out", p.toString());
        assertEquals(trainTestAcc, Fixtures.number(Files.readString(p.resolve("run.json")), "\"test_accuracy\": "), 0.0,
                "predict takes the model's --classes 2,1 and --normalize unit: " + o.out());
        Fixtures.refused(dir, "--classes 1,2: the model in " + m + " was trained with --classes 2,1", "predict", "--model", m.toString(),
                "--test", spec, "--classes", "1,2", "--out", dir.resolve("q").toString());
        Path c = dir.resolve("c");
        Cli.Outcome co = ok("certify", "--model", m.toString(), "--test", spec, "--test-limit", "12", "--out", c.toString());
        Map<String, Object> cj = json(c.resolve("certify.json"));
        Map<String, Object> test = (Map<String, Object>) cj.get("test");
        assertEquals("2,1", test.get("classes"));
        assertEquals(12.0, test.get("limit"));
        assertEquals(12.0, test.get("n"));
        assertEquals("l-infinity distance in the model's input units: pixel/255", cj.get("radius_units"));
        assertTrue(co.out().contains("radii: l-infinity distance in the model's input units: pixel/255"), co.out());
    }

    @Test
    void standardNormalizationUsesTheTrainingStatisticsEverywhere() throws Exception {
        Path[] tr = Fixtures.write(dir, "tr", 50, 5, 11, null);
        Path[] te = Fixtures.write(dir, "te", 30, 5, 12, null);
        // numpy standardises both sets with the training set's mean and population standard deviation
        String py = "import numpy as np\n"
                + "tr = np.load(r'" + tr[0] + "'); te = np.load(r'" + te[0] + "')\n"
                + "mu = tr.mean(axis=0); sd = tr.std(axis=0)\n"
                + "np.save(r'" + dir.resolve("tr-std.npy") + "', (tr - mu) / sd)\n"
                + "np.save(r'" + dir.resolve("te-std.npy") + "', (te - mu) / sd)\n"
                + "np.save(r'" + dir.resolve("stats.npy") + "', np.stack([mu, sd]))\n";
        Process pr = new ProcessBuilder("/usr/bin/python3", "-c", py).redirectErrorStream(true).start();
        assertTrue(pr.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, pr.exitValue(), new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        Path a = dir.resolve("a");
        Path b = dir.resolve("b");
        ok("train", "--method", "krr", "--lambda", "0.1", "--train", dir.resolve("tr-std.npy").toString(), "--train-labels", tr[1].toString(),
                "--depth", "1", "--out", a.toString());
        ok("train", "--method", "krr", "--lambda", "0.1", "--train", tr[0].toString(), "--train-labels", tr[1].toString(), "--normalize",
                "standard", "--depth", "1", "--out", b.toString());
        double[] stats = vector(b.resolve("standardize.npy"));
        double[] ref = vector(dir.resolve("stats.npy"));
        for (int i = 0; i < ref.length; i++) {
            // 50 summands of size ~1: the two summation orders differ by a few units of 1e-16
            assertEquals(ref[i], stats[i], 1e-13, "standardize.npy[" + i + "]");
        }
        ok("predict", "--model", a.toString(), "--test", dir.resolve("te-std.npy").toString(), "--out", dir.resolve("pa").toString());
        ok("predict", "--model", b.toString(), "--test", te[0].toString(), "--out", dir.resolve("pb").toString());
        double[] sa = vector(dir.resolve("pa/scores.npy"));
        double[] sb = vector(dir.resolve("pb/scores.npy"));
        double scale = 0;
        for (double v : sa) {
            scale = Math.max(scale, Math.abs(v));
        }
        for (int i = 0; i < sa.length; i++) {
            // inputs equal to ~1e-15; the solve (lambda = 0.1, kernel entries of order 1) amplifies that by far less than 1e4
            assertEquals(sa[i], sb[i], 1e-10 * scale, "score " + i + ": the test set standardised with the training statistics");
        }
    }

    @Test
    void predictScoresANetworkAsNumpyDoes() throws Exception {
        Path eq = dir.resolve("eq");
        ok("equivalence", "--train", x, "--train-labels", y, "--test", x, "--test-labels", y, "--widths", "24", "--depth", "2",
                "--epochs", "2", "--batch", "20", "--nn-dtype", "f64", "--out", eq.toString());
        Path p = dir.resolve("p");
        Cli.Outcome o = ok("predict", "--model", eq.resolve("nn_w24").toString(), "--test", x, "--test-labels", y, "--out", p.toString());
        assertTrue(o.out().contains("scores of the network"), o.out());
        Path nn = eq.resolve("nn_w24");
        // NTK parameterisation, bias-free: h = relu(h W^T / sqrt(fan_in)) per hidden layer, f = h W_out^T / sqrt(m); g = f_theta - f_theta0
        String py = "import numpy as np\n"
                + "x = np.load(r'" + x + "')\n"
                + "def f(p):\n"
                + "    h = x\n"
                + "    for k in range(2):\n"
                + "        W = np.load(r'" + nn + "/' + p + '_layer%d.npy' % k)\n"
                + "        h = np.maximum(h @ W.T / np.sqrt(h.shape[1]), 0)\n"
                + "    W = np.load(r'" + nn + "/' + p + '_layer2.npy')\n"
                + "    return (h @ W.T / np.sqrt(h.shape[1]))[:, 0]\n"
                + "np.save(r'" + dir.resolve("ref.npy") + "', f('theta') - f('theta0'))\n";
        Process pr = new ProcessBuilder("/usr/bin/python3", "-c", py).redirectErrorStream(true).start();
        assertTrue(pr.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, pr.exitValue(), new String(pr.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        double[] ref = vector(dir.resolve("ref.npy"));
        double[] got = vector(p.resolve("scores.npy"));
        double scale = 0;
        for (double v : ref) {
            scale = Math.max(scale, Math.abs(v));
        }
        assertTrue(scale > 1e-3, "the network moved from theta_0: " + scale);
        for (int i = 0; i < ref.length; i++) {
            // f64 sums of 24-term products in another order: differences of a few ulps of the layer outputs
            assertEquals(ref[i], got[i], 1e-12 * Math.max(1, scale), "score " + i);
        }
    }

    @Test
    void theTrainTraceEndsWithTheFinalModel() throws IOException {
        Path[] te = Fixtures.write(dir, "te", 30, 6, 9, null);
        Path m = dir.resolve("m");
        ok("train", "--method", "svm-sgd", "--train", x, "--train-labels", y, "--test", te[0].toString(), "--test-labels",
                te[1].toString(), "--depth", "1", "--epochs", "3", "--batch", "16", "--out", m.toString());
        double[] steps = vector(m.resolve("trace_steps.npy"));
        double[] loss = vector(m.resolve("trace_train_loss.npy"));
        assertEquals(3 * 4 + 1, steps[steps.length - 1], 0.0, "60 points in batches of 16: 4 steps per epoch; the final model is 'before step 13'");
        // the final model's scores on the training set, by the model directory's own predictor (blocked cross Grams)
        Path p = dir.resolve("p");
        ok("predict", "--model", m.toString(), "--test", x, "--test-labels", y, "--out", p.toString());
        double[] g = vector(p.resolve("scores.npy"));
        double[] t = vector(Path.of(y));
        double hinge = 0;
        for (int i = 0; i < g.length; i++) {
            hinge += Math.max(0, 1 - t[i] * g[i]) / g.length;
        }
        // predict's cross Gram meets K(x_i, x_i) at u = 1 from a GEMM, where the kernel map is ill-conditioned
        // (d theta/du ~ 1/sqrt(1 - u^2)); train's symmetric Gram sets that diagonal exactly: they agree to ~sqrt(eps)
        double tol = 1e-7;
        assertEquals(hinge, loss[loss.length - 1], tol, "the last trace point is the mean hinge loss of the final model");
        assertTrue(Math.abs(loss[loss.length - 2] - hinge) > 100 * tol,
                "the point before it (before the last update) is another model: " + loss[loss.length - 2] + " vs " + hinge);
    }

    @Test
    @SuppressWarnings("unchecked")
    void boundWarnsWhenTheNetworkLeavesTheKernelRegime() throws IOException {
        Path b = dir.resolve("b");
        Cli.Outcome o = ok("bound", "--train", x, "--train-labels", y, "--width", "10", "--lr", "5", "--epochs", "30", "--out",
                b.toString());
        assertTrue(o.out().contains("warning: max |NN - KM| = "), o.out());
        Map<String, Object> run = json(b.resolve("run.json"));
        List<Object> warnings = (List<Object>) run.get("warnings");
        assertTrue(String.valueOf(warnings.get(0)).contains("left the kernel (linear) regime"), String.valueOf(warnings));
        double gap = (Double) run.get("max_abs_nn_minus_km");
        double max = (Double) run.get("max_abs_nn_output");
        assertTrue(gap > 0.1 * max, gap + " vs " + max);
        // recomputed from the saved outputs
        double[] nn = vector(b.resolve("nn_outputs.npy"));
        double[] km = vector(b.resolve("km_outputs.npy"));
        double g = 0;
        for (int i = 0; i < nn.length; i++) {
            g = Math.max(g, Math.abs(nn[i] - km[i]));
        }
        assertEquals(g, gap, 0.0);
    }

    @Test
    void dataInfoPrintsJson() throws IOException {
        Cli.Outcome o = ok("data", "info", x, "--labels", y, "--json");
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) Json.parse(o.out());
        assertEquals(60.0, m.get("samples"));
        assertEquals(6.0, m.get("features"));
    }
}
