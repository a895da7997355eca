package dev.tangent.verify;

import dev.tangent.TangentException;
import dev.tangent.kernel.Cov;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.kernel.Layer;

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
 *   <li>{@link #recursion}: beyond the paper, sound bounds for any kernel spec whose layers have interval rules
 *   ({@link Layer#step(Cov.Box)}): interval arithmetic through the layers. For the ReLU family each step's new
 *   covariance E[σ(u)σ(v)] is non-decreasing in c, q and q′, so its bounds are its values at the interval corners
 *   (with c clamped to ±√(q q′), which keeps it monotone); κ₀ is non-decreasing in the cosine, whose interval follows
 *   from the signs of c; Θ ← κ₀Θ is an interval product (see {@code ABRelu.bounds}).</li>
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
        return spec.kind() == KernelSpec.Kind.NTK
                && spec.fullyConnected().filter(f -> f.depth() == 1 && f.biasStd() == 0).isPresent();
    }

    /** σ_w⁴, the factor of the two-layer NTK with weight std σ_w over paper A's (σ_w = 1); only for two-layer specs. */
    static double twoLayerScale(KernelSpec spec) {
        return Math.pow(spec.fullyConnected().orElseThrow().weightStd(), 4);
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
            double w4 = twoLayerScale(spec); // the two-layer NTK scales as σ_w⁴
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
     * Sound bounds through the layers' interval rules (spec §3.2 for paper A's networks), any kernel spec whose
     * layers have them; see the class comment. The result is widened by a rounding margin relative to the kernel's
     * scale.
     *
     * @param xx ‖x‖² of the test point
     */
    public static void recursion(KernelSpec spec, double xx, double delta, int d, double[] dot, double[] trainNorm, int n,
                                 double[] lo, double[] hi) {
        double scale = spec.input().scale(d);
        double eps = Math.sqrt((double) d) * delta;
        double xn = Math.sqrt(xx);
        double nl = Math.max(xn - eps, 0);
        double nu = xn + eps;
        int steps = spec.activations() + 1;
        Cov.Box b = new Cov.Box();
        for (int i = 0; i < n; i++) {
            double v = trainNorm[i];
            double p = dot[i];
            b.cl = Math.max(p - eps * v, -nu * v) * scale;
            b.cu = Math.min(p + eps * v, nu * v) * scale;
            b.ql = nl * nl * scale;
            b.qu = nu * nu * scale;
            b.qpl = v * v * scale;
            b.qpu = b.qpl;
            b.tl = 0;
            b.tu = 0;
            for (Layer layer : spec.layers()) {
                layer.step(b);
            }
            double a = b.lo(spec.kind());
            double c = b.hi(spec.kind());
            double m = SLACK * steps * (Math.sqrt(b.qu * b.qpu) + Math.abs(a) + Math.abs(c));
            lo[i] = a - m;
            hi[i] = c + m;
        }
    }
}
