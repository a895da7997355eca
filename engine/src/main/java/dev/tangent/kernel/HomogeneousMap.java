package dev.tangent.kernel;

import dev.tangent.memory.DType;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The kernel map for bias-free networks (σ_b = 0) in one step instead of one per layer. Without bias every quantity
 * of the recursion (spec §3.2) is homogeneous of degree one in each of ‖x‖ and ‖x′‖, so
 * <pre>
 *   K(x, x′) = (‖x‖‖x′‖/d) · G(u),   u = ⟨x, x′⟩/(‖x‖‖x′‖),   G(u) = K for unit inputs with d = 1,
 * </pre>
 * a fixed function of the cosine for a given kind, depth and σ_w. G is analytic in t = √(1 − |u|) on each side of
 * u = 0 (its square-root singularities sit at u = ±1), so each side is one Chebyshev series in x = 2t − 1, fitted at
 * construction by interpolation at 64 Chebyshev nodes of values from the scalar {@link NtkRecursion} and truncated
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
    static final VectorSpecies<Double> S = NtkMap.S;
    static final int L = S.length();
    static final int NODES = 64;
    static final int MAX_DEGREE = 30;
    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final int LF = F.length();
    static final ByteOrder NO = ByteOrder.nativeOrder();

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
        if (!applies(spec)) {
            throw new IllegalArgumentException("the homogeneous map needs bias std 0 and depth >= 1: " + spec);
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

    static boolean applies(KernelSpec spec) {
        return spec.biasStd() == 0 && spec.depth() >= 1;
    }

    /** G(u) of the spec from the scalar recursion. */
    static double g(KernelSpec spec, double u) {
        return NtkRecursion.pair(spec, u, 1, 1, 1).of(spec.kind());
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
        u = Math.max(-1, Math.min(1, u));
        return u < 0 ? horner(u, ne, no) : horner(u, pe, po);
    }

    private static double horner(double u, double[] e, double[] o) {
        double x = 2 * Math.sqrt(1 - Math.abs(u)) - 1;
        double s = x * x;
        int m = e.length - 1;
        double ev = e[m];
        double ov = o[m];
        for (int k = m - 1; k >= 0; k--) {
            ev = Math.fma(ev, s, e[k]);
            ov = Math.fma(ov, s, o[k]);
        }
        return Math.fma(ov, x, ev);
    }

    /** G(u) as the f32 map computes it, in float arithmetic (scalar; tests and tails). */
    float value32(float u) {
        u = Math.max(-1f, Math.min(1f, u));
        return u < 0 ? horner32(u, ne32, no32) : horner32(u, pe32, po32);
    }

    private static float horner32(float u, float[] e, float[] o) {
        float x = (float) Math.sqrt(1f - Math.abs(u)) * 2f - 1f;
        float s = x * x;
        int m = e.length - 1;
        float ev = e[m];
        float ov = o[m];
        for (int k = m - 1; k >= 0; k--) {
            ev = Math.fma(ev, s, e[k]);
            ov = Math.fma(ov, s, o[k]);
        }
        return Math.fma(ov, x, ev);
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
     * Replaces each inner product of the rows×cols tile at {@code t}, whose top-left entry pairs row point i0 with
     * column point j0, by the kernel value.
     */
    void map(DType dtype, int rows, int cols, MemorySegment t, long to, long ldt, Norms a, int i0, Norms b, int j0,
             double invD) {
        for (int i = 0; i < rows; i++) {
            if (dtype == DType.F64) {
                row64(t, to + i * ldt * 8, cols, a.r[i0 + i], a.n[i0 + i] * invD, b.n, b.r, j0);
            } else {
                row32(t, to + i * ldt * 4, cols, a.r32[i0 + i], (float) (a.n[i0 + i] * invD), b.n32, b.r32, j0);
            }
        }
    }

    /**
     * One f64 row in place (a method of its own with scalar/array parameters, so that vectors stay in registers).
     * Four vectors run through the Horner chains side by side when they share a side of u = 0 (always, for
     * non-negative data such as pixels); otherwise each vector is done alone.
     */
    private void row64(MemorySegment t, long off, int cols, double ri, double si, double[] nb, double[] rb, int j0) {
        DoubleVector one = DoubleVector.broadcast(S, 1.0);
        DoubleVector mone = DoubleVector.broadcast(S, -1.0);
        DoubleVector zero = DoubleVector.zero(S);
        int m = pe.length - 1;
        int j = 0;
        for (; j + 4 * L <= cols; j += 4 * L) {
            long o = off + 8L * j;
            DoubleVector u0 = DoubleVector.fromMemorySegment(S, t, o, NO).mul(ri).mul(DoubleVector.fromArray(S, rb, j0 + j)).max(mone).min(one);
            DoubleVector u1 = DoubleVector.fromMemorySegment(S, t, o + 8L * L, NO).mul(ri).mul(DoubleVector.fromArray(S, rb, j0 + j + L)).max(mone).min(one);
            DoubleVector u2 = DoubleVector.fromMemorySegment(S, t, o + 16L * L, NO).mul(ri).mul(DoubleVector.fromArray(S, rb, j0 + j + 2 * L)).max(mone).min(one);
            DoubleVector u3 = DoubleVector.fromMemorySegment(S, t, o + 24L * L, NO).mul(ri).mul(DoubleVector.fromArray(S, rb, j0 + j + 3 * L)).max(mone).min(one);
            DoubleVector lo = u0.min(u1).min(u2.min(u3));
            DoubleVector hi = u0.max(u1).max(u2.max(u3));
            double[] e;
            double[] od;
            if (!lo.compare(VectorOperators.LT, zero).anyTrue()) {
                e = pe;
                od = po;
            } else if (hi.compare(VectorOperators.LT, zero).allTrue()) {
                e = ne;
                od = no;
            } else {
                for (int v = 0; v < 4; v++) {
                    one64(t, o + 8L * v * L, j + v * L, ri, si, nb, rb, j0);
                }
                continue;
            }
            DoubleVector x0 = one.sub(u0.abs()).sqrt().mul(2.0).sub(one);
            DoubleVector x1 = one.sub(u1.abs()).sqrt().mul(2.0).sub(one);
            DoubleVector x2 = one.sub(u2.abs()).sqrt().mul(2.0).sub(one);
            DoubleVector x3 = one.sub(u3.abs()).sqrt().mul(2.0).sub(one);
            DoubleVector s0 = x0.mul(x0);
            DoubleVector s1 = x1.mul(x1);
            DoubleVector s2 = x2.mul(x2);
            DoubleVector s3 = x3.mul(x3);
            DoubleVector em = DoubleVector.broadcast(S, e[m]);
            DoubleVector om = DoubleVector.broadcast(S, od[m]);
            DoubleVector e0 = em, e1 = em, e2 = em, e3 = em;
            DoubleVector p0 = om, p1 = om, p2 = om, p3 = om;
            for (int k = m - 1; k >= 0; k--) {
                DoubleVector ek = DoubleVector.broadcast(S, e[k]);
                DoubleVector ok = DoubleVector.broadcast(S, od[k]);
                e0 = e0.fma(s0, ek);
                p0 = p0.fma(s0, ok);
                e1 = e1.fma(s1, ek);
                p1 = p1.fma(s1, ok);
                e2 = e2.fma(s2, ek);
                p2 = p2.fma(s2, ok);
                e3 = e3.fma(s3, ek);
                p3 = p3.fma(s3, ok);
            }
            p0.fma(x0, e0).mul(si).mul(DoubleVector.fromArray(S, nb, j0 + j)).intoMemorySegment(t, o, NO);
            p1.fma(x1, e1).mul(si).mul(DoubleVector.fromArray(S, nb, j0 + j + L)).intoMemorySegment(t, o + 8L * L, NO);
            p2.fma(x2, e2).mul(si).mul(DoubleVector.fromArray(S, nb, j0 + j + 2 * L)).intoMemorySegment(t, o + 16L * L, NO);
            p3.fma(x3, e3).mul(si).mul(DoubleVector.fromArray(S, nb, j0 + j + 3 * L)).intoMemorySegment(t, o + 24L * L, NO);
        }
        for (; j + L <= cols; j += L) {
            one64(t, off + 8L * j, j, ri, si, nb, rb, j0);
        }
        for (; j < cols; j++) {
            long o = off + 8L * j;
            double u = t.get(ValueLayout.JAVA_DOUBLE_UNALIGNED, o) * ri * rb[j0 + j];
            t.set(ValueLayout.JAVA_DOUBLE_UNALIGNED, o, si * nb[j0 + j] * value(u));
        }
    }

    /** One f64 vector, each lane on its own side. */
    private void one64(MemorySegment t, long o, int j, double ri, double si, double[] nb, double[] rb, int j0) {
        DoubleVector one = DoubleVector.broadcast(S, 1.0);
        DoubleVector u = DoubleVector.fromMemorySegment(S, t, o, NO).mul(ri).mul(DoubleVector.fromArray(S, rb, j0 + j)).max(one.neg()).min(one);
        VectorMask<Double> negative = u.compare(VectorOperators.LT, 0.0);
        DoubleVector x = one.sub(u.abs()).sqrt().mul(2.0).sub(one);
        DoubleVector g;
        if (!negative.anyTrue()) {
            g = horner(x, pe, po);
        } else if (negative.allTrue()) {
            g = horner(x, ne, no);
        } else {
            g = horner(x, pe, po).blend(horner(x, ne, no), negative);
        }
        g.mul(si).mul(DoubleVector.fromArray(S, nb, j0 + j)).intoMemorySegment(t, o, NO);
    }

    private static DoubleVector horner(DoubleVector x, double[] e, double[] o) {
        DoubleVector s = x.mul(x);
        int m = e.length - 1;
        DoubleVector ev = DoubleVector.broadcast(S, e[m]);
        DoubleVector ov = DoubleVector.broadcast(S, o[m]);
        for (int k = m - 1; k >= 0; k--) {
            ev = ev.fma(s, DoubleVector.broadcast(S, e[k]));
            ov = ov.fma(s, DoubleVector.broadcast(S, o[k]));
        }
        return ov.fma(x, ev);
    }

    /** One f32 row in place, in float lanes. */
    private void row32(MemorySegment t, long off, int cols, float ri, float si, float[] nb, float[] rb, int j0) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        FloatVector mone = FloatVector.broadcast(F, -1f);
        FloatVector zero = FloatVector.zero(F);
        int m = pe32.length - 1;
        int j = 0;
        for (; j + 4 * LF <= cols; j += 4 * LF) {
            long o = off + 4L * j;
            FloatVector u0 = FloatVector.fromMemorySegment(F, t, o, NO).mul(ri).mul(FloatVector.fromArray(F, rb, j0 + j)).max(mone).min(one);
            FloatVector u1 = FloatVector.fromMemorySegment(F, t, o + 4L * LF, NO).mul(ri).mul(FloatVector.fromArray(F, rb, j0 + j + LF)).max(mone).min(one);
            FloatVector u2 = FloatVector.fromMemorySegment(F, t, o + 8L * LF, NO).mul(ri).mul(FloatVector.fromArray(F, rb, j0 + j + 2 * LF)).max(mone).min(one);
            FloatVector u3 = FloatVector.fromMemorySegment(F, t, o + 12L * LF, NO).mul(ri).mul(FloatVector.fromArray(F, rb, j0 + j + 3 * LF)).max(mone).min(one);
            FloatVector lo = u0.min(u1).min(u2.min(u3));
            FloatVector hi = u0.max(u1).max(u2.max(u3));
            float[] e;
            float[] od;
            if (!lo.compare(VectorOperators.LT, zero).anyTrue()) {
                e = pe32;
                od = po32;
            } else if (hi.compare(VectorOperators.LT, zero).allTrue()) {
                e = ne32;
                od = no32;
            } else {
                for (int v = 0; v < 4; v++) {
                    one32(t, o + 4L * v * LF, j + v * LF, ri, si, nb, rb, j0);
                }
                continue;
            }
            FloatVector x0 = one.sub(u0.abs()).sqrt().mul(2f).sub(one);
            FloatVector x1 = one.sub(u1.abs()).sqrt().mul(2f).sub(one);
            FloatVector x2 = one.sub(u2.abs()).sqrt().mul(2f).sub(one);
            FloatVector x3 = one.sub(u3.abs()).sqrt().mul(2f).sub(one);
            FloatVector s0 = x0.mul(x0);
            FloatVector s1 = x1.mul(x1);
            FloatVector s2 = x2.mul(x2);
            FloatVector s3 = x3.mul(x3);
            FloatVector em = FloatVector.broadcast(F, e[m]);
            FloatVector om = FloatVector.broadcast(F, od[m]);
            FloatVector e0 = em, e1 = em, e2 = em, e3 = em;
            FloatVector p0 = om, p1 = om, p2 = om, p3 = om;
            for (int k = m - 1; k >= 0; k--) {
                FloatVector ek = FloatVector.broadcast(F, e[k]);
                FloatVector ok = FloatVector.broadcast(F, od[k]);
                e0 = e0.fma(s0, ek);
                p0 = p0.fma(s0, ok);
                e1 = e1.fma(s1, ek);
                p1 = p1.fma(s1, ok);
                e2 = e2.fma(s2, ek);
                p2 = p2.fma(s2, ok);
                e3 = e3.fma(s3, ek);
                p3 = p3.fma(s3, ok);
            }
            p0.fma(x0, e0).mul(si).mul(FloatVector.fromArray(F, nb, j0 + j)).intoMemorySegment(t, o, NO);
            p1.fma(x1, e1).mul(si).mul(FloatVector.fromArray(F, nb, j0 + j + LF)).intoMemorySegment(t, o + 4L * LF, NO);
            p2.fma(x2, e2).mul(si).mul(FloatVector.fromArray(F, nb, j0 + j + 2 * LF)).intoMemorySegment(t, o + 8L * LF, NO);
            p3.fma(x3, e3).mul(si).mul(FloatVector.fromArray(F, nb, j0 + j + 3 * LF)).intoMemorySegment(t, o + 12L * LF, NO);
        }
        for (; j + LF <= cols; j += LF) {
            one32(t, off + 4L * j, j, ri, si, nb, rb, j0);
        }
        for (; j < cols; j++) {
            long o = off + 4L * j;
            float u = t.get(ValueLayout.JAVA_FLOAT_UNALIGNED, o) * ri * rb[j0 + j];
            t.set(ValueLayout.JAVA_FLOAT_UNALIGNED, o, si * nb[j0 + j] * value32(u));
        }
    }

    /** One f32 vector, each lane on its own side. */
    private void one32(MemorySegment t, long o, int j, float ri, float si, float[] nb, float[] rb, int j0) {
        FloatVector one = FloatVector.broadcast(F, 1f);
        FloatVector u = FloatVector.fromMemorySegment(F, t, o, NO).mul(ri).mul(FloatVector.fromArray(F, rb, j0 + j)).max(one.neg()).min(one);
        VectorMask<Float> negative = u.compare(VectorOperators.LT, 0f);
        FloatVector x = one.sub(u.abs()).sqrt().mul(2f).sub(one);
        FloatVector g;
        if (!negative.anyTrue()) {
            g = horner32(x, pe32, po32);
        } else if (negative.allTrue()) {
            g = horner32(x, ne32, no32);
        } else {
            g = horner32(x, pe32, po32).blend(horner32(x, ne32, no32), negative);
        }
        g.mul(si).mul(FloatVector.fromArray(F, nb, j0 + j)).intoMemorySegment(t, o, NO);
    }

    private static FloatVector horner32(FloatVector x, float[] e, float[] o) {
        FloatVector s = x.mul(x);
        int m = e.length - 1;
        FloatVector ev = FloatVector.broadcast(F, e[m]);
        FloatVector ov = FloatVector.broadcast(F, o[m]);
        for (int k = m - 1; k >= 0; k--) {
            ev = ev.fma(s, FloatVector.broadcast(F, e[k]));
            ov = ov.fma(s, FloatVector.broadcast(F, o[k]));
        }
        return ov.fma(x, ev);
    }
}
