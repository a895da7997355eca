package dev.tangent.kernel;

import dev.tangent.TangentException;

/**
 * The polynomial kernel map k ← (bias + k)^degree, applied to the covariance (paper B's {@code polynomial} kernel,
 * spec §7.5, is {@code nngp:input(sqrt),poly(c,p)} = (c + ⟨x,z⟩/√d)^p). A map of kernels, not a network layer: it has
 * no finite network, and its tangent-kernel rule is the chain rule Θ ← p·(bias + c)^{p−1}·Θ.
 */
public record Poly(double bias, double degree) implements Activation {
    public Poly {
        if (!(bias >= 0) || Double.isInfinite(bias)) {
            throw new TangentException("poly(c,p): c must be a finite number >= 0, found " + bias);
        }
        if (!(degree >= 1) || degree != Math.rint(degree) || degree > 64) {
            throw new TangentException("poly(c,p): p must be an integer from 1 to 64, found " + degree);
        }
    }

    static Poly of(double... s) {
        Layers.arity("poly", s, 2, 2);
        return new Poly(s[0], s[1]);
    }

    @Override
    public String token() {
        return "poly(" + Layers.num(bias) + "," + Layers.num(degree) + ")";
    }

    private double pow(double x, int p) {
        double r = 1;
        for (int i = 0; i < p; i++) {
            r *= x;
        }
        return r;
    }

    @Override
    public double nngp(double c, double q, double qp) {
        return pow(bias + c, (int) degree);
    }

    @Override
    public double dotKernel(double c, double q, double qp) {
        return degree * pow(bias + c, (int) degree - 1);
    }

    @Override
    public double diagonal(double q) {
        return pow(bias + q, (int) degree);
    }

    @Override
    public void partials(double c, double q, double qp, double[] out) {
        int p = (int) degree;
        out[0] = p * pow(bias + c, p - 1);
        out[1] = 0;
        out[2] = p > 1 ? p * (p - 1) * pow(bias + c, p - 2) : 0;
        out[3] = 0;
        out[4] = p * pow(bias + q, p - 1);
    }

    @Override
    public void bounds(Cov.Box b, double[] out) {
        int p = (int) degree;
        double lo = bias + b.cl;
        double hi = bias + b.cu;
        out[0] = powLo(lo, hi, p);
        out[1] = Math.max(pow(lo, p), pow(hi, p));
        out[2] = p * powLo(lo, hi, p - 1);
        out[3] = p * Math.max(pow(lo, p - 1), pow(hi, p - 1));
    }

    /** min of x^p over [lo, hi]: 0 for even p when the interval contains 0. */
    private double powLo(double lo, double hi, int p) {
        if (p % 2 == 0 && lo < 0 && hi > 0) {
            return 0;
        }
        return Math.min(pow(lo, p), pow(hi, p));
    }

    @Override
    public double apply(double z) {
        throw new TangentException("poly is a kernel map without a finite network");
    }

    @Override
    public double derivative(double z) {
        throw new TangentException("poly is a kernel map without a finite network");
    }
}
