package dev.tangent.compute;

import dev.tangent.memory.DType;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * {@link RowOps} with the Vector API: two accumulators, f32 rows widened to double lanes. Loaded reflectively. The
 * lanes are summed in a fixed order in scalar code, not by {@code reduceLanes}, whose order is unspecified and differs
 * between the interpreter and C2: results are the same bits whatever the JIT state (resumed runs rely on it).
 */
final class PanamaRowOps implements RowOps {
    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Float> SF = FloatVector.SPECIES_PREFERRED.withShape(VectorShape.forBitSize(S.vectorBitSize() / 2));
    private static final int L = S.length();
    private static final ByteOrder NO = ByteOrder.nativeOrder();

    PanamaRowOps() {
    }

    private static DoubleVector load(MemorySegment row, boolean f32, int j) {
        return f32 ? (DoubleVector) FloatVector.fromMemorySegment(SF, row, 4L * j, NO).convertShape(VectorOperators.F2D, S, 0)
                : DoubleVector.fromMemorySegment(S, row, 8L * j, NO);
    }

    @Override
    public double dot(MemorySegment row, DType t, double[] v, int n) {
        boolean f32 = t == DType.F32;
        int nv = S.loopBound(n);
        DoubleVector s0 = DoubleVector.zero(S);
        DoubleVector s1 = DoubleVector.zero(S);
        int j = 0;
        for (; j + 2 * L <= nv; j += 2 * L) {
            s0 = load(row, f32, j).fma(DoubleVector.fromArray(S, v, j), s0);
            s1 = load(row, f32, j + L).fma(DoubleVector.fromArray(S, v, j + L), s1);
        }
        for (; j < nv; j += L) {
            s0 = load(row, f32, j).fma(DoubleVector.fromArray(S, v, j), s0);
        }
        double[] lanes = new double[L];
        s0.add(s1).intoArray(lanes, 0);
        double s = 0;
        for (double lane : lanes) {
            s += lane;
        }
        for (; j < n; j++) {
            s += (f32 ? row.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, j) : row.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, j)) * v[j];
        }
        return s;
    }

    @Override
    public void axpy(MemorySegment row, DType t, double a, double[] y, int n) {
        boolean f32 = t == DType.F32;
        DoubleVector va = DoubleVector.broadcast(S, a);
        int nb = S.loopBound(n);
        int k = 0;
        for (; k < nb; k += L) {
            load(row, f32, k).fma(va, DoubleVector.fromArray(S, y, k)).intoArray(y, k);
        }
        for (; k < n; k++) {
            y[k] += a * (f32 ? row.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, k) : row.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, k));
        }
    }
}
