package dev.tangent.experiment;

import dev.tangent.compute.Providers;

import dev.tangent.MnistSplits;
import dev.tangent.data.DataSource;
import dev.tangent.data.Input;
import dev.tangent.data.Normalization;
import dev.tangent.data.Selection;
import dev.tangent.io.Npy;
import dev.tangent.machine.Loss;
import dev.tangent.machine.SubgradientSolver;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.network.NetworkTrainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Paper A's equivalence on real digits (shared MNIST test split, 0 vs 1): a wide network and the kernel machine with
 * the NTK, trained on the same batches, give outputs whose gap shrinks with width (theory: about m^(-1/2)).
 */
class EquivalenceWorkflowTest {
    @TempDir
    Path dir;

    private DataSource write(String name, MnistSplits.Split s) {
        Npy.write(dir.resolve(name + "-x.npy"), s.x());
        Npy.writeVector(dir.resolve(name + "-y.npy"), s.y());
        return DataSource.parse(dir.resolve(name + "-x.npy").toString(), dir.resolve(name + "-y.npy"), "--" + name);
    }

    @Test
    void gapShrinksWithWidthAndOutputsStartAtZero() throws Exception {
        DataSource train;
        DataSource test;
        try (MnistSplits.Split tr = MnistSplits.zeroOne(0, 300); MnistSplits.Split te = MnistSplits.zeroOne(1, 200)) {
            train = write("train", tr);
            test = write("test", te);
        }
        Path out = dir.resolve("run");
        EquivalenceWorkflow.Result r = EquivalenceWorkflow.run(new EquivalenceWorkflow.Request(new Input(train, Selection.ALL, "--train"),
                new Input(test, Selection.ALL, "--test"), Normalization.NONE,
                new EquivalenceWorkflow.Network(1, List.of(200, 20000), DType.F32, NetworkTrainer.Regularizer.REFERENCE),
                new EquivalenceWorkflow.Objective(new Loss.Hinge(), 0.0), new Schedule(1.0, 32, 4, 6, true, SubgradientSolver.Decay.BATCH),
                new EquivalenceWorkflow.Tracking(new int[] {0, 5, 50, 150, 299}, new int[] {1, 2, 3, 100, 199}),
                EquivalenceWorkflow.Checkpoints.NONE, Output.of(out)), Context.of(Providers.auto(2)));
        double small = r.widths().get(0).maxGap();
        double wide = r.widths().get(1).maxGap();
        // 100x the width: the m^(-1/2) law predicts a 10x smaller gap; require at least 3x
        assertTrue(wide < small / 3, "gap at width 200: " + small + ", at width 20000: " + wide);
        assertTrue(r.kmFinalTestAccuracy() > 0.98, "kernel machine accuracy " + r.kmFinalTestAccuracy());
        try (Matrix km = Npy.readMatrix(out.resolve("km_train_tracked.npy"), DType.F64, "");
             Matrix nn = Npy.readMatrix(out.resolve("nn_20000_train_tracked.npy"), DType.F64, "")) {
            for (int j = 0; j < 5; j++) {
                assertEquals(0.0, km.get(0, j), 0.0, "g_0 = 0 for the kernel machine");
                assertEquals(0.0, nn.get(0, j), 0.0, "centred network: g_0 = f(theta_0) - f(theta_0) = 0");
            }
        }
        for (String f : new String[] {"plot_sgd.png", "plot_sgd.svg", "gap_vs_width.png", "run.json", "alpha.npy"}) {
            assertTrue(Files.size(out.resolve(f)) > 0, f);
        }
    }
}
