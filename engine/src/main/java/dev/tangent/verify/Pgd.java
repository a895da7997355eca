package dev.tangent.verify;

import dev.tangent.compute.Backend;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.kernel.NtkRecursion;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.network.FullyConnected;

import java.util.Locale;

/**
 * An empirical upper bound on the robust radius: the smallest ℓ∞ radius at which projected gradient descent on the
 * signed score s·g(x′) (s the clean sign) finds a point whose sign flips. Per radius: {@code steps} signed-gradient
 * steps of size 2.5δ/steps from the clean point, projected onto the box [x − δ, x + δ] (not clipped to the pixel
 * range, like the certificates); the radius is then bisected between 0 and {@code hi} to a relative tolerance. Any
 * radius found is a witness: the flipped point is re-evaluated exactly, so certified ≤ true ≤ attacked holds for a
 * sound certificate.
 */
public final class Pgd {
    /**
     * @param steps  gradient steps per radius
     * @param hi     largest radius tried; no flip there gives an infinite attack radius
     * @param relTol bisection stops when (hi − lo) ≤ relTol·hi
     */
    public record Config(int steps, double hi, double relTol) implements java.io.Serializable {
        public Config {
            if (steps < 1 || !(hi > 0) || !(relTol > 0)) {
                throw new dev.tangent.TangentException(String.format(Locale.ROOT,
                        "PGD needs --pgd-steps >= 1, hi > 0 and a tolerance > 0, found %d, %s, %s", steps, hi, relTol));
            }
        }

        public static Config defaults() {
            return new Config(20, 0.3, 1e-3);
        }
    }

    /** A differentiable scalar model of the input (one point at a time; implementations are not thread-safe). */
    public interface Model {
        /** g(x); fills {@code grad} with ∂g/∂x when it is not null. */
        double evaluate(double[] x, double[] grad);
    }

    /** @param radius smallest radius with a sign flip found (infinite when none up to hi); evaluations = gradient calls */
    public record Attack(double radius, int evaluations) {
    }

    private Pgd() {
    }

    /** The attack radius of the point {@code x} with clean sign {@code sign}. */
    public static Attack radius(Model model, double[] x, double sign, Config cfg) {
        int[] evals = {0};
        if (!flips(model, x, sign, cfg.hi(), cfg.steps(), evals)) {
            return new Attack(Double.POSITIVE_INFINITY, evals[0]);
        }
        double lo = 0;
        double hi = cfg.hi();
        while (hi - lo > cfg.relTol() * hi) {
            double mid = (lo + hi) / 2;
            if (flips(model, x, sign, mid, cfg.steps(), evals)) {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        return new Attack(hi, evals[0]);
    }

    /** Whether PGD finds x′ in the box of radius δ with sign·g(x′) &lt; 0. */
    static boolean flips(Model model, double[] x, double sign, double delta, int steps, int[] evals) {
        int d = x.length;
        double[] xa = x.clone();
        double[] grad = new double[d];
        double step = 2.5 * delta / steps;
        for (int t = 0; t < steps; t++) {
            double g = model.evaluate(xa, grad);
            evals[0]++;
            if (sign * g < 0) {
                return true;
            }
            for (int j = 0; j < d; j++) {
                double v = xa[j] - sign * step * Math.signum(grad[j]);
                xa[j] = Math.max(x[j] - delta, Math.min(x[j] + delta, v));
            }
        }
        evals[0]++;
        return sign * model.evaluate(xa, null) < 0;
    }

    /** g(x) = Σ_i α_i K(x, x_i) + b with its gradient from the kernel recursion's derivatives. */
    public static final class KernelModel implements Model, AutoCloseable {
        private final KernelSpec spec;
        private final Backend backend;
        private final Matrix sv;
        private final double[] alpha;
        private final double[] sq;
        private final double bias;
        private final Matrix xv;
        private final Matrix p;
        private final Matrix a;
        private final Matrix gv;

        /** @param sv support vectors (f64, n × d) with their coefficients; {@code backend} should be serial */
        public KernelModel(KernelSpec spec, Backend backend, Matrix sv, double[] alpha, double bias) {
            this.spec = spec;
            this.backend = backend;
            this.sv = sv;
            this.alpha = alpha;
            this.bias = bias;
            int n = sv.rows();
            int d = sv.cols();
            sq = new double[n];
            for (int i = 0; i < n; i++) {
                double s = 0;
                for (int j = 0; j < d; j++) {
                    s += sv.get(i, j) * sv.get(i, j);
                }
                sq[i] = s;
            }
            xv = Matrix.allocate(d, 1, DType.F64);
            p = Matrix.allocate(n, 1, DType.F64);
            a = Matrix.allocate(n, 1, DType.F64);
            gv = Matrix.allocate(d, 1, DType.F64);
        }

        @Override
        public double evaluate(double[] x, double[] grad) {
            int d = x.length;
            int n = alpha.length;
            double xx = 0;
            for (int j = 0; j < d; j++) {
                xv.set(j, 0, x[j]);
                xx += x[j] * x[j];
            }
            backend.gemm(false, false, 1.0, sv, xv, 0.0, p);
            double g = bias;
            double dxx = 0;
            for (int i = 0; i < n; i++) {
                double[] k = NtkRecursion.gradient(spec, p.get(i, 0), xx, sq[i], d);
                g += alpha[i] * k[0];
                a.set(i, 0, alpha[i] * k[1]);
                dxx += alpha[i] * k[2];
            }
            if (grad != null) {
                backend.gemm(true, false, 1.0, sv, a, 0.0, gv);
                for (int j = 0; j < d; j++) {
                    grad[j] = gv.get(j, 0) + 2 * dxx * x[j];
                }
            }
            return g;
        }

        @Override
        public void close() {
            xv.close();
            p.close();
            a.close();
            gv.close();
        }
    }

    /** The centred network g(x) = f_θ(x) − f_θ₀(x), the model the certificates are about. */
    public static final class NetworkModel implements Model {
        private final FullyConnected theta;
        private final FullyConnected theta0;
        private final Backend backend;

        public NetworkModel(FullyConnected theta, FullyConnected theta0, Backend backend) {
            this.theta = theta;
            this.theta0 = theta0;
            this.backend = backend;
        }

        @Override
        public double evaluate(double[] x, double[] grad) {
            try (Matrix m = Matrix.allocate(1, x.length, theta.dtype())) {
                for (int j = 0; j < x.length; j++) {
                    m.set(0, j, x[j]);
                }
                double g = theta.forward(backend, m)[0] - theta0.forward(backend, m)[0];
                if (grad != null) {
                    try (Matrix a = theta.inputGradient(backend, m); Matrix b = theta0.inputGradient(backend, m)) {
                        for (int j = 0; j < x.length; j++) {
                            grad[j] = a.get(0, j) - b.get(0, j);
                        }
                    }
                }
                return g;
            }
        }
    }
}
