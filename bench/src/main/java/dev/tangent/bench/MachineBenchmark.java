package dev.tangent.bench;

import dev.tangent.compute.Backend;
import dev.tangent.experiment.BenchWorkflow;
import dev.tangent.ffi.NativeLibraries;
import dev.tangent.ffi.lapacke.lapacke_h;
import dev.tangent.ffi.openblas.cblas_h;
import dev.tangent.compute.KernelMatrix;
import dev.tangent.compute.KernelProvider;
import dev.tangent.compute.KernelProviders;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.machine.Loss;
import dev.tangent.machine.RidgeSolver;
import dev.tangent.machine.SubgradientSolver;
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

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Kernel-machine solvers against their floors (issue 4, acceptance 4), each pair timed the same way: same matrix, same
 * OpenBLAS threads, AverageTime over whole calls, every allocation and copy inside the timed region of both.
 * <ul>
 *   <li>{@link #krrSolve}: Tangent's KRR solve {@code RidgeSolver.cholesky}: allocate a copy of K, add λ/2 to its
 *   diagonal and copy y, {@code LAPACKE_dpotrf}, {@code LAPACKE_dpotrs} (through a transposed copy of the right-hand
 *   side), check α is finite.</li>
 *   <li>{@link #dposvFloor}: what a bare LAPACK user writes without destroying K: allocate a copy of K, add λ/2 to its
 *   diagonal and copy y, one {@code LAPACKE_dposv} (which is dpotrf + dpotrs inside LAPACK).</li>
 *   <li>{@link #copyOnly}: the part both share before the factorisation (allocate, copy, shift), so the floor splits
 *   into copy and LAPACK.</li>
 *   <li>{@link #solvePair}: the two solves back to back in one invocation, alternating which goes first, each timed on
 *   its own after the BLAS workers have gone idle; the teardown prints every pair ({@code # raw} lines), whose ratios
 *   are robust to load that changes over a run (the JMH score of this method, the sum plus the pauses, means
 *   nothing).</li>
 *   <li>{@link #svmEpoch}: one epoch of the subgradient SVM (batch 64, no evaluations), whose kernel-row traffic is
 *   n²·8 bytes, to be read as GB/s.</li>
 * </ul>
 * The Gram is the depth-1 NTK of random [0, 1) inputs, built once per trial.
 *
 * <p>Run: {@code bench/run.sh machine}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class MachineBenchmark {
    @Param({"4000"})
    public int n;

    @Param({"2"})
    public int threads;

    private KernelMatrix gram;
    private KernelProvider provider;
    private double[] y;
    private Backend backend;
    private boolean measuring;
    private int pairs;
    private final List<Double> krrSeconds = new ArrayList<>();
    private final List<Double> floorSeconds = new ArrayList<>();

    @Setup(Level.Trial)
    public void setUp() {
        provider = KernelProviders.select("openblas", threads).provider();
        backend = provider.backend();
        if (!NativeLibraries.lapacke().loaded()) {
            throw new IllegalStateException("LAPACKE is required: " + NativeLibraries.lapacke().detail());
        }
        try (Matrix x = BenchWorkflow.inputs(n, 784, DType.F64, BenchWorkflow.Inputs.UNIT01, 7)) {
            gram = provider.gram(KernelSpec.ntk(1), x, null);
        }
        y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 2 == 0 ? 1 : -1;
        }
        NativeLibraries.OpenBlas ob = NativeLibraries.openblas();
        System.err.println("# OpenBLAS " + ob.version() + ", core type " + ob.coreName() + " (" + ob.coreTypeChoice() + ")");
    }

    @Setup(Level.Iteration)
    public void phase(IterationParams params) {
        measuring = params.getType() == IterationType.MEASUREMENT;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (!krrSeconds.isEmpty()) {
            String p = String.format(Locale.ROOT, "n=%d, threads=%d", n, threads);
            PeerServer.raw("krrSolve", p, krrSeconds);
            PeerServer.raw("dposvFloor", p, floorSeconds);
        }
        gram.close();
    }

    /** {@link #krrSolve} and {@link #dposvFloor} alternately, each timed on its own (see the class comment). */
    @Benchmark
    public double solvePair() throws InterruptedException {
        double sum = 0;
        boolean krrFirst = pairs++ % 2 == 0;
        for (int turn = 0; turn < 2; turn++) {
            Thread.sleep(300); // OpenBLAS's idle workers spin for about 0.1 s after a call
            long t0 = System.nanoTime();
            if ((turn == 0) == krrFirst) {
                sum += krrSolve()[0];
                if (measuring) {
                    krrSeconds.add((System.nanoTime() - t0) / 1e9);
                }
            } else {
                sum += dposvFloor();
                if (measuring) {
                    floorSeconds.add((System.nanoTime() - t0) / 1e9);
                }
            }
        }
        return sum;
    }

    /** Tangent's KRR solve at λ = 1: copy K, add λ/2 to the diagonal, dpotrf, dpotrs. */
    @Benchmark
    public double[] krrSolve() {
        return RidgeSolver.cholesky(provider, gram, y, 1.0, 0);
    }

    /** The floor at λ = 1: copy K, add λ/2 to the diagonal, one LAPACKE_dposv on the copy, same threads. */
    @Benchmark
    public double dposvFloor() {
        try (Matrix a = Matrix.allocate(n, n, DType.F64); Matrix b = Matrix.allocate(n, 1, DType.F64)) {
            gram.copyRows(0, a);
            shift(a, b);
            if (cblas_h.openblas_get_num_threads() != threads) { // as the backend does before each BLAS/LAPACK call
                cblas_h.openblas_set_num_threads(threads);
            }
            int info = lapacke_h.LAPACKE_dposv(lapacke_h.LAPACK_COL_MAJOR(), (byte) 'U', n, 1, a.segment(), n, b.segment(), n);
            if (info != 0) {
                throw new IllegalStateException("LAPACKE_dposv info " + info);
            }
            return b.get(0, 0);
        }
    }

    /** What both solves pay before LAPACK: allocate and copy K and y, add λ/2 to the diagonal. */
    @Benchmark
    public double copyOnly() {
        try (Matrix a = Matrix.allocate(n, n, DType.F64); Matrix b = Matrix.allocate(n, 1, DType.F64)) {
            gram.copyRows(0, a);
            shift(a, b);
            return a.get(n - 1, n - 1) + b.get(0, 0);
        }
    }

    private void shift(Matrix a, Matrix b) {
        for (int i = 0; i < n; i++) {
            a.set(i, i, a.get(i, i) + 0.5);
            b.set(i, 0, y[i]);
        }
    }

    /** One epoch of paper A's subgradient SVM, batch 64, shuffled, no evaluations. */
    @Benchmark
    public double[] svmEpoch() {
        return SubgradientSolver.train(gram, y, null, null, null, null,
                new SubgradientSolver.Config(new Loss.Hinge(), 0.001, 1, 64, 1, 6, true, SubgradientSolver.Decay.BATCH, 0), null).alpha();
    }
}
