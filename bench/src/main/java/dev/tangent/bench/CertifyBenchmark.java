package dev.tangent.bench;

import dev.tangent.data.DataSource;
import dev.tangent.data.Dataset;
import dev.tangent.data.Selection;
import dev.tangent.ffi.NativeLibraries;
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
import org.openjdk.jmh.infra.IterationParams;
import org.openjdk.jmh.runner.IterationType;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Issue 6, acceptance 4: certifying all 2,115 MNIST 0/1 test digits against a kernel machine of paper A's full protocol
 * size, 12,665 training points: Fashion-MNIST classes 0 and 1 (the 12,000 training images and the first 665 test
 * images), pixels/255, an SVM trained as paper A's (two-layer NTK, hinge, λ 0.001, lr 1, batch 64, 100 epochs,
 * seed 6). All points (no only-correct filter), paper A's search (δ0 0.05 in [0, 0.3], margin stop 1e-3, T 1000) with
 * Tangent's δ-tolerance stop (1e-9), NaN mode {@code nanMode}.
 *
 * <p>Two PyTorch peers, both Debian's python3-torch on the same threads:
 * <ul>
 *   <li>the <b>fair-work peer</b> {@code bench/peers/certify_torch_batched.py}: the same work as Tangent (support
 *   vectors only, the same NaN mode, the same stopping rules including the δ tolerance, all points, float64 unless
 *   {@code peerDtype} says otherwise), batched over test points as a PyTorch user would write it. It runs as a
 *   server started in the trial setup and certifies all points once before every iteration (warm-up and
 *   measurement), so its runs interleave with Tangent's; it times itself with perf_counter. The teardown prints
 *   both medians and spreads, the ratio, support-vector counts, total probes, status counts and the largest radius
 *   difference.</li>
 *   <li>the <b>reference-faithful check</b> {@code bench/peers/certify_torch.py}: paper A's own per-point loop (every
 *   training point per probe, float32, the reference's NaN arithmetic, no δ tolerance), run once in the setup on
 *   the first {@code refPoints} digits; it checks that Tangent's radii are paper A's, its time is context only
 *   (different work).</li>
 * </ul>
 *
 * <p>Run: {@code bench/run.sh certify} from the repository root (the peers and data/mnist are found there).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 2, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 1)
@Measurement(iterations = 5)
public class CertifyBenchmark {
    @Param({"2"})
    int threads;

    /** sound (Tangent's default) or reference (paper A's NaN-to-zero arithmetic), for Tangent and the fair peer */
    @Param({"sound"})
    String nanMode;

    /** the fair peer's precision (Tangent certifies in f64) */
    @Param({"float64"})
    String peerDtype;

    /** test points per batch in the fair peer (small batches keep its (points × support vectors) temporaries in cache) */
    @Param({"32"})
    int peerBatch;

    /** digits for the per-point reference-faithful check (0: skip it) */
    @Param({"200"})
    int refPoints;

    /** where the peers' .npy inputs go: empty for a temporary directory deleted at the end, else kept there */
    @Param({""})
    String workDir;

    KernelProvider provider;
    KernelCertifier certifier;
    Matrix digits;
    double[] labels;
    KernelCertifier.Point[] ours;
    Path work;
    PeerServer peer;
    boolean measuring;
    final List<Double> peerSeconds = new ArrayList<>();
    final List<Double> ourSeconds = new ArrayList<>();

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
        certifier = new KernelCertifier(KernelSpec.ntk(1), IntervalKernel.NanMode.parse(nanMode), alpha, x, 0);
        Path mnist = Path.of("data/mnist"); // the repository's MNIST test split (data/mnist/README.md)
        if (!Files.isDirectory(mnist)) {
            throw new IllegalStateException(mnist.toAbsolutePath() + " not found: run from the repository root");
        }
        try (Dataset d = DataSource.parse("mnist:" + mnist + ":test", "--test").load(DType.F64, zeroOne, null, "--test")) {
            digits = d.x().copy(DType.F64);
            labels = d.y().clone();
        }
        NativeLibraries.OpenBlas ob = NativeLibraries.openblas();
        System.err.printf(Locale.ROOT, "# OpenBLAS %s, core type %s (%s); support vectors %d of %d; certifying %d MNIST 0/1 test digits "
                + "(%s), NaN mode %s%n", ob.version(), ob.coreName(), ob.coreTypeChoice(), certifier.supportVectors(), x.rows(),
                digits.rows(), mnist, nanMode);
        ours = certifier.certify(provider, threads, digits, labels, false, BinarySearch.Config.kernelDefaults(), null);
        work = workDir.isEmpty() ? Files.createTempDirectory("tangent-certify-bench") : Files.createDirectories(Path.of(workDir));
        Npy.writeVector(work.resolve("alpha.npy"), alpha);
        Npy.write(work.resolve("x_train.npy"), x);
        Npy.write(work.resolve("x_test.npy"), digits);
        Npy.writeVector(work.resolve("y_test.npy"), labels);
        if (refPoints > 0) {
            referenceCheck(alpha, x);
        }
        x.close();
        startPeer();
    }

    /** paper A's per-point loop on the first refPoints digits: radii agreement with Tangent (reference NaN mode). */
    private void referenceCheck(double[] alpha, Matrix x) throws Exception {
        Path out = work.resolve("torch-reference.json");
        Process p = new ProcessBuilder("/usr/bin/python3", PeerServer.script("certify_torch.py").toString(),
                "--alpha", work.resolve("alpha.npy").toString(), "--x-train", work.resolve("x_train.npy").toString(),
                "--x-test", work.resolve("x_test.npy").toString(), "--y-test", work.resolve("y_test.npy").toString(),
                "--limit", Integer.toString(refPoints), "--dtype", "float32", "--threads", Integer.toString(threads),
                "--out", out.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int code = p.waitFor();
        if (code != 0) {
            System.err.println("# reference-faithful peer failed (exit " + code + "):\n# " + log.strip().replace("\n", "\n# "));
            return;
        }
        String json = Files.readString(out);
        List<Double> radii = numbers(json, "\"radius\": ");
        List<Double> probes = numbers(json, "\"iterations\": ");
        try (KernelCertifier ref = new KernelCertifier(KernelSpec.ntk(1), IntervalKernel.NanMode.REFERENCE, alpha, x, 0)) {
            KernelCertifier.Point[] pts = ref.certify(provider, threads, digits.rows(0, refPoints), null, false,
                    new BinarySearch.Config(0.05, 0, 0.3, 1000, 1e-3, 0), null);
            double worst = 0;
            long ourProbes = 0;
            long theirProbes = 0;
            double mean = 0;
            for (int i = 0; i < refPoints; i++) {
                worst = Math.max(worst, Math.abs(pts[i].outcome().radius() - radii.get(i)));
                ourProbes += pts[i].outcome().iterations();
                theirProbes += probes.get(i).longValue();
                mean += pts[i].outcome().radius() / refPoints;
            }
            System.err.printf(Locale.ROOT, "# reference-faithful check (paper A's per-point loop, float32, every training point, reference NaN "
                            + "mode, no delta tolerance) on the first %d digits: %.4f s per point (different work: context only); "
                            + "probes %d (Tangent f64, same rules: %d); mean radius %.6g (Tangent %.6g); max |radius difference| %.3g%n",
                    refPoints, number(json, "\"seconds_per_point\": "), theirProbes, ourProbes, number(json, "\"mean\": "), mean, worst);
        }
    }
    /** Starts the fair-work peer as a server (data loaded and support vectors selected before its first timed run). */
    private void startPeer() throws IOException {
        peer = PeerServer.start("certify_torch_batched.py", List.of("--alpha", work.resolve("alpha.npy").toString(),
                "--x-train", work.resolve("x_train.npy").toString(), "--x-test", work.resolve("x_test.npy").toString(),
                "--dtype", peerDtype, "--threads", Integer.toString(threads), "--nan-mode", nanMode,
                "--batch", Integer.toString(peerBatch), "--out", work.resolve("torch-batched.json").toString()));
    }

    /** Before every iteration: one timed certification of all points by the fair-work peer, with the cores idle around it. */
    @Setup(Level.Iteration)
    public void peerRun(IterationParams params) throws Exception {
        measuring = params.getType() == IterationType.MEASUREMENT;
        settle();
        String line = peer.ask("run", null).get(0);
        if (!line.startsWith("seconds ")) {
            throw new IllegalStateException("the batched PyTorch peer failed (said " + line + ")");
        }
        if (measuring) {
            peerSeconds.add(Double.parseDouble(line.substring(8)));
        }
        settle();
    }

    /**
     * Lets idle BLAS/OpenMP workers go to sleep: OpenBLAS's spin for about 2^28 cycles after a multi-threaded call, and a
     * run that starts meanwhile shares the two cores with them.
     */
    private static void settle() throws InterruptedException {
        Thread.sleep(500);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        peer.close();
        String json = Files.readString(work.resolve("torch-batched.json"));
        List<Double> radii = numbers(json, "\"radius\": ");
        List<Double> probes = numbers(json, "\"iterations\": ");
        long ourProbes = 0;
        long theirProbes = 0;
        double worst = 0;
        int probeMismatch = 0;
        int[] status = new int[BinarySearch.Status.values().length];
        for (int i = 0; i < ours.length; i++) {
            BinarySearch.Outcome o = ours[i].outcome();
            status[o.status().ordinal()]++;
            ourProbes += o.iterations();
            theirProbes += probes.get(i).longValue();
            probeMismatch += o.iterations() != probes.get(i).longValue() ? 1 : 0;
            double r = radii.get(i);
            if (!(Double.isNaN(r) && Double.isNaN(o.radius()))) {
                worst = Math.max(worst, Math.abs(o.radius() - r));
            }
        }
        StringBuilder st = new StringBuilder();
        for (BinarySearch.Status s : BinarySearch.Status.values()) {
            if (status[s.ordinal()] > 0) {
                st.append(st.isEmpty() ? "" : ", ").append(s).append(' ').append(status[s.ordinal()]);
            }
        }
        System.err.printf(Locale.ROOT, "%n# support vectors: Tangent %d, peer %d; total probes: Tangent %d, peer %d (%d points differ); "
                        + "Tangent's outcomes: %s; peer's: %s%n# max |radius difference| over all %d points: %.3g%n",
                certifier.supportVectors(), (long) number(json, "\"n_support_vectors\": "), ourProbes, theirProbes, probeMismatch,
                st, statusCounts(json), ours.length, worst);
        String params = String.format(Locale.ROOT, "threads=%d, nanMode=%s, peerDtype=%s, peerBatch=%d", threads, nanMode, peerDtype, peerBatch);
        PeerServer.raw("tangent", params, ourSeconds);
        PeerServer.raw("torch-batched", params, peerSeconds);
        if (!ourSeconds.isEmpty() && !peerSeconds.isEmpty()) {
            System.err.printf(Locale.ROOT, "# all %d points: Tangent %s, batched PyTorch %s %s: ratio of medians %.2f%n", ours.length,
                    PeerServer.summary(ourSeconds), peerDtype, PeerServer.summary(peerSeconds),
                    PeerServer.median(peerSeconds) / PeerServer.median(ourSeconds));
        }
        certifier.close();
        digits.close();
        if (!workDir.isEmpty()) {
            return;
        }
        try (var files = Files.list(work)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(work);
    }

    @Benchmark
    public KernelCertifier.Point[] certifyAll() {
        long t0 = System.nanoTime();
        KernelCertifier.Point[] p = certifier.certify(provider, threads, digits, labels, false, BinarySearch.Config.kernelDefaults(), null);
        if (measuring) {
            ourSeconds.add((System.nanoTime() - t0) / 1e9);
        }
        return p;
    }

    private static String statusCounts(String json) {
        int i = json.indexOf("\"status_counts\": {");
        return i < 0 ? "?" : json.substring(i + 18, json.indexOf('}', i)).replace("\"", "").replace("\n", "").replaceAll(" +", " ").strip();
    }

    /** The number after {@code key} (first occurrence), NaN if absent. */
    private static double number(String json, String key) {
        List<Double> all = numbers(json, key);
        return all.isEmpty() ? Double.NaN : all.get(0);
    }

    /** The numbers after every occurrence of {@code key}, in order ({@code null} reads as NaN). */
    private static List<Double> numbers(String json, String key) {
        List<Double> out = new ArrayList<>();
        for (int i = json.indexOf(key); i >= 0; i = json.indexOf(key, i + 1)) {
            int a = i + key.length();
            int j = a;
            while (j < json.length() && "+-0123456789.eE".indexOf(json.charAt(j)) >= 0) {
                j++;
            }
            out.add(j == a ? Double.NaN : Double.parseDouble(json.substring(a, j)));
        }
        return out;
    }
}
