package dev.tangent.theory;

/**
 * Paper A's bound (spec §5.3) for a kernel machine g = K·a on n training points:
 * <pre>
 *   L_D ≤ L_S + 2·R̂ + 3·√(ln(2/δ)/(2n)),   R̂ = √(aᵀKa)·√(tr K)/n
 * </pre>
 * for a 1-Lipschitz loss with range [0, 1] (the coefficients are the textbook ones), holding with probability at
 * least 1 − δ. The reference runs δ = 0.99, i.e. probability ≥ 1 %; {@link #REPORTED_DELTAS} are the confidence levels
 * every run reports besides the one asked for. The path kernel K is neither symmetric nor PSD in general: when aᵀKa
 * or tr K is negative the bound does not exist, and {@link #of} says so instead of returning NaN.
 */
public final class GeneralizationBound {
    private GeneralizationBound() {
    }

    /** δ = 0.99 (the reference's, probability ≥ 1 %), 0.05 and 0.01 (probability ≥ 95 % and 99 %). */
    public static final double[] REPORTED_DELTAS = {0.99, 0.05, 0.01};

    /**
     * @param bound         the bound, or NaN when {@code computable} is false
     * @param rademacher    R̂
     * @param delta         δ: the bound holds with probability ≥ 1 − δ
     * @param confidence    3·√(ln(2/δ)/(2n)) (0.056253 for δ = 0.99, n = 1000)
     * @param reason        why the bound is not computable, or null
     */
    public record Value(double empiricalLoss, double quadraticForm, double trace, double rademacher, double delta,
                        double confidence, double bound, boolean computable, String reason) {
    }

    public static double confidenceTerm(double delta, int n) {
        return 3 * Math.sqrt(Math.log(2 / delta) / (2.0 * n));
    }

    public static Value of(double empiricalLoss, double quadraticForm, double trace, double delta, int n) {
        double conf = confidenceTerm(delta, n);
        if (quadraticForm < 0 || trace < 0) {
            String why = quadraticForm < 0 ? "a^T K a = " + quadraticForm + " < 0" : "tr K = " + trace + " < 0";
            return new Value(empiricalLoss, quadraticForm, trace, Double.NaN, delta, conf, Double.NaN, false,
                    "the path kernel is not positive semi-definite here (" + why + "), so the Rademacher bound does not apply");
        }
        double r = Math.sqrt(quadraticForm) * Math.sqrt(trace) / n;
        return new Value(empiricalLoss, quadraticForm, trace, r, delta, conf, empiricalLoss + 2 * r + conf, true, null);
    }

    /** δ first, then those of {@link #REPORTED_DELTAS} that differ from it. */
    public static double[] reportedDeltas(double delta) {
        return java.util.stream.DoubleStream.concat(java.util.stream.DoubleStream.of(delta),
                java.util.Arrays.stream(REPORTED_DELTAS).filter(d -> d != delta)).toArray();
    }
}
