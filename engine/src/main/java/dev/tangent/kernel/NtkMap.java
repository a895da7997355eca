package dev.tangent.kernel;

import dev.tangent.memory.DType;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The ReLU NNGP/NTK recursion (spec §3.2) applied in place to a tile of inner products with the Vector API (sqrt, a
 * polynomial atan2, FMA over a row of the tile). The arithmetic is always double precision: an f32 tile is widened on
 * load and narrowed on store, so single-precision Gram matrices lose accuracy only in their GEMM and their storage,
 * not in the ill-conditioned √(q q′ − c²) of nearly collinear pairs. The scalar reference is {@link NtkRecursion}.
 */
final class NtkMap {
    static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    /** Floats with as many lanes as S, for widening f32 tiles. */
    static final VectorSpecies<Float> SF = FloatVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(S.vectorBitSize() / 2));
    static final int L = S.length();
    static final ByteOrder NO = ByteOrder.nativeOrder();
    static final double PI = Math.PI;
    static final double INV_2PI = (1 / (2 * Math.PI));
    static final double PI_2 = (Math.PI / 2);
    static final double PI_4 = (Math.PI / 4);
    static final double TAN_PI_8 = 0.41421356237309503;
    /** Floor of the ratio's denominator: atan2(0, 0) = 0/TINY = 0. */
    static final double TINY = 1e-30;
    /**
     * atan(z) = z + z³·P(z²) on |z| ≤ tan(π/8): P of degree 10, a Chebyshev fit of (atan z − z)/z³ in w = z² on
     * [0, tan²(π/8)] (max relative error of atan 2.2e-16 on a 200,001-point grid; fitted with numpy).
     */
    static final double P0 = -0.3333333333333335, P1 = 0.1999999999997348,
            P2 = -0.1428571428105909, P3 = 0.11111110795006762, P4 = -0.09090897557216814,
            P5 = 0.07692050951912134, P6 = -0.06662959573248659, P7 = 0.058466668566629396,
            P8 = -0.05033343888606111, P9 = 0.03790667004322028, P10 = -0.017730691331225682;

    private NtkMap() {
    }

    /**
     * Replaces each inner product t[i][j] = ⟨x_{i0+i}, y_{j0+j}⟩ of the rows×cols tile at {@code t} (byte offset
     * {@code to}, stride {@code ldt} elements, element type {@code dtype}) by the kernel value.
     *
     * @param qa   qa[l][i] = q⁽ˡ⁺¹⁾ of row point i (see {@link NtkRecursion#diagonals}), l = 0..depth−1
     * @param qb   the same for the column points
     * @param invD 1/d
     */
    static void map(DType dtype, int rows, int cols, MemorySegment t, long to, long ldt, double[][] qa, int i0,
                    double[][] qb, int j0, int depth, boolean ntk, double w2, double b2, double invD) {
        int cv = S.loopBound(cols);
        double scale = w2 * invD;
        boolean f64 = dtype == DType.F64;
        int es = dtype.bytes();
        double[] cRow = new double[cols];
        double[] thRow = new double[cols];
        for (int i = 0; i < rows; i++) {
            long row = to + i * ldt * es;
            load(f64, cols, cv, t, row, scale, b2, cRow);
            System.arraycopy(cRow, 0, thRow, 0, cols);
            for (int l = 0; l < depth; l++) {
                double qi = qa[l][i0 + i];
                double[] qbl = qb[l];
                layer(cv, cRow, thRow, qbl, j0, qi, w2, b2);
                for (int j = cv; j < cols; j++) {
                    double c = cRow[j];
                    double s = Math.sqrt(Math.max(qi * qbl[j0 + j] - c * c, 0));
                    double k0 = (PI - Math.atan2(s, c)) * INV_2PI;
                    c = (s * INV_2PI + k0 * c) * w2 + b2;
                    thRow[j] = k0 * thRow[j] * w2 + c;
                    cRow[j] = c;
                }
            }
            store(f64, cols, cv, ntk ? thRow : cRow, t, row);
        }
    }

    /** cRow[j] = scale·t[j] + b2 for one tile row. */
    private static void load(boolean f64, int cols, int cv, MemorySegment t, long row, double scale, double b2, double[] cRow) {
        DoubleVector vScale = DoubleVector.broadcast(S, scale);
        DoubleVector vB2 = DoubleVector.broadcast(S, b2);
        if (f64) {
            for (int j = 0; j < cv; j += L) {
                DoubleVector.fromMemorySegment(S, t, row + 8L * j, NO).fma(vScale, vB2).intoArray(cRow, j);
            }
            for (int j = cv; j < cols; j++) {
                cRow[j] = t.get(ValueLayout.JAVA_DOUBLE_UNALIGNED, row + 8L * j) * scale + b2;
            }
        } else {
            for (int j = 0; j < cv; j += L) {
                ((DoubleVector) FloatVector.fromMemorySegment(SF, t, row + 4L * j, NO).convertShape(VectorOperators.F2D, S, 0))
                        .fma(vScale, vB2).intoArray(cRow, j);
            }
            for (int j = cv; j < cols; j++) {
                cRow[j] = t.get(ValueLayout.JAVA_FLOAT_UNALIGNED, row + 4L * j) * scale + b2;
            }
        }
    }

    private static void store(boolean f64, int cols, int cv, double[] src, MemorySegment t, long row) {
        if (f64) {
            MemorySegment.copy(src, 0, t, ValueLayout.JAVA_DOUBLE_UNALIGNED, row, cols);
        } else {
            for (int j = 0; j < cv; j += L) {
                DoubleVector.fromArray(S, src, j).convertShape(VectorOperators.D2F, SF, 0).intoMemorySegment(t, row + 4L * j, NO);
            }
            for (int j = cv; j < cols; j++) {
                t.set(ValueLayout.JAVA_FLOAT_UNALIGNED, row + 4L * j, (float) src[j]);
            }
        }
    }

    /**
     * One (ReLU, Dense) step over a row: Σ in {@code cRow}, Θ in {@code thRow}. Kept in a method of its own with only
     * scalar and array parameters, so that C2 compiles it as a unit whose vectors stay in registers (vectors passed
     * to, returned from or carried around a loop in a big method get boxed).
     */
    private static void layer(int cv, double[] cRow, double[] thRow, double[] qbl, int j0, double qi, double w2, double b2) {
        DoubleVector vB2 = DoubleVector.broadcast(S, b2);
        DoubleVector vW2 = DoubleVector.broadcast(S, w2);
        DoubleVector vPi = DoubleVector.broadcast(S, PI);
        DoubleVector vInv2Pi = DoubleVector.broadcast(S, INV_2PI);
        DoubleVector zero = DoubleVector.zero(S);
        DoubleVector vTiny = DoubleVector.broadcast(S, TINY);
        DoubleVector vTan8 = DoubleVector.broadcast(S, TAN_PI_8);
        DoubleVector vPi2 = DoubleVector.broadcast(S, PI_2);
        DoubleVector vPi4 = DoubleVector.broadcast(S, PI_4);
        DoubleVector vP0 = DoubleVector.broadcast(S, P0), vP1 = DoubleVector.broadcast(S, P1);
        DoubleVector vP2 = DoubleVector.broadcast(S, P2), vP3 = DoubleVector.broadcast(S, P3);
        DoubleVector vP4 = DoubleVector.broadcast(S, P4), vP5 = DoubleVector.broadcast(S, P5);
        DoubleVector vP6 = DoubleVector.broadcast(S, P6), vP7 = DoubleVector.broadcast(S, P7);
        DoubleVector vP8 = DoubleVector.broadcast(S, P8), vP9 = DoubleVector.broadcast(S, P9);
        DoubleVector vP10 = DoubleVector.broadcast(S, P10);
        // Two independent vectors per step (measured 15 % faster than one: the chain sqrt → div → polynomial is
        // long and the out-of-order window needs more than one in flight; the repetition is deliberate), and
        // Estrin's scheme for the polynomial, for the same reason.
        int j = 0;
        for (; j + 2 * L <= cv; j += 2 * L) {
            DoubleVector c = DoubleVector.fromArray(S, cRow, j);
            DoubleVector s = c.neg().fma(c, DoubleVector.fromArray(S, qbl, j0 + j).mul(qi)).max(zero).sqrt();
            DoubleVector a = c.abs();
            DoubleVector mx = a.max(s);
            DoubleVector mn = a.min(s);
            VectorMask<Double> big = mn.compare(VectorOperators.GT, mx.mul(vTan8));
            DoubleVector z = mn.blend(mn.sub(mx), big).div(mx.blend(mn.add(mx), big).max(vTiny));
            DoubleVector w = z.mul(z);
            DoubleVector ww = w.mul(w);
            DoubleVector w4 = ww.mul(ww);
            DoubleVector e0 = ww.fma(w.fma(vP3, vP2), w.fma(vP1, vP0));
            DoubleVector e1 = ww.fma(w.fma(vP7, vP6), w.fma(vP5, vP4));
            DoubleVector e2 = ww.fma(vP10, w.fma(vP9, vP8));
            DoubleVector p = w4.mul(w4).fma(e2, w4.fma(e1, e0));
            DoubleVector r = p.mul(w).fma(z, z);
            r = r.blend(r.add(vPi4), big);
            r = r.blend(vPi2.sub(r), s.compare(VectorOperators.GT, a));
            r = r.blend(vPi.sub(r), c.compare(VectorOperators.LT, zero));
            DoubleVector k = vPi.sub(r).mul(vInv2Pi);
            c = s.mul(vInv2Pi).add(k.mul(c)).fma(vW2, vB2);
            k.mul(DoubleVector.fromArray(S, thRow, j)).fma(vW2, c).intoArray(thRow, j);
            c.intoArray(cRow, j);
            DoubleVector cb = DoubleVector.fromArray(S, cRow, j + L);
            DoubleVector sb = cb.neg().fma(cb, DoubleVector.fromArray(S, qbl, j0 + j + L).mul(qi)).max(zero).sqrt();
            DoubleVector ab = cb.abs();
            DoubleVector mxb = ab.max(sb);
            DoubleVector mnb = ab.min(sb);
            VectorMask<Double> bigb = mnb.compare(VectorOperators.GT, mxb.mul(vTan8));
            DoubleVector zb = mnb.blend(mnb.sub(mxb), bigb).div(mxb.blend(mnb.add(mxb), bigb).max(vTiny));
            DoubleVector wb = zb.mul(zb);
            DoubleVector wwb = wb.mul(wb);
            DoubleVector w4b = wwb.mul(wwb);
            DoubleVector e0b = wwb.fma(wb.fma(vP3, vP2), wb.fma(vP1, vP0));
            DoubleVector e1b = wwb.fma(wb.fma(vP7, vP6), wb.fma(vP5, vP4));
            DoubleVector e2b = wwb.fma(vP10, wb.fma(vP9, vP8));
            DoubleVector pb = w4b.mul(w4b).fma(e2b, w4b.fma(e1b, e0b));
            DoubleVector rb = pb.mul(wb).fma(zb, zb);
            rb = rb.blend(rb.add(vPi4), bigb);
            rb = rb.blend(vPi2.sub(rb), sb.compare(VectorOperators.GT, ab));
            rb = rb.blend(vPi.sub(rb), cb.compare(VectorOperators.LT, zero));
            DoubleVector kb = vPi.sub(rb).mul(vInv2Pi);
            cb = sb.mul(vInv2Pi).add(kb.mul(cb)).fma(vW2, vB2);
            kb.mul(DoubleVector.fromArray(S, thRow, j + L)).fma(vW2, cb).intoArray(thRow, j + L);
            cb.intoArray(cRow, j + L);
        }
        for (; j < cv; j += L) {
            DoubleVector c = DoubleVector.fromArray(S, cRow, j);
            DoubleVector s = c.neg().fma(c, DoubleVector.fromArray(S, qbl, j0 + j).mul(qi)).max(zero).sqrt();
            DoubleVector a = c.abs();
            DoubleVector mx = a.max(s);
            DoubleVector mn = a.min(s);
            VectorMask<Double> big = mn.compare(VectorOperators.GT, mx.mul(vTan8));
            DoubleVector z = mn.blend(mn.sub(mx), big).div(mx.blend(mn.add(mx), big).max(vTiny));
            DoubleVector w = z.mul(z);
            DoubleVector ww = w.mul(w);
            DoubleVector w4 = ww.mul(ww);
            DoubleVector e0 = ww.fma(w.fma(vP3, vP2), w.fma(vP1, vP0));
            DoubleVector e1 = ww.fma(w.fma(vP7, vP6), w.fma(vP5, vP4));
            DoubleVector e2 = ww.fma(vP10, w.fma(vP9, vP8));
            DoubleVector p = w4.mul(w4).fma(e2, w4.fma(e1, e0));
            DoubleVector r = p.mul(w).fma(z, z);
            r = r.blend(r.add(vPi4), big);
            r = r.blend(vPi2.sub(r), s.compare(VectorOperators.GT, a));
            r = r.blend(vPi.sub(r), c.compare(VectorOperators.LT, zero));
            DoubleVector k = vPi.sub(r).mul(vInv2Pi);
            c = s.mul(vInv2Pi).add(k.mul(c)).fma(vW2, vB2);
            k.mul(DoubleVector.fromArray(S, thRow, j)).fma(vW2, c).intoArray(thRow, j);
            c.intoArray(cRow, j);
        }
    }

    /**
     * θ = atan2(s, c) for s ≥ 0, in [0, π], to about 1 ulp: reduce to t = min/max ∈ [0, 1], then to |z| ≤ tan(π/8) with
     * atan t = π/4 + atan((t − 1)/(t + 1)), evaluate the polynomial, and undo the reductions. atan2(0, 0) = 0 as in
     * {@link Math#atan2}. (The incubator's ATAN2 lane operation runs about 7× slower here.)
     */
    static DoubleVector angle(DoubleVector s, DoubleVector c) {
        DoubleVector a = c.abs();
        DoubleVector mx = a.max(s);
        DoubleVector mn = a.min(s);
        VectorMask<Double> none = mx.compare(VectorOperators.EQ, 0);
        DoubleVector t = mn.div(mx).blend(0, none);
        VectorMask<Double> big = t.compare(VectorOperators.GT, TAN_PI_8);
        DoubleVector z = t.blend(t.sub(1).div(t.add(1)), big);
        DoubleVector w = z.mul(z);
        DoubleVector p = w.fma(P10, P9).fma(w, DoubleVector.broadcast(S, P8)).fma(w, DoubleVector.broadcast(S, P7))
                .fma(w, DoubleVector.broadcast(S, P6)).fma(w, DoubleVector.broadcast(S, P5))
                .fma(w, DoubleVector.broadcast(S, P4)).fma(w, DoubleVector.broadcast(S, P3))
                .fma(w, DoubleVector.broadcast(S, P2)).fma(w, DoubleVector.broadcast(S, P1))
                .fma(w, DoubleVector.broadcast(S, P0));
        DoubleVector r = p.mul(w).fma(z, z);
        r = r.blend(r.add(PI_4), big);
        r = r.blend(DoubleVector.broadcast(S, PI_2).sub(r), s.compare(VectorOperators.GT, a));
        return r.blend(DoubleVector.broadcast(S, PI).sub(r), c.compare(VectorOperators.LT, 0));
    }

}
