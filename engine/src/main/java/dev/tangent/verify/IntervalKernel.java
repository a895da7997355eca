package dev.tangent.verify;

import dev.tangent.TangentException;
import dev.tangent.kernel.KernelSpec;

import java.util.Locale;

/**
 * Interval bounds [K_L,i, K_U,i] ∋ K(x′, x_i) for every training point x_i and every x′ in the ℓ∞ ball of radius δ
 * around a test point x (so ‖x′ − x‖₂ ≤ ε = √d·δ), computed for all training points of one probe at once from the
 * inner products p_i = ⟨x, x_i⟩ and the norms ν_i = ‖x_i‖.
 *
 * <p>Two methods:
 * <ul>
 *   <li>{@link #twoLayer}: paper A's bound for the two-layer NTK (spec §6.2): norm and Cauchy–Schwarz cosine intervals,
 *   then the unimodal h(u) = 2u(π − arccos u) + √(1 − u²). {@link NanMode#REFERENCE} reproduces the reference's
 *   arithmetic including its unsound NaN-to-zero cases at large δ; {@link NanMode#SOUND} (the default) clamps the
 *   cosine to [−1, 1], uses a bracket around the true minimiser of h and widens by a rounding margin, so the interval
 *   always contains the kernel.</li>
 *   <li>{@link #recursion}: beyond the paper, sound bounds for the ReLU NTK/NNGP of any depth, weight and bias std:
 *   interval arithmetic through the recursion of spec §3.2. Each ReLU step's new covariance
 *   E[σ(u)σ(v)] = (s + (π − θ)c)/(2π) is non-decreasing in c, q and q′ (∂/∂c = κ₀ ≥ 0,
 *   ∂/∂q = √(q′/q)·√(1 − ρ²)/(4π) ≥ 0), so its bounds are its values at the interval corners (with c clamped to
 *   ±√(q q′), which keeps it monotone); κ₀ = (π − arccos ρ)/(2π) is non-decreasing in the cosine ρ, whose interval
 *   follows from the signs of c; Θ ← κ₀Θ is an interval product with κ₀ ≥ 0.</li>
 * </ul>
 */
public final class IntervalKernel {
    /** Reference constants of robust_svm.py: the approximate minimiser and (slightly low) minimum of h. */
    static final double REF_U_MIN = -0.794;
    static final double REF_H_MIN = -0.429738;
    /** A bracket around the true minimiser u* = −0.794099864810 and a value below h(u*) = −0.429737820518. */
    static final double U_STAR_LO = -0.79410;
    static final double U_STAR_HI = -0.79409;
    static final double SOUND_H_MIN = -0.42973783;
    /** Relative widening of sound bounds, covering the rounding of both the bound and the kernel's own evaluation. */
    static final double SLACK = 1e-12;

    /** How the two-layer bound treats cosines outside [−1, 1] and divisions by a zero norm bound (spec §6.2). */
    public enum NanMode {
        /** exactly the reference's arithmetic: NaN bounds become 0 (unsound at large δ) */
        REFERENCE,
        /** clamped cosines: always a valid interval */
        SOUND;

        public static NanMode parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "reference" -> REFERENCE;
                case "sound" -> SOUND;
                default -> throw new TangentException("--nan-mode " + s + ": expected reference or sound");
            };
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private IntervalKernel() {
    }

    /** Whether paper A's two-layer bound applies to {@code spec} (the depth-1 NTK without bias). */
    public static boolean isTwoLayerNtk(KernelSpec spec) {
        return spec.kind() == KernelSpec.Kind.NTK && spec.depth() == 1 && spec.biasStd() == 0;
    }

    /**
     * Bounds for {@code spec}: the two-layer bound of §6.2 where it applies, the recursion bound otherwise (which is
     * sound only, so {@code mode} must be SOUND there).
     *
     * @param xx     ‖x‖² of the test point
     * @param dot    p_i = ⟨x, x_i⟩ for i &lt; n
     * @param trainNorm ν_i = ‖x_i‖
     */
    public static void bounds(KernelSpec spec, NanMode mode, double xx, double delta, int d, double[] dot, double[] trainNorm, int n,
                              double[] lo, double[] hi) {
        if (isTwoLayerNtk(spec)) {
            twoLayer(mode, Math.sqrt(xx), delta, d, dot, trainNorm, n, lo, hi);
            double w4 = Math.pow(spec.weightStd(), 4); // the two-layer NTK scales as σ_w⁴
            if (w4 != 1) {
                for (int i = 0; i < n; i++) {
                    lo[i] *= w4;
                    hi[i] *= w4;
                }
            }
        } else {
            if (mode != NanMode.SOUND) {
                throw new TangentException("--nan-mode reference applies to paper A's two-layer NTK only (depth 1, bias std 0), "
                        + "found " + spec + "; use --nan-mode sound");
            }
            recursion(spec, xx, delta, d, dot, trainNorm, n, lo, hi);
        }
    }

    /** h(u) = 2u(π − arccos u) + √(1 − u²), without clipping (NaN outside [−1, 1], as torch). */
    static double h(double u) {
        return 2 * u * (Math.PI - Math.acos(u)) + Math.sqrt(1 - u * u);
    }

    /** Paper A's two-layer NTK bound (spec §6.2); see the class comment for the two modes. */
    public static void twoLayer(NanMode mode, double xNorm, double delta, int d, double[] dot, double[] trainNorm, int n,
                                double[] lo, double[] hi) {
        double eps = Math.sqrt((double) d) * delta;
        double nl = Math.max(xNorm - eps, 0);
        double nu = xNorm + eps;
        double c = 1 / (2 * Math.PI * d);
        boolean ref = mode == NanMode.REFERENCE;
        for (int i = 0; i < n; i++) {
            double v = trainNorm[i];
            double p = dot[i];
            double dl = p - eps * v;
            double du = p + eps * v;
            double ul;
            double uu;
            if (ref) {
                ul = (dl >= 0 ? dl / nu : dl / nl) / v;
                uu = (du >= 0 ? du / nl : du / nu) / v;
                if (uu >= 1) {
                    uu = 1;
                }
            } else {
                if (v == 0 || nu == 0) {
                    lo[i] = 0;
                    hi[i] = 0;
                    continue;
                }
                ul = dl >= 0 ? dl / (nu * v) : (nl > 0 ? dl / (nl * v) : -1);
                uu = du > 0 ? (nl > 0 ? du / (nl * v) : 1) : du / (nu * v);
                ul = Math.max(-1, Math.min(1, ul));
                uu = Math.max(-1, Math.min(1, uu));
            }
            double ha = h(ul);
            double hb = h(uu);
            // torch.minimum/maximum propagate NaN
            double hLo = Double.isNaN(ha) || Double.isNaN(hb) ? Double.NaN : Math.min(ha, hb);
            double hHi = Double.isNaN(ha) || Double.isNaN(hb) ? Double.NaN : Math.max(ha, hb);
            if (ref) {
                if (ul <= REF_U_MIN && uu >= REF_U_MIN) {
                    hLo = REF_H_MIN;
                }
            } else if (ul <= U_STAR_HI && uu >= U_STAR_LO) {
                hLo = SOUND_H_MIN;
            }
            // boolean-mask products: a NaN h leaves the bound at 0
            double kl = hLo >= 0 ? nl * hLo : hLo < 0 ? nu * hLo : 0;
            double ku = hHi >= 0 ? nu * hHi : hHi < 0 ? nl * hHi : 0;
            double scale = v * c;
            kl *= scale;
            ku *= scale;
            if (!ref) {
                double m = SLACK * nu * v * 2 * Math.PI * c; // rounding margin relative to the kernel's scale
                kl -= m;
                ku += m;
            }
            lo[i] = kl;
            hi[i] = ku;
        }
    }

    /**
     * Sound bounds through the ReLU recursion (spec §3.2), any depth, kind, σ_w and σ_b; see the class comment.
     *
     * @param xx ‖x‖² of the test point
     */
    public static void recursion(KernelSpec spec, double xx, double delta, int d, double[] dot, double[] trainNorm, int n,
                                 double[] lo, double[] hi) {
        double w2 = spec.weightStd() * spec.weightStd();
        double b2 = spec.biasStd() * spec.biasStd();
        double eps = Math.sqrt((double) d) * delta;
        double xn = Math.sqrt(xx);
        double nl = Math.max(xn - eps, 0);
        double nu = xn + eps;
        boolean ntk = spec.kind() == KernelSpec.Kind.NTK;
        int depth = spec.depth();
        for (int i = 0; i < n; i++) {
            double v = trainNorm[i];
            double p = dot[i];
            // input layer and first Dense
            double cl = Math.max(p - eps * v, -nu * v) / d;
            double cu = Math.min(p + eps * v, nu * v) / d;
            cl = w2 * cl + b2;
            cu = w2 * cu + b2;
            double ql = w2 * nl * nl / d + b2;
            double qu = w2 * nu * nu / d + b2;
            double qp = w2 * v * v / d + b2;
            double tl = cl;
            double tu = cu;
            for (int l = 0; l < depth; l++) {
                double ncl = relu(cl, ql, qp);
                double ncu = relu(cu, qu, qp);
                double kl = kappa(cosLower(cl, ql, qu, qp));
                double ku = kappa(cosUpper(cu, ql, qu, qp));
                double ntl = tl >= 0 ? kl * tl : ku * tl;
                double ntu = tu >= 0 ? ku * tu : kl * tu;
                ql *= 0.5;
                qu *= 0.5;
                qp *= 0.5;
                cl = w2 * ncl + b2;
                cu = w2 * ncu + b2;
                ql = w2 * ql + b2;
                qu = w2 * qu + b2;
                qp = w2 * qp + b2;
                tl = cl + w2 * ntl;
                tu = cu + w2 * ntu;
            }
            double a = ntk ? tl : cl;
            double b = ntk ? tu : cu;
            double m = SLACK * (depth + 1) * (Math.sqrt(qu * qp) + Math.abs(a) + Math.abs(b));
            lo[i] = a - m;
            hi[i] = b + m;
        }
    }

    /** E[σ(u)σ(v)] for covariance c and variances q, q′, with c clamped to ±√(q q′) (monotone in all three). */
    static double relu(double c, double q, double qp) {
        double r = Math.sqrt(q * qp);
        double cc = Math.max(-r, Math.min(r, c));
        double s = Math.sqrt(Math.max(q * qp - cc * cc, 0));
        double theta = Math.atan2(s, cc);
        return (s + (Math.PI - theta) * cc) / (2 * Math.PI);
    }

    /** κ₀(ρ) = (π − arccos ρ)/(2π), ρ clamped to [−1, 1]. */
    static double kappa(double rho) {
        return (Math.PI - Math.acos(Math.max(-1, Math.min(1, rho)))) / (2 * Math.PI);
    }

    /** The smallest cosine c/√(q q′) over c ≥ cl, q ∈ [ql, qu]. */
    static double cosLower(double cl, double ql, double qu, double qp) {
        if (cl >= 0) {
            double r = Math.sqrt(qu * qp);
            return r > 0 ? cl / r : -1;
        }
        double r = Math.sqrt(ql * qp);
        return r > 0 ? cl / r : -1;
    }

    /** The largest cosine c/√(q q′) over c ≤ cu, q ∈ [ql, qu]. */
    static double cosUpper(double cu, double ql, double qu, double qp) {
        if (cu > 0) {
            double r = Math.sqrt(ql * qp);
            return r > 0 ? cu / r : 1;
        }
        double r = Math.sqrt(qu * qp);
        return r > 0 ? cu / r : 1;
    }
}
