package dev.tangent.experiment;

import dev.tangent.compute.KernelMatrix;
import dev.tangent.compute.KernelProvider;
import dev.tangent.data.Dataset;
import dev.tangent.io.Npy;
import dev.tangent.machine.KernelMachine;
import dev.tangent.report.Json;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** {@code tangent predict}: g on every test point from a saved model, written as {@code scores.npy} (f64) + run.json. */
public final class PredictWorkflow {
    private PredictWorkflow() {
    }

    /** @param accuracy fraction of sign(g) = y when the test set has ±1 targets, else NaN */
    public record Result(int n, double accuracy, double seconds) {
    }

    public static Result run(Path modelDir, Dataset test, KernelProvider provider, Path out) {
        DataWorkflow.requireDirectory(out);
        long t0 = System.nanoTime();
        try (KernelMachine km = KernelMachine.load(modelDir)) {
            double[] g = km.scores(provider, test.x());
            double acc = Double.NaN;
            if (test.y() != null) {
                int ok = 0;
                boolean pm = true;
                for (int i = 0; i < g.length; i++) {
                    pm &= test.y()[i] == 1 || test.y()[i] == -1;
                    ok += Math.signum(g[i]) == test.y()[i] ? 1 : 0;
                }
                acc = pm ? (double) ok / g.length : Double.NaN;
            }
            double secs = (System.nanoTime() - t0) / 1e9;
            Npy.writeVector(out.resolve("scores.npy"), g);
            Map<String, Object> run = new LinkedHashMap<>();
            run.put("command", "predict");
            run.put("model", modelDir.toString());
            run.put("method", km.method());
            run.put("kernel", km.spec().toString());
            run.put("test", test.description());
            run.put("n_test", g.length);
            run.put("test_accuracy", acc);
            run.put("seconds", secs);
            Json.writeFile(out.resolve("run.json"), run);
            return new Result(g.length, acc, secs);
        }
    }
}
