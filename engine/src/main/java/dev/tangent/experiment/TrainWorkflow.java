package dev.tangent.experiment;

import dev.tangent.TangentException;
import dev.tangent.compute.KernelMatrix;
import dev.tangent.compute.KernelProvider;
import dev.tangent.data.DataSource;
import dev.tangent.data.Dataset;
import dev.tangent.data.Normalization;
import dev.tangent.data.Selection;
import dev.tangent.io.Npy;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.machine.KernelMachine;
import dev.tangent.machine.Loss;
import dev.tangent.machine.RidgeSolver;
import dev.tangent.machine.SmoSolver;
import dev.tangent.machine.SubgradientSolver;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.report.Json;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code tangent train}: builds the NTK Gram of the training set (and the test-vs-train Gram), fits a kernel machine
 * with the chosen method, and writes the model directory(ies), the training trace and run.json.
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
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "krr" -> KRR;
                case "svm-sgd" -> SVM_SGD;
                case "sq-hinge" -> SQ_HINGE;
                case "svr-sgd" -> SVR_SGD;
                case "logistic" -> LOGISTIC;
                case "svm-smo" -> SVM_SMO;
                case "svr-smo" -> SVR_SMO;
                default -> throw new IllegalArgumentException("expected krr, svm-sgd, svm-smo, svr-smo, sq-hinge, svr-sgd or logistic, found '"
                        + s + "'");
            };
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * @param lambdas  λ values (several only for krr: one model per λ from one Gram)
     * @param jitter   added to the diagonal for the Cholesky solve (krr)
     * @param epsilon  ε of the ε-insensitive loss
     * @param c        C of the SMO methods; NaN means C = 1/(λ·n), the mean-loss objective (λ/2)‖β‖² + (1/n)Σ l
     * @param tol      SMO stopping tolerance (LIBSVM's -e)
     */
    public record Request(DataSource train, DataSource test, Selection selection,
                          Normalization norm, KernelSpec spec, Method method, List<Double> lambdas, double jitter,
                          double lr, int batch, int epochs, long seed, boolean shuffle, SubgradientSolver.Decay decay,
                          double epsilon, double c, double tol, KernelProvider provider, Path out, SubgradientSolver.Progress progress) {
    }

    /** One fitted model's metrics. */
    public record Fit(double lambda, Path dir, double trainLoss, double trainAccuracy, double testLoss, double testAccuracy) {
    }

    public record Result(List<Fit> fits, double gramSeconds, double fitSeconds, int nTrain, int nTest) {
    }

    public static Result run(Request r) {
        DataWorkflow.requireDirectory(r.out());
        if (r.lambdas().isEmpty()) {
            throw new TangentException("--lambda: at least one value is needed");
        }
        if (r.method() != Method.KRR && r.lambdas().size() > 1) {
            throw new TangentException("--lambdas: several values are supported for --method krr only");
        }
        Loss loss = switch (r.method()) {
            case KRR -> new Loss.Squared();
            case SVM_SGD -> new Loss.Hinge();
            case SQ_HINGE -> new Loss.SquaredHinge();
            case SVR_SGD -> new Loss.EpsilonInsensitive(r.epsilon());
            case LOGISTIC -> new Loss.Logistic();
            case SVM_SMO -> new Loss.Hinge();
            case SVR_SMO -> new Loss.EpsilonInsensitive(r.epsilon());
        };
        try (Dataset train = load(r.train(), r, "--train");
             Dataset test = r.test() == null ? null : load(r.test(), r, "--test")) {
            if (train.y() == null) {
                throw new TangentException("--train " + train.description() + ": no targets (pass --train-labels for a .npy)");
            }
            if (test != null && test.dim() != train.dim()) {
                throw new TangentException("--test has " + test.dim() + " features, --train has " + train.dim());
            }
            if (test != null && test.y() == null) {
                throw new TangentException("--test " + test.description() + ": no targets (pass --test-labels for a .npy)");
            }
            long t0 = System.nanoTime();
            KernelProvider provider = r.provider();
            try (KernelMatrix k = provider.gram(r.spec(), train.x(), null);
                 KernelMatrix kt = test == null ? null : provider.gram(r.spec(), test.x(), train.x())) {
                long t1 = System.nanoTime();
                List<Fit> fits = new ArrayList<>();
                Map<String, Object> traces = new LinkedHashMap<>();
                for (double lambda : r.lambdas()) {
                    Path dir = r.lambdas().size() == 1 ? r.out() : r.out().resolve("lambda_" + lambda);
                    double[] alpha;
                    double b = 0;
                    double c = Double.NaN;
                    if (r.method() == Method.KRR) {
                        alpha = RidgeSolver.cholesky(provider, k, train.y(), lambda, r.jitter());
                    } else if (r.method() == Method.SVM_SMO || r.method() == Method.SVR_SMO) {
                        c = Double.isNaN(r.c()) ? 1 / (lambda * train.size()) : r.c();
                        if (!(c > 0) || Double.isInfinite(c)) {
                            throw new TangentException("C must be finite and > 0 (--c, or lambda > 0 for C = 1/(lambda n)), found " + c);
                        }
                        SmoSolver.Result res = r.method() == Method.SVM_SMO
                                ? SmoSolver.svc(k, train.y(), c, r.tol(), true, 0)
                                : SmoSolver.svr(k, train.y(), c, r.epsilon(), r.tol(), true, 0);
                        alpha = res.alpha();
                        b = res.b();
                        traces.put("smo_iterations", res.iterations());
                        traces.put("smo_dual_objective", res.dualObjective());
                        traces.put("support_vectors", res.supportVectors());
                        if (!res.converged()) {
                            throw new TangentException("SMO did not converge within LIBSVM's iteration cap; loosen --tol or change C");
                        }
                    } else {
                        SubgradientSolver.Result res = SubgradientSolver.train(k, train.y(), kt,
                                test == null ? null : test.y(), null, null,
                                new SubgradientSolver.Config(loss, lambda, r.lr(), r.batch(), r.epochs(), r.seed(), r.shuffle(),
                                        r.decay(), Math.max(2, r.epochs())), r.progress());
                        alpha = res.alpha();
                        writeTrace(dir, res.trace());
                    }
                    double[] g = plus(multiply(k, alpha), b);
                    double[] gt = kt == null ? null : plus(multiply(kt, alpha), b);
                    Map<String, Object> meta = new LinkedHashMap<>();
                    meta.put("train", train.description());
                    meta.put("normalize", r.norm() == null ? "default" : r.norm().toString());
                    meta.put("seed", r.seed());
                    // the machine borrows the training matrix (owned by the dataset): save it, do not close it
                    meta.putAll(traces);
                    new KernelMachine(r.method().toString(), r.spec(), loss.name(), lambda, c, b, alpha, train.x(),
                            train.y(), meta).save(dir);
                    fits.add(new Fit(lambda, dir, SubgradientSolver.meanLoss(loss, g, train.y()), accuracy(loss, g, train.y()),
                            gt == null ? Double.NaN : SubgradientSolver.meanLoss(loss, gt, test.y()),
                            gt == null ? Double.NaN : accuracy(loss, gt, test.y())));
                }
                long t2 = System.nanoTime();
                Result result = new Result(fits, (t1 - t0) / 1e9, (t2 - t1) / 1e9, train.size(), test == null ? 0 : test.size());
                writeRun(r, train, test, result);
                return result;
            }
        }
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

    private static void writeTrace(Path dir, SubgradientSolver.Trace t) {
        DataWorkflow.requireDirectory(dir);
        double[] steps = new double[t.steps().length];
        for (int i = 0; i < steps.length; i++) {
            steps[i] = t.steps()[i];
        }
        Npy.writeVector(dir.resolve("trace_steps.npy"), steps);
        Npy.writeVector(dir.resolve("trace_train_loss.npy"), t.trainLoss());
        Npy.writeVector(dir.resolve("trace_train_accuracy.npy"), t.trainAccuracy());
        if (t.testLoss().length > 0) {
            Npy.writeVector(dir.resolve("trace_test_loss.npy"), t.testLoss());
            Npy.writeVector(dir.resolve("trace_test_accuracy.npy"), t.testAccuracy());
        }
    }

    private static void writeRun(Request r, Dataset train, Dataset test, Result res) {
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("command", "train");
        run.put("method", r.method().toString());
        run.put("kernel", r.spec().toString());
        run.put("train", train.description());
        run.put("n_train", res.nTrain());
        if (test != null) {
            run.put("test", test.description());
            run.put("n_test", res.nTest());
        }
        if (r.method() == Method.SVM_SMO || r.method() == Method.SVR_SMO) {
            run.put("tol", r.tol());
        } else if (r.method() != Method.KRR) {
            run.put("lr", r.lr());
            run.put("batch", r.batch());
            run.put("epochs", r.epochs());
            run.put("seed", r.seed());
            run.put("shuffle", r.shuffle());
            run.put("decay", r.decay().toString().toLowerCase(Locale.ROOT));
        }
        run.put("backend", r.provider().name());
        run.put("threads", r.provider().threads());
        run.put("gram_seconds", res.gramSeconds());
        run.put("fit_seconds", res.fitSeconds());
        List<Object> fits = new ArrayList<>();
        for (Fit f : res.fits()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("lambda", f.lambda());
            m.put("model", r.out().relativize(f.dir()).toString().isEmpty() ? "." : r.out().relativize(f.dir()).toString());
            m.put("train_loss", f.trainLoss());
            m.put("train_accuracy", f.trainAccuracy());
            if (test != null) {
                m.put("test_loss", f.testLoss());
                m.put("test_accuracy", f.testAccuracy());
            }
            fits.add(m);
        }
        run.put("fits", fits);
        Json.writeFile(r.out().resolve("run.json"), run);
    }

    private static Dataset load(DataSource src, Request r, String option) {
        return src.load(DType.F64, r.selection(), r.norm(), option);
    }

}
