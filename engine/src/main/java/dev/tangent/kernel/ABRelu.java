package dev.tangent.kernel;

import dev.tangent.TangentException;

/**
 * φ(z) = a·z for z &lt; 0, b·z for z ≥ 0 (neural-tangents' {@code ABRelu}; {@code relu} is (0, 1), {@code leaky_relu(α)}
 * is (α, 1)). With s = √(q q′ − c²) and θ = atan2(s, c) ∈ [0, π]:
 * <pre>
 *   dotKernel = (a² + b²)/2 − (a − b)²·θ/(2π)       (ReLU: κ₀ = (π − θ)/(2π))
 *   nngp      = (a − b)²·s/(2π) + dotKernel·c       (ReLU: (s + (π − θ)c)/(2π))
 *   diagonal  = (a² + b²)/2 · q
 * </pre>
 * Positively homogeneous. Partial derivatives: ∂nngp/∂c = dotKernel, ∂nngp/∂q = A·s/(2q), ∂dotKernel/∂c = A/s,
 * ∂dotKernel/∂q = −A·c/(2qs) with A = (a − b)²/(2π); where s vanishes (collinear pairs, whose one-sided derivatives
 * are infinite) the terms in 1/s are taken as 0.
 */
public record ABRelu(double a, double b) implements Activation {
    static final double INV_2PI = 1 / (2 * Math.PI);
    public static final ABRelu RELU = new ABRelu(0, 1);

    public ABRelu {
        if (!Double.isFinite(a) || !Double.isFinite(b)) {
            throw new TangentException("abrelu: slopes must be finite, found " + a + ", " + b);
        }
    }

    static ABRelu of(double... s) {
        Layers.arity("abrelu", s, 2, 2);
        return new ABRelu(s[0], s[1]);
    }

    static ABRelu relu(double... s) {
        Layers.arity("relu", s, 0, 0);
        return RELU;
    }

    static ABRelu leaky(double... s) {
        Layers.arity("leaky_relu", s, 1, 1);
        return new ABRelu(s[0], 1);
    }

    @Override
    public String token() {
        return equals(RELU) ? "relu" : "abrelu(" + Layers.num(a) + "," + Layers.num(b) + ")";
    }

    /** (a − b)²/(2π). */
    double amp() {
        return (a - b) * (a - b) * INV_2PI;
    }

    /** (a² + b²)/2. */
    double half() {
        return (a * a + b * b) / 2;
    }

    /** dotKernel from the angle (ReLU keeps the reference's operation order, (π − θ)/(2π)). */
    double kappa(double theta) {
        if (a == 0 && b == 1) {
            return (Math.PI - theta) * INV_2PI;
        }
        return half() - amp() * theta;
    }

    @Override
    public double dotKernel(double c, double q, double qp) {
        double s = Math.sqrt(Math.max(q * qp - c * c, 0));
        return kappa(Math.atan2(s, c));
    }

    @Override
    public double nngp(double c, double q, double qp) {
        double s = Math.sqrt(Math.max(q * qp - c * c, 0));
        return s * amp() + kappa(Math.atan2(s, c)) * c;
    }

    @Override
    public double diagonal(double q) {
        return half() * q;
    }

    @Override
    public void step(Cov st) {
        double s = Math.sqrt(Math.max(st.q * st.qp - st.c * st.c, 0));
        double k = kappa(Math.atan2(s, st.c));
        st.c = s * amp() + k * st.c;
        st.th = k * st.th;
        st.q = half() * st.q;
        st.qp = half() * st.qp;
    }

    @Override
    public void partials(double c, double q, double qp, double[] out) {
        double s = Math.sqrt(Math.max(q * qp - c * c, 0));
        double amp = amp();
        out[0] = kappa(Math.atan2(s, c));
        out[1] = q > 0 ? amp * s / (2 * q) : 0;
        boolean regular = s > 1e-12 * Math.sqrt(q * qp);
        out[2] = regular ? amp / s : 0;
        out[3] = regular ? -amp * c / (2 * q * s) : 0;
        out[4] = half();
    }

    @Override
    public double apply(double z) {
        return z > 0 ? b * z : a * z;
    }

    @Override
    public double derivative(double z) {
        return z > 0 ? b : a;
    }

    @Override
    public boolean homogeneous() {
        return true;
    }

    /**
     * For a, b ≥ 0 (φ non-decreasing): over valid states nngp is non-decreasing in c (its derivative is dotKernel ≥ 0)
     * and in q and q′ (A·s/(2q) ≥ 0). Its maximum is at the highest corner with c clamped to √(q q′) (where it is
     * (a²+b²)/2·√(q q′), growing with q). Its minimum is at the lowest corner when that is a valid state; when
     * cl &lt; −√(ql qpl), the smallest value over valid states is at the cosine −1 with √(q q′) = min(|cl|, √(qu qpu)),
     * where nngp = a·b·c (0 for ReLU). dotKernel depends on the cosine ρ = c/√(q q′) alone and decreases with
     * θ = arccos ρ, so its bounds come from the extreme cosines over the box.
     */
    @Override
    public void bounds(Cov.Box b0, double[] out) {
        if (a < 0 || b < 0) {
            throw new TangentException("interval bounds need a non-decreasing activation; " + token() + " has a negative slope");
        }
        double rLo = Math.sqrt(b0.ql * b0.qpl);
        out[0] = b0.cl >= -rLo ? clampedNngp(b0.cl, b0.ql, b0.qpl) : a * b * Math.max(b0.cl, -Math.sqrt(b0.qu * b0.qpu));
        out[1] = clampedNngp(b0.cu, b0.qu, b0.qpu);
        out[2] = kappa(Math.acos(cosLower(b0)));
        out[3] = kappa(Math.acos(cosUpper(b0)));
    }

    private double clampedNngp(double c, double q, double qp) {
        double r = Math.sqrt(q * qp);
        return nngp(Math.max(-r, Math.min(r, c)), q, qp);
    }

    /** The smallest cosine c/√(q q′) over the box, clamped to [−1, 1]. */
    static double cosLower(Cov.Box b) {
        double r = b.cl >= 0 ? Math.sqrt(b.qu * b.qpu) : Math.sqrt(b.ql * b.qpl);
        return r > 0 ? Math.max(-1, Math.min(1, b.cl / r)) : -1;
    }

    /** The largest cosine c/√(q q′) over the box, clamped to [−1, 1]. */
    static double cosUpper(Cov.Box b) {
        double r = b.cu > 0 ? Math.sqrt(b.ql * b.qpl) : Math.sqrt(b.qu * b.qpu);
        return r > 0 ? Math.max(-1, Math.min(1, b.cu / r)) : 1;
    }
}
