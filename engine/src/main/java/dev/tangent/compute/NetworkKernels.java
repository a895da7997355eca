package dev.tangent.compute;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Vector API loops for the element-wise steps of the finite networks (bias + ReLU, ReLU's mask, column sums, paper B's
 * NT model's two fused row passes and the TensorFlow optimiser updates), in single and double precision, on contiguous
 * runs of {@code n} elements at byte offsets. Each f32 loop keeps TensorFlow's float arithmetic; sums of squares and
 * column sums are carried in double across blocks so that reports do not depend on the length.
 */
public final class NetworkKernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Double> D = DoubleVector.SPECIES_PREFERRED;
    private static final ValueLayout.OfFloat EF = ValueLayout.JAVA_FLOAT_UNALIGNED;
    private static final ValueLayout.OfDouble ED = ValueLayout.JAVA_DOUBLE_UNALIGNED;
    private static final ByteOrder NO = ByteOrder.nativeOrder();
    /** Elements summed in float lanes before the partial sums move to double. */
    private static final int BLOCK = 1024;

    private NetworkKernels() {
    }

    /**
     * The lanes' sum in lane order. reduceLanes(ADD)'s order is unspecified and differs between the interpreter and
     * C2, which made a resumed run's regulariser differ from an uninterrupted one's in the last bit.
     */
    private static double laneSum(FloatVector v) {
        double s = 0;
        for (int i = 0; i < v.length(); i++) {
            s += v.lane(i);
        }
        return s;
    }

    /** The lanes' sum in lane order (see {@link #laneSum(FloatVector)}). */
    private static double laneSum(DoubleVector v) {
        double s = 0;
        for (int i = 0; i < v.length(); i++) {
            s += v.lane(i);
        }
        return s;
    }

    /** z ← z + b (b at offset bo, or none when bo &lt; 0), h ← scale·max(z, 0). */
    public static void biasRelu32(int n, MemorySegment z, long zo, MemorySegment b, long bo, MemorySegment h, long ho, float scale) {
        int nv = F.loopBound(n);
        FloatVector zero = FloatVector.zero(F);
        int j = 0;
        for (; j < nv; j += F.length()) {
            long o = 4L * j;
            FloatVector v = FloatVector.fromMemorySegment(F, z, zo + o, NO);
            if (bo >= 0) {
                v = v.add(FloatVector.fromMemorySegment(F, b, bo + o, NO));
                v.intoMemorySegment(z, zo + o, NO);
            }
            v = v.max(zero);
            (scale == 1f ? v : v.mul(scale)).intoMemorySegment(h, ho + o, NO);
        }
        for (; j < n; j++) {
            long o = 4L * j;
            float v = z.get(EF, zo + o);
            if (bo >= 0) {
                v += b.get(EF, bo + o);
                z.set(EF, zo + o, v);
            }
            h.set(EF, ho + o, v > 0 ? (scale == 1f ? v : v * scale) : 0f);
        }
    }

    /** z ← z + b (b at offset bo, or none when bo &lt; 0), h ← scale·max(z, 0). */
    public static void biasRelu64(int n, MemorySegment z, long zo, MemorySegment b, long bo, MemorySegment h, long ho, double scale) {
        int nv = D.loopBound(n);
        DoubleVector zero = DoubleVector.zero(D);
        int j = 0;
        for (; j < nv; j += D.length()) {
            long o = 8L * j;
            DoubleVector v = DoubleVector.fromMemorySegment(D, z, zo + o, NO);
            if (bo >= 0) {
                v = v.add(DoubleVector.fromMemorySegment(D, b, bo + o, NO));
                v.intoMemorySegment(z, zo + o, NO);
            }
            v = v.max(zero);
            (scale == 1 ? v : v.mul(scale)).intoMemorySegment(h, ho + o, NO);
        }
        for (; j < n; j++) {
            long o = 8L * j;
            double v = z.get(ED, zo + o);
            if (bo >= 0) {
                v += b.get(ED, bo + o);
                z.set(ED, zo + o, v);
            }
            h.set(ED, ho + o, v > 0 ? (scale == 1 ? v : v * scale) : 0.0);
        }
    }

    /** d ← z &gt; 0 ? scale·d : 0 (ReLU's derivative, 0 at the kink). */
    public static void maskScale32(int n, MemorySegment d, long dof, MemorySegment z, long zo, float scale) {
        int nv = F.loopBound(n);
        FloatVector zero = FloatVector.zero(F);
        int j = 0;
        for (; j < nv; j += F.length()) {
            long o = 4L * j;
            VectorMask<Float> pos = FloatVector.fromMemorySegment(F, z, zo + o, NO).compare(VectorOperators.GT, 0f);
            FloatVector v = FloatVector.fromMemorySegment(F, d, dof + o, NO);
            zero.blend(scale == 1f ? v : v.mul(scale), pos).intoMemorySegment(d, dof + o, NO);
        }
        for (; j < n; j++) {
            long o = 4L * j;
            d.set(EF, dof + o, z.get(EF, zo + o) > 0 ? scale * d.get(EF, dof + o) : 0f);
        }
    }

    /** d ← z &gt; 0 ? scale·d : 0 (ReLU's derivative, 0 at the kink). */
    public static void maskScale64(int n, MemorySegment d, long dof, MemorySegment z, long zo, double scale) {
        int nv = D.loopBound(n);
        DoubleVector zero = DoubleVector.zero(D);
        int j = 0;
        for (; j < nv; j += D.length()) {
            long o = 8L * j;
            VectorMask<Double> pos = DoubleVector.fromMemorySegment(D, z, zo + o, NO).compare(VectorOperators.GT, 0.0);
            DoubleVector v = DoubleVector.fromMemorySegment(D, d, dof + o, NO);
            zero.blend(scale == 1 ? v : v.mul(scale), pos).intoMemorySegment(d, dof + o, NO);
        }
        for (; j < n; j++) {
            long o = 8L * j;
            d.set(ED, dof + o, z.get(ED, zo + o) > 0 ? scale * d.get(ED, dof + o) : 0.0);
        }
    }

    /**
     * Two rows (offsets {@code z0}, {@code z1} into z and {@code p0}, {@code p1} into p; they may be the same row) of
     * paper B's NT forward pass: out[r·outputs + k] ← Σ_j max(z_rj, 0)·aᵀ_kj + s(z_rj)·p_rj·a₀_kj for k &lt; outputs,
     * with the reference's gate s(z) = (sign(z) + 1)/2 (1 above 0, ½ at 0, 0 below) and v = [aᵀ | a₀] (outputs × 2n,
     * row-major). The first output's sweep reads z and p and keeps u = [σ(z₀) | s(z₀)·p₀ | σ(z₁) | s(z₁)·p₁] (4n
     * scratch values) for the others, which run four outputs at a time so that each load of v serves two rows. Lanes
     * are summed in order in double.
     */
    public static void ntOutputs32(int n, int outputs, MemorySegment z, long z0, long z1, MemorySegment p, long p0, long p1, float[] v,
                                    float[] u, double[] out) {
        int len = F.length();
        int nv = F.loopBound(n);
        FloatVector zero = FloatVector.zero(F);
        FloatVector a0 = zero;
        FloatVector a1 = zero;
        FloatVector b0 = zero;
        FloatVector b1 = zero;
        for (int j = 0; j < nv; j += len) {
            long o = 4L * j;
            FloatVector y0 = FloatVector.fromMemorySegment(F, z, z0 + o, NO);
            FloatVector y1 = FloatVector.fromMemorySegment(F, z, z1 + o, NO);
            FloatVector r0 = y0.max(zero);
            FloatVector r1 = y1.max(zero);
            FloatVector q0 = gate(y0, FloatVector.fromMemorySegment(F, p, p0 + o, NO));
            FloatVector q1 = gate(y1, FloatVector.fromMemorySegment(F, p, p1 + o, NO));
            r0.intoArray(u, j);
            q0.intoArray(u, n + j);
            r1.intoArray(u, 2 * n + j);
            q1.intoArray(u, 3 * n + j);
            FloatVector w = FloatVector.fromArray(F, v, j);
            FloatVector w0 = FloatVector.fromArray(F, v, n + j);
            a0 = r0.fma(w, a0);
            a1 = q0.fma(w0, a1);
            b0 = r1.fma(w, b0);
            b1 = q1.fma(w0, b1);
        }
        for (int j = nv; j < n; j++) {
            float y0 = z.get(EF, z0 + 4L * j);
            float y1 = z.get(EF, z1 + 4L * j);
            u[j] = y0 > 0 ? y0 : 0f;
            u[n + j] = gate(y0, p.get(EF, p0 + 4L * j));
            u[2 * n + j] = y1 > 0 ? y1 : 0f;
            u[3 * n + j] = gate(y1, p.get(EF, p1 + 4L * j));
        }
        out[0] = laneSum(a0.add(a1)) + tail(n, nv, u, 0, v, 0);
        out[outputs] = laneSum(b0.add(b1)) + tail(n, nv, u, 2 * n, v, 0);
        int k = 1;
        for (; k + 4 <= outputs; k += 4) {
            int v0 = 2 * k * n;
            int v1 = v0 + 2 * n;
            int v2 = v1 + 2 * n;
            int v3 = v2 + 2 * n;
            FloatVector s0 = zero;
            FloatVector s1 = zero;
            FloatVector s2 = zero;
            FloatVector s3 = zero;
            FloatVector t0 = zero;
            FloatVector t1 = zero;
            FloatVector t2 = zero;
            FloatVector t3 = zero;
            for (int h = 0; h < 2; h++) {
                int off = h * n;
                for (int j = 0; j < nv; j += len) {
                    FloatVector x = FloatVector.fromArray(F, u, off + j);
                    FloatVector y = FloatVector.fromArray(F, u, 2 * n + off + j);
                    FloatVector w = FloatVector.fromArray(F, v, v0 + off + j);
                    s0 = x.fma(w, s0);
                    t0 = y.fma(w, t0);
                    w = FloatVector.fromArray(F, v, v1 + off + j);
                    s1 = x.fma(w, s1);
                    t1 = y.fma(w, t1);
                    w = FloatVector.fromArray(F, v, v2 + off + j);
                    s2 = x.fma(w, s2);
                    t2 = y.fma(w, t2);
                    w = FloatVector.fromArray(F, v, v3 + off + j);
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
            FloatVector s0 = zero;
            FloatVector s1 = zero;
            FloatVector t0 = zero;
            FloatVector t1 = zero;
            for (int j = 0; j < nv; j += len) {
                FloatVector w = FloatVector.fromArray(F, v, v0 + j);
                FloatVector w0 = FloatVector.fromArray(F, v, v0 + n + j);
                s0 = FloatVector.fromArray(F, u, j).fma(w, s0);
                s1 = FloatVector.fromArray(F, u, n + j).fma(w0, s1);
                t0 = FloatVector.fromArray(F, u, 2 * n + j).fma(w, t0);
                t1 = FloatVector.fromArray(F, u, 3 * n + j).fma(w0, t1);
            }
            out[k] = laneSum(s0.add(s1)) + tail(n, nv, u, 0, v, v0);
            out[outputs + k] = laneSum(t0.add(t1)) + tail(n, nv, u, 2 * n, v, v0);
        }
    }

    /** Σ over the tail j in [nv, n) of one row's u_j·v_j + u_{n+j}·v_{n+j}, in double. */
    private static double tail(int n, int nv, float[] u, int uo, float[] v, int vo) {
        double t = 0;
        for (int j = nv; j < n; j++) {
            t += (double) u[uo + j] * v[vo + j] + (double) u[uo + n + j] * v[vo + n + j];
        }
        return t;
    }

    /** s(z)·x: x above 0, x/2 at 0, 0 below. */
    private static FloatVector gate(FloatVector zv, FloatVector x) {
        return FloatVector.zero(zv.species()).blend(x, zv.compare(VectorOperators.GT, 0f)).blend(x.mul(0.5f), zv.compare(VectorOperators.EQ, 0f));
    }

    /** s(z)·x: x above 0, x/2 at 0, 0 below. */
    private static float gate(float zv, float x) {
        return zv > 0 ? x : zv == 0 ? 0.5f * x : 0f;
    }

    /**
     * Four rows (offsets {@code zo[r]} into z and {@code mo[r]} into m) of paper B's NT backward pass for the rows
     * d[r·outputs …] of ∂L/∂ŷ, in one pass over z: m_rj ← s(z_rj)·Σ_k d_rk·a₀_kj (s as in {@link #ntOutputs32}; a₀
     * outputs × n, row-major) and daT_kj += Σ_r max(z_rj, 0)·d_rk (their share of ∂a, transposed: outputs × n). A
     * batch whose size is not a multiple of four repeats a row with d = 0 and its m pointed at a spare row.
     */
    public static void ntBackward32(int n, int outputs, MemorySegment z, long[] zo, float[] d, float[] a0, MemorySegment m, long[] mo,
                                     float[] daT) {
        int nv = F.loopBound(n);
        FloatVector zero = FloatVector.zero(F);
        for (int j = 0; j < nv; j += F.length()) {
            long o = 4L * j;
            FloatVector y0 = FloatVector.fromMemorySegment(F, z, zo[0] + o, NO);
            FloatVector y1 = FloatVector.fromMemorySegment(F, z, zo[1] + o, NO);
            FloatVector y2 = FloatVector.fromMemorySegment(F, z, zo[2] + o, NO);
            FloatVector y3 = FloatVector.fromMemorySegment(F, z, zo[3] + o, NO);
            FloatVector r0 = y0.max(zero);
            FloatVector r1 = y1.max(zero);
            FloatVector r2 = y2.max(zero);
            FloatVector r3 = y3.max(zero);
            FloatVector t0 = zero;
            FloatVector t1 = zero;
            FloatVector t2 = zero;
            FloatVector t3 = zero;
            for (int k = 0; k < outputs; k++) {
                int at = k * n + j;
                FloatVector d0 = FloatVector.broadcast(F, d[k]);
                FloatVector d1 = FloatVector.broadcast(F, d[outputs + k]);
                FloatVector d2 = FloatVector.broadcast(F, d[2 * outputs + k]);
                FloatVector d3 = FloatVector.broadcast(F, d[3 * outputs + k]);
                FloatVector w = FloatVector.fromArray(F, a0, at);
                t0 = w.fma(d0, t0);
                t1 = w.fma(d1, t1);
                t2 = w.fma(d2, t2);
                t3 = w.fma(d3, t3);
                r3.fma(d3, r2.fma(d2, r1.fma(d1, r0.fma(d0, FloatVector.fromArray(F, daT, at))))).intoArray(daT, at);
            }
            gate(y0, t0).intoMemorySegment(m, mo[0] + o, NO);
            gate(y1, t1).intoMemorySegment(m, mo[1] + o, NO);
            gate(y2, t2).intoMemorySegment(m, mo[2] + o, NO);
            gate(y3, t3).intoMemorySegment(m, mo[3] + o, NO);
        }
        for (int j = nv; j < n; j++) {
            for (int r = 0; r < 4; r++) {
                float y = z.get(EF, zo[r] + 4L * j);
                float rj = y > 0 ? y : 0f;
                float t = 0f;
                for (int k = 0; k < outputs; k++) {
                    int at = k * n + j;
                    t = Math.fma(a0[at], d[r * outputs + k], t);
                    daT[at] = Math.fma(rj, d[r * outputs + k], daT[at]);
                }
                m.set(EF, mo[r] + 4L * j, gate(y, t));
            }
        }
    }

    /**
     * Two rows (offsets {@code z0}, {@code z1} into z and {@code p0}, {@code p1} into p; they may be the same row) of
     * paper B's NT forward pass: out[r·outputs + k] ← Σ_j max(z_rj, 0)·aᵀ_kj + s(z_rj)·p_rj·a₀_kj for k &lt; outputs,
     * with the reference's gate s(z) = (sign(z) + 1)/2 (1 above 0, ½ at 0, 0 below) and v = [aᵀ | a₀] (outputs × 2n,
     * row-major). The first output's sweep reads z and p and keeps u = [σ(z₀) | s(z₀)·p₀ | σ(z₁) | s(z₁)·p₁] (4n
     * scratch values) for the others, which run four outputs at a time so that each load of v serves two rows. Lanes
     * are summed in order in double.
     */
    public static void ntOutputs64(int n, int outputs, MemorySegment z, long z0, long z1, MemorySegment p, long p0, long p1, double[] v,
                                    double[] u, double[] out) {
        int len = D.length();
        int nv = D.loopBound(n);
        DoubleVector zero = DoubleVector.zero(D);
        DoubleVector a0 = zero;
        DoubleVector a1 = zero;
        DoubleVector b0 = zero;
        DoubleVector b1 = zero;
        for (int j = 0; j < nv; j += len) {
            long o = 8L * j;
            DoubleVector y0 = DoubleVector.fromMemorySegment(D, z, z0 + o, NO);
            DoubleVector y1 = DoubleVector.fromMemorySegment(D, z, z1 + o, NO);
            DoubleVector r0 = y0.max(zero);
            DoubleVector r1 = y1.max(zero);
            DoubleVector q0 = gate(y0, DoubleVector.fromMemorySegment(D, p, p0 + o, NO));
            DoubleVector q1 = gate(y1, DoubleVector.fromMemorySegment(D, p, p1 + o, NO));
            r0.intoArray(u, j);
            q0.intoArray(u, n + j);
            r1.intoArray(u, 2 * n + j);
            q1.intoArray(u, 3 * n + j);
            DoubleVector w = DoubleVector.fromArray(D, v, j);
            DoubleVector w0 = DoubleVector.fromArray(D, v, n + j);
            a0 = r0.fma(w, a0);
            a1 = q0.fma(w0, a1);
            b0 = r1.fma(w, b0);
            b1 = q1.fma(w0, b1);
        }
        for (int j = nv; j < n; j++) {
            double y0 = z.get(ED, z0 + 8L * j);
            double y1 = z.get(ED, z1 + 8L * j);
            u[j] = y0 > 0 ? y0 : 0.0;
            u[n + j] = gate(y0, p.get(ED, p0 + 8L * j));
            u[2 * n + j] = y1 > 0 ? y1 : 0.0;
            u[3 * n + j] = gate(y1, p.get(ED, p1 + 8L * j));
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
                    DoubleVector x = DoubleVector.fromArray(D, u, off + j);
                    DoubleVector y = DoubleVector.fromArray(D, u, 2 * n + off + j);
                    DoubleVector w = DoubleVector.fromArray(D, v, v0 + off + j);
                    s0 = x.fma(w, s0);
                    t0 = y.fma(w, t0);
                    w = DoubleVector.fromArray(D, v, v1 + off + j);
                    s1 = x.fma(w, s1);
                    t1 = y.fma(w, t1);
                    w = DoubleVector.fromArray(D, v, v2 + off + j);
                    s2 = x.fma(w, s2);
                    t2 = y.fma(w, t2);
                    w = DoubleVector.fromArray(D, v, v3 + off + j);
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
                DoubleVector w = DoubleVector.fromArray(D, v, v0 + j);
                DoubleVector w0 = DoubleVector.fromArray(D, v, v0 + n + j);
                s0 = DoubleVector.fromArray(D, u, j).fma(w, s0);
                s1 = DoubleVector.fromArray(D, u, n + j).fma(w0, s1);
                t0 = DoubleVector.fromArray(D, u, 2 * n + j).fma(w, t0);
                t1 = DoubleVector.fromArray(D, u, 3 * n + j).fma(w0, t1);
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
        return DoubleVector.zero(zv.species()).blend(x, zv.compare(VectorOperators.GT, 0.0)).blend(x.mul(0.5), zv.compare(VectorOperators.EQ, 0.0));
    }

    /** s(z)·x: x above 0, x/2 at 0, 0 below. */
    private static double gate(double zv, double x) {
        return zv > 0 ? x : zv == 0 ? 0.5 * x : 0.0;
    }

    /**
     * Four rows (offsets {@code zo[r]} into z and {@code mo[r]} into m) of paper B's NT backward pass for the rows
     * d[r·outputs …] of ∂L/∂ŷ, in one pass over z: m_rj ← s(z_rj)·Σ_k d_rk·a₀_kj (s as in {@link #ntOutputs64}; a₀
     * outputs × n, row-major) and daT_kj += Σ_r max(z_rj, 0)·d_rk (their share of ∂a, transposed: outputs × n). A
     * batch whose size is not a multiple of four repeats a row with d = 0 and its m pointed at a spare row.
     */
    public static void ntBackward64(int n, int outputs, MemorySegment z, long[] zo, double[] d, double[] a0, MemorySegment m, long[] mo,
                                     double[] daT) {
        int nv = D.loopBound(n);
        DoubleVector zero = DoubleVector.zero(D);
        for (int j = 0; j < nv; j += D.length()) {
            long o = 8L * j;
            DoubleVector y0 = DoubleVector.fromMemorySegment(D, z, zo[0] + o, NO);
            DoubleVector y1 = DoubleVector.fromMemorySegment(D, z, zo[1] + o, NO);
            DoubleVector y2 = DoubleVector.fromMemorySegment(D, z, zo[2] + o, NO);
            DoubleVector y3 = DoubleVector.fromMemorySegment(D, z, zo[3] + o, NO);
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
                DoubleVector d0 = DoubleVector.broadcast(D, d[k]);
                DoubleVector d1 = DoubleVector.broadcast(D, d[outputs + k]);
                DoubleVector d2 = DoubleVector.broadcast(D, d[2 * outputs + k]);
                DoubleVector d3 = DoubleVector.broadcast(D, d[3 * outputs + k]);
                DoubleVector w = DoubleVector.fromArray(D, a0, at);
                t0 = w.fma(d0, t0);
                t1 = w.fma(d1, t1);
                t2 = w.fma(d2, t2);
                t3 = w.fma(d3, t3);
                r3.fma(d3, r2.fma(d2, r1.fma(d1, r0.fma(d0, DoubleVector.fromArray(D, daT, at))))).intoArray(daT, at);
            }
            gate(y0, t0).intoMemorySegment(m, mo[0] + o, NO);
            gate(y1, t1).intoMemorySegment(m, mo[1] + o, NO);
            gate(y2, t2).intoMemorySegment(m, mo[2] + o, NO);
            gate(y3, t3).intoMemorySegment(m, mo[3] + o, NO);
        }
        for (int j = nv; j < n; j++) {
            for (int r = 0; r < 4; r++) {
                double y = z.get(ED, zo[r] + 8L * j);
                double rj = y > 0 ? y : 0.0;
                double t = 0.0;
                for (int k = 0; k < outputs; k++) {
                    int at = k * n + j;
                    t = Math.fma(a0[at], d[r * outputs + k], t);
                    daT[at] = Math.fma(rj, d[r * outputs + k], daT[at]);
                }
                m.set(ED, mo[r] + 8L * j, gate(y, t));
            }
        }
    }

    /**
     * Column sums of a rows × n block (row stride {@code ld} elements) added into {@code out}: rows are summed in float
     * lanes 32 at a time, then added in double.
     */
    public static void addColumnSums32(int rows, int n, MemorySegment a, long ao, long ld, double[] out) {
        float[] acc = new float[n];
        int nv = F.loopBound(n);
        for (int i0 = 0; i0 < rows; i0 += 32) {
            int i1 = Math.min(rows, i0 + 32);
            for (int i = i0; i < i1; i++) {
                long row = ao + 4L * i * ld;
                int j = 0;
                for (; j < nv; j += F.length()) {
                    FloatVector.fromArray(F, acc, j).add(FloatVector.fromMemorySegment(F, a, row + 4L * j, NO)).intoArray(acc, j);
                }
                for (; j < n; j++) {
                    acc[j] += a.get(EF, row + 4L * j);
                }
            }
            for (int j = 0; j < n; j++) {
                out[j] += acc[j];
                acc[j] = 0;
            }
        }
    }

    /** Column sums of a rows × n block (row stride {@code ld} elements) added into {@code out}. */
    public static void addColumnSums64(int rows, int n, MemorySegment a, long ao, long ld, double[] out) {
        int nv = D.loopBound(n);
        for (int i = 0; i < rows; i++) {
            long row = ao + 8L * i * ld;
            int j = 0;
            for (; j < nv; j += D.length()) {
                DoubleVector.fromArray(D, out, j).add(DoubleVector.fromMemorySegment(D, a, row + 8L * j, NO)).intoArray(out, j);
            }
            for (; j < n; j++) {
                out[j] += a.get(ED, row + 8L * j);
            }
        }
    }

    /**
     * TensorFlow's momentum update with g = scale·(grad + decay·θ): accum ← μ·accum + g, θ ← θ − lr·accum.
     *
     * @return Σθ² before the update
     */
    public static double momentum32(long n, MemorySegment th, MemorySegment gr, MemorySegment ac, float scale, float decay, float lr,
                                    float mu) {
        double sq = 0;
        int len = F.length();
        for (long b0 = 0; b0 < n; b0 += BLOCK) {
            int m = (int) Math.min(BLOCK, n - b0);
            int nv = F.loopBound(m);
            FloatVector s = FloatVector.zero(F);
            int j = 0;
            for (; j < nv; j += len) {
                long o = 4L * (b0 + j);
                FloatVector w = FloatVector.fromMemorySegment(F, th, o, NO);
                s = w.fma(w, s);
                FloatVector g = FloatVector.fromMemorySegment(F, gr, o, NO).add(w.mul(decay)).mul(scale);
                FloatVector a = FloatVector.fromMemorySegment(F, ac, o, NO).mul(mu).add(g);
                a.intoMemorySegment(ac, o, NO);
                w.sub(a.mul(lr)).intoMemorySegment(th, o, NO);
            }
            sq += laneSum(s);
            for (; j < m; j++) {
                long o = 4L * (b0 + j);
                float w = th.get(EF, o);
                sq += (double) w * w;
                float g = scale * (gr.get(EF, o) + decay * w);
                float a = ac.get(EF, o) * mu + g;
                ac.set(EF, o, a);
                th.set(EF, o, w - a * lr);
            }
        }
        return sq;
    }

    /**
     * TensorFlow's momentum update with g = scale·(grad + decay·θ): accum ← μ·accum + g, θ ← θ − lr·accum.
     *
     * @return Σθ² before the update
     */
    public static double momentum64(long n, MemorySegment th, MemorySegment gr, MemorySegment ac, double scale, double decay, double lr,
                                    double mu) {
        DoubleVector s = DoubleVector.zero(D);
        int len = D.length();
        long nv = n - n % len;
        long j = 0;
        for (; j < nv; j += len) {
            long o = 8L * j;
            DoubleVector w = DoubleVector.fromMemorySegment(D, th, o, NO);
            s = w.fma(w, s);
            DoubleVector g = DoubleVector.fromMemorySegment(D, gr, o, NO).add(w.mul(decay)).mul(scale);
            DoubleVector a = DoubleVector.fromMemorySegment(D, ac, o, NO).mul(mu).add(g);
            a.intoMemorySegment(ac, o, NO);
            w.sub(a.mul(lr)).intoMemorySegment(th, o, NO);
        }
        double sq = laneSum(s);
        for (; j < n; j++) {
            long o = 8L * j;
            double w = th.get(ED, o);
            sq += w * w;
            double g = scale * (gr.get(ED, o) + decay * w);
            double a = ac.get(ED, o) * mu + g;
            ac.set(ED, o, a);
            th.set(ED, o, w - a * lr);
        }
        return sq;
    }

    /**
     * TensorFlow's Adam update with g = scale·(grad + decay·θ): m += (g − m)(1 − β₁), v += (g² − v)(1 − β₂),
     * θ −= α·m/(√v + ε).
     *
     * @return Σθ² before the update
     */
    public static double adam32(long n, MemorySegment th, MemorySegment gr, MemorySegment ms, MemorySegment vs, float scale, float decay,
                                float alpha, float b1, float b2, float eps) {
        float c1 = 1f - b1;
        float c2 = 1f - b2;
        double sq = 0;
        int len = F.length();
        for (long b0 = 0; b0 < n; b0 += BLOCK) {
            int m = (int) Math.min(BLOCK, n - b0);
            int nv = F.loopBound(m);
            FloatVector s = FloatVector.zero(F);
            int j = 0;
            for (; j < nv; j += len) {
                long o = 4L * (b0 + j);
                FloatVector w = FloatVector.fromMemorySegment(F, th, o, NO);
                s = w.fma(w, s);
                FloatVector g = FloatVector.fromMemorySegment(F, gr, o, NO).add(w.mul(decay)).mul(scale);
                FloatVector mi = FloatVector.fromMemorySegment(F, ms, o, NO);
                FloatVector vi = FloatVector.fromMemorySegment(F, vs, o, NO);
                mi = mi.add(g.sub(mi).mul(c1));
                vi = vi.add(g.mul(g).sub(vi).mul(c2));
                mi.intoMemorySegment(ms, o, NO);
                vi.intoMemorySegment(vs, o, NO);
                w.sub(mi.mul(alpha).div(vi.sqrt().add(eps))).intoMemorySegment(th, o, NO);
            }
            sq += laneSum(s);
            for (; j < m; j++) {
                long o = 4L * (b0 + j);
                float w = th.get(EF, o);
                sq += (double) w * w;
                float g = scale * (gr.get(EF, o) + decay * w);
                float mi = ms.get(EF, o);
                float vi = vs.get(EF, o);
                mi += (g - mi) * c1;
                vi += (g * g - vi) * c2;
                ms.set(EF, o, mi);
                vs.set(EF, o, vi);
                th.set(EF, o, w - mi * alpha / ((float) Math.sqrt(vi) + eps));
            }
        }
        return sq;
    }

    /**
     * TensorFlow's Adam update with g = scale·(grad + decay·θ): m += (g − m)(1 − β₁), v += (g² − v)(1 − β₂),
     * θ −= α·m/(√v + ε).
     *
     * @return Σθ² before the update
     */
    public static double adam64(long n, MemorySegment th, MemorySegment gr, MemorySegment ms, MemorySegment vs, double scale, double decay,
                                double alpha, double b1, double b2, double eps) {
        double c1 = 1 - b1;
        double c2 = 1 - b2;
        DoubleVector s = DoubleVector.zero(D);
        int len = D.length();
        long nv = n - n % len;
        long j = 0;
        for (; j < nv; j += len) {
            long o = 8L * j;
            DoubleVector w = DoubleVector.fromMemorySegment(D, th, o, NO);
            s = w.fma(w, s);
            DoubleVector g = DoubleVector.fromMemorySegment(D, gr, o, NO).add(w.mul(decay)).mul(scale);
            DoubleVector mi = DoubleVector.fromMemorySegment(D, ms, o, NO);
            DoubleVector vi = DoubleVector.fromMemorySegment(D, vs, o, NO);
            mi = mi.add(g.sub(mi).mul(c1));
            vi = vi.add(g.mul(g).sub(vi).mul(c2));
            mi.intoMemorySegment(ms, o, NO);
            vi.intoMemorySegment(vs, o, NO);
            w.sub(mi.mul(alpha).div(vi.sqrt().add(eps))).intoMemorySegment(th, o, NO);
        }
        double sq = laneSum(s);
        for (; j < n; j++) {
            long o = 8L * j;
            double w = th.get(ED, o);
            sq += w * w;
            double g = scale * (gr.get(ED, o) + decay * w);
            double mi = ms.get(ED, o);
            double vi = vs.get(ED, o);
            mi += (g - mi) * c1;
            vi += (g * g - vi) * c2;
            ms.set(ED, o, mi);
            vs.set(ED, o, vi);
            th.set(ED, o, w - mi * alpha / (Math.sqrt(vi) + eps));
        }
        return sq;
    }
}
