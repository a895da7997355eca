package dev.tangent.compute;

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
 * The CPU provider's tile operations warm, per 256×256 tile, one thread (issue 13: what {@link Warmup}'s threshold
 * weighs): the one-step NTK map in its Vector API code and in its loop twin ({@link HomogeneousRows64#loopRow}), on
 * inner products of unit01 (all cosines positive) and centred (mixed-sign) inputs; the mirror's transposition as the
 * Vector API loop, its scalar twin and OpenBLAS's omatcopy. Each invocation first restores the tile from a copy
 * ({@link #copyOnly} times that alone, to subtract).
 *
 * <p>Run: {@code bench/run.sh map}, or
 * {@code java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -jar bench/target/benchmarks.jar MapBenchmark}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx1g"})
public class MapBenchmark {
    static final int T = 256;

    @Param({"f32", "f64"})
    public String dtype;

    @Param({"unit01", "centred"})
    public String inputs;

    private HomogeneousMap hm;
    private HomogeneousMap.Norms norms;
    private double scale;
    private Matrix source;
    private Matrix tile;
    private Matrix mirror;
    private Backend blas;

    @Setup(Level.Trial)
    public void setUp() {
        DType t = DType.parse(dtype);
        int d = 784;
        KernelSpec spec = KernelSpec.ntk(2);
        hm = CpuProvider.homogeneous(spec);
        scale = spec.input().scale(d);
        SplittableRandom r = new SplittableRandom(42);
        boolean centred = inputs.equals("centred");
        try (Matrix x = Matrix.allocate(2 * T, d, DType.F64)) {
            for (int i = 0; i < 2 * T; i++) {
                for (int k = 0; k < d; k++) {
                    x.set(i, k, centred ? r.nextDouble() - 0.5 : r.nextDouble());
                }
            }
            source = Matrix.allocate(T, T, t);
            Backend java = new JavaBackend(1);
            try (Matrix xt = x.copy(t)) {
                java.gemm(false, true, 1.0, xt.rows(0, T), xt.rows(T, T), 0.0, source);
            }
            norms = new HomogeneousMap.Norms(PanelGram.squaredNorms(x));
        }
        tile = Matrix.allocate(T, T, t);
        mirror = Matrix.allocate(T, T, t);
        blas = dev.tangent.ffi.NativeLibraries.openblas().available() ? BlasBackend.create(1).serial() : null;
        try { // the vector code compiled, whatever the size of this process's work
            dev.tangent.compute.Warmup.start(spec, t).join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        source.close();
        tile.close();
        mirror.close();
    }

    private void restore() {
        source.copyInto(tile);
    }

    @Benchmark
    public Matrix copyOnly() {
        restore();
        return tile;
    }

    @Benchmark
    public Matrix mapVector() {
        restore();
        hm.map(tile.dtype(), T, T, tile.segment(), tile.offset(), tile.ld(), norms, 0, norms, T, scale, true);
        return tile;
    }

    @Benchmark
    public Matrix mapLoops() {
        restore();
        hm.map(tile.dtype(), T, T, tile.segment(), tile.offset(), tile.ld(), norms, 0, norms, T, scale, false);
        return tile;
    }

    @Benchmark
    public Matrix transposeVector() {
        Blocks.transposeInto(source, mirror);
        return mirror;
    }

    @Benchmark
    public Matrix transposeScalar() {
        if (tile.dtype() == DType.F64) {
            VectorKernels64.transposeScalar(T, T, source.segment(), source.offset(), source.ld(), mirror.segment(), mirror.offset(), mirror.ld());
        } else {
            VectorKernels32.transposeScalar(T, T, source.segment(), source.offset(), source.ld(), mirror.segment(), mirror.offset(), mirror.ld());
        }
        return mirror;
    }

    @Benchmark
    public Matrix transposeOpenblas() {
        if (blas == null || !blas.transpose(source, mirror)) {
            throw new IllegalStateException("OpenBLAS is not available");
        }
        return mirror;
    }
}
