package dev.tangent.bench;

import dev.tangent.data.DataSource;
import dev.tangent.data.Normalization;
import dev.tangent.data.Selection;
import dev.tangent.io.LabeledMatrix;
import dev.tangent.memory.DType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * Issue 3, acceptance 5: reading Fashion-MNIST train (60,000 gzip IDX images and labels, Debian's package) into an
 * f32 matrix, normalised to [0, 1].
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
public class DataReadBenchmark {
    @Benchmark
    public int fashionMnistTrainF32() {
        try (var ds = DataSource.parse("fashion-mnist:train", "--train").load(DType.F32, Selection.ALL, Normalization.UNIT, "--train")) {
            return ds.size();
        }
    }

    @Benchmark
    public int fashionMnistTrainRawF32() {
        try (LabeledMatrix lm = DataSource.parse("fashion-mnist:train", "--train").read(DType.F32, Selection.ALL, "--train")) {
            return lm.x().rows();
        }
    }
}
