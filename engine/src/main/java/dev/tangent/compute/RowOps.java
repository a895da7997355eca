package dev.tangent.compute;

import dev.tangent.memory.DType;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The two loops consumers run over kernel rows ({@link KernelMatrix#row}): a dot product with a vector and an axpy
 * into one, both accumulated in double precision whatever the row's dtype. Two implementations, chosen once
 * (Lucene's pattern): the Vector API one when the incubator module is readable, plain loops otherwise.
 */
public interface RowOps {
    /** Σ_j row[j]·v[j] over n elements of {@code t} at byte 0 of {@code row}. */
    double dot(MemorySegment row, DType t, double[] v, int n);

    /** y[j] += a·row[j] for j &lt; n. */
    void axpy(MemorySegment row, DType t, double a, double[] y, int n);

    /** The implementation for this JVM. */
    static RowOps get() {
        return Holder.INSTANCE;
    }

    /** Plain loops: the reference, and the fallback without the Vector API. */
    RowOps SCALAR = new RowOps() {
        @Override
        public double dot(MemorySegment row, DType t, double[] v, int n) {
            double s = 0;
            if (t == DType.F64) {
                for (int j = 0; j < n; j++) {
                    s += row.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, j) * v[j];
                }
            } else {
                for (int j = 0; j < n; j++) {
                    s += row.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, j) * v[j];
                }
            }
            return s;
        }

        @Override
        public void axpy(MemorySegment row, DType t, double a, double[] y, int n) {
            if (t == DType.F64) {
                for (int j = 0; j < n; j++) {
                    y[j] += a * row.getAtIndex(ValueLayout.JAVA_DOUBLE_UNALIGNED, j);
                }
            } else {
                for (int j = 0; j < n; j++) {
                    y[j] += a * row.getAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, j);
                }
            }
        }
    };

    final class Holder {
        static final RowOps INSTANCE = KernelProviders.vectorApiReadable()
                ? (RowOps) KernelProviders.instantiate("dev.tangent.compute.PanamaRowOps") : SCALAR;

        private Holder() {
        }
    }
}
