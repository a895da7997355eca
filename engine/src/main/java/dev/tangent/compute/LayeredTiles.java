package dev.tangent.compute;

import dev.tangent.kernel.ABRelu;
import dev.tangent.kernel.Activation;
import dev.tangent.kernel.Dense;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.kernel.Layer;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
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
 * The layer-by-layer kernel map of the CPU provider, for stacks the one-step {@link HomogeneousMap} does not cover
 * (biases, non-homogeneous activations): each row of a tile goes through every layer's rule with the Vector API where
 * the layer has a vectorised step here (Dense; the ReLU family, with a polynomial atan2), and through the layer's own
 * scalar rule otherwise. The arithmetic is double precision: an f32 tile is widened on load and narrowed on store, so
 * single-precision Grams lose accuracy only in their GEMM and storage, not in the ill-conditioned √(q q′ − c²) of
 * nearly collinear pairs. The reference is the layers' scalar rules ({@link KernelSpec#evaluate}).
 */
final class LayeredTiles implements TileMap {
    static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    /** Floats with as many lanes as S, for widening f32 tiles. */
    static final VectorSpecies<Float> SF = FloatVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(S.vectorBitSize() / 2));
    static final int L = S.length();
    static final ByteOrder NO = ByteOrder.nativeOrder();
    static final double PI = Math.PI;
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

    private final KernelSpec spec;
    private final Layer[] layers;
    private final boolean ntk;
    private final double scale;
    /** qa[k][i]: the variance of row point i entering layer k; qb the same for the column points. */
    private final double[][] qa;
    private final double[][] qb;

    LayeredTiles(KernelSpec spec, double[] nx, double[] ny, int d) {
        this.spec = spec;
        this.layers = spec.layers().toArray(new Layer[0]);
        this.ntk = spec.kind() == KernelSpec.Kind.NTK;
        this.scale = spec.input().scale(d);
        this.qa = variances(spec, nx, d);
        this.qb = ny == nx ? qa : variances(spec, ny, d);
    }

    private static double[][] variances(KernelSpec spec, double[] sq, int d) {
        double[][] q = new double[spec.layers().size()][sq.length];
        for (int i = 0; i < sq.length; i++) {
            double[] v = spec.variances(sq[i], d);
            for (int k = 0; k < v.length; k++) {
                q[k][i] = v[k];
            }
        }
        return q;
    }

    @Override
    public void apply(Matrix t, int i0, int j0) {
        int cols = t.cols();
        int cv = S.loopBound(cols);
        boolean f64 = t.dtype() == DType.F64;
        double[] cRow = new double[cols];
        double[] thRow = new double[cols];
        for (int i = 0; i < t.rows(); i++) {
            long row = t.byteIndex(i, 0);
            load(f64, cols, cv, t.segment(), row, scale, cRow);
            java.util.Arrays.fill(thRow, 0);
            for (int k = 0; k < layers.length; k++) {
                Layer layer = layers[k];
                double qi = qa[k][i0 + i];
                if (layer instanceof Dense dense) {
                    dense(cols, cRow, thRow, dense.weightStd() * dense.weightStd(), dense.biasStd() * dense.biasStd());
                } else if (layer instanceof ABRelu r && !(r.a() == r.b())) {
                    double amp = (r.a() - r.b()) * (r.a() - r.b()) / (2 * Math.PI);
                    double half = (r.a() * r.a() + r.b() * r.b()) / 2;
                    // dotKernel = (π_eff − θ)·amp with π_eff = half/amp (π for ReLU, the reference's operation order)
                    double piEff = r.equals(ABRelu.RELU) ? Math.PI : half / amp;
                    abRelu(cv, cRow, thRow, qb[k], j0, qi, amp, piEff);
                    Activation act = (Activation) layer;
                    for (int j = cv; j < cols; j++) {
                        scalar(act, cRow, thRow, j, qi, qb[k][j0 + j]);
                    }
                } else {
                    Activation act = (Activation) layer;
                    for (int j = 0; j < cols; j++) {
                        scalar(act, cRow, thRow, j, qi, qb[k][j0 + j]);
                    }
                }
            }
            store(f64, cols, cv, ntk ? thRow : cRow, t.segment(), row);
        }
    }

    /** A layer's own scalar rule at one entry. */
    private static void scalar(Activation act, double[] cRow, double[] thRow, int j, double qi, double qj) {
        double c = cRow[j];
        thRow[j] *= act.dotKernel(c, qi, qj);
        cRow[j] = act.nngp(c, qi, qj);
    }

    /** Dense: c ← w² c + b², Θ ← c + w² Θ (a plain loop: C2 vectorises it). */
    private static void dense(int cols, double[] cRow, double[] thRow, double w2, double b2) {
        for (int j = 0; j < cols; j++) {
            double c = w2 * cRow[j] + b2;
            cRow[j] = c;
            thRow[j] = c + w2 * thRow[j];
        }
    }

    /** cRow[j] = scale·t[j] for one tile row. */
    private static void load(boolean f64, int cols, int cv, MemorySegment t, long row, double scale, double[] cRow) {
        if (f64) {
            for (int j = 0; j < cv; j += L) {
                DoubleVector.fromMemorySegment(S, t, row + 8L * j, NO).mul(scale).intoArray(cRow, j);
            }
            for (int j = cv; j < cols; j++) {
                cRow[j] = t.get(ValueLayout.JAVA_DOUBLE_UNALIGNED, row + 8L * j) * scale;
            }
        } else {
            for (int j = 0; j < cv; j += L) {
                ((DoubleVector) FloatVector.fromMemorySegment(SF, t, row + 4L * j, NO).convertShape(VectorOperators.F2D, S, 0))
                        .mul(scale).intoArray(cRow, j);
            }
            for (int j = cv; j < cols; j++) {
                cRow[j] = t.get(ValueLayout.JAVA_FLOAT_UNALIGNED, row + 4L * j) * scale;
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
     * One ABReLU step over the first cv entries of a row: s = √max(q q′ − c², 0), θ = atan2(s, c),
     * k = (π_eff − θ)·amp, c ← amp·s + k·c, Θ ← k·Θ. A method of its own with only scalar and array parameters, so
     * that C2 keeps its vectors in registers.
     */
    private static void abRelu(int cv, double[] cRow, double[] thRow, double[] qbl, int j0, double qi, double amp, double piEff) {
        DoubleVector vAmp = DoubleVector.broadcast(S, amp);
        DoubleVector vPiEff = DoubleVector.broadcast(S, piEff);
        DoubleVector zero = DoubleVector.zero(S);
        for (int j = 0; j < cv; j += L) {
            DoubleVector c = DoubleVector.fromArray(S, cRow, j);
            DoubleVector s = c.neg().fma(c, DoubleVector.fromArray(S, qbl, j0 + j).mul(qi)).max(zero).sqrt();
            DoubleVector k = vPiEff.sub(angle(s, c)).mul(vAmp);
            s.mul(vAmp).add(k.mul(c)).intoArray(cRow, j);
            k.mul(DoubleVector.fromArray(S, thRow, j)).intoArray(thRow, j);
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
