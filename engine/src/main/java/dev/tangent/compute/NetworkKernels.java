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
 * Vector API loops for the element-wise steps of the finite networks (bias + ReLU, ReLU's mask, column sums, and the
 * TensorFlow optimiser updates; paper B's NT row passes are in {@link NeuralTangentRows64}), in single and double
 * precision, on contiguous runs of {@code n} elements at byte offsets. Each f32 loop keeps TensorFlow's float arithmetic; sums of squares and
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
