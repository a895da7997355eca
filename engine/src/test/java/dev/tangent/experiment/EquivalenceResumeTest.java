package dev.tangent.experiment;

import dev.tangent.compute.Providers;

import dev.tangent.TangentException;
import dev.tangent.TestData;
import dev.tangent.data.DataSource;
import dev.tangent.data.Input;
import dev.tangent.io.RunDirectory;
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
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An interrupted equivalence run resumed from its checkpoints gives the arrays of an uninterrupted run, bit for bit. */
class EquivalenceResumeTest {
    @TempDir
    Path dir;

    private EquivalenceWorkflow.Request request(Path out, boolean resume, long stopAfter) {
        DataSource tr = DataSource.parse(dir.resolve("xtr.npy").toString(), dir.resolve("ytr.npy"), "--train");
        DataSource te = DataSource.parse(dir.resolve("xte.npy").toString(), dir.resolve("yte.npy"), "--test");
        return new EquivalenceWorkflow.Request(new Input(tr, Selection.ALL, "--train"), new Input(te, Selection.ALL, "--test"),
                Normalization.NONE, new EquivalenceWorkflow.Network(1, List.of(50, 120), DType.F64, NetworkTrainer.Regularizer.REFERENCE),
                new EquivalenceWorkflow.Objective(new Loss.Hinge(), 0.001), new Schedule(0.5, 16, 4, 6, true, SubgradientSolver.Decay.BATCH),
                new EquivalenceWorkflow.Tracking(new int[] {0, 3}, new int[] {1, 2}), new EquivalenceWorkflow.Checkpoints(1, stopAfter),
                new Output(out, resume ? RunDirectory.Mode.RESUME : RunDirectory.Mode.NEW));
    }

    private static Context context() {
        return Context.of(Providers.auto(1));
    }

    @Test
    void resumedRunEqualsUninterruptedRun() throws Exception {
        try (Matrix xtr = TestData.uniform(64, 10, DType.F64, 1); Matrix xte = TestData.uniform(20, 10, DType.F64, 2)) {
            Npy.write(dir.resolve("xtr.npy"), xtr);
            Npy.write(dir.resolve("xte.npy"), xte);
        }
        double[] ytr = new double[64];
        double[] yte = new double[20];
        for (int i = 0; i < 64; i++) {
            ytr[i] = i % 3 == 0 ? 1 : -1;
        }
        for (int i = 0; i < 20; i++) {
            yte[i] = i % 2 == 0 ? 1 : -1;
        }
        Npy.writeVector(dir.resolve("ytr.npy"), ytr);
        Npy.writeVector(dir.resolve("yte.npy"), yte);
        Path full = dir.resolve("full");
        EquivalenceWorkflow.run(request(full, false, -1), context());
        Path cut = dir.resolve("cut");
        // 4 epochs of 4 steps per width: stop in the middle of the second width (step 16 + 6 = 22), after its first checkpoint
        TangentException stop = assertThrows(TangentException.class, () -> EquivalenceWorkflow.run(request(cut, false, 22), context()));
        assertEquals(130, stop.exitCode());
        assertTrue(Files.exists(cut.resolve("checkpoint_w50/state.json")), "finished width kept");
        assertTrue(Files.readString(cut.resolve("checkpoint_w120/state.json")).contains("\"step\": 4"), "epoch-1 checkpoint of the second width");
        EquivalenceWorkflow.run(request(cut, true, -1), context());
        for (String name : new String[] {"nn_50_train_tracked", "nn_120_train_tracked", "nn_120_test_tracked", "nn_120_train_loss",
                "nn_120_test_accuracy", "km_train_tracked"}) {
            try (Matrix a = Npy.readMatrix(full.resolve(name + ".npy"), DType.F64, "");
                 Matrix b = Npy.readMatrix(cut.resolve(name + ".npy"), DType.F64, "")) {
                assertEquals(a.rows(), b.rows());
                for (int i = 0; i < a.rows(); i++) {
                    for (int j = 0; j < a.cols(); j++) {
                        assertEquals(a.get(i, j), b.get(i, j), 0.0, name + "[" + i + "][" + j + "]");
                    }
                }
            }
        }
    }
}
