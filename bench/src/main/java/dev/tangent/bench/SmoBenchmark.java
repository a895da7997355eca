package dev.tangent.bench;

import dev.tangent.io.Idx;
import dev.tangent.io.Npy;
import dev.tangent.compute.KernelMatrix;
import dev.tangent.compute.KernelProviders;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.machine.SmoSolver;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * The exact SVM dual solver against scikit-learn (issue acceptance: SmoSolver ≥ 3× faster than scikit-learn 1.2's
 * {@code SVC(kernel='precomputed')} fit with the same C and tol on the same matrix, at equal decision values). The Gram
 * is the depth-1 NTK of the first n Fashion-MNIST training images of classes 0 (−1) and 6 (+1), pixels/255, built once
 * per trial. Both solvers are single-threaded (LIBSVM's solver is; the peer limits BLAS to one thread), and LIBSVM's
 * kernel cache holds all of Q (the peer's default), as SmoSolver reads the whole Gram it is given.
 *
 * <p>Interleaved: the trial setup writes the Gram and labels as .npy and starts {@code bench/peers/sklearn_svc.py} as a
 * server (loaded once); before every iteration, warm-up and measurement alike, the peer fits once (its own
 * perf_counter timing of {@code fit}), with the cores left idle around it; then JMH times one SmoSolver fit. The
 * teardown prints both medians, min–max, the ratio of medians, iteration and support-vector counts, and the largest
 * difference of decision values on the training points.
 *
 * <p>Run: {@code bench/run.sh smo} from the repository root (the peer script is found there); {@code -p n=2000} for a
 * quick look.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 2, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class SmoBenchmark {
    @Param({"10000"})
    public int n;

    @Param({"1"})
    public double c;

    @Param({"1e-3"})
    public double tol;

    @Param({"true"})
    public boolean shrinking;

    @Param({"f64"})
    public String dtype;

    /** the peer's LIBSVM cache in MB (0: all of Q) */
    @Param({"0"})
    public double peerCacheMb;

    /** run the scikit-learn peer */
    @Param({"true"})
    public boolean peer;

    private KernelMatrix gram;
    private double[] y;
    private Path work;
    private PeerServer peerProcess;
    private boolean measuring;
    private SmoSolver.Result first;
    private final List<Double> ours = new ArrayList<>();
    private final List<Double> theirs = new ArrayList<>();
    private String peerCounts = "";

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Path dir = Path.of("/usr/share/datasets/fashion-mnist");
        int[] labels = Idx.readLabels(dir.resolve("train-labels-idx1-ubyte.gz"), -1);
        int[] rows = IntStream.range(0, labels.length).filter(i -> labels[i] == 0 || labels[i] == 6).limit(n).toArray();
        if (rows.length < n) {
            throw new IllegalStateException("only " + rows.length + " Fashion-MNIST training images of classes 0 and 6");
        }
        y = new double[n];
        DType t = DType.parse(dtype);
        try (Matrix x = Idx.readImages(dir.resolve("train-images-idx3-ubyte.gz"), t, rows)) {
            for (int i = 0; i < n; i++) {
                y[i] = labels[rows[i]] == 6 ? 1 : -1;
                for (int j = 0; j < x.cols(); j++) {
                    x.set(i, j, x.get(i, j) / 255);
                }
            }
            gram = KernelProviders.select("auto", 2).provider().gram(KernelSpec.ntk(1), x, null);
        }
        first = SmoSolver.svc(gram, y, c, tol, shrinking, 0);
        System.err.printf(Locale.ROOT, "%n# SmoSolver: %d iterations, %d SVs, obj %.9g, b %.9g, converged %s%n",
                first.iterations(), first.supportVectors(), first.dualObjective(), first.b(), first.converged());
        if (peer) {
            startPeer();
        }
    }

    private void startPeer() throws Exception {
        work = Files.createTempDirectory("tangent-smo-bench");
        Path k = work.resolve("gram.npy");
        Path lab = work.resolve("y.npy");
        try (Matrix host = Matrix.allocate(gram.rows(), gram.cols(), gram.dtype())) {
            gram.copyRows(0, host);
            Npy.write(k, host);
        }
        Npy.writeVector(lab, y);
        peerProcess = PeerServer.start("sklearn_svc.py", List.of(k.toString(), lab.toString(), "--C", Double.toString(c),
                "--tol", Double.toString(tol), "--cache-mb", Double.toString(peerCacheMb), "--decision",
                work.resolve("decision.npy").toString()));
    }

    /** Before every iteration: one scikit-learn fit, with the cores idle around it. */
    @Setup(Level.Iteration)
    public void phase(IterationParams params) throws Exception {
        measuring = params.getType() == IterationType.MEASUREMENT;
        if (peerProcess == null) {
            return;
        }
        Thread.sleep(300);
        String[] f = peerProcess.ask("fit", null).get(0).split(" ");
        if (measuring) {
            theirs.add(Double.parseDouble(f[1]));
        }
        peerCounts = f[3] + " iterations, " + f[5] + " SVs";
        Thread.sleep(300);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException, InterruptedException {
        if (peerProcess != null) {
            Map<String, String> kv = new HashMap<>();
            for (String line : peerProcess.ask("stats", "end")) {
                int sp = line.indexOf(' ');
                if (sp > 0) {
                    kv.put(line.substring(0, sp), line.substring(sp + 1).trim());
                }
            }
            peerProcess.close();
            double ourAbs = 0;
            for (double a : first.alpha()) {
                ourAbs += Math.abs(a);
            }
            double worst = 0;
            try (Matrix d = Npy.readMatrix(work.resolve("decision.npy"), DType.F64, "")) {
                for (int i = 0; i < n; i++) {
                    double g = first.b();
                    for (int j = 0; j < n; j++) {
                        if (first.alpha()[j] != 0) {
                            g += first.alpha()[j] * gram.get(i, j);
                        }
                    }
                    worst = Math.max(worst, Math.abs(g - d.get(i, 0)));
                }
            }
            System.err.printf(Locale.ROOT, "%n# scikit-learn %s SVC(precomputed), cache %s MB: %s (SmoSolver: %d iterations, %d SVs); "
                            + "sum|dual_coef| %s (ours %.12g), intercept %s (ours %.9g)%n"
                            + "# max |decision value difference| on the %d training points: %.3g%n",
                    kv.get("sklearn"), kv.get("cache_mb"), peerCounts, first.iterations(), first.supportVectors(),
                    kv.get("dual_coef_abs_sum"), ourAbs, kv.get("intercept"), first.b(), n, worst);
            try (var files = Files.list(work)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(work);
        }
        String params = String.format(Locale.ROOT, "n=%d, C=%s, tol=%s, shrinking=%s, dtype=%s, peerCacheMb=%s", n, c, tol, shrinking, dtype,
                peerCacheMb);
        PeerServer.raw("smosolver", params, ours);
        PeerServer.raw("sklearn", params, theirs);
        if (!ours.isEmpty() && !theirs.isEmpty()) {
            System.err.printf(Locale.ROOT, "# fits, interleaved: SmoSolver %s, scikit-learn %s: ratio of medians %.2f%n",
                    PeerServer.summary(ours), PeerServer.summary(theirs), PeerServer.median(theirs) / PeerServer.median(ours));
        }
        gram.close();
    }

    /** One full fit (a fresh solver each time; the Gram is built once per trial). */
    @Benchmark
    public SmoSolver.Result fit() {
        long t0 = System.nanoTime();
        SmoSolver.Result r = SmoSolver.svc(gram, y, c, tol, shrinking, 0);
        if (measuring) {
            ours.add((System.nanoTime() - t0) / 1e9);
        }
        return r;
    }
}
