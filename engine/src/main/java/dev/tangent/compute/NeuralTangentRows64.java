package dev.tangent.compute;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Paper B's NT model's two fused row passes (spec §7.3) in double precision: the forward pass's ŷ from a row of
 * Z = XW and P = X·Gᵀ, and the backward pass's M and ∂a from a row of Z, each in one sweep of the B × N inputs with
 * no σ(Z) or gated P stored. {@code NeuralTangentRows32} is the same file in single precision, generated from this one
 * at build time (engine/pom.xml): edit this file only. Offsets are in bytes; the small operands (a, a₀, scratch) are
 * arrays.
 */
public final class NeuralTangentRows64 {
    static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    static final int ES = 8;
    static final ValueLayout.OfDouble E = ValueLayout.JAVA_DOUBLE_UNALIGNED;
    static final ByteOrder NO = ByteOrder.nativeOrder();
    private static final double ZERO = 0;
    private static final double HALF = 1.0 / 2;

    private NeuralTangentRows64() {
    }

    /**
     * The lanes' sum in lane order: reduceLanes(ADD)'s order is unspecified and differs between the interpreter and C2.
     */
    private static double laneSum(DoubleVector v) {
        double s = 0;
        for (int i = 0; i < v.length(); i++) {
            s += v.lane(i);
        }
        return s;
    }

    /**
     * Two rows (offsets {@code z0}, {@code z1} into z and {@code p0}, {@code p1} into p; they may be the same row) of
     * paper B's NT forward pass: out[r·outputs + k] ← Σ_j max(z_rj, 0)·aᵀ_kj + s(z_rj)·p_rj·a₀_kj for k &lt; outputs,
     * with the reference's gate s(z) = (sign(z) + 1)/2 (1 above 0, ½ at 0, 0 below) and v = [aᵀ | a₀] (outputs × 2n,
     * row-major). The first output's sweep reads z and p and keeps u = [σ(z₀) | s(z₀)·p₀ | σ(z₁) | s(z₁)·p₁] (4n
     * scratch values) for the others, which run four outputs at a time so that each load of v serves two rows. Lanes
     * are summed in order in double.
     */
    public static void outputs(int n, int outputs, MemorySegment z, long z0, long z1, MemorySegment p, long p0, long p1, double[] v,
                               double[] u, double[] out) {
        int len = S.length();
        int nv = S.loopBound(n);
        DoubleVector zero = DoubleVector.zero(S);
        DoubleVector a0 = zero;
        DoubleVector a1 = zero;
        DoubleVector b0 = zero;
        DoubleVector b1 = zero;
        for (int j = 0; j < nv; j += len) {
            long o = (long) ES * j;
            DoubleVector y0 = DoubleVector.fromMemorySegment(S, z, z0 + o, NO);
            DoubleVector y1 = DoubleVector.fromMemorySegment(S, z, z1 + o, NO);
            DoubleVector r0 = y0.max(zero);
            DoubleVector r1 = y1.max(zero);
            DoubleVector q0 = gate(y0, DoubleVector.fromMemorySegment(S, p, p0 + o, NO));
            DoubleVector q1 = gate(y1, DoubleVector.fromMemorySegment(S, p, p1 + o, NO));
            r0.intoArray(u, j);
            q0.intoArray(u, n + j);
            r1.intoArray(u, 2 * n + j);
            q1.intoArray(u, 3 * n + j);
            DoubleVector w = DoubleVector.fromArray(S, v, j);
            DoubleVector w0 = DoubleVector.fromArray(S, v, n + j);
            a0 = r0.fma(w, a0);
            a1 = q0.fma(w0, a1);
            b0 = r1.fma(w, b0);
            b1 = q1.fma(w0, b1);
        }
        for (int j = nv; j < n; j++) {
            double y0 = z.get(E, z0 + (long) ES * j);
            double y1 = z.get(E, z1 + (long) ES * j);
            u[j] = y0 > 0 ? y0 : ZERO;
            u[n + j] = gate(y0, p.get(E, p0 + (long) ES * j));
            u[2 * n + j] = y1 > 0 ? y1 : ZERO;
            u[3 * n + j] = gate(y1, p.get(E, p1 + (long) ES * j));
        }
        out[0] = laneSum(a0.add(a1)) + tail(n, nv, u, 0, v, 0);
        out[outputs] = laneSum(b0.add(b1)) + tail(n, nv, u, 2 * n, v, 0);
        int k = 1;
        for (; k + 4 <= outputs; k += 4) {
            int v0 = 2 * k * n;
            int v1 = v0 + 2 * n;
            int v2 = v1 + 2 * n;
            int v3 = v2 + 2 * n;
            DoubleVector s0 = zero;
            DoubleVector s1 = zero;
            DoubleVector s2 = zero;
            DoubleVector s3 = zero;
            DoubleVector t0 = zero;
            DoubleVector t1 = zero;
            DoubleVector t2 = zero;
            DoubleVector t3 = zero;
            for (int h = 0; h < 2; h++) {
                int off = h * n;
                for (int j = 0; j < nv; j += len) {
                    DoubleVector x = DoubleVector.fromArray(S, u, off + j);
                    DoubleVector y = DoubleVector.fromArray(S, u, 2 * n + off + j);
                    DoubleVector w = DoubleVector.fromArray(S, v, v0 + off + j);
                    s0 = x.fma(w, s0);
                    t0 = y.fma(w, t0);
                    w = DoubleVector.fromArray(S, v, v1 + off + j);
                    s1 = x.fma(w, s1);
                    t1 = y.fma(w, t1);
                    w = DoubleVector.fromArray(S, v, v2 + off + j);
                    s2 = x.fma(w, s2);
                    t2 = y.fma(w, t2);
                    w = DoubleVector.fromArray(S, v, v3 + off + j);
                    s3 = x.fma(w, s3);
                    t3 = y.fma(w, t3);
                }
            }
            out[k] = laneSum(s0) + tail(n, nv, u, 0, v, v0);
            out[k + 1] = laneSum(s1) + tail(n, nv, u, 0, v, v1);
            out[k + 2] = laneSum(s2) + tail(n, nv, u, 0, v, v2);
            out[k + 3] = laneSum(s3) + tail(n, nv, u, 0, v, v3);
            out[outputs + k] = laneSum(t0) + tail(n, nv, u, 2 * n, v, v0);
            out[outputs + k + 1] = laneSum(t1) + tail(n, nv, u, 2 * n, v, v1);
            out[outputs + k + 2] = laneSum(t2) + tail(n, nv, u, 2 * n, v, v2);
            out[outputs + k + 3] = laneSum(t3) + tail(n, nv, u, 2 * n, v, v3);
        }
        for (; k < outputs; k++) {
            int v0 = 2 * k * n;
            DoubleVector s0 = zero;
            DoubleVector s1 = zero;
            DoubleVector t0 = zero;
            DoubleVector t1 = zero;
            for (int j = 0; j < nv; j += len) {
                DoubleVector w = DoubleVector.fromArray(S, v, v0 + j);
                DoubleVector w0 = DoubleVector.fromArray(S, v, v0 + n + j);
                s0 = DoubleVector.fromArray(S, u, j).fma(w, s0);
                s1 = DoubleVector.fromArray(S, u, n + j).fma(w0, s1);
                t0 = DoubleVector.fromArray(S, u, 2 * n + j).fma(w, t0);
                t1 = DoubleVector.fromArray(S, u, 3 * n + j).fma(w0, t1);
            }
            out[k] = laneSum(s0.add(s1)) + tail(n, nv, u, 0, v, v0);
            out[outputs + k] = laneSum(t0.add(t1)) + tail(n, nv, u, 2 * n, v, v0);
        }
    }

    /** Σ over the tail j in [nv, n) of one row's u_j·v_j + u_{n+j}·v_{n+j}, in double. */
    private static double tail(int n, int nv, double[] u, int uo, double[] v, int vo) {
        double t = 0;
        for (int j = nv; j < n; j++) {
            t += (double) u[uo + j] * v[vo + j] + (double) u[uo + n + j] * v[vo + n + j];
        }
        return t;
    }

    /** s(z)·x: x above 0, x/2 at 0, 0 below. */
    private static DoubleVector gate(DoubleVector zv, DoubleVector x) {
        return DoubleVector.zero(zv.species()).blend(x, zv.compare(VectorOperators.GT, ZERO)).blend(x.mul(HALF), zv.compare(VectorOperators.EQ, ZERO));
    }

    /** s(z)·x: x above 0, x/2 at 0, 0 below. */
    private static double gate(double zv, double x) {
        return zv > 0 ? x : zv == 0 ? HALF * x : ZERO;
    }

    /**
     * Four rows (offsets {@code zo[r]} into z and {@code mo[r]} into m) of paper B's NT backward pass for the rows
     * d[r·outputs …] of ∂L/∂ŷ, in one pass over z: m_rj ← s(z_rj)·Σ_k d_rk·a₀_kj (s as in {@link #outputs}; a₀
     * outputs × n, row-major) and daT_kj += Σ_r max(z_rj, 0)·d_rk (their share of ∂a, transposed: outputs × n). A
     * batch whose size is not a multiple of four repeats a row with d = 0 and its m pointed at a spare row.
     */
    public static void backward(int n, int outputs, MemorySegment z, long[] zo, double[] d, double[] a0, MemorySegment m, long[] mo,
                                double[] daT) {
        int nv = S.loopBound(n);
        DoubleVector zero = DoubleVector.zero(S);
        for (int j = 0; j < nv; j += S.length()) {
            long o = (long) ES * j;
            DoubleVector y0 = DoubleVector.fromMemorySegment(S, z, zo[0] + o, NO);
            DoubleVector y1 = DoubleVector.fromMemorySegment(S, z, zo[1] + o, NO);
            DoubleVector y2 = DoubleVector.fromMemorySegment(S, z, zo[2] + o, NO);
            DoubleVector y3 = DoubleVector.fromMemorySegment(S, z, zo[3] + o, NO);
            DoubleVector r0 = y0.max(zero);
            DoubleVector r1 = y1.max(zero);
            DoubleVector r2 = y2.max(zero);
            DoubleVector r3 = y3.max(zero);
            DoubleVector t0 = zero;
            DoubleVector t1 = zero;
            DoubleVector t2 = zero;
            DoubleVector t3 = zero;
            for (int k = 0; k < outputs; k++) {
                int at = k * n + j;
                DoubleVector d0 = DoubleVector.broadcast(S, d[k]);
                DoubleVector d1 = DoubleVector.broadcast(S, d[outputs + k]);
                DoubleVector d2 = DoubleVector.broadcast(S, d[2 * outputs + k]);
                DoubleVector d3 = DoubleVector.broadcast(S, d[3 * outputs + k]);
                DoubleVector w = DoubleVector.fromArray(S, a0, at);
                t0 = w.fma(d0, t0);
                t1 = w.fma(d1, t1);
                t2 = w.fma(d2, t2);
                t3 = w.fma(d3, t3);
                r3.fma(d3, r2.fma(d2, r1.fma(d1, r0.fma(d0, DoubleVector.fromArray(S, daT, at))))).intoArray(daT, at);
            }
            gate(y0, t0).intoMemorySegment(m, mo[0] + o, NO);
            gate(y1, t1).intoMemorySegment(m, mo[1] + o, NO);
            gate(y2, t2).intoMemorySegment(m, mo[2] + o, NO);
            gate(y3, t3).intoMemorySegment(m, mo[3] + o, NO);
        }
        for (int j = nv; j < n; j++) {
            for (int r = 0; r < 4; r++) {
                double y = z.get(E, zo[r] + (long) ES * j);
                double rj = y > 0 ? y : ZERO;
                double t = ZERO;
                for (int k = 0; k < outputs; k++) {
                    int at = k * n + j;
                    t = Math.fma(a0[at], d[r * outputs + k], t);
                    daT[at] = Math.fma(rj, d[r * outputs + k], daT[at]);
                }
                m.set(E, mo[r] + (long) ES * j, gate(y, t));
            }
        }
    }
}
