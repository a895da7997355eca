package dev.tangent.bench;

import dev.tangent.compute.Backend;
import dev.tangent.compute.Backends;
import dev.tangent.data.DataSource;
import dev.tangent.data.Dataset;
import dev.tangent.data.Selection;
import dev.tangent.io.Npy;
import dev.tangent.compute.KernelMatrix;
import dev.tangent.compute.KernelProvider;
import dev.tangent.compute.KernelProviders;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.machine.Loss;
import dev.tangent.machine.SubgradientSolver;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.verify.BinarySearch;
import dev.tangent.verify.IntervalKernel;
import dev.tangent.verify.KernelCertifier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Issue 6, acceptance 4: certifying all 2,115 MNIST 0/1 test digits (shared/data/mnist) against a kernel machine of
 * paper A's full protocol size, 12,665 training points: Fashion-MNIST classes 0 and 1 (the 12,000 training images and
 * the first 665 test images), pixels/255, an SVM trained as paper A's (two-layer NTK, hinge, λ 0.001, lr 1, batch 64,
 * 100 epochs, seed 6). All points (no only-correct filter), paper A's search (δ0 0.05 in [0, 0.3], margin stop 1e-3),
 * sound NaN mode. One shot per iteration; the setup also runs paper A's own per-point PyTorch loop
 * ({@code bench/peers/certify_torch.py}, Debian's PyTorch, same threads) on the first {@code peerPoints} digits and
 * prints its time per point, so the two are compared in the same run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 1)
@Measurement(iterations = 3)
public class CertifyBenchmark {
    @Param({"2"})
    int threads;

    @Param({"200"})
    int peerPoints;

    KernelProvider provider;
    KernelCertifier certifier;
    Matrix digits;
    double[] labels;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        provider = KernelProviders.select("auto", threads).provider();
        Selection zeroOne = Selection.of("0,1", -1);
        Matrix x;
        double[] y;
        try (Dataset tr = DataSource.parse("fashion-mnist:train", "--train").load(DType.F64, zeroOne, null, "--train");
             Dataset te = DataSource.parse("fashion-mnist:test", "--train").load(DType.F64, zeroOne, null, "--train")) {
            int n = tr.size() + 665;
            x = Matrix.allocate(n, 784, DType.F64);
            y = new double[n];
            tr.x().copyInto(x.rows(0, tr.size()));
            te.x().rows(0, 665).copyInto(x.rows(tr.size(), 665));
            System.arraycopy(tr.y(), 0, y, 0, tr.size());
            System.arraycopy(te.y(), 0, y, tr.size(), 665);
        }
        long t0 = System.nanoTime();
        double[] alpha;
        try (KernelMatrix k = provider.gram(KernelSpec.ntk(1), x, null)) {
            alpha = SubgradientSolver.train(k, y, null, null, new int[0], new int[0],
                    new SubgradientSolver.Config(new Loss.Hinge(), 0.001, 1, 64, 100, 6, true, SubgradientSolver.Decay.BATCH, 2), null).alpha();
        }
        System.err.printf(Locale.ROOT, "%n# kernel machine: %d Fashion-MNIST 0/1 points, trained in %.1f s%n", x.rows(),
                (System.nanoTime() - t0) / 1e9);
        certifier = new KernelCertifier(KernelSpec.ntk(1), IntervalKernel.NanMode.SOUND, alpha, x, 0);
        Path mnist = findUp("shared/data/mnist");
        try (Dataset d = DataSource.parse("mnist:" + mnist + ":test", "--test").load(DType.F64, zeroOne, null, "--test")) {
            digits = d.x().copy(DType.F64);
            labels = d.y().clone();
        }
        System.err.printf(Locale.ROOT, "# support vectors %d of %d; certifying %d MNIST 0/1 test digits%n", certifier.supportVectors(),
                x.rows(), digits.rows());
        runPeer(alpha, x);
        x.close();
    }

    private void runPeer(double[] alpha, Matrix x) throws Exception {
        Path script = Path.of("bench/peers/certify_torch.py");
        if (!Files.isRegularFile(script)) {
            System.err.println("# PyTorch peer not run: " + script.toAbsolutePath() + " not found (run from the repository root)");
            return;
        }
        Path tmp = Files.createTempDirectory("tangent-certify-bench");
        Npy.writeVector(tmp.resolve("alpha.npy"), alpha);
        Npy.write(tmp.resolve("x_train.npy"), x);
        Npy.write(tmp.resolve("x_test.npy"), digits);
        Npy.writeVector(tmp.resolve("y_test.npy"), labels);
        for (String dtype : new String[] {"float32", "float64"}) {
            Path out = tmp.resolve("torch-" + dtype + ".json");
            Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), "--alpha", tmp.resolve("alpha.npy").toString(),
                    "--x-train", tmp.resolve("x_train.npy").toString(), "--x-test", tmp.resolve("x_test.npy").toString(),
                    "--y-test", tmp.resolve("y_test.npy").toString(), "--limit", Integer.toString(peerPoints), "--dtype", dtype,
                    "--threads", Integer.toString(threads), "--out", out.toString()).redirectErrorStream(true).start();
            String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int code = p.waitFor();
            String json = Files.exists(out) ? Files.readString(out) : "";
            double perPoint = number(json, "\"seconds_per_point\": ");
            double mean = number(json, "\"mean\": ");
            System.err.printf(Locale.ROOT, "# PyTorch peer (%s, exit %d): %d points, %.4f s per point -> %.1f s for all %d; mean radius %.6g%n",
                    dtype, code, peerPoints, perPoint, perPoint * digits.rows(), digits.rows(), mean);
            if (code != 0) {
                System.err.println("# " + log.strip().replace("\n", "\n# "));
            }
        }
        // Tangent on the same first points, for the radius comparison
        KernelCertifier.Point[] pts = certifier.certify(provider, threads, digits.rows(0, peerPoints), null, false,
                BinarySearch.Config.kernelDefaults(), null);
        double s = 0;
        for (KernelCertifier.Point pt : pts) {
            s += pt.outcome().radius();
        }
        System.err.printf(Locale.ROOT, "# Tangent on the same %d points: mean radius %.6g%n", peerPoints, s / pts.length);
    }

    private static double number(String json, String key) {
        int i = json.indexOf(key);
        if (i < 0) {
            return Double.NaN;
        }
        i += key.length();
        int j = i;
        while (j < json.length() && "+-0123456789.eE".indexOf(json.charAt(j)) >= 0) {
            j++;
        }
        return Double.parseDouble(json.substring(i, j));
    }

    private static Path findUp(String rel) {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve(rel))) {
                return p.resolve(rel);
            }
        }
        throw new IllegalStateException(rel + " not found above " + Path.of("").toAbsolutePath());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        certifier.close();
        digits.close();
    }

    @Benchmark
    public KernelCertifier.Point[] certifyAll() {
        return certifier.certify(provider, threads, digits, labels, false, BinarySearch.Config.kernelDefaults(), null);
    }
}
