package dev.tangent.bench;

import dev.tangent.compute.Backend;
import dev.tangent.compute.Backends;
import dev.tangent.machine.BatchStream;
import dev.tangent.machine.Loss;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.network.FullyConnected;
import dev.tangent.network.NetworkTrainer;
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

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Issue 5, acceptance 4: paper A's SGD step of the two-layer network (width 10⁴, batch 64, d = 784, f32, 2 threads) in
 * steps per second, with the same step in Debian's PyTorch (bench/peers/torch_step.py, same threads) run from the
 * setup of the same JMH run; the peer's figure is printed with the ratio. Run from the repository root.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx2g"})
public class NetworkStepBenchmark {
    @Param({"10000"})
    public int width;

    @Param({"64"})
    public int batch;

    @Param({"2"})
    public int threads;

    private Backend backend;
    private FullyConnected net;
    private Matrix x;
    private double[] y;
    private double[] f0;
    private BatchStream stream;
    private NetworkTrainer.Config cfg;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        backend = Backends.select("auto", threads).backend();
        int n = 4096;
        SplittableRandom r = new SplittableRandom(1);
        x = Matrix.allocate(n, 784, DType.F32);
        y = new double[n];
        for (int i = 0; i < n; i++) {
            y[i] = r.nextBoolean() ? 1 : -1;
            for (int j = 0; j < 784; j++) {
                x.set(i, j, r.nextDouble());
            }
        }
        net = FullyConnected.init(784, width, 1, DType.F32, 6);
        f0 = new double[n];
        for (int r0 = 0; r0 < n; r0 += 1024) {
            System.arraycopy(net.forward(backend, x.rows(r0, 1024)), 0, f0, r0, 1024);
        }
        stream = new BatchStream(n, batch, 6, true);
        cfg = new NetworkTrainer.Config(new Loss.Hinge(), 0.001, 1.0, NetworkTrainer.Regularizer.REFERENCE);
        Path script = Path.of("bench/peers/torch_step.py");
        if (Files.isRegularFile(script)) {
            Process p = new ProcessBuilder("/usr/bin/python3", script.toString(), "--width", Integer.toString(width), "--batch",
                    Integer.toString(batch), "--threads", Integer.toString(threads)).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            System.err.println("\n# PyTorch peer (exit " + p.waitFor() + "):\n# " + out.strip().replace("\n", "\n# "));
        } else {
            System.err.println("\n# PyTorch peer not run: " + script.toAbsolutePath() + " not found (run from the repository root)");
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        net.close();
        x.close();
    }

    @Benchmark
    public double[] sgdStep() {
        return NetworkTrainer.step(backend, net, x, y, f0, null, stream.next(), cfg);
    }
}
