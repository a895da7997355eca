package dev.tangent.bench;

import dev.tangent.io.LabeledMatrix;
import dev.tangent.io.Libsvm;
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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@link Libsvm#read} on a generated MNIST-like file of about 100 MB: 784 features, about 150 nonzeros per row, values
 * k/255 written by {@link Libsvm#write} from an f32 matrix ({@code digits = short}: at most 9 significant digits, e.g.
 * 0.5294118) or from an f64 one ({@code digits = full}: 16-17 digits, e.g. 0.5294117647058824, where a part of the
 * values leaves the exact fast path). MB/s = the file size printed at setup / the average time.
 *
 * <p>Run: {@code java --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -jar bench/target/benchmarks.jar LibsvmParse -f 1 -wi 2 -i 3}
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class LibsvmParseBenchmark {
    private static final int D = 784;
    private static final int NONZEROS = 150;

    /** Size of the generated file in MB (10^6 bytes). */
    @Param({"100"})
    public int megabytes;

    @Param({"short", "full"})
    public String digits;

    @Param({"f32"})
    public String dtype;

    private Path dir;
    private Path file;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        dir = Files.createTempDirectory("libsvm-bench");
        file = dir.resolve("mnist-like.libsvm");
        DType written = digits.equals("short") ? DType.F32 : DType.F64;
        // about 13 bytes per nonzero ("123:0.5294118 ") and 150 nonzeros per row
        long bytesPerRow = NONZEROS * (written == DType.F32 ? 13L : 21L);
        int rows = (int) (megabytes * 1_000_000L / bytesPerRow);
        SplittableRandom r = new SplittableRandom(784);
        double[] y = new double[rows];
        try (Matrix x = Matrix.allocate(rows, D, written)) {
            for (int i = 0; i < rows; i++) {
                y[i] = r.nextInt(10);
                for (int k = 0; k < NONZEROS; k++) {
                    x.set(i, r.nextInt(D), r.nextInt(1, 256) / 255.0);
                }
            }
            Libsvm.write(file, x, y);
        }
        System.err.printf(Locale.ROOT, "%n# %s: %d rows, %.1f MB%n", file, rows, Files.size(file) / 1e6);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        Files.deleteIfExists(file);
        Files.deleteIfExists(dir);
    }

    @Benchmark
    public double read() {
        try (LabeledMatrix m = Libsvm.read(file, DType.parse(dtype), "")) {
            return m.y()[m.y().length - 1] + m.x().get(0, 0);
        }
    }
}
