package dev.tangent.bench;

import dev.tangent.compute.Backends;
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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
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
 * per trial; the setup writes it and the labels as .npy, runs {@code bench/peers/sklearn_svc.py} on them (its own
 * perf_counter timing, median of {@code peerReps} fits) and compares the peer's decision values on the training points
 * with SmoSolver's; the teardown prints both medians and their ratio. Both solvers are single-threaded.
 *
 * <p>Run: {@code java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -jar bench/target/benchmarks.jar SmoBenchmark}
 * from the repository root (the peer script is found there); {@code -p n=2000} for a quick look.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
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

    /** scikit-learn fits timed by the peer (0: skip the peer). */
    @Param({"3"})
    public int peerReps;

    private KernelMatrix gram;
    private double[] y;
    private Path work;
    private double peerMedian = Double.NaN;
    private boolean measuring;
    private final List<Double> ours = new ArrayList<>();

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
        SmoSolver.Result first = SmoSolver.svc(gram, y, c, tol, shrinking, 0);
        System.err.printf(Locale.ROOT, "%n# SmoSolver: %d iterations, %d SVs, obj %.9g, b %.9g, converged %s%n",
                first.iterations(), first.supportVectors(), first.dualObjective(), first.b(), first.converged());
        if (peerReps > 0) {
            runPeer(first);
        }
    }

    private void runPeer(SmoSolver.Result first) throws Exception {
        work = Files.createTempDirectory("tangent-smo-bench");
        Path k = work.resolve("gram.npy");
        Path lab = work.resolve("y.npy");
        Path dec = work.resolve("decision.npy");
        try (Matrix host = Matrix.allocate(gram.rows(), gram.cols(), gram.dtype())) {
            gram.copyRows(0, host);
            Npy.write(k, host);
        }
        Npy.writeVector(lab, y);
        Path script = Path.of("bench/peers/sklearn_svc.py");
        if (!Files.isRegularFile(script)) {
            throw new IllegalStateException("run from the repository root: " + script.toAbsolutePath() + " not found");
        }
        Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), k.toString(), lab.toString(),
                "--C", Double.toString(c), "--tol", Double.toString(tol), "--reps", Integer.toString(peerReps),
                "--decision", dec.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) {
            throw new IllegalStateException("sklearn peer failed:\n" + out);
        }
        Map<String, String> kv = new HashMap<>();
        for (String line : out.split("\n")) {
            int sp = line.indexOf(' ');
            if (sp > 0) {
                kv.put(line.substring(0, sp), line.substring(sp + 1).trim());
            }
        }
        peerMedian = Double.parseDouble(kv.get("median_s"));
        double ourAbs = 0;
        for (double a : first.alpha()) {
            ourAbs += Math.abs(a);
        }
        double worst = 0;
        try (Matrix d = Npy.readMatrix(dec, DType.F64, "")) {
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
        System.err.printf(Locale.ROOT, "# scikit-learn %s SVC(precomputed) fit: median %.3f s of [%s], n_iter_ %s, %s SVs, "
                        + "sum|dual_coef| %s (ours %.12g), intercept %s (ours %.9g)%n"
                        + "# max |decision value difference| on the %d training points: %.3g%n",
                kv.get("sklearn"), peerMedian, kv.get("times_s"), kv.get("n_iter"), kv.get("n_sv"),
                kv.get("dual_coef_abs_sum"), ourAbs, kv.get("intercept"), first.b(), n, worst);
    }

    @Setup(Level.Iteration)
    public void phase(IterationParams params) {
        measuring = params.getType() == IterationType.MEASUREMENT;
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        if (!ours.isEmpty() && !Double.isNaN(peerMedian)) {
            List<Double> sorted = new ArrayList<>(ours);
            sorted.sort(Comparator.naturalOrder());
            double median = sorted.get(sorted.size() / 2);
            System.err.printf(Locale.ROOT, "%n# SmoSolver fit median %.3f s (%d measured), scikit-learn %.3f s: %.2fx faster%n",
                    median, sorted.size(), peerMedian, peerMedian / median);
        }
        gram.close();
        if (work != null) {
            try (var files = Files.list(work)) {
                for (Path f : files.toList()) {
                    Files.delete(f);
                }
            }
            Files.delete(work);
        }
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
