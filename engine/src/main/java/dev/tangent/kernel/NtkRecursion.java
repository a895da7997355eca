package dev.tangent.kernel;

/**
 * The scalar reference of the ReLU NNGP/NTK recursion (spec §3.2), one pair at a time, in double precision.
 *
 * <pre>
 * input:  c = ⟨x,x′⟩/d,  q = ‖x‖²/d,  q′ = ‖x′‖²/d,  Θ = 0
 * Dense:  c ← σ_w² c + σ_b²;  q, q′ likewise;  Θ ← c + σ_w² Θ
 * ReLU:   s = √max(q q′ − c², 0),  θ = atan2(s, c),  κ₀ = (π − θ)/(2π)
 *         c ← s/(2π) + κ₀ c;  Θ ← κ₀ Θ;  q ← q/2;  q′ ← q′/2
 * </pre>
 * applied as Dense, then (ReLU, Dense) × depth. The tiled vector code in {@code NtkMap} computes the
 * same recursion and is tested against this class.
 */
public final class NtkRecursion {
    static final double INV_2PI = 1.0 / (2 * Math.PI);

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
     * @param d   input dimension (the input kernel is the mean over features)
     */
    public static Value pair(KernelSpec spec, double dot, double xx, double yy, int d) {
        double w2 = spec.weightStd() * spec.weightStd();
        double b2 = spec.biasStd() * spec.biasStd();
        double c = w2 * dot / d + b2;
        double q = w2 * xx / d + b2;
        double qp = w2 * yy / d + b2;
        double th = c;
        for (int l = 0; l < spec.depth(); l++) {
            double s = Math.sqrt(Math.max(q * qp - c * c, 0));
            double theta = Math.atan2(s, c);
            double k0 = (Math.PI - theta) * INV_2PI;
            c = s * INV_2PI + k0 * c;
            th = k0 * th;
            q *= 0.5;
            qp *= 0.5;
            c = w2 * c + b2;
            q = w2 * q + b2;
            qp = w2 * qp + b2;
            th = c + w2 * th;
        }
        return new Value(c, th);
    }

    /**
     * The kernel of one pair (of {@code spec}'s kind) and its partial derivatives with respect to ⟨x, x′⟩ and ‖x‖², by
     * forward-mode differentiation of the recursion: {@code {K, ∂K/∂dot, ∂K/∂xx}}. Where s = √(q q′ − c²) vanishes
     * (collinear pairs) the derivative of s is taken as 0 (its one-sided limit is infinite).
     */
    public static double[] gradient(KernelSpec spec, double dot, double xx, double yy, int d) {
        double w2 = spec.weightStd() * spec.weightStd();
        double b2 = spec.biasStd() * spec.biasStd();
        double c = w2 * dot / d + b2;
        double q = w2 * xx / d + b2;
        double qp = w2 * yy / d + b2;
        // derivatives with respect to (dot, xx)
        double c1 = w2 / d;
        double c2 = 0;
        double q1 = 0;
        double q2 = w2 / d;
        double th = c;
        double t1 = c1;
        double t2 = c2;
        for (int l = 0; l < spec.depth(); l++) {
            double p = q * qp - c * c;
            double s = Math.sqrt(Math.max(p, 0));
            double s1 = 0;
            double s2 = 0;
            if (s > 1e-12 * Math.sqrt(q * qp)) {
                s1 = (qp * q1 - 2 * c * c1) / (2 * s);
                s2 = (qp * q2 - 2 * c * c2) / (2 * s);
            }
            double r2 = s * s + c * c;
            double a1 = r2 > 0 ? (c * s1 - s * c1) / r2 : 0;
            double a2 = r2 > 0 ? (c * s2 - s * c2) / r2 : 0;
            double k0 = (Math.PI - Math.atan2(s, c)) * INV_2PI;
            double k1 = -a1 * INV_2PI;
            double k2 = -a2 * INV_2PI;
            double nc = s * INV_2PI + k0 * c;
            double nc1 = s1 * INV_2PI + k1 * c + k0 * c1;
            double nc2 = s2 * INV_2PI + k2 * c + k0 * c2;
            double nt1 = k1 * th + k0 * t1;
            double nt2 = k2 * th + k0 * t2;
            double nt = k0 * th;
            q *= 0.5;
            q1 *= 0.5;
            q2 *= 0.5;
            qp *= 0.5;
            c = w2 * nc + b2;
            c1 = w2 * nc1;
            c2 = w2 * nc2;
            q = w2 * q + b2;
            q1 *= w2;
            q2 *= w2;
            qp = w2 * qp + b2;
            th = c + w2 * nt;
            t1 = c1 + w2 * nt1;
            t2 = c2 + w2 * nt2;
        }
        return spec.kind() == KernelSpec.Kind.NTK ? new double[] {th, t1, t2} : new double[] {c, c1, c2};
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
     * The pre-activation variances q⁽ˡ⁾ = Σ⁽ˡ⁾(x, x) entering ReLU layer l = 1..depth, from ‖x‖²: what the tiled map needs
     * per point. Element l − 1 of the result belongs to layer l.
     */
    public static double[] diagonals(KernelSpec spec, double xx, int d) {
        double w2 = spec.weightStd() * spec.weightStd();
        double b2 = spec.biasStd() * spec.biasStd();
        double[] q = new double[spec.depth()];
        double v = w2 * xx / d + b2;
        for (int l = 0; l < spec.depth(); l++) {
            q[l] = v;
            v = w2 * v * 0.5 + b2;
        }
        return q;
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
