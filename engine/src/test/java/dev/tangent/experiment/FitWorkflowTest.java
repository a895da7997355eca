package dev.tangent.experiment;

import dev.tangent.TangentException;
import dev.tangent.TestData;
import dev.tangent.compute.Providers;
import dev.tangent.data.DataSource;
import dev.tangent.data.Input;
import dev.tangent.data.Normalization;
import dev.tangent.data.Selection;
import dev.tangent.io.Npy;
import dev.tangent.io.RunDirectory;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.network.BatchOrder;
import dev.tangent.network.EpochSchedule;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tangent fit} as a workflow: an interrupted run resumed from its checkpoint gives the files of an uninterrupted
 * one bit for bit (first-order with a shuffled network and Adam on NT, and the CG path); epochs.csv's learning rates are
 * the schedule's closed form; the reported test accuracy is the argmax accuracy of the saved predictions.
 */
class FitWorkflowTest {
    @TempDir
    Path dir;

    @BeforeEach
    void data() {
        write("tr", 240, 1);
        write("te", 60, 2);
    }

    /** Three classes: the argmax of three fixed linear functions of uniform inputs in d = 6. */
    private void write(String name, int n, long seed) {
        try (Matrix x = TestData.uniform(n, 6, DType.F64, seed)) {
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                double[] s = {x.get(i, 0) + x.get(i, 1), x.get(i, 2) - x.get(i, 0), x.get(i, 3) * 0.5 - x.get(i, 4)};
                y[i] = s[0] > s[1] ? (s[0] > s[2] ? 0 : 2) : (s[1] > s[2] ? 1 : 2);
            }
            Npy.write(dir.resolve("x" + name + ".npy"), x);
            Npy.writeVector(dir.resolve("y" + name + ".npy"), y);
        }
    }

    private FitWorkflow.Request request(FitWorkflow.ModelKind kind, FitWorkflow.Solver solver, Path out, boolean resume, int stopAfter) {
        DataSource tr = DataSource.parse(dir.resolve("xtr.npy").toString(), dir.resolve("ytr.npy"), "--train");
        DataSource te = DataSource.parse(dir.resolve("xte.npy").toString(), dir.resolve("yte.npy"), "--test");
        boolean nn = kind == FitWorkflow.ModelKind.NN;
        EpochSchedule sc = nn ? new EpochSchedule(0.002, 20, 30, 15, 40) : EpochSchedule.constant(0.01, 20, 80);
        BatchOrder order = new BatchOrder(nn ? BatchOrder.Shuffle.BUFFER : BatchOrder.Shuffle.NONE, 16, false, 91, false);
        return new FitWorkflow.Request(new Input(tr, Selection.ALL, "--train"), new Input(te, Selection.ALL, "--test"), Normalization.NONE,
                new FitWorkflow.Model(kind, 24, nn ? 2 : 1, DType.F64, 1990), new FitWorkflow.Targets(TargetKind.AUTO, null),
                new FitWorkflow.Training(solver, 1e-3, sc, 80, order, FitWorkflow.FeatureCache.AUTO), new FitWorkflow.Cg(1e-4, 1e-3, 5),
                new FitWorkflow.Checkpoints(1, stopAfter), new Output(out, resume ? RunDirectory.Mode.RESUME : RunDirectory.Mode.NEW));
    }

    private static Context context() {
        return Context.of(Providers.auto(1));
    }

    private void resumedEqualsUninterrupted(FitWorkflow.ModelKind kind, FitWorkflow.Solver solver, int stopAfter, List<String> files)
            throws Exception {
        Path full = dir.resolve("full-" + kind);
        FitWorkflow.run(request(kind, solver, full, false, -1), context());
        Path cut = dir.resolve("cut-" + kind);
        TangentException stop = assertThrows(TangentException.class, () -> FitWorkflow.run(request(kind, solver, cut, false, stopAfter), context()));
        assertEquals(130, stop.exitCode());
        assertTrue(Files.exists(cut.resolve("checkpoint/state.json")), "checkpoint kept");
        FitWorkflow.run(request(kind, solver, cut, true, -1), context());
        for (String f : files) {
            if (f.endsWith(".csv")) {
                List<String> a = Files.readAllLines(full.resolve(f));
                List<String> b = Files.readAllLines(cut.resolve(f));
                assertEquals(a.size(), b.size(), f);
                for (int i = 0; i < a.size(); i++) {
                    // all but the wall-clock column
                    assertEquals(a.get(i).replaceAll(",[^,]*$", ""), b.get(i).replaceAll(",[^,]*$", ""), f + " line " + i);
                }
                continue;
            }
            try (Matrix a = Npy.readMatrix(full.resolve(f), DType.F64, ""); Matrix b = Npy.readMatrix(cut.resolve(f), DType.F64, "")) {
                for (int i = 0; i < a.rows(); i++) {
                    for (int j = 0; j < a.cols(); j++) {
                        assertEquals(a.get(i, j), b.get(i, j), 0.0, f + "[" + i + "][" + j + "]");
                    }
                }
            }
        }
    }

    @Test
    void resumedNetworkEqualsUninterrupted() throws Exception {
        resumedEqualsUninterrupted(FitWorkflow.ModelKind.NN, FitWorkflow.Solver.MOMENTUM, 17,
                List.of("epochs.csv", "model/init_W.npy", "model/layer_2_W.npy", "model/Softmax_layer.npy", "test_predictions.npy"));
    }

    @Test
    void resumedNeuralTangentEqualsUninterrupted() throws Exception {
        resumedEqualsUninterrupted(FitWorkflow.ModelKind.NT, FitWorkflow.Solver.ADAM, 7,
                List.of("epochs.csv", "model/layer1_var.npy", "model/layer2.npy", "test_predictions.npy"));
    }

    @Test
    void resumedCgEqualsUninterrupted() throws Exception {
        resumedEqualsUninterrupted(FitWorkflow.ModelKind.RF, FitWorkflow.Solver.CG, 13,
                List.of("model/layer2.npy", "model/layer2_bias.npy", "test_predictions.npy"));
    }

    @Test
    void epochsFollowTheScheduleAndTheAccuracyIsThePredictions() throws Exception {
        Path out = dir.resolve("one");
        FitWorkflow.Result r = FitWorkflow.run(request(FitWorkflow.ModelKind.NN, FitWorkflow.Solver.MOMENTUM, out, false, -1), context());
        List<String> lines = Files.readAllLines(out.resolve("epochs.csv"));
        assertEquals(21, lines.size());
        for (int t = 0; t < 20; t++) {
            String[] cells = lines.get(t + 1).split(",");
            double expected = t < 15 ? 0.002 * 2 * t / 15 : Math.max(0.002 * (1 + Math.cos((t - 15) * 3.141592 / 5)), 0.002 / 15);
            assertEquals(expected, Double.parseDouble(cells[1]), 1e-18, "lr of epoch " + t);
            assertEquals(t < 15 ? 30 : 40, Integer.parseInt(cells[2]), "batch of epoch " + t);
            assertEquals(t < 15 ? 8 : 6, Integer.parseInt(cells[3]), "steps of epoch " + t);
        }
        double[] y = values(dir.resolve("yte.npy"));
        try (Matrix p = Npy.readMatrix(out.resolve("test_predictions.npy"), DType.F64, "")) {
            assertEquals(3, p.cols());
            int correct = 0;
            for (int i = 0; i < p.rows(); i++) {
                int best = 0;
                for (int k = 1; k < 3; k++) {
                    best = p.get(i, k) > p.get(i, best) ? k : best;
                }
                correct += best == y[i] ? 1 : 0;
            }
            assertEquals(correct / 60.0, r.testAccuracy(), 1e-15);
        }
        assertTrue(Files.readString(out.resolve("run.json")).contains("\"test_accuracy\""));
    }

    private static double[] values(Path p) {
        try (Matrix m = Npy.readMatrix(p, DType.F64, "")) {
            double[] v = new double[m.rows()];
            for (int i = 0; i < v.length; i++) {
                v[i] = m.get(i, 0);
            }
            return v;
        }
    }
}
