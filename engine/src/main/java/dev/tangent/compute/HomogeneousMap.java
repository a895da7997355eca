package dev.tangent.compute;

import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;

import java.lang.foreign.MemorySegment;

/**
 * The kernel map of a homogeneous stack (every layer positively homogeneous and bias-free, {@link
 * KernelSpec#homogeneous()}: paper A's bias-free ReLU networks) in one step instead of one per layer. The network is
 * then positively homogeneous in its input, so
 * <pre>
 *   K(x, x′) = s·‖x‖‖x′‖ · G(u),   u = ⟨x, x′⟩/(‖x‖‖x′‖),   G(u) = K for c = u, q = q′ = 1,
 * </pre>
 * with s the input kernel's scale (1/d for neural-tangents' mean), a fixed function of the cosine. G is analytic in t = √(1 − |u|) on each side of
 * u = 0 (its square-root singularities sit at u = ±1), so each side is one Chebyshev series in x = 2t − 1, fitted at
 * construction by interpolation at 64 Chebyshev nodes of values from the layers' scalar rules and truncated
 * where the coefficients fall below 1e-15 of the largest (degree ≤ 30; f32 output uses the series truncated at 1e-9).
 *
 * <p>Evaluation: the truncated series is converted once to monomials in x and summed as p(x) = E(x²) + x·O(x²), two
 * Horner chains per vector (one fused multiply-add per coefficient, half the operations of Clenshaw's recurrence and
 * twice the independent chains, so the loop runs at the FMA units' throughput instead of their latency). The
 * conversion is well conditioned here: the Chebyshev coefficients decay faster (ratio ≈ 1/3.4, the nearest
 * singularity being u = −1 on the other side) than the monomial coefficients of T_k grow (≈ 2.4^k), so Σ|a_k| stays
 * within a small factor of max|G|. f64 output runs in double lanes; f32 output runs wholly in float lanes (twice the
 * lanes; its inner products are f32-rounded already, and the float evaluation adds errors of the same order). Per
 * entry: two multiplications for u, one square root, the two Horner chains. The inverse norms are precomputed, so
 * there is no division at all; zero-norm points get u = 0 and a zero scale, the limit.
 */
final class HomogeneousMap {
    static final int NODES = 64;
    static final int MAX_DEGREE = 30;

    /** Chebyshev coefficients for u ≥ 0 and u &lt; 0 (same length). */
    final double[] pos;
    final double[] neg;
    /** The same series truncated at 1e-9 of the largest coefficient: enough for f32 output (6e-8), and much shorter. */
    final double[] pos32;
    final double[] neg32;
    /** Monomial coefficients in x of the f64 series, even and odd halves: p(x) = Σ pe[i]·x²ⁱ + x·Σ po[i]·x²ⁱ. */
    final double[] pe, po, ne, no;
    /** The same for the f32 series, in float. */
    final float[] pe32, po32, ne32, no32;

    HomogeneousMap(KernelSpec spec) {
        if (!spec.homogeneous()) {
            throw new IllegalArgumentException("the one-step map needs a homogeneous, bias-free stack: " + spec);
        }
        double[] p = fit(spec, 1);
        double[] n = fit(spec, -1);
        int deg = Math.max(degree(p, 1e-15), degree(n, 1e-15));
        pos = java.util.Arrays.copyOf(p, deg + 1);
        neg = java.util.Arrays.copyOf(n, deg + 1);
        int deg32 = Math.max(degree(p, 1e-9), degree(n, 1e-9));
        pos32 = java.util.Arrays.copyOf(p, deg32 + 1);
        neg32 = java.util.Arrays.copyOf(n, deg32 + 1);
        double[][] a = split(monomial(pos));
        pe = a[0];
        po = a[1];
        a = split(monomial(neg));
        ne = a[0];
        no = a[1];
        a = split(monomial(pos32));
        pe32 = floats(a[0]);
        po32 = floats(a[1]);
        a = split(monomial(neg32));
        ne32 = floats(a[0]);
        no32 = floats(a[1]);
    }

    /** Monomial coefficients of Σ c_k T_k(x) (the T_k's coefficients are integers below 2^30: exact in double). */
    static double[] monomial(double[] c) {
        int n = c.length;
        double[] out = new double[n];
        double[] tPrev = new double[n];
        double[] t = new double[n];
        tPrev[0] = 1;
        out[0] = c[0];
        if (n > 1) {
            t[1] = 1;
            out[1] += c[1];
        }
        for (int k = 2; k < n; k++) {
            double[] next = new double[n];
            for (int j = 0; j < n; j++) {
                next[j] = (j > 0 ? 2 * t[j - 1] : 0) - tPrev[j];
            }
            tPrev = t;
            t = next;
            for (int j = 0; j <= k; j++) {
                out[j] += c[k] * t[j];
            }
        }
        return out;
    }

    /** Even and odd coefficients, padded to one length. */
    private static double[][] split(double[] a) {
        int m = (a.length + 1) / 2;
        double[] e = new double[m];
        double[] o = new double[m];
        for (int j = 0; j < a.length; j++) {
            (j % 2 == 0 ? e : o)[j / 2] = a[j];
        }
        return new double[][] {e, o};
    }

    private static float[] floats(double[] a) {
        float[] f = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            f[i] = (float) a[i];
        }
        return f;
    }

    /** G(u) of the spec from the layers' scalar rules (every input scale is 1 at d = 1). */
    static double g(KernelSpec spec, double u) {
        return spec.value(u, 1, 1, 1);
    }

    /**
     * Whether the fitted f64 series reproduces the layers' rules within 1e-12 of max|G| on a grid of 2,001 cosines
     * (it does for every ReLU-type stack tried, up to depth 6; a stack whose G converges more slowly falls back to the
     * layer-by-layer map).
     */
    boolean accurate(KernelSpec spec) {
        double max = 0;
        double err = 0;
        for (int k = 0; k <= 2000; k++) {
            double u = -1 + k / 1000.0;
            double ref = g(spec, u);
            max = Math.max(max, Math.abs(ref));
            err = Math.max(err, Math.abs(value(u) - ref));
        }
        return err <= 1e-12 * max;
    }

    /** The 64 Chebyshev coefficients of one side (package-private: the tests bound the truncated tail with them). */
    static double[] fit(KernelSpec spec, int side) {
        double[] f = new double[NODES];
        for (int k = 0; k < NODES; k++) {
            double t = (Math.cos(Math.PI * (k + 0.5) / NODES) + 1) / 2;
            f[k] = g(spec, side * (1 - t * t));
        }
        double[] c = new double[NODES];
        for (int j = 0; j < NODES; j++) {
            double s = 0;
            for (int k = 0; k < NODES; k++) {
                s += f[k] * Math.cos(j * Math.PI * (k + 0.5) / NODES);
            }
            c[j] = 2.0 / NODES * s;
        }
        c[0] /= 2;
        return c;
    }

    private static int degree(double[] c, double rel) {
        double max = 0;
        for (double v : c) {
            max = Math.max(max, Math.abs(v));
        }
        int deg = MAX_DEGREE;
        while (deg > 1 && Math.abs(c[deg]) < rel * max) {
            deg--;
        }
        return deg;
    }

    /** G(u) as the f64 map computes it (scalar; tests and tails). */
    double value(double u) {
        return HomogeneousRows64.value(u, pe, po, ne, no);
    }

    /** G(u) as the f32 map computes it, in float arithmetic (scalar; tests and tails). */
    float value32(float u) {
        return HomogeneousRows32.value(u, pe32, po32, ne32, no32);
    }

    /** G(u) from a Chebyshev series by Clenshaw's recurrence (scalar; tests of the truncated series). */
    static double chebyshev(double u, double[] pos, double[] neg) {
        u = Math.max(-1, Math.min(1, u));
        double[] c = u < 0 ? neg : pos;
        double x = 2 * Math.sqrt(1 - Math.abs(u)) - 1;
        double x2 = 2 * x;
        double b1 = 0;
        double b2 = 0;
        for (int k = c.length - 1; k >= 1; k--) {
            double b0 = x2 * b1 - b2 + c[k];
            b2 = b1;
            b1 = b0;
        }
        return x * b1 - b2 + c[0];
    }

    /** ‖x‖ of a set of points and its inverse (0 for a zero point), in double and in float, computed once per Gram. */
    static final class Norms {
        final double[] n;
        final double[] r;
        final float[] n32;
        final float[] r32;

        Norms(double[] squaredNorms) {
            int len = squaredNorms.length;
            n = new double[len];
            r = new double[len];
            n32 = new float[len];
            r32 = new float[len];
            for (int i = 0; i < len; i++) {
                n[i] = Math.sqrt(squaredNorms[i]);
                r[i] = n[i] > 0 ? 1 / n[i] : 0;
                n32[i] = (float) n[i];
                r32[i] = (float) r[i];
            }
        }
    }

    /**
     * Replaces each inner product of the rows×cols tile at {@code t} (byte offset {@code to}, stride {@code ldt}
     * elements), whose top-left entry pairs row point i0 with column point j0, by the kernel value.
     *
     * @param scale the input kernel's scale s (1/d for neural-tangents' mean over features)
     */
    void map(DType dtype, int rows, int cols, MemorySegment t, long to, long ldt, Norms a, int i0, Norms b, int j0,
             double scale) {
        map(dtype, rows, cols, t, to, ldt, a, i0, b, j0, scale, true);
    }

    /** Per thread, the loop twin's six scratch rows, as long as the longest row mapped so far (a tile's 256 at least). */
    private static final ThreadLocal<double[][]> SCRATCH64 = new ThreadLocal<>();
    private static final ThreadLocal<float[][]> SCRATCH32 = new ThreadLocal<>();

    private static double[][] scratch64(int cols) {
        double[][] w = SCRATCH64.get();
        if (w == null || w[0].length < cols) {
            w = new double[6][Math.max(cols, 256)];
            SCRATCH64.set(w);
        }
        return w;
    }

    private static float[][] scratch32(int cols) {
        float[][] w = SCRATCH32.get();
        if (w == null || w[0].length < cols) {
            w = new float[6][Math.max(cols, 256)];
            SCRATCH32.set(w);
        }
        return w;
    }

    /**
     * As above; {@code vector} false runs the loop twin of the row code ({@link HomogeneousRows64#loopRow}: the same
     * values bit for bit).
     */
    void map(DType dtype, int rows, int cols, MemorySegment t, long to, long ldt, Norms a, int i0, Norms b, int j0,
             double scale, boolean vector) {
        if (!vector) {
            if (dtype == DType.F64) {
                double[][] w = scratch64(cols);
                for (int i = 0; i < rows; i++) {
                    HomogeneousRows64.loopRow(t, to + i * ldt * 8, cols, a.r[i0 + i], a.n[i0 + i] * scale, b.n, b.r, j0, pe, po, ne, no, w);
                }
            } else {
                float[][] w = scratch32(cols);
                for (int i = 0; i < rows; i++) {
                    HomogeneousRows32.loopRow(t, to + i * ldt * 4, cols, a.r32[i0 + i], (float) (a.n[i0 + i] * scale), b.n32,
                            b.r32, j0, pe32, po32, ne32, no32, w);
                }
            }
            return;
        }
        for (int i = 0; i < rows; i++) {
            if (dtype == DType.F64) {
                HomogeneousRows64.row(t, to + i * ldt * 8, cols, a.r[i0 + i], a.n[i0 + i] * scale, b.n, b.r, j0, pe, po, ne, no);
            } else {
                HomogeneousRows32.row(t, to + i * ldt * 4, cols, a.r32[i0 + i], (float) (a.n[i0 + i] * scale), b.n32, b.r32, j0,
                        pe32, po32, ne32, no32);
            }
        }
    }
}
