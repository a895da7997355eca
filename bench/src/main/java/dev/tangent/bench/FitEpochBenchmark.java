package dev.tangent.bench;

import dev.tangent.compute.Backend;
import dev.tangent.compute.Backends;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.network.BatchOrder;
import dev.tangent.network.FiniteWidthModel;
import dev.tangent.network.MeanFieldNetwork;
import dev.tangent.network.ModelTrainer;
import dev.tangent.network.NeuralTangentModel;
import dev.tangent.network.Optimizer;
import dev.tangent.network.SquareLoss;
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
 * Issue 16, acceptance 3: one training epoch of paper B's models on Fashion-MNIST's shape (n = 60,000, d = 784, 10
 * classes, f32, random data), width N = 4,096: the mean-field network ({@code nn}: batch 1,000, momentum, weak shuffle)
 * and the neural-tangent model ({@code nt}: batch 10,000 as the reference's max_batch_size, Adam, XW cached as
 * {@code tangent fit} does by default). Seconds per epoch; the PyTorch peer (bench/peers/torch_fit.py, Debian
 * python3-torch, the same threads and OPENBLAS_CORETYPE) runs from the setup of the same run, for nt both recomputing
 * XW every batch and with it cached. Run from the repository root.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
public class FitEpochBenchmark {
    @Param({"nn", "nt"})
    public String model;

    @Param({"4096"})
    public int width;

    @Param({"2"})
    public int threads;

    private static final int N_TRAIN = 60_000;
    private static final int D = 784;
    private static final int C = 10;

    private Backend backend;
    private FiniteWidthModel net;
    private Optimizer optimizer;
    private ModelTrainer trainer;
    private ModelTrainer.Data data;
    private Matrix x;
    private Matrix frozen;
    private BatchOrder order;
    private int batch;
    private int epoch;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        backend = Backends.select("auto", threads).backend();
        SplittableRandom r = new SplittableRandom(1);
        x = Matrix.allocate(N_TRAIN, D, DType.F32);
        double[] y = new double[N_TRAIN];
        for (int i = 0; i < N_TRAIN; i++) {
            y[i] = r.nextInt(C);
            double ss = 0;
            double[] row = new double[D];
            for (int j = 0; j < D; j++) {
                row[j] = r.nextGaussian();
                ss += row[j] * row[j];
            }
            double s = Math.sqrt(D / ss);
            for (int j = 0; j < D; j++) {
                x.set(i, j, row[j] * s);
            }
        }
        boolean nn = model.equals("nn");
        net = nn ? MeanFieldNetwork.init(D, width, C, 1, DType.F32, 1990) : NeuralTangentModel.init(D, width, C, DType.F32, 1990);
        optimizer = nn ? Optimizer.momentum(net) : Optimizer.adam(net);
        trainer = new ModelTrainer(backend, net, optimizer, 2e-6);
        frozen = net.frozenFeatures(backend, x);
        data = new ModelTrainer.Data(x, frozen, SquareLoss.Targets.oneHot(y, C, "bench"));
        order = new BatchOrder(nn ? BatchOrder.Shuffle.BUFFER : BatchOrder.Shuffle.NONE, 128, false, 91, false);
        batch = nn ? 1000 : 10000;
        peer(nn ? new String[0] : new String[] {"--cache-z"});
        if (!nn) {
            peer(new String[0]);
        }
    }

    private void peer(String[] extra) throws Exception {
        Path script = Path.of("bench/peers/torch_fit.py");
        if (!Files.isRegularFile(script)) {
            System.err.println("\n# PyTorch peer not run: " + script.toAbsolutePath() + " not found (run from the repository root)");
            return;
        }
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("/usr/bin/python3", script.toString(), "--model", model,
                "--width", Integer.toString(width), "--batch", Integer.toString(batch), "--threads", Integer.toString(threads)));
        cmd.addAll(java.util.List.of(extra));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        System.err.println("\n# PyTorch peer (exit " + p.waitFor() + "):\n# " + out.strip().replace("\n", "\n# "));
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        trainer.close();
        optimizer.close();
        net.close();
        if (frozen != null) {
            frozen.close();
        }
        x.close();
    }

    @Benchmark
    public ModelTrainer.EpochStats epoch() {
        int t = epoch++;
        return trainer.epoch(data, order.order(N_TRAIN, t), batch, order, 1e-3, (d, total) -> { });
    }
}
