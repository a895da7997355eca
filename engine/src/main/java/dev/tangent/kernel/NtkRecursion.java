package dev.tangent.kernel;

/**
 * The scalar reference of a kernel, one pair at a time, in double precision: the layers' own rules applied in turn
 * (see {@link KernelSpec} and {@link Layer}). For paper A's networks ({@link KernelSpec#fc}) this is the recursion of
 * spec §3.2:
 * <pre>
 * input:  c = ⟨x,x′⟩/d,  q = ‖x‖²/d,  q′ = ‖x′‖²/d,  Θ = 0
 * Dense:  c ← σ_w² c + σ_b²;  q, q′ likewise;  Θ ← c + σ_w² Θ
 * ReLU:   s = √max(q q′ − c², 0),  θ = atan2(s, c),  κ₀ = (π − θ)/(2π)
 *         c ← s/(2π) + κ₀ c;  Θ ← κ₀ Θ;  q ← q/2;  q′ ← q′/2
 * </pre>
 * Every tiled, vectorised or device path is tested against this class; paper A's two-layer closed form
 * ({@link #twoLayerClosedForm}) is an independent formula the recursion is tested against.
 */
public final class NtkRecursion {
    private NtkRecursion() {
    }

    /** Both kernels of one pair. */
    public record Value(double nngp, double ntk) {
        public double of(KernelSpec.Kind kind) {
            return kind == KernelSpec.Kind.NTK ? ntk : nngp;
        }
    }

    /**
     * The kernel of one pair from its inner product and squared norms.
     *
     * @param dot ⟨x, x′⟩
     * @param xx  ‖x‖²
     * @param yy  ‖x′‖²
     * @param d   input dimension
     */
    public static Value pair(KernelSpec spec, double dot, double xx, double yy, int d) {
        Cov s = spec.evaluate(dot, xx, yy, d);
        return new Value(s.c, s.th);
    }

    /**
     * The kernel of one pair (of {@code spec}'s kind) and its partial derivatives with respect to ⟨x, x′⟩ and ‖x‖², by
     * forward-mode differentiation through the layers: {@code {K, ∂K/∂dot, ∂K/∂xx}}. Where a derivative is infinite
     * (collinear pairs under ReLU) its singular part is taken as 0.
     */
    public static double[] gradient(KernelSpec spec, double dot, double xx, double yy, int d) {
        return spec.gradient(dot, xx, yy, d);
    }

    /** The kernel of x with x′ given as arrays. */
    public static Value pair(KernelSpec spec, double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("dimensions differ: " + x.length + " and " + y.length);
        }
        double dot = 0, xx = 0, yy = 0;
        for (int i = 0; i < x.length; i++) {
            dot += x[i] * y[i];
            xx += x[i] * x[i];
            yy += y[i] * y[i];
        }
        return pair(spec, dot, xx, yy, x.length);
    }

    /**
     * Paper A's two-layer closed form (spec §3.3): ‖x‖‖x′‖·h(u)/(2πd) with h(u) = 2u(π − arccos u) + √(1 − u²), the
     * cosine u clipped to [−1, 1]. Equal to {@code pair(ntk(1), …)}.
     */
    public static double twoLayerClosedForm(double dot, double xx, double yy, int d) {
        double nx = Math.sqrt(xx) * Math.sqrt(yy);
        if (nx == 0) {
            return 0;
        }
        double u = Math.max(-1, Math.min(1, dot / nx));
        return nx * h(u) / (2 * Math.PI * d);
    }

    /** h(u) = 2u(π − arccos u) + √(1 − u²) on [−1, 1] (spec §3.3). */
    public static double h(double u) {
        return 2 * u * (Math.PI - Math.acos(u)) + Math.sqrt(Math.max(0, 1 - u * u));
    }
}
