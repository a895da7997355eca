package dev.tangent.experiment;

import dev.tangent.TangentException;
import dev.tangent.data.Dataset;
import dev.tangent.data.Input;
import dev.tangent.data.Normalization;
import dev.tangent.io.Npy;
import dev.tangent.io.RunDirectory;
import dev.tangent.compute.KernelMatrix;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.machine.KernelMachine;
import dev.tangent.machine.Loss;
import dev.tangent.machine.RidgeSolver;
import dev.tangent.machine.SmoSolver;
import dev.tangent.machine.SubgradientSolver;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.memory.MemoryBudget;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code tangent train}: builds the NTK Gram of the training set (and the test-vs-train Gram), fits a kernel machine
 * with the chosen method, and writes the model directory(ies), the training trace and run.json. Every check (options,
 * data, targets, memory, disk) runs before the output directory is created.
 */
public final class TrainWorkflow {
    private TrainWorkflow() {
    }

    /** Methods of {@code --method}. */
    public enum Method {
        KRR("squared"), SVM_SGD("hinge"), SQ_HINGE("squared-hinge"), SVR_SGD("epsilon-insensitive"), LOGISTIC("logistic"),
        SVM_SMO("hinge"), SVR_SMO("epsilon-insensitive");

        final String loss;

        Method(String loss) {
            this.loss = loss;
        }

        public static Method parse(String s) {
            for (Method m : values()) {
                if (m.toString().equals(s.toLowerCase(Locale.ROOT))) {
                    return m;
                }
            }
            throw new IllegalArgumentException("expected krr, svm-sgd, svm-smo, svr-smo, sq-hinge, svr-sgd or logistic, found '" + s + "'");
        }

        /** Whether the method fits by subgradient descent (and so takes a {@link Schedule}). */
        public boolean sgd() {
            return this == SVM_SGD || this == SQ_HINGE || this == SVR_SGD || this == LOGISTIC;
        }

        /** Whether the method solves the exact dual by SMO. */
        public boolean smo() {
            return this == SVM_SMO || this == SVR_SMO;
        }

        /** Whether the method needs ±1 targets (a classification loss). */
        public boolean binary() {
            return this == SVM_SGD || this == SQ_HINGE || this == LOGISTIC || this == SVM_SMO;
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * What is minimised.
     *
     * @param lambdas λ values (several only for krr: one model per λ from one Gram)
     * @param c       C of the SMO methods; NaN means C = 1/(λ·n), the mean-loss objective (λ/2)‖β‖² + (1/n)Σ l
     * @param epsilon ε of the ε-insensitive loss
     * @param jitter  added to the diagonal for the Cholesky solve (krr)
     * @param tol     SMO stopping tolerance (LIBSVM's -e)
     */
    public record Objective(List<Double> lambdas, double c, double epsilon, double jitter, double tol) {
        public Objective {
            if (lambdas.isEmpty()) {
                throw new TangentException("--lambda: at least one value is needed");
            }
            for (double l : lambdas) {
                if (!(l >= 0) || Double.isInfinite(l)) {
                    throw new TangentException("--lambda must be finite and >= 0, found " + l);
                }
            }
            if (!Double.isNaN(c) && (!(c > 0) || Double.isInfinite(c))) {
                throw new TangentException("--c must be finite and > 0, found " + c);
            }
            if (!(epsilon >= 0) || Double.isInfinite(epsilon)) {
                throw new TangentException("--epsilon must be finite and >= 0, found " + epsilon);
            }
            if (!(jitter >= 0) || Double.isInfinite(jitter)) {
                throw new TangentException("--jitter must be finite and >= 0, found " + jitter);
            }
            if (!(tol > 0) || Double.isInfinite(tol)) {
                throw new TangentException("--tol must be finite and > 0, found " + tol);
            }
        }
    }

    /**
     * @param test     the test set, or null
     * @param schedule the subgradient schedule (the SGD methods; ignored by krr and the SMO methods)
     */
    public record Request(Input train, Input test, Normalization norm, KernelSpec spec, Method method, Objective objective,
                          Schedule schedule, Output out) {
    }

    /** One fitted model's metrics. */
    public record Fit(double lambda, Path dir, double trainLoss, double trainAccuracy, double testLoss, double testAccuracy) {
    }

    public record Result(List<Fit> fits, double gramSeconds, double fitSeconds, int nTrain, int nTest) {
    }

    public static Result run(Request r, Context c) {
        Objective o = r.objective();
        if (r.method() != Method.KRR && o.lambdas().size() > 1) {
            throw new TangentException("--lambdas: several values are supported for --method krr only");
        }
        Loss loss = switch (r.method()) {
            case KRR -> new Loss.Squared();
            case SVM_SGD, SVM_SMO -> new Loss.Hinge();
            case SQ_HINGE -> new Loss.SquaredHinge();
            case SVR_SGD, SVR_SMO -> new Loss.EpsilonInsensitive(o.epsilon());
            case LOGISTIC -> new Loss.Logistic();
        };
        RunDirectory.Plan plan = Runs.check(r.out(), "train", false);
        String needs = "--method " + r.method();
        try (Dataset train = r.train().load(DType.F64, r.norm());
             Dataset test = r.test() == null ? null : r.test().load(DType.F64, r.norm(), train.standardization())) {
            if (r.method().binary()) {
                train.requireBinaryTargets(r.train().option(), needs);
            } else {
                train.requireTargets(r.train().option(), needs);
            }
            if (test != null) {
                if (test.dim() != train.dim()) {
                    throw new TangentException("--test has " + test.dim() + " features, --train has " + train.dim());
                }
                if (r.method().binary()) {
                    test.requireBinaryTargets(r.test().option(), needs);
                } else {
                    test.requireTargets(r.test().option(), needs);
                }
            }
            int n = train.size();
            int nt = test == null ? 0 : test.size();
            double cost = Double.NaN;
            if (r.method().smo()) {
                cost = Double.isNaN(o.c()) ? 1 / (o.lambdas().get(0) * n) : o.c();
                if (!(cost > 0) || Double.isInfinite(cost)) {
                    throw new TangentException("--lambda " + o.lambdas().get(0) + ": C = 1/(lambda n) = " + cost
                            + " is not a finite positive number; pass --c or a lambda > 0");
                }
            }
            MemoryBudget.require(8L * n * n + 8L * nt * n, String.format(Locale.ROOT, "the training and test Grams (%d x %d and %d x %d, f64)",
                    n, n, nt, n));
            plan.requireSpace((long) o.lambdas().size() * (8L * n * train.dim() + 24L * n) + (1 << 20), "the model directories");
            SubgradientSolver.Config sgd = null;
            if (r.method().sgd()) {
                Schedule s = r.schedule();
                sgd = new SubgradientSolver.Config(loss, o.lambdas().get(0), s.lr(), s.batch(), s.epochs(), s.seed(), s.shuffle(), s.decay(),
                        Math.max(2, s.epochs()));
            }
            try (RunDirectory dir = Runs.open(plan, c)) {
                long t0 = System.nanoTime();
                try (KernelMatrix k = Runs.gram(c, "training Gram", r.spec(), train.x(), null);
                     KernelMatrix kt = test == null ? null : Runs.gram(c, "test Gram", r.spec(), test.x(), train.x())) {
                    long t1 = System.nanoTime();
                    List<Fit> fits = new ArrayList<>();
                    // krr: the whole lambda list in one call of the ridge engine (one factorisation per lambda)
                    double[][] ridge = r.method() == Method.KRR ? RidgeSolver.paperA(c.provider(), k, train.y(),
                            o.lambdas().stream().mapToDouble(Double::doubleValue).toArray(), o.jitter()) : null;
                    for (int li = 0; li < o.lambdas().size(); li++) {
                        double lambda = o.lambdas().get(li);
                        Path modelDir = o.lambdas().size() == 1 ? dir.dir() : dir.resolve("lambda_" + lambda);
                        fits.add(fit(r, c, loss, lambda, cost, sgd, train, test, k, kt, modelDir, ridge == null ? null : ridge[li]));
                    }
                    long t2 = System.nanoTime();
                    Result result = new Result(fits, (t1 - t0) / 1e9, (t2 - t1) / 1e9, n, nt);
                    Runs.finish(dir, runJson(r, train, test, cost, result, dir.dir()), c);
                    return result;
                }
            }
        }
    }

    private static Fit fit(Request r, Context c, Loss loss, double lambda, double cost, SubgradientSolver.Config sgd, Dataset train,
                           Dataset test, KernelMatrix k, KernelMatrix kt, Path dir, double[] ridge) {
        double[] alpha;
        double b = 0;
        Map<String, Object> traces = new LinkedHashMap<>();
        SubgradientSolver.Result sgdResult = null;
        if (r.method() == Method.KRR) {
            alpha = ridge;
        } else if (r.method().smo()) {
            SmoSolver.Result res = r.method() == Method.SVM_SMO
                    ? SmoSolver.svc(k, train.y(), cost, r.objective().tol(), true, 0)
                    : SmoSolver.svr(k, train.y(), cost, r.objective().epsilon(), r.objective().tol(), true, 0);
            alpha = res.alpha();
            b = res.b();
            traces.put("smo_iterations", res.iterations());
            traces.put("smo_dual_objective", res.dualObjective());
            traces.put("support_vectors", res.supportVectors());
            if (!res.converged()) {
                throw new TangentException("--tol " + r.objective().tol() + ": SMO did not converge within LIBSVM's iteration cap; "
                        + "loosen --tol or change --c");
            }
        } else {
            SubgradientSolver.Result res = SubgradientSolver.train(k, train.y(), kt, test == null ? null : test.y(), null, null,
                    sgd, (s, t) -> c.reporter().progress("kernel machine", "steps", s, t));
            alpha = res.alpha();
            sgdResult = res;
        }
        double[] g = plus(multiply(k, alpha), b);
        double[] gt = kt == null ? null : plus(multiply(kt, alpha), b);
        if (sgdResult != null) {
            writeTrace(dir, sgdResult, loss, g, train.y(), gt, test == null ? null : test.y());
        }
        Map<String, Object> meta = Runs.modelData(train, r.train(), dir);
        meta.put("seed", r.method().sgd() ? r.schedule().seed() : null);
        meta.putAll(traces);
        // the machine borrows the training matrix (owned by the dataset): save it, do not close it
        new KernelMachine(r.method().toString(), r.spec(), loss.name(), lambda, cost, b, alpha, train.x(), train.y(), meta).save(dir);
        return new Fit(lambda, dir, SubgradientSolver.meanLoss(loss, g, train.y()), accuracy(loss, g, train.y()),
                gt == null ? Double.NaN : SubgradientSolver.meanLoss(loss, gt, test.y()),
                gt == null ? Double.NaN : accuracy(loss, gt, test.y()));
    }

    private static double accuracy(Loss loss, double[] g, double[] y) {
        if (!loss.classification() && !isPlusMinusOne(y)) {
            return Double.NaN;
        }
        int ok = 0;
        for (int i = 0; i < g.length; i++) {
            ok += Math.signum(g[i]) == y[i] ? 1 : 0;
        }
        return (double) ok / g.length;
    }

    private static boolean isPlusMinusOne(double[] y) {
        for (double v : y) {
            if (v != 1 && v != -1) {
                return false;
            }
        }
        return true;
    }

    private static double[] plus(double[] g, double b) {
        for (int i = 0; i < g.length; i++) {
            g[i] += b;
        }
        return g;
    }

    static double[] multiply(KernelMatrix k, double[] alpha) {
        double[] out = new double[k.rows()];
        k.multiply(alpha, out);
        return out;
    }

    /**
     * The solver's trace (evaluated before the update at each logged step s, i.e. after s − 1 updates) plus one last
     * point, step total + 1: the final model, after every update.
     */
    private static void writeTrace(Path dir, SubgradientSolver.Result res, Loss loss, double[] g, double[] y, double[] gt, double[] yt) {
        SubgradientSolver.Trace t = res.trace();
        long total = res.steps();
        int m = t.steps().length;
        double[] steps = new double[m + 1];
        for (int i = 0; i < m; i++) {
            steps[i] = t.steps()[i];
        }
        steps[m] = total + 1;
        Npy.writeVector(dir.resolve("trace_steps.npy"), steps);
        Npy.writeVector(dir.resolve("trace_train_loss.npy"), append(t.trainLoss(), SubgradientSolver.meanLoss(loss, g, y)));
        Npy.writeVector(dir.resolve("trace_train_accuracy.npy"), append(t.trainAccuracy(),
                loss.classification() ? SubgradientSolver.accuracy(g, y) : Double.NaN));
        if (t.testLoss().length > 0) {
            Npy.writeVector(dir.resolve("trace_test_loss.npy"), append(t.testLoss(), SubgradientSolver.meanLoss(loss, gt, yt)));
            Npy.writeVector(dir.resolve("trace_test_accuracy.npy"), append(t.testAccuracy(),
                    loss.classification() ? SubgradientSolver.accuracy(gt, yt) : Double.NaN));
        }
    }

    private static double[] append(double[] a, double v) {
        double[] b = java.util.Arrays.copyOf(a, a.length + 1);
        b[a.length] = v;
        return b;
    }

    private static Map<String, Object> runJson(Request r, Dataset train, Dataset test, double cost, Result res, Path out) {
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("command", "train");
        run.put("method", r.method().toString());
        run.put("kernel", r.spec().toString());
        run.put("train", Runs.describe(train, r.train()));
        run.put("n_train", res.nTrain());
        if (test != null) {
            run.put("test", Runs.describe(test, r.test()));
            run.put("n_test", res.nTest());
        }
        Objective o = r.objective();
        switch (r.method()) {
            case KRR -> run.put("jitter", o.jitter());
            case SVM_SMO, SVR_SMO -> {
                run.put("c", cost);
                run.put("tol", o.tol());
            }
            default -> {
                Schedule s = r.schedule();
                run.put("lr", s.lr());
                run.put("batch", s.batch());
                run.put("epochs", s.epochs());
                run.put("seed", s.seed());
                run.put("shuffle", s.shuffle());
                run.put("km_decay", s.decay().toString().toLowerCase(Locale.ROOT));
                run.put("trace", "trace_steps.npy: evaluation before update s (after s - 1 updates); the last entry, total + 1, "
                        + "is the final model");
            }
        }
        if (r.method() == Method.SVR_SGD || r.method() == Method.SVR_SMO) {
            run.put("epsilon", o.epsilon());
        }
        run.put("gram_seconds", res.gramSeconds());
        run.put("fit_seconds", res.fitSeconds());
        List<Object> fits = new ArrayList<>();
        for (Fit f : res.fits()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("lambda", f.lambda());
            m.put("model", out.relativize(f.dir()).toString().isEmpty() ? "." : out.relativize(f.dir()).toString());
            m.put("train_loss", f.trainLoss());
            m.put("train_accuracy", f.trainAccuracy());
            if (test != null) {
                m.put("test_loss", f.testLoss());
                m.put("test_accuracy", f.testAccuracy());
            }
            fits.add(m);
        }
        run.put("fits", fits);
        return run;
    }
}
