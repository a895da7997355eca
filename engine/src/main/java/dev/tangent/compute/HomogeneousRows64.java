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
     * {@link #row} in scalar code, bit for bit the same values (the same operations in the same order: the clamp, the
     * correctly rounded square root, the FMA Horner chains, then ·s‖x_i‖·‖y_j‖). A one-shot process runs it while C2
     * compiles {@link #row}: until then the Vector API code boxes every vector and is 50–100× slower than this.
     */
    static void rowScalar(MemorySegment t, long off, int cols, double ri, double si, double[] nb, double[] rb, int j0,
                          double[] pe, double[] po, double[] ne, double[] no) {
        for (int j = 0; j < cols; j++) {
            long o = off + (long) ES * j;
            double u = Math.min(Math.max(t.get(E, o) * ri * rb[j0 + j], -1), 1);
            t.set(E, o, value(u, pe, po, ne, no) * si * nb[j0 + j]);
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
