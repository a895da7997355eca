package dev.tangent.experiment;

import dev.tangent.TangentException;
import dev.tangent.data.Dataset;
import dev.tangent.data.Input;
import dev.tangent.data.Normalization;
import dev.tangent.io.Npy;
import dev.tangent.io.RunDirectory;
import dev.tangent.machine.KernelMachine;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.network.NetworkModel;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code tangent predict}: the scores of a saved model on a dataset, written as {@code scores.npy} (f64) + run.json.
 * A kernel machine (tangent train, km/ of tangent equivalence) scores g(x) = Σ α_i K(x, x_i) + b, a network
 * (nn_w&lt;width&gt;/ of tangent equivalence) the centred output f_θ(x) − f_θ₀(x). The test data get the model's data
 * options (class pair, normalisation and, for {@code standard}, the training statistics) unless given, and must agree
 * with them when given.
 */
public final class PredictWorkflow {
    private PredictWorkflow() {
    }

    /** @param norm the normalisation, or null for the model's */
    public record Request(Path model, Input test, Normalization norm, Output out) {
    }

    /** @param accuracy fraction of sign(g) = y when the test set has ±1 targets, else NaN */
    public record Result(int n, double accuracy, double seconds, String modelKind) {
    }

    public static Result run(Request r, Context c) {
        RunDirectory.Plan plan = Runs.check(r.out(), "predict", false);
        Runs.ModelData md = Runs.modelData(r.model());
        Input in = new Input(r.test().source(), md.selection(r.test().selection(), r.model()), r.test().option());
        Normalization norm = md.normalization(r.norm(), r.model());
        boolean network = NetworkModel.FORMAT.equals(NetworkModel.readJson(r.model()).get("format"));
        long t0 = System.nanoTime();
        try (Dataset test = in.load(DType.F64, norm, md.standardization());
             KernelMachine km = network ? null : KernelMachine.load(r.model());
             NetworkModel nm = network ? NetworkModel.load(r.model()) : null) {
            int d = network ? nm.theta().inputDim() : km.xTrain().cols();
            if (test.dim() != d) {
                throw new TangentException(in.option() + " has " + test.dim() + " features, the model in " + r.model() + " was trained on " + d);
            }
            plan.requireSpace(8L * test.size() + (1 << 16), "scores.npy");
            try (RunDirectory dir = Runs.open(plan, c)) {
                double[] g = network ? centred(c, nm, test.x()) : km.scores(c.provider(), test.x());
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
                Npy.writeVector(dir.resolve("scores.npy"), g);
                Map<String, Object> run = new LinkedHashMap<>();
                run.put("command", "predict");
                run.put("model", r.model().toString());
                run.put("model_kind", network ? "network" : "kernel-machine");
                if (network) {
                    run.put("width", nm.theta().width());
                    run.put("depth", nm.theta().depth());
                } else {
                    run.put("method", km.method());
                    run.put("kernel", km.spec().toString());
                }
                run.put("test", Runs.describe(test, in));
                run.put("n_test", g.length);
                run.put("test_accuracy", acc);
                run.put("seconds", secs);
                Runs.finish(dir, run, c);
                return new Result(g.length, acc, secs, network ? "network" : "kernel machine");
            }
        }
    }

    /** f_θ(x) − f_θ₀(x) in the network's precision, in blocks. */
    private static double[] centred(Context c, NetworkModel nm, Matrix x) {
        try (Matrix xn = x.copy(nm.theta().dtype())) {
            double[] f = EquivalenceWorkflow.forwardAll(c.backend(), nm.theta(), xn);
            double[] f0 = EquivalenceWorkflow.forwardAll(c.backend(), nm.theta0(), xn);
            for (int i = 0; i < f.length; i++) {
                f[i] -= f0[i];
            }
            return f;
        }
    }
}
