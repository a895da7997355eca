package dev.tangent.machine;

import dev.tangent.TangentException;

import java.util.Locale;

/**
 * The losses l(z, y) of paper A's Table 1 (spec §4.4) with their (sub)derivatives ∂l/∂z. At a kink the subgradient
 * follows the strict test of the reference SVM code (hinge: −y when y z &lt; 1, else 0).
 */
public sealed interface Loss {
    double value(double z, double y);

    double derivative(double z, double y);

    /** True for losses whose targets must be ±1. */
    boolean classification();

    String name();

    /** max(0, 1 − y z): the soft-margin SVM. */
    record Hinge() implements Loss {
        public double value(double z, double y) {
            return Math.max(0, 1 - y * z);
        }

        public double derivative(double z, double y) {
            return y * z < 1 ? -y : 0;
        }

        public boolean classification() {
            return true;
        }

        public String name() {
            return "hinge";
        }
    }

    /** max(0, 1 − y z)²: the 2-norm soft-margin SVM. */
    record SquaredHinge() implements Loss {
        public double value(double z, double y) {
            double m = Math.max(0, 1 - y * z);
            return m * m;
        }

        public double derivative(double z, double y) {
            return -2 * y * Math.max(0, 1 - y * z);
        }

        public boolean classification() {
            return true;
        }

        public String name() {
            return "squared-hinge";
        }
    }

    /** max(0, |y − z| − ε): support vector regression. */
    record EpsilonInsensitive(double epsilon) implements Loss {
        public EpsilonInsensitive {
            if (!(epsilon >= 0)) {
                throw new TangentException("--epsilon must be >= 0, found " + epsilon);
            }
        }

        public double value(double z, double y) {
            return Math.max(0, Math.abs(y - z) - epsilon);
        }

        public double derivative(double z, double y) {
            return Math.abs(y - z) > epsilon ? -Math.signum(y - z) : 0;
        }

        public boolean classification() {
            return false;
        }

        public String name() {
            return "epsilon-insensitive";
        }
    }

    /** (y − z)²: kernel (ridge) regression. */
    record Squared() implements Loss {
        public double value(double z, double y) {
            return (y - z) * (y - z);
        }

        public double derivative(double z, double y) {
            return -2 * (y - z);
        }

        public boolean classification() {
            return false;
        }

        public String name() {
            return "squared";
        }
    }

    /** log(1 + e^{−y z}): ℓ2-regularised logistic regression. */
    record Logistic() implements Loss {
        public double value(double z, double y) {
            double m = -y * z;
            return m > 0 ? m + Math.log1p(Math.exp(-m)) : Math.log1p(Math.exp(m));
        }

        public double derivative(double z, double y) {
            double e = y * z;
            return e >= 0 ? -y * Math.exp(-e) / (1 + Math.exp(-e)) : -y / (1 + Math.exp(e));
        }

        public boolean classification() {
            return true;
        }

        public String name() {
            return "logistic";
        }
    }

    static Loss parse(String s, double epsilon) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "hinge" -> new Hinge();
            case "squared-hinge", "sq-hinge", "sqhinge" -> new SquaredHinge();
            case "epsilon-insensitive", "svr" -> new EpsilonInsensitive(epsilon);
            case "squared", "sq" -> new Squared();
            case "logistic" -> new Logistic();
            default -> throw new TangentException("unknown loss '" + s + "', expected hinge, squared-hinge, svr, squared or logistic");
        };
    }
}
