package dev.tangent.compute;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The rows of {@link HomogeneousMap} in double precision: K = s·‖x‖‖x′‖·G(u) with G two polynomials in
 * x = 2√(1 − |u|) − 1 (one per side of u = 0), each summed as E(x²) + x·O(x²). {@code HomogeneousRows32}, the same
 * code in float lanes for f32 Grams, is generated from this file at build time (engine/pom.xml): edit this one.
 *
 * <p>Each method keeps its vectors inside itself (scalar, array and segment parameters only), so that C2 keeps them in
 * registers. Four vectors run through the Horner chains side by side when they share a side of u = 0 (always, for
 * non-negative data such as pixels); otherwise each vector is done alone.
 */
final class HomogeneousRows64 {
    static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    static final int L = S.length();
    static final int ES = 8;
    static final ValueLayout.OfDouble E = ValueLayout.JAVA_DOUBLE_UNALIGNED;
    static final ByteOrder NO = ByteOrder.nativeOrder();

    private HomogeneousRows64() {
    }

    /**
     * One row of inner products at byte {@code off} of {@code t} → kernel values in place.
     *
     * @param ri 1/‖x_i‖ of the row point (0 for a zero point)
     * @param si s·‖x_i‖ (the input scale times the row point's norm)
     * @param nb ‖y_j‖ of the column points, rb their inverses; column j of the row is point j0 + j
     */
    static void row(MemorySegment t, long off, int cols, double ri, double si, double[] nb, double[] rb, int j0,
                    double[] pe, double[] po, double[] ne, double[] no) {
        DoubleVector one = DoubleVector.broadcast(S, 1);
        DoubleVector mone = DoubleVector.broadcast(S, -1);
        DoubleVector zero = DoubleVector.zero(S);
        int m = pe.length - 1;
        int j = 0;
        for (; j + 4 * L <= cols; j += 4 * L) {
            long o = off + (long) ES * j;
            DoubleVector u0 = DoubleVector.fromMemorySegment(S, t, o, NO).mul(ri).mul(DoubleVector.fromArray(S, rb, j0 + j)).max(mone).min(one);
            DoubleVector u1 = DoubleVector.fromMemorySegment(S, t, o + (long) ES * L, NO).mul(ri).mul(DoubleVector.fromArray(S, rb, j0 + j + L)).max(mone).min(one);
            DoubleVector u2 = DoubleVector.fromMemorySegment(S, t, o + 2L * ES * L, NO).mul(ri).mul(DoubleVector.fromArray(S, rb, j0 + j + 2 * L)).max(mone).min(one);
            DoubleVector u3 = DoubleVector.fromMemorySegment(S, t, o + 3L * ES * L, NO).mul(ri).mul(DoubleVector.fromArray(S, rb, j0 + j + 3 * L)).max(mone).min(one);
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
                    one(t, o + (long) ES * v * L, j + v * L, ri, si, nb, rb, j0, pe, po, ne, no);
                }
                continue;
            }
            DoubleVector x0 = one.sub(u0.abs()).sqrt().mul(2).sub(one);
            DoubleVector x1 = one.sub(u1.abs()).sqrt().mul(2).sub(one);
            DoubleVector x2 = one.sub(u2.abs()).sqrt().mul(2).sub(one);
            DoubleVector x3 = one.sub(u3.abs()).sqrt().mul(2).sub(one);
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
            p1.fma(x1, e1).mul(si).mul(DoubleVector.fromArray(S, nb, j0 + j + L)).intoMemorySegment(t, o + (long) ES * L, NO);
            p2.fma(x2, e2).mul(si).mul(DoubleVector.fromArray(S, nb, j0 + j + 2 * L)).intoMemorySegment(t, o + 2L * ES * L, NO);
            p3.fma(x3, e3).mul(si).mul(DoubleVector.fromArray(S, nb, j0 + j + 3 * L)).intoMemorySegment(t, o + 3L * ES * L, NO);
        }
        for (; j + L <= cols; j += L) {
            one(t, off + (long) ES * j, j, ri, si, nb, rb, j0, pe, po, ne, no);
        }
        for (; j < cols; j++) {
            long o = off + (long) ES * j;
            double u = t.get(E, o) * ri * rb[j0 + j];
            t.set(E, o, value(u, pe, po, ne, no) * si * nb[j0 + j]); // the vector lanes' order
        }
    }

    /**
     * {@link #row} without the Vector API, bit for bit the same values (the same operations in the same order per
     * element), in loops simple enough for C2's auto-vectoriser: the row is copied into {@code w[0]}, and each step
     * (clamp, square root, each Horner step of each side's two chains, the final products) is one pass over arrays of
     * the row's length. C2 compiles these loops in milliseconds, where the Vector API code of {@link #row} costs a
     * one-shot process hundreds of milliseconds of compilation and, until then, runs 50–100× slower than this.
     *
     * @param w six scratch rows of at least {@code cols} elements
     */
    static void loopRow(MemorySegment t, long off, int cols, double ri, double si, double[] nb, double[] rb, int j0,
                         double[] pe, double[] po, double[] ne, double[] no, double[][] w) {
        double[] u = w[0];
        double[] x = w[1];
        double[] s = w[2];
        double[] ev = w[3];
        double[] ov = w[4];
        double[] g = w[5];
        MemorySegment.copy(t, E, off, u, 0, cols);
        loopClamp(cols, u, ri, rb, j0);
        loopRoots(cols, u, x, s);
        // the sides present, as the vector code's compare(LT, 0) sees them (−0 is on the positive side)
        int first = 0;
        while (first < cols && !(u[first] < 0)) {
            first++;
        }
        if (first == cols) {
            loopHorner(cols, x, s, pe, po, ev, ov, g);
        } else {
            boolean both = false;
            for (int j = 0; j < cols && !both; j++) {
                both = !(u[j] < 0);
            }
            loopHorner(cols, x, s, ne, no, ev, ov, g);
            if (both) {
                loopHorner(cols, x, s, pe, po, ev, ov, ev); // the positive side's values into ev, then picked per element
                loopPick(cols, u, g, ev);
            }
        }
        loopScale(cols, g, si, nb, j0);
        MemorySegment.copy(g, 0, t, E, off, cols);
    }

    // One loop per method below, each named loop*: C2 compiles each on its own in milliseconds (a method of several hot
    // loops is compiled again from each loop on stack, a tenth of a second each). The launcher also keeps C2 from
    // inlining them into their callers (-XX:CompileCommand=dontinline,...::loop*), which would compile every loop again
    // inside loopHorner and loopRow: a cold 10,000² Gram spends 0.2 s less CPU time (docs/BENCHMARKS.md).

    private static void loopClamp(int cols, double[] u, double ri, double[] rb, int j0) {
        for (int j = 0; j < cols; j++) {
            u[j] = Math.min(Math.max(u[j] * ri * rb[j0 + j], -1), 1);
        }
    }

    private static void loopRoots(int cols, double[] u, double[] x, double[] s) {
        for (int j = 0; j < cols; j++) {
            double v = (double) Math.sqrt(1 - Math.abs(u[j])) * 2 - 1;
            x[j] = v;
            s[j] = v * v;
        }
    }

    /**
     * g[j] = the negative side's g[j] where u[j] &lt; 0, the positive side's p[j] elsewhere (−0 included): with n = 1
     * or 0, fma(n, g, (1 − n)·p) adds a zero to the side picked, which is that side's value exactly unless the value is
     * −0 (it would come out +0); these kernels' values are positive, and ScalarTwinTest compares the bits.
     */
    private static void loopPick(int cols, double[] u, double[] g, double[] p) {
        for (int j = 0; j < cols; j++) {
            double n = Math.max(0, -Math.signum(u[j]));
            g[j] = Math.fma(n, g[j], (1 - n) * p[j]);
        }
    }

    private static void loopScale(int cols, double[] g, double si, double[] nb, int j0) {
        for (int j = 0; j < cols; j++) {
            g[j] = g[j] * si * nb[j0 + j];
        }
    }

    /** out[j] = the sum of the Horner chains of (e, o) at x[j] (s[j] = x[j]²), two coefficients per pass. */
    private static void loopHorner(int cols, double[] x, double[] s, double[] e, double[] o, double[] ev, double[] ov, double[] out) {
        int m = e.length - 1;
        java.util.Arrays.fill(ev, 0, cols, e[m]);
        java.util.Arrays.fill(ov, 0, cols, o[m]);
        int k = m - 1;
        for (; k >= 1; k -= 2) {
            loopTwoSteps(cols, s, ev, ov, e[k], e[k - 1], o[k], o[k - 1]);
        }
        if (k == 0) {
            loopOneStep(cols, s, ev, ov, e[0], o[0]);
        }
        loopSum(cols, x, ev, ov, out);
    }

    private static void loopTwoSteps(int cols, double[] s, double[] ev, double[] ov, double e1, double e0, double o1, double o0) {
        for (int j = 0; j < cols; j++) {
            double sj = s[j];
            ev[j] = Math.fma(Math.fma(ev[j], sj, e1), sj, e0);
            ov[j] = Math.fma(Math.fma(ov[j], sj, o1), sj, o0);
        }
    }

    private static void loopOneStep(int cols, double[] s, double[] ev, double[] ov, double e0, double o0) {
        for (int j = 0; j < cols; j++) {
            ev[j] = Math.fma(ev[j], s[j], e0);
            ov[j] = Math.fma(ov[j], s[j], o0);
        }
    }

    private static void loopSum(int cols, double[] x, double[] ev, double[] ov, double[] out) {
        for (int j = 0; j < cols; j++) {
            out[j] = Math.fma(ov[j], x[j], ev[j]);
        }
    }

    /** One vector, each lane on its own side. */
    private static void one(MemorySegment t, long o, int j, double ri, double si, double[] nb, double[] rb, int j0,
                            double[] pe, double[] po, double[] ne, double[] no) {
        DoubleVector one = DoubleVector.broadcast(S, 1);
        DoubleVector u = DoubleVector.fromMemorySegment(S, t, o, NO).mul(ri).mul(DoubleVector.fromArray(S, rb, j0 + j)).max(one.neg()).min(one);
        VectorMask<Double> negative = u.compare(VectorOperators.LT, 0);
        DoubleVector x = one.sub(u.abs()).sqrt().mul(2).sub(one);
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

    /** G(u) in this precision (scalar: tails and tests). */
    static double value(double u, double[] pe, double[] po, double[] ne, double[] no) {
        u = Math.max(-1, Math.min(1, u));
        double[] e = u < 0 ? ne : pe;
        double[] o = u < 0 ? no : po;
        double x = (double) Math.sqrt(1 - Math.abs(u)) * 2 - 1;
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
}
