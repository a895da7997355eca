package dev.tangent.bench;

import dev.tangent.compute.Backend;
import dev.tangent.compute.Backends;
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

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The whole fused NTK Gram K(X, X) (GEMM chunks + kernel map + mirroring) against the bare BLAS syrk of the same X, in
 * one run, so that their ratio is read off one JMH report (issue 2, acceptance 4: n = 10,000, d = 784, depth 2,
 * 2 threads, f32 and f64; Java backend within 3× of OpenBLAS; fused Gram within 1.25× of syrk).
 *
 * <p>Run: {@code java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -jar bench/target/benchmarks.jar GramBenchmark}
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

    private Matrix x;
    private Matrix out;
    private KernelProvider java;
    private KernelProvider blas;
    private Backend blasBackend;
    private KernelSpec spec;

    @Setup(Level.Trial)
    public void setUp() {
        DType t = DType.parse(dtype);
        x = Matrix.allocate(n, d, t);
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                x.set(i, j, r.nextDouble());
            }
        }
        out = Matrix.allocate(n, n, t);
        spec = KernelSpec.ntk(depth);
        blas = KernelProviders.select("openblas", threads).provider();
        blasBackend = blas.backend();
        java = KernelProviders.select("java", threads).provider();
        NativeLibraries.OpenBlas ob = NativeLibraries.openblas();
        System.err.println("# OpenBLAS " + ob.version() + ", core type " + ob.coreName() + " (" + ob.coreTypeChoice() + ")");
    }

    @TearDown(Level.Trial)
    public void tearDown() {
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
}
