package dev.tangent.bench;

import dev.tangent.compute.Backend;
import dev.tangent.experiment.BenchWorkflow;
import dev.tangent.ffi.NativeLibraries;
import dev.tangent.compute.KernelProvider;
import dev.tangent.compute.KernelProviders;
import dev.tangent.kernel.KernelSpec;
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
 * The whole fused NTK Gram K(X, X) (GEMM chunks + kernel map + mirroring) against the bare BLAS syrk of the same X, in
 * one run, so that their ratio is read off one JMH report (issue 2, acceptance 4: n = 10,000, d = 784, depth 2,
 * 2 threads, f32 and f64; Java backend within 3× of OpenBLAS; fused Gram within 1.25× of syrk).
 *
 * <p>{@code inputs} picks the distribution of X ({@link BenchWorkflow.Inputs}): {@code unit01}, uniform in [0, 1) as raw
 * pixels, makes every cosine positive, so the kernel map only ever takes its one-sided path; {@code centred}, the same
 * draws minus their column means as centred images (paper B), gives mixed-sign cosines and the two-sided path. syrk's
 * cost does not depend on the inputs; it is measured for each so that every ratio is read off one trial's neighbours.
 *
 * <p>{@link #pair} times the Gram and syrk back to back, alternating which runs first, each after the BLAS workers have
 * gone idle, and prints every pair at the end of the trial ({@code # raw} lines): ratios of neighbouring runs, robust to
 * load that changes over a run on a shared machine (its JMH score, the sum plus the pauses, means nothing).
 *
 * <p>Run: {@code bench/run.sh gram} (both core types), or
 * {@code java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -jar bench/target/benchmarks.jar GramBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class GramBenchmark {
    @Param({"10000"})
    public int n;

    @Param({"784"})
    public int d;

    @Param({"2"})
    public int depth;

    @Param({"2"})
    public int threads;

    @Param({"f32", "f64"})
    public String dtype;

    @Param({"unit01", "centred"})
    public String inputs;

    private Matrix x;
    private Matrix out;
    private KernelProvider java;
    private KernelProvider blas;
    private Backend blasBackend;
    private KernelSpec spec;
    private boolean measuring;
    private int pairs;
    private final List<Double> gramSeconds = new ArrayList<>();
    private final List<Double> syrkSeconds = new ArrayList<>();

    @Setup(Level.Trial)
    public void setUp() {
        DType t = DType.parse(dtype);
        x = BenchWorkflow.inputs(n, d, t, BenchWorkflow.Inputs.parse(inputs), 42);
        out = Matrix.allocate(n, n, t);
        spec = KernelSpec.ntk(depth);
        blas = KernelProviders.select("openblas", threads).provider();
        blasBackend = blas.backend();
        java = KernelProviders.select("java", threads).provider();
        blas.warmUp(spec, t); // the Vector API kernels compiled before the first timed Gram
        NativeLibraries.OpenBlas ob = NativeLibraries.openblas();
        System.err.println("# OpenBLAS " + ob.version() + ", core type " + ob.coreName() + " (" + ob.coreTypeChoice() + ")");
    }

    @Setup(Level.Iteration)
    public void phase(IterationParams params) {
        measuring = params.getType() == IterationType.MEASUREMENT;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (!gramSeconds.isEmpty()) {
            String p = String.format(Locale.ROOT, "dtype=%s, inputs=%s, n=%d, d=%d, depth=%d, threads=%d", dtype, inputs, n, d, depth, threads);
            PeerServer.raw("gram", p, gramSeconds);
            PeerServer.raw("syrk", p, syrkSeconds);
        }
        x.close();
        out.close();
    }

    /** The fused Gram on the OpenBLAS backend. */
    @Benchmark
    public Matrix gramOpenblas() {
        blas.gramInto(spec, x, null, out, KernelProvider.Progress.NONE);
        return out;
    }

    /** The fused Gram on the Java (Vector API) backend. */
    @Benchmark
    public Matrix gramJava() {
        java.gramInto(spec, x, null, out, KernelProvider.Progress.NONE);
        return out;
    }

    /** The floor: OpenBLAS syrk of the same X (upper triangle of X·Xᵀ only, no kernel map), same threads. */
    @Benchmark
    public Matrix syrkOpenblas() {
        blasBackend.syrk(1.0, x, 0.0, out);
        return out;
    }

    /** The OpenBLAS Gram and syrk alternately, each timed on its own (see the class comment). */
    @Benchmark
    public Matrix pair() throws InterruptedException {
        boolean gramFirst = pairs++ % 2 == 0;
        for (int turn = 0; turn < 2; turn++) {
            Thread.sleep(300); // OpenBLAS's idle workers spin for about 0.1 s after a call
            long t0 = System.nanoTime();
            if ((turn == 0) == gramFirst) {
                blas.gramInto(spec, x, null, out, KernelProvider.Progress.NONE);
                if (measuring) {
                    gramSeconds.add((System.nanoTime() - t0) / 1e9);
                }
            } else {
                blasBackend.syrk(1.0, x, 0.0, out);
                if (measuring) {
                    syrkSeconds.add((System.nanoTime() - t0) / 1e9);
                }
            }
        }
        return out;
    }
}
