package dev.tangent.compute;

import dev.tangent.kernel.KernelSpec;
import dev.tangent.kernel.NtkRecursion;
import dev.tangent.memory.DType;

/**
 * First-order rounding-error bounds for the kernel tests: how far a double (or float) evaluation of the recursion, of
 * a dot product, or of the fitted one-step map may lie from the exact value. The tests judge every computed entry
 * against these absolute bounds, so an entry far below the scale of its matrix is never judged relative to itself, and
 * no tolerance depends on one machine's last bits (Math.atan2 and Math.cos are only specified to an ulp or two).
 * Notation as Higham, <i>Accuracy and Stability of Numerical Algorithms</i>: u the unit roundoff, γ_n = nu/(1 − nu).
 */
public final class RoundingBounds {
    public static final double U = 0x1p-53;
    public static final double U32 = 0x1p-24;
    /** Math.atan2 is specified within 2 ulps; NtkMap's polynomial atan2 measured 2.2e-16 relative: 4 ulps covers both. */
    static final int ATAN2_ULPS = 4;

    private RoundingBounds() {
    }

    public static double gamma(int n, double u) {
        return n * u / (1 - n * u);
    }

    /** Any summation order of ⟨x, y⟩ in d terms errs by at most γ_d·Σ|x_k y_k| (Higham §3.1). */
    static double dot(double[] x, double[] y, double u) {
        double s = 0;
        for (int k = 0; k < x.length; k++) {
            s += Math.abs(x[k] * y[k]);
        }
        return gamma(x.length, u) * s;
    }

    /**
     * A bound on |fl(K) − K| for one double evaluation of the recursion of spec §3.2 (NtkRecursion.pair, or NtkMap's
     * row of it) from exact ⟨x,x′⟩, ‖x‖², ‖x′‖²: a running error analysis that carries the error of c, q, q′ and Θ
     * through each layer with the recursion's exact derivatives (∂c′/∂c = κ₀, ∂c′/∂q = s/(4πq) (Cho and Saul), the
     * angle's dθ = (c/2s)(dq/q + dq′/q′) − dc/s, or π√|du| where s is too small for first order), plus each
     * operation's own rounding (the square root of q q′ − c² rounded: min(δ/2s, √δ)). σ_w² is taken as the rounded
     * value every implementation uses.
     */
    static double recursion(KernelSpec spec, double dot, double xx, double yy, int d) {
        KernelSpec.FullyConnected fc = spec.fullyConnected().orElseThrow(() -> new IllegalArgumentException("fc ReLU specs only: " + spec));
        double w2 = fc.weightStd() * fc.weightStd();
        double b2 = fc.biasStd() * fc.biasStd();
        double c = w2 * dot / d + b2;
        double ec = U * (2 * Math.abs(w2 * dot / d) + Math.abs(c));
        double q = w2 * xx / d + b2;
        double eq = U * (2 * w2 * xx / d + q);
        double qp = w2 * yy / d + b2;
        double eqp = U * (2 * w2 * yy / d + qp);
        double th = c;
        double eth = ec;
        double twoPi = 2 * Math.PI;
        for (int l = 0; l < fc.depth(); l++) {
            double p = q * qp - c * c;
            double s = Math.sqrt(Math.max(p, 0));
            double r2 = q * qp;
            double theta = Math.atan2(s, c);
            double k0 = (Math.PI - theta) / twoPi;
            // own rounding: q q′ − c² (three roundings) through the square root, the square root, atan2, κ₀ (π, 1/2π, −, ×)
            double dp = U * (q * qp + c * c + Math.abs(p));
            double es = (s > 0 ? Math.min(dp / (2 * s), Math.sqrt(dp)) : Math.sqrt(dp)) + U * s;
            double ownK0 = ATAN2_ULPS * Math.ulp(theta) / twoPi + 4 * U * k0;
            // propagated into the angle from c, q, q′
            double du = (ec + Math.abs(c) / 2 * (eq / q + eqp / qp)) / Math.sqrt(r2);
            double dTheta = Math.PI * Math.sqrt(du);
            if (s > 0) {
                dTheta = Math.min(dTheta, du * Math.sqrt(r2) / s);
            }
            double ek0 = dTheta / twoPi + Math.abs(c) * es / (twoPi * r2) + ownK0;
            double cn = s / twoPi + k0 * c;
            // ∂c′/∂s at fixed c is s²/(2π r²): the rounding of s barely moves c′ where s is small
            double ecn = k0 * ec + s / (2 * twoPi) * (eq / q + eqp / qp) + s * s / (twoPi * r2) * es + Math.abs(c) * ownK0
                    + U * (2 * s / twoPi + 2 * k0 * Math.abs(c) + Math.abs(cn));
            double thn = k0 * th;
            double ethn = Math.abs(th) * ek0 + k0 * eth + U * Math.abs(thn);
            q *= 0.5;
            eq *= 0.5;
            qp *= 0.5;
            eqp *= 0.5;
            c = w2 * cn + b2;
            ec = w2 * ecn + U * (w2 * Math.abs(cn) + Math.abs(c));
            q = w2 * q + b2;
            eq = w2 * eq + U * 2 * q;
            qp = w2 * qp + b2;
            eqp = w2 * eqp + U * 2 * qp;
            th = c + w2 * thn;
            eth = ec + w2 * ethn + U * (w2 * Math.abs(thn) + Math.abs(th));
        }
        return spec.kind() == KernelSpec.Kind.NTK ? eth : ec;
    }

    /** {@link #recursion} for G(u) = K of unit inputs with d = 1 (what HomogeneousMap fits and HomogeneousMap.g computes). */
    static double unitRecursion(KernelSpec spec, double u) {
        return recursion(spec, u, 1, 1, 1);
    }

    private static final java.util.Map<KernelSpec, MapBound> MAP_BOUNDS = new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * How far a provider's K(x, y) (any backend) may lie from NtkRecursion's: both sides' dot-product rounding (γ_d·Σ|x_k y_k|,
     * f32 GEMMs in float) and norm rounding (γ_d‖x‖²) carried by the recursion's derivatives, plus each side's own
     * rounding of the map: the recursion's running bound, or for σ_b = 0 the fitted map's bound (HomogeneousMapTest)
     * times ‖x‖‖y‖/d with the rounding of u (6 roundings) and of the scale, and f32 output's final rounding.
     */
    public static double gramEntry(KernelSpec spec, double[] x, double[] y, DType dtype) {
        int d = x.length;
        double dot = 0, xx = 0, yy = 0;
        for (int k = 0; k < d; k++) {
            dot += x[k] * y[k];
            xx += x[k] * x[k];
            yy += y[k] * y[k];
        }
        double uOut = dtype == DType.F64 ? U : U32;
        double[] gx = NtkRecursion.gradient(spec, dot, xx, yy, d);
        double dyy = NtkRecursion.gradient(spec, dot, yy, xx, d)[2];
        double gammaD = gamma(d, U);
        double eDot = dot(x, y, U) + dot(x, y, uOut);
        double input = Math.abs(gx[1]) * eDot + 2 * gammaD * (Math.abs(gx[2]) * xx + Math.abs(dyy) * yy);
        double reference = recursion(spec, dot, xx, yy, d);
        double map;
        if (spec.homogeneous() && xx > 0 && yy > 0) {
            double u = dot / Math.sqrt(xx * yy);
            MapBound mb = MAP_BOUNDS.computeIfAbsent(spec, MapBound::new);
            double g = dtype == DType.F64 ? mb.f64(u) : mb.f32((float) u);
            map = Math.sqrt(xx * yy) / d * g + Math.abs(gx[1]) * 6 * uOut * Math.abs(dot) + 4 * uOut * Math.abs(gx[0]);
        } else {
            map = reference + uOut * Math.abs(gx[0]);
        }
        return input + reference + map;
    }

    /**
     * Bounds on |value(u) − g(u)| for the fitted one-step map of a bias-free spec, per u, as the sum of:
     * <ul>
     * <li>Horner's rule on the monomial coefficients, two FMA chains in s = x² and a final FMA: a term a_k x^k
     *     collects at most ⌈k/2⌉ chain roundings, ⌊k/2⌋ from the rounding of s, one from the final FMA and one from
     *     storing a_k in the working precision, so γ_{n+3}·Σ|a_k||x|^k (after Higham Thm 5.3);</li>
     * <li>the rounding of x = 2√(1 − |u|) − 1 (four roundings at most) through the polynomial: 4u·Σ k|a_k||x|^(k−1);</li>
     * <li>the conversion from Chebyshev to monomial coefficients (integer T_k coefficients, n + 1 terms per sum):
     *     γ_{n+1}·Σ|c_k|·|T_k|(|x|), |T_k| the polynomial with the absolute values of T_k's coefficients;</li>
     * <li>the fitted 64-coefficient series' truncated tail Σ_{k&gt;n}|c_k|, and the rounding noise of the kept
     *     coefficients, (n + 1)·max_{48≤k&lt;64}|c_k| (the fit's true coefficients decay like 3.4^−k: those beyond 48
     *     are rounding noise of the samples and of the cosine sums, the same noise every coefficient carries);</li>
     * <li>the rounding of the reference g(u) itself ({@link #unitRecursion}).</li>
     * </ul>
     */
    static final class MapBound {
        final KernelSpec spec;
        final HomogeneousMap hm;
        private final double[][] mono = new double[2][];
        private final double[][] mono32 = new double[2][];
        private final double[] tail = new double[2];
        private final double[] tail32 = new double[2];
        private final double[] noise = new double[2];

        MapBound(KernelSpec spec) {
            this.spec = spec;
            hm = new HomogeneousMap(spec);
            int n = hm.pos.length - 1;
            int n32 = hm.pos32.length - 1;
            for (int side = 0; side < 2; side++) {
                double[] fit = HomogeneousMap.fit(spec, side == 0 ? 1 : -1);
                for (int k = n + 1; k < fit.length; k++) {
                    tail[side] += Math.abs(fit[k]);
                }
                for (int k = n32 + 1; k < fit.length; k++) {
                    tail32[side] += Math.abs(fit[k]);
                }
                for (int k = 48; k < fit.length; k++) {
                    noise[side] = Math.max(noise[side], Math.abs(fit[k]));
                }
                mono[side] = HomogeneousMap.monomial(side == 0 ? hm.pos : hm.neg);
                mono32[side] = HomogeneousMap.monomial(side == 0 ? hm.pos32 : hm.neg32);
            }
        }

        /** For {@code hm.value(u)} (f64 output, double arithmetic). */
        double f64(double u) {
            int side = u < 0 ? 1 : 0;
            double x = 2 * Math.sqrt(1 - Math.min(1, Math.abs(u))) - 1;
            double[] c = side == 0 ? hm.pos : hm.neg;
            int n = c.length - 1;
            return horner(mono[side], x, U) + gamma(n + 1, U) * absT(c, x) + tail[side] + (n + 1) * noise[side]
                    + unitRecursion(spec, u);
        }

        /** For {@code hm.value32(u)} (f32 output, float arithmetic, float coefficients). */
        double f32(float u) {
            int side = u < 0 ? 1 : 0;
            double x = 2 * Math.sqrt(1 - Math.min(1, Math.abs((double) u))) - 1;
            double[] c = side == 0 ? hm.pos32 : hm.neg32;
            int n = c.length - 1;
            return horner(mono32[side], x, U32) + gamma(n + 1, U) * absT(c, x) + tail32[side] + (n + 1) * noise[side] + unitRecursion(spec, u);
        }

        /**
         * For the f32 series evaluated by Clenshaw's recurrence in double ({@code HomogeneousMap.chebyshev}): its tail
         * and noise, plus the recurrence's rounding, at most 4(n+1)³u·Σ|c_k| (|b_k| ≤ (n+1)Σ|c_k|, three roundings a
         * step, each carried to the result by a Chebyshev polynomial of the second kind, |U_k| ≤ k + 1).
         */
        double series32(double u) {
            int side = u < 0 ? 1 : 0;
            double[] c = side == 0 ? hm.pos32 : hm.neg32;
            int n = c.length - 1;
            double sum = 0;
            for (double v : c) {
                sum += Math.abs(v);
            }
            return tail32[side] + (n + 1) * noise[side] + 4.0 * (n + 1) * (n + 1) * (n + 1) * U * sum + unitRecursion(spec, u);
        }

        /** Horner's rule in {@code u}-precision and the rounding of x, as described above. */
        private static double horner(double[] a, double x, double u) {
            double ax = Math.abs(x);
            double sum = 0;
            double derivative = 0;
            double pow = 1;
            for (int k = 0; k < a.length; k++) {
                sum += Math.abs(a[k]) * pow;
                if (k + 1 < a.length) {
                    derivative += (k + 1) * Math.abs(a[k + 1]) * pow;
                }
                pow *= ax;
            }
            return gamma(a.length + 2, u) * sum + 4 * u * derivative; // a.length = n + 1
        }

        /** Σ|c_k|·|T_k|(|x|), with |T_{k+1}| = 2|x||T_k| + |T_{k−1}| (T_k's coefficients alternate in sign). */
        private static double absT(double[] c, double x) {
            double ax = Math.abs(x);
            double prev = 1;
            double cur = ax;
            double sum = Math.abs(c[0]) + (c.length > 1 ? Math.abs(c[1]) * ax : 0);
            for (int k = 2; k < c.length; k++) {
                double next = 2 * ax * cur + prev;
                sum += Math.abs(c[k]) * next;
                prev = cur;
                cur = next;
            }
            return sum;
        }
    }
}
