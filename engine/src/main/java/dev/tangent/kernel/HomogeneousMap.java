package dev.tangent.kernel;

import dev.tangent.memory.DType;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;

/**
 * The kernel map for bias-free networks (σ_b = 0) in one step instead of one per layer. Without bias every quantity
 * of the recursion (spec §3.2) is homogeneous of degree one in each of ‖x‖ and ‖x′‖, so
 * <pre>
 *   K(x, x′) = (‖x‖‖x′‖/d) · G(u),   u = ⟨x, x′⟩/(‖x‖‖x′‖),   G(u) = K for unit inputs with d = 1,
 * </pre>
 * a fixed function of the cosine for a given kind, depth and σ_w. G is analytic in t = √(1 − |u|) on each side of
 * u = 0 (its square-root singularities sit at u = ±1), so each side is one Chebyshev series in x = 2t − 1, fitted at
 * construction by interpolation at 64 Chebyshev nodes of values from the scalar {@link NtkRecursion} and truncated
 * where the coefficients fall below 1e-15 of the largest (degree ≤ 30; f32 output uses the series truncated at 1e-9). Per entry: two multiplications for u, one
 * square root, a Clenshaw sum. The inverse norms are precomputed, so there is no division at all; zero-norm points
 * get u = 0 and a zero scale, the limit.
 */
final class HomogeneousMap {
    static final VectorSpecies<Double> S = NtkMap.S;
    static final int L = S.length();
    static final int NODES = 64;
    static final int MAX_DEGREE = 30;

    /** Chebyshev coefficients for u ≥ 0 and u &lt; 0 (same length). */
    final double[] pos;
    final double[] neg;
    /** The same series truncated at 1e-9 of the largest coefficient: enough for f32 output (6e-8), and much shorter. */
    final double[] pos32;
    final double[] neg32;

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
    }

    static boolean applies(KernelSpec spec) {
        return spec.biasStd() == 0 && spec.depth() >= 1;
    }

    /** G(u) of the spec from the scalar recursion. */
    static double g(KernelSpec spec, double u) {
        return NtkRecursion.pair(spec, u, 1, 1, 1).of(spec.kind());
    }

    private static double[] fit(KernelSpec spec, int side) {
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

    /** G(u) from the series (scalar; tests and tails). */
    double value(double u) {
        return value(u, pos, neg);
    }

    static double value(double u, double[] pos, double[] neg) {
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

    /**
     * Replaces each inner product of the rows×cols tile at {@code t} by the kernel value.
     *
     * @param na ‖x_i‖ of the row points, {@code ra} their inverses (0 for a zero row); nb, rb the same for the columns
     */
    void map(DType dtype, int rows, int cols, MemorySegment t, long to, long ldt, double[] na, double[] ra, int i0,
             double[] nb, double[] rb, int j0, double invD) {
        int cv = S.loopBound(cols);
        boolean f64 = dtype == DType.F64;
        int es = dtype.bytes();
        double[] row = new double[cols];
        for (int i = 0; i < rows; i++) {
            long off = to + i * ldt * es;
            NtkMap.load(f64, cols, cv, t, off, 1.0, 0.0, row);
            double ri = ra[i0 + i];
            double si = na[i0 + i] * invD;
            mapRow(cv, row, ri, si, nb, rb, j0, f64 ? pos : pos32, f64 ? neg : neg32);
            for (int j = cv; j < cols; j++) {
                double u = row[j] * ri * rb[j0 + j];
                row[j] = si * nb[j0 + j] * value(u, f64 ? pos : pos32, f64 ? neg : neg32);
            }
            NtkMap.store(f64, cols, cv, row, t, off);
        }
    }

    /**
     * The vector part of one row (a method of its own with scalar/array parameters, so that vectors stay in registers).
     * Clenshaw's recurrence is a dependency chain, so four vectors run through it side by side when they share a side
     * of u = 0 (always, for non-negative data such as pixels).
     */
    private static void mapRow(int cv, double[] row, double ri, double si, double[] nb, double[] rb, int j0, double[] pos, double[] neg) {
        DoubleVector one = DoubleVector.broadcast(S, 1.0);
        DoubleVector mone = DoubleVector.broadcast(S, -1.0);
        DoubleVector zero = DoubleVector.zero(S);
        int top = pos.length - 1;
        int j = 0;
        for (; j + 4 * L <= cv; j += 4 * L) {
            DoubleVector u0 = DoubleVector.fromArray(S, row, j).mul(ri).mul(DoubleVector.fromArray(S, rb, j0 + j)).max(mone).min(one);
            DoubleVector u1 = DoubleVector.fromArray(S, row, j + L).mul(ri).mul(DoubleVector.fromArray(S, rb, j0 + j + L)).max(mone).min(one);
            DoubleVector u2 = DoubleVector.fromArray(S, row, j + 2 * L).mul(ri).mul(DoubleVector.fromArray(S, rb, j0 + j + 2 * L)).max(mone).min(one);
            DoubleVector u3 = DoubleVector.fromArray(S, row, j + 3 * L).mul(ri).mul(DoubleVector.fromArray(S, rb, j0 + j + 3 * L)).max(mone).min(one);
            DoubleVector lo = u0.min(u1).min(u2.min(u3));
            DoubleVector hi = u0.max(u1).max(u2.max(u3));
            double[] c;
            if (!lo.compare(VectorOperators.LT, zero).anyTrue()) {
                c = pos;
            } else if (hi.compare(VectorOperators.LT, zero).allTrue()) {
                c = neg;
            } else {
                for (int v = 0; v < 4; v++) {
                    one(j + v * L, row, ri, si, nb, rb, j0, pos, neg, top);
                }
                continue;
            }
            DoubleVector x0 = one.sub(u0.abs()).sqrt().mul(2.0).sub(one);
            DoubleVector x1 = one.sub(u1.abs()).sqrt().mul(2.0).sub(one);
            DoubleVector x2 = one.sub(u2.abs()).sqrt().mul(2.0).sub(one);
            DoubleVector x3 = one.sub(u3.abs()).sqrt().mul(2.0).sub(one);
            DoubleVector y0 = x0.add(x0);
            DoubleVector y1 = x1.add(x1);
            DoubleVector y2 = x2.add(x2);
            DoubleVector y3 = x3.add(x3);
            DoubleVector a0 = zero, a1 = zero, a2 = zero, a3 = zero;
            DoubleVector b0 = zero, b1 = zero, b2 = zero, b3 = zero;
            for (int k = top; k >= 1; k--) {
                DoubleVector ck = DoubleVector.broadcast(S, c[k]);
                DoubleVector n0 = a0.fma(y0, ck.sub(b0));
                DoubleVector n1 = a1.fma(y1, ck.sub(b1));
                DoubleVector n2 = a2.fma(y2, ck.sub(b2));
                DoubleVector n3 = a3.fma(y3, ck.sub(b3));
                b0 = a0;
                b1 = a1;
                b2 = a2;
                b3 = a3;
                a0 = n0;
                a1 = n1;
                a2 = n2;
                a3 = n3;
            }
            DoubleVector c0 = DoubleVector.broadcast(S, c[0]);
            a0.fma(x0, c0.sub(b0)).mul(si).mul(DoubleVector.fromArray(S, nb, j0 + j)).intoArray(row, j);
            a1.fma(x1, c0.sub(b1)).mul(si).mul(DoubleVector.fromArray(S, nb, j0 + j + L)).intoArray(row, j + L);
            a2.fma(x2, c0.sub(b2)).mul(si).mul(DoubleVector.fromArray(S, nb, j0 + j + 2 * L)).intoArray(row, j + 2 * L);
            a3.fma(x3, c0.sub(b3)).mul(si).mul(DoubleVector.fromArray(S, nb, j0 + j + 3 * L)).intoArray(row, j + 3 * L);
        }
        for (; j < cv; j += L) {
            one(j, row, ri, si, nb, rb, j0, pos, neg, top);
        }
    }

    /** One vector of a row, each lane on its own side. */
    private static void one(int j, double[] row, double ri, double si, double[] nb, double[] rb, int j0, double[] pos, double[] neg, int top) {
        DoubleVector one = DoubleVector.broadcast(S, 1.0);
        DoubleVector u = DoubleVector.fromArray(S, row, j).mul(ri).mul(DoubleVector.fromArray(S, rb, j0 + j)).max(one.neg()).min(one);
        VectorMask<Double> negative = u.compare(VectorOperators.LT, 0.0);
        DoubleVector x = one.sub(u.abs()).sqrt().mul(2.0).sub(one);
        DoubleVector g;
        if (!negative.anyTrue()) {
            g = clenshaw(x, pos, top);
        } else if (negative.allTrue()) {
            g = clenshaw(x, neg, top);
        } else {
            g = clenshaw(x, pos, top).blend(clenshaw(x, neg, top), negative);
        }
        g.mul(si).mul(DoubleVector.fromArray(S, nb, j0 + j)).intoArray(row, j);
    }

    private static DoubleVector clenshaw(DoubleVector x, double[] c, int top) {
        DoubleVector x2 = x.add(x);
        DoubleVector b1 = DoubleVector.zero(S);
        DoubleVector b2 = DoubleVector.zero(S);
        for (int k = top; k >= 1; k--) {
            DoubleVector b0 = b1.fma(x2, DoubleVector.broadcast(S, c[k]).sub(b2));
            b2 = b1;
            b1 = b0;
        }
        return b1.fma(x, DoubleVector.broadcast(S, c[0]).sub(b2));
    }
}
