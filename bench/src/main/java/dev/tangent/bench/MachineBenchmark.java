package dev.tangent.bench;

import dev.tangent.compute.Backend;
import dev.tangent.compute.Backends;
import dev.tangent.ffi.NativeLibraries;
import dev.tangent.ffi.lapacke.lapacke_h;
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

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Kernel-machine solvers against their floors (issue 4, acceptance 4): the KRR solve (copy + Cholesky + solve) against
 * a bare LAPACKE_dposv on the same matrix, and one epoch of the subgradient SVM (batch 64, no evaluations), whose
 * kernel-row traffic is n²·8 bytes per epoch, to be read as GB/s. The Gram is the depth-1 NTK of random [0, 1) inputs.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class MachineBenchmark {
    @Param({"4000"})
    public int n;

    @Param({"2"})
    public int threads;

    private KernelMatrix gram;
    private KernelProvider provider;
    private double[] y;
    private Backend backend;

    @Setup(Level.Trial)
    public void setUp() {
        provider = KernelProviders.select("openblas", threads).provider();
        backend = provider.backend();
        if (!NativeLibraries.lapacke().loaded()) {
            throw new IllegalStateException("LAPACKE is required: " + NativeLibraries.lapacke().detail());
        }
        SplittableRandom r = new SplittableRandom(7);
        try (Matrix x = Matrix.allocate(n, 784, DType.F64)) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < 784; j++) {
                    x.set(i, j, r.nextDouble());
                }
            }
            gram = provider.gram(KernelSpec.ntk(1), x, null);
        }
        y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % 2 == 0 ? 1 : -1;
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        gram.close();
    }

    /** The floor: LAPACKE_dposv in place on a copy of K + (λ/2)I (the copy is made outside the timed region). */
    @Benchmark
    public int dposvBare(CopyState cs) {
        return lapacke_h.LAPACKE_dposv(lapacke_h.LAPACK_COL_MAJOR(), (byte) 'U', n, 1, cs.a.segment(), n, cs.b.segment(), n);
    }

    /** Tangent's KRR solve: copy K, add λ/2 to the diagonal, Cholesky, solve (everything timed). */
    @Benchmark
    public double[] krrSolve() {
        return RidgeSolver.cholesky(provider, gram, y, 1.0, 0);
    }

    /** One epoch of paper A's subgradient SVM, batch 64, shuffled, no evaluations. */
    @Benchmark
    public double[] svmEpoch() {
        return SubgradientSolver.train(gram, y, null, null, null, null,
                new SubgradientSolver.Config(new Loss.Hinge(), 0.001, 1, 64, 1, 6, true, SubgradientSolver.Decay.BATCH, 0), null).alpha();
    }

    /** A fresh copy of K + (λ/2)I and y for each dposv call (dposv overwrites both). */
    @State(Scope.Thread)
    public static class CopyState {
        Matrix a;
        Matrix b;

        @Setup(Level.Invocation)
        public void copy(MachineBenchmark bm) {
            if (a == null) {
                a = Matrix.allocate(bm.n, bm.n, DType.F64);
                b = Matrix.allocate(bm.n, 1, DType.F64);
            }
            bm.gram.copyRows(0, a);
            for (int i = 0; i < bm.n; i++) {
                a.set(i, i, a.get(i, i) + 0.5);
                b.set(i, 0, bm.y[i]);
            }
        }

        @TearDown(Level.Trial)
        public void free() {
            a.close();
            b.close();
        }
    }
}
