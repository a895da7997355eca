package dev.tangent.kernel;

import dev.tangent.TangentException;

/**
 * φ(z) = a·erf(b·z) + c (neural-tangents' {@code Erf(a, b, c)}; {@code erf} is (1, 1, 0)). With Q = 1 + 2b²q,
 * Q′ = 1 + 2b²q′, C = 2b²·cov and D = √(QQ′ − C²) (Williams 1997; neural-tangents' {@code _erf} rules):
 * <pre>
 *   nngp      = a²·(2/π)·arcsin(C/√(QQ′)) + c²
 *   dotKernel = a²b²·(4/π)/D
 *   diagonal  = a²·(2/π)·arcsin(2b²q/(1 + 2b²q)) + c²
 * </pre>
 * nngp is monotone in each argument (corners bound it); dotKernel grows with |cov| and falls with q and q′, so its
 * bounds come from the smallest and largest |cov| of the box, the upper one floored by what valid covariances allow.
 */
public record Erf(double a, double b, double c) implements Activation {
    static final double TWO_OVER_PI = 2 / Math.PI;

    public Erf {
        if (!Double.isFinite(a) || !Double.isFinite(b) || !Double.isFinite(c) || b == 0) {
            throw new TangentException("erf(a,b,c): finite values with b != 0 expected, found " + a + ", " + b + ", " + c);
        }
    }

    static Erf of(double... s) {
        Layers.arity("erf", s, 0, 3);
        return new Erf(s.length > 0 ? s[0] : 1, s.length > 1 ? s[1] : 1, s.length > 2 ? s[2] : 0);
    }

    @Override
    public String token() {
        return a == 1 && b == 1 && c == 0 ? "erf" : "erf(" + Layers.num(a) + "," + Layers.num(b) + "," + Layers.num(c) + ")";
    }

    @Override
    public double nngp(double cov, double q, double qp) {
        double b2 = 2 * b * b;
        double r = b2 * cov / Math.sqrt((1 + b2 * q) * (1 + b2 * qp));
        return a * a * TWO_OVER_PI * Math.asin(Math.max(-1, Math.min(1, r))) + c * c;
    }

    @Override
    public double dotKernel(double cov, double q, double qp) {
        double b2 = 2 * b * b;
        double d2 = (1 + b2 * q) * (1 + b2 * qp) - b2 * cov * b2 * cov;
        return a * a * b * b * 2 * TWO_OVER_PI / Math.sqrt(d2);
    }

    @Override
    public double diagonal(double q) {
        double b2 = 2 * b * b;
        return a * a * TWO_OVER_PI * Math.asin(b2 * q / (1 + b2 * q)) + c * c;
    }

    @Override
    public void partials(double cov, double q, double qp, double[] out) {
        double b2 = 2 * b * b;
        double qq = 1 + b2 * q;
        double qqp = 1 + b2 * qp;
        double cc = b2 * cov;
        double d = Math.sqrt(qq * qqp - cc * cc);
        double a2 = a * a;
        out[0] = a2 * TWO_OVER_PI * b2 / d;
        out[1] = -a2 * TWO_OVER_PI * cc * (b2 / 2) / (qq * d);
        double k = a2 * b * b * 2 * TWO_OVER_PI;
        out[2] = k * b2 * cc / (d * d * d);
        out[3] = -k * (b2 / 2) * qqp / (d * d * d);
        out[4] = a2 * TWO_OVER_PI * b2 / (qq * Math.sqrt(1 + 2 * b2 * q));
    }

    @Override
    public void bounds(Cov.Box box, double[] out) {
        double[] corners = new double[4];
        Activation.super.bounds(box, corners);
        out[0] = corners[0];
        out[1] = corners[1];
        double cMin = box.cl > 0 ? box.cl : box.cu < 0 ? -box.cu : 0;
        double cMax = Math.max(Math.abs(box.cl), Math.abs(box.cu));
        out[2] = dotKernel(Math.min(cMin, Math.sqrt(box.qu * box.qpu)), box.qu, box.qpu);
        // the largest over valid states: D² = QQ′ − C² is at least its value at (cMax, ql, qpl) and, since |c| ≤ √(q q′),
        // at least 1 + 2b²(q + q′) ≥ 1 + 2b²(ql + qpl)
        double b2 = 2 * b * b;
        double d2 = Math.max((1 + b2 * box.ql) * (1 + b2 * box.qpl) - b2 * cMax * b2 * cMax, 1 + b2 * (box.ql + box.qpl));
        out[3] = a * a * b * b * 2 * TWO_OVER_PI / Math.sqrt(d2);
    }

    @Override
    public double apply(double z) {
        return a * erf(b * z) + c;
    }

    @Override
    public double derivative(double z) {
        return a * b * 2 / Math.sqrt(Math.PI) * Math.exp(-b * b * z * z);
    }

    /**
     * erf(x) = (2/√π)·e^{−x²}·Σ_{n≥0} 2ⁿx^{2n+1}/(2n+1)!! (all terms positive: no cancellation, a few ulps); |x| ≥ 6
     * gives ±1 (erfc(6) = 2e-17).
     */
    static double erf(double x) {
        double ax = Math.abs(x);
        if (ax >= 6) {
            return Math.copySign(1, x);
        }
        double x2 = ax * ax;
        double term = ax;
        double sum = ax;
        for (int n = 1; term > 1e-17 * sum; n++) {
            term *= 2 * x2 / (2 * n + 1);
            sum += term;
        }
        return Math.copySign(Math.min(1, 2 / Math.sqrt(Math.PI) * Math.exp(-x2) * sum), x);
    }
}
