package dev.tangent.network;

import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/** Element-wise steps of the network passes, on contiguous or strided matrices of either dtype. */
final class Elementwise {
    private Elementwise() {
    }

    /** a ← max(a, 0). */
    static void relu(Matrix a) {
        MemorySegment s = a.segment();
        for (int i = 0; i < a.rows(); i++) {
            long row = a.byteIndex(i, 0);
            if (a.dtype() == DType.F64) {
                for (int j = 0; j < a.cols(); j++) {
                    long at = row + 8L * j;
                    if (!(s.get(ValueLayout.JAVA_DOUBLE_UNALIGNED, at) > 0)) {
                        s.set(ValueLayout.JAVA_DOUBLE_UNALIGNED, at, 0.0);
                    }
                }
            } else {
                for (int j = 0; j < a.cols(); j++) {
                    long at = row + 4L * j;
                    if (!(s.get(ValueLayout.JAVA_FLOAT_UNALIGNED, at) > 0)) {
                        s.set(ValueLayout.JAVA_FLOAT_UNALIGNED, at, 0f);
                    }
                }
            }
        }
    }

    /** delta ← delta ⊙ 1[z &gt; 0] (σ′ of ReLU, 0 at the kink). */
    static void maskPositive(Matrix delta, Matrix z) {
        MemorySegment s = delta.segment();
        MemorySegment zs = z.segment();
        for (int i = 0; i < delta.rows(); i++) {
            long row = delta.byteIndex(i, 0);
            long zrow = z.byteIndex(i, 0);
            if (delta.dtype() == DType.F64) {
                for (int j = 0; j < delta.cols(); j++) {
                    if (!(zs.get(ValueLayout.JAVA_DOUBLE_UNALIGNED, zrow + 8L * j) > 0)) {
                        s.set(ValueLayout.JAVA_DOUBLE_UNALIGNED, row + 8L * j, 0.0);
                    }
                }
            } else {
                for (int j = 0; j < delta.cols(); j++) {
                    if (!(zs.get(ValueLayout.JAVA_FLOAT_UNALIGNED, zrow + 4L * j) > 0)) {
                        s.set(ValueLayout.JAVA_FLOAT_UNALIGNED, row + 4L * j, 0f);
                    }
                }
            }
        }
    }

    /** y ← y + a·x (same shape). */
    static void axpy(double a, Matrix x, Matrix y) {
        dev.tangent.compute.Blocks.axpy(a, x, y);
    }
}
