package dev.tangent.kernel;

import dev.tangent.TangentException;

import java.util.Locale;

/**
 * An analytic infinite-width kernel of a fully-connected ReLU network, described by data (neural-tangents' {@code stax}
 * style): the network is Dense, (ReLU, Dense) × depth, in NTK parameterisation with weight standard deviation
 * σ_w and bias standard deviation σ_b (spec §3.2). {@code depth} is the number of hidden ReLU layers (paper A's
 * {@code hidden_layer} + 1); depth 0 is the linear model.
 *
 * @param kind      {@link Kind#NTK} (the neural tangent kernel Θ) or {@link Kind#NNGP} (the output covariance Σ)
 * @param depth     hidden ReLU layers, ≥ 0
 * @param weightStd σ_w &gt; 0 (paper A: 1)
 * @param biasStd   σ_b ≥ 0 (paper A: 0, the bias-free network)
 */
public record KernelSpec(Kind kind, int depth, double weightStd, double biasStd) {

    public enum Kind {
        NTK, NNGP;

        public static Kind parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "ntk" -> NTK;
                case "nngp" -> NNGP;
                default -> throw new IllegalArgumentException("expected ntk or nngp, found '" + s + "'");
            };
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public KernelSpec {
        if (kind == null) {
            throw new TangentException("kernel kind missing: expected ntk or nngp");
        }
        if (depth < 0) {
            throw new TangentException("depth (--depth) must be >= 0 hidden ReLU layers, found " + depth);
        }
        if (depth > 1000) {
            throw new TangentException("depth (--depth) of " + depth + " is not plausible, expected at most 1000");
        }
        if (!(weightStd > 0) || Double.isInfinite(weightStd)) {
            throw new TangentException("weight std (--weight-std) must be a finite number > 0, found " + weightStd);
        }
        if (!(biasStd >= 0) || Double.isInfinite(biasStd)) {
            throw new TangentException("bias std (--bias-std) must be a finite number >= 0, found " + biasStd);
        }
    }

    /** Paper A's NTK: σ_w = 1, σ_b = 0. */
    public static KernelSpec ntk(int depth) {
        return new KernelSpec(Kind.NTK, depth, 1.0, 0.0);
    }

    /** Paper A's NNGP: σ_w = 1, σ_b = 0. */
    public static KernelSpec nngp(int depth) {
        return new KernelSpec(Kind.NNGP, depth, 1.0, 0.0);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s(depth=%d, weightStd=%s, biasStd=%s)", kind, depth, weightStd, biasStd);
    }
}
