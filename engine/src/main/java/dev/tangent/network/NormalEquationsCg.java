package dev.tangent.network;

import dev.tangent.TangentException;
import dev.tangent.compute.Backend;
import dev.tangent.memory.Matrix;

import java.util.ArrayList;
import java.util.List;

/**
 * Paper B's CG path (spec §7.4, {@code train.py::_rf_optimizer}, {@code _ls_optimizer}): a model linear in its
 * parameters θ (ŷ = Jθ: {@link RandomFeaturesModel}, {@link NeuralTangentModel}), started at θ = 0, fitted to
 * min (1/n)Σ_i ‖y_i − ŷ_i‖² + reg·‖θ‖² (every parameter penalised, the intercept included) by solving the normal
 * equations H θ = b, H = (2/n)JᵀJ + 2·reg·I, b = (2/n)Jᵀy, with matrix-free products: J·v is the model's forward pass
 * with parameters v, Jᵀ·r its backward pass, over the data in contiguous batches.
 *
 * <p>Conjugate gradients as scipy's {@code cg(maxiter, tol, atol)} from x₀ = 0: stop once ‖r‖ ≤ max(atol, tol·‖b‖) or
 * after maxiter iterations. After iterations 1, 1 + every, 1 + 2·every, … (the reference's callback counter) the
 * objective is evaluated and the best iterate kept; with {@code returnBest} (the NT path) a final iterate worse than
 * the best checkpoint is replaced by it.
 *
 * <p>Incomplete batches (spec §10 item 23): the reference's pipelines drop the rows beyond the last full batch. With
 * {@code keepRemainder} false that is reproduced exactly: H averages over the n_used rows kept, b sums over them but
 * divides by n, RF's intercept entry of b sums over all n rows, RF's intercept–feature terms of H divide the kept rows'
 * feature sums by n ({@code RF_Optimizer}), and the objective is the mean over the kept rows. With
 * {@code keepRemainder} every product uses all n rows.
 */
public final class NormalEquationsCg {
    private NormalEquationsCg() {
    }

    /**
     * @param reg           the penalty reg·‖θ‖² (the grid value itself in this path)
     * @param maxIterations scipy's maxiter (the reference's max_cg_iters, 750)
     * @param tol           relative tolerance (1e-4)
     * @param atol          absolute tolerance (1e-3)
     * @param checkEvery    evaluate the objective every this many iterations (30)
     * @param returnBest    return the best checkpoint when the final iterate is worse (NT: true, RF: false)
     * @param batch         rows per product batch (the reference's max_batch_size)
     * @param keepRemainder use the rows beyond the last full batch too
     */
    public record Config(double reg, int maxIterations, double tol, double atol, int checkEvery, boolean returnBest, int batch,
                         boolean keepRemainder) {
        public Config {
            if (!(reg >= 0) || Double.isInfinite(reg)) {
                throw new TangentException("--reg must be finite and >= 0, found " + reg);
            }
            if (maxIterations < 1 || checkEvery < 1 || batch < 1) {
                throw new TangentException("CG needs --epochs (iterations) >= 1, --cg-check-every >= 1 and a batch >= 1");
            }
            if (!(tol >= 0) || !(atol >= 0)) {
                throw new TangentException("--cg-tol and --cg-atol must be >= 0, found " + tol + " and " + atol);
            }
        }
    }

    /** The objective (mean loss + reg·‖θ‖²) after an iteration. */
    public record Check(int iteration, double objective, double residual) {
    }

    /**
     * Where an interrupted solve stood at a checkpoint: enough to continue it exactly (the iterate, residual and
     * direction, ρ of the last iteration, the best checkpoint so far and the objective history).
     */
    public record State(int iteration, double[] x, double[] r, double[] p, double rhoPrev, double best, double[] xBest,
                        List<Check> history) {
    }

    /** What the solve did; the model's parameters hold the returned θ. */
    public record Result(int iterations, boolean converged, double residual, double threshold, double bNorm, List<Check> history,
                         double finalObjective, double bestObjective, boolean returnedBest, int usedRows) {
    }

    /** Told about progress and asked to keep a {@link State} after every objective checkpoint. */
    public interface Listener {
        void iteration(int done, int total);

        void checkpoint(State state);

        Listener NONE = new Listener() {
            @Override
            public void iteration(int done, int total) {
            }

            @Override
            public void checkpoint(State state) {
            }
        };
    }

    /** The operator of one solve: products over the data's batches. */
    private static final class Operator {
        final Backend backend;
        final FiniteWidthModel model;
        final ModelTrainer.Data data;
        final Config cfg;
        final List<Matrix> grads;
        final int n;
        final int used;
        final int dim;
        /** RF with dropped rows: Σ over the kept rows of the features (N), for the reference's intercept terms. */
        final double[] featureSums;

        Operator(Backend backend, FiniteWidthModel model, ModelTrainer.Data data, Config cfg) {
            this.backend = backend;
            this.model = model;
            this.data = data;
            this.cfg = cfg;
            this.grads = model.zerosLike();
            this.n = data.size();
            this.used = cfg.keepRemainder() ? n : (n / cfg.batch()) * cfg.batch();
            if (used == 0) {
                throw new TangentException("--max-batch " + cfg.batch() + " exceeds the " + n + " training samples: the reference drops the "
                        + "incomplete batch, which leaves no data; pass a smaller --max-batch or --keep-remainder");
            }
            this.dim = (int) Math.min(Integer.MAX_VALUE - 8, model.parameterCount());
            if (dim != model.parameterCount()) {
                throw new TangentException("CG needs at most 2^31 parameters, found " + model.parameterCount());
            }
            this.featureSums = model instanceof RandomFeaturesModel && used < n ? featureSums() : null;
        }

        /** Calls {@code body} with each batch's ŷ after setting θ = v (v null: θ left as is). */
        private interface BatchBody {
            void accept(int from, int b, Matrix yhat);
        }

        private void batches(double[] v, BatchBody body) {
            if (v != null) {
                Parameters.unflatten(v, model.parameters());
            }
            for (int from = 0; from < used; from += cfg.batch()) {
                int b = Math.min(cfg.batch(), used - from);
                Matrix yhat = model.forward(backend, data.x().rows(from, b), data.frozen() == null ? null : data.frozen().rows(from, b));
                body.accept(from, b, yhat);
            }
        }

        private double[] featureSums() {
            double[] s = new double[model.width()];
            int c = model.outputs();
            batches(null, (from, b, yhat) -> {
                try (Matrix ones = Matrix.allocate(b, c, model.dtype())) {
                    for (int i = 0; i < b; i++) {
                        ones.set(i, 0, 1);
                    }
                    model.backward(backend, ones, grads);
                }
                Matrix ga = grads.get(0);
                for (int j = 0; j < s.length; j++) {
                    s[j] += ga.get(j, 0);
                }
            });
            return s;
        }

        /** Jᵀ(J v) summed over the kept rows, into {@code out}. */
        void normalProduct(double[] v, double[] out) {
            java.util.Arrays.fill(out, 0);
            batches(v, (from, b, yhat) -> {
                model.backward(backend, yhat, grads);
                Parameters.accumulate(grads, out);
            });
        }

        /** H·v. */
        void apply(double[] v, double[] out) {
            normalProduct(v, out);
            double s = 2.0 / used;
            for (int i = 0; i < dim; i++) {
                out[i] = s * out[i] + 2 * cfg.reg() * v[i];
            }
            if (featureSums != null) {
                // RF_Optimizer.Hv: the intercept-feature terms use the kept rows' feature sums over n, not n_used
                int c = model.outputs();
                int na = model.width() * c;
                double k = 2.0 / n - 2.0 / used;
                for (int q = 0; q < c; q++) {
                    double vc = v[na + q];
                    double dot = 0;
                    for (int j = 0; j < featureSums.length; j++) {
                        out[j * c + q] += k * vc * featureSums[j];
                        dot += featureSums[j] * v[j * c + q];
                    }
                    out[na + q] += k * dot;
                }
            }
        }

        /** b = (2/n)·Jᵀy over the kept rows (RF's intercept entry over all n rows). */
        double[] rhs() {
            double[] b = new double[dim];
            int c = model.outputs();
            batches(null, (from, bs, yhat) -> {
                try (Matrix y = Matrix.allocate(bs, c, model.dtype())) {
                    for (int i = 0; i < bs; i++) {
                        for (int k = 0; k < c; k++) {
                            y.set(i, k, data.targets().target(from + i, k));
                        }
                    }
                    model.backward(backend, y, grads);
                }
                Parameters.accumulate(grads, b);
            });
            if (model instanceof RandomFeaturesModel && used < n) {
                int na = model.width() * c;
                for (int k = 0; k < c; k++) {
                    double sum = 0;
                    for (int i = 0; i < n; i++) {
                        sum += data.targets().target(i, k);
                    }
                    b[na + k] = sum;
                }
            }
            for (int i = 0; i < dim; i++) {
                b[i] *= 2.0 / n;
            }
            return b;
        }

        /** Mean loss over the kept rows at θ = x, plus reg·‖x‖². */
        double objective(double[] x) {
            double[] loss = {0};
            batches(x, (from, b, yhat) -> loss[0] += SquareLoss.evaluate(yhat, data.targets(), null, from, null).loss());
            return loss[0] / used + cfg.reg() * dot(x, x);
        }
    }

    /**
     * Solves for θ; on return the model's parameters hold it. {@code resume}, when not null, continues a solve from a
     * {@link State} its listener kept.
     */
    public static Result solve(Backend backend, FiniteWidthModel model, ModelTrainer.Data train, Config cfg, State resume,
                               Listener listener) {
        if (!model.linear()) {
            throw new TangentException("--optimizer cg needs a model linear in its parameters (rf or nt), found " + model.kind());
        }
        Operator op = new Operator(backend, model, train, cfg);
        try {
            int dim = op.dim;
            double[] b = op.rhs();
            double bNorm = Math.sqrt(dot(b, b));
            double threshold = Math.max(cfg.atol(), cfg.tol() * bNorm);
            double[] x;
            double[] r;
            double[] p;
            double rhoPrev;
            double best;
            double[] xBest;
            List<Check> history;
            int it;
            if (resume != null) {
                x = resume.x();
                r = resume.r();
                p = resume.p();
                rhoPrev = resume.rhoPrev();
                best = resume.best();
                xBest = resume.xBest();
                history = new ArrayList<>(resume.history());
                it = resume.iteration();
            } else {
                x = new double[dim];
                r = b.clone();
                p = new double[dim];
                rhoPrev = 0;
                best = 10000; // the reference's initial "min error"
                xBest = new double[dim];
                history = new ArrayList<>();
                it = 0;
            }
            double[] q = new double[dim];
            double rNorm = Math.sqrt(dot(r, r));
            boolean converged = rNorm <= threshold;
            while (!converged && it < cfg.maxIterations()) {
                double rho = dot(r, r);
                if (it == 0) {
                    System.arraycopy(r, 0, p, 0, dim);
                } else {
                    double beta = rho / rhoPrev;
                    for (int i = 0; i < dim; i++) {
                        p[i] = r[i] + beta * p[i];
                    }
                }
                op.apply(p, q);
                double alpha = rho / dot(p, q);
                for (int i = 0; i < dim; i++) {
                    x[i] += alpha * p[i];
                    r[i] -= alpha * q[i];
                }
                rhoPrev = rho;
                it++;
                rNorm = Math.sqrt(dot(r, r));
                converged = rNorm <= threshold;
                if ((it - 1) % cfg.checkEvery() == 0) {
                    double f = op.objective(x);
                    history.add(new Check(it, f, rNorm));
                    if (f < best) {
                        best = f;
                        xBest = x.clone();
                    }
                    listener.checkpoint(new State(it, x, r, p, rhoPrev, best, xBest, List.copyOf(history)));
                }
                listener.iteration(it, cfg.maxIterations());
            }
            double last = op.objective(x);
            boolean useBest = cfg.returnBest() && last > best;
            Parameters.unflatten(useBest ? xBest : x, model.parameters());
            return new Result(it, converged, rNorm, threshold, bNorm, List.copyOf(history), last, Math.min(best, last), useBest, op.used);
        } finally {
            op.grads.forEach(Matrix::close);
        }
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
