package dev.tangent.network;

import dev.tangent.compute.NetworkKernels;
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

    /** Σ θ² over the matrix, in double. */
    static double sumOfSquares(Matrix a) {
        MemorySegment s = a.segment();
        double sum = 0;
        for (int i = 0; i < a.rows(); i++) {
            long row = a.byteIndex(i, 0);
            if (a.dtype() == DType.F64) {
                for (int j = 0; j < a.cols(); j++) {
                    double v = s.get(ValueLayout.JAVA_DOUBLE_UNALIGNED, row + 8L * j);
                    sum += v * v;
                }
            } else {
                for (int j = 0; j < a.cols(); j++) {
                    double v = s.get(ValueLayout.JAVA_FLOAT_UNALIGNED, row + 4L * j);
                    sum += v * v;
                }
            }
        }
        return sum;
    }

    /**
     * z ← z + 1·bᵀ (b a 1 × N row, or null for none), then h ← scale·max(z, 0): a hidden layer's bias and ReLU in one
     * pass (z keeps the pre-activations for the backward pass).
     */
    static void biasRelu(Matrix z, Matrix b, Matrix h, double scale) {
        int n = z.cols();
        for (int i = 0; i < z.rows(); i++) {
            if (z.dtype() == DType.F64) {
                NetworkKernels.biasRelu64(n, z.segment(), z.byteIndex(i, 0), b == null ? null : b.segment(),
                        b == null ? -1 : b.byteIndex(0, 0), h.segment(), h.byteIndex(i, 0), scale);
            } else {
                NetworkKernels.biasRelu32(n, z.segment(), z.byteIndex(i, 0), b == null ? null : b.segment(),
                        b == null ? -1 : b.byteIndex(0, 0), h.segment(), h.byteIndex(i, 0), (float) scale);
            }
        }
    }

    /**
     * d ← scale·d ⊙ 1[z &gt; 0] (ReLU's derivative, 0 at the kink as TensorFlow's), returning the column sums of the
     * result (a bias gradient), in double.
     */
    static double[] maskScaleColumnSums(Matrix d, Matrix z, double scale) {
        int n = d.cols();
        for (int i = 0; i < d.rows(); i++) {
            if (d.dtype() == DType.F64) {
                NetworkKernels.maskScale64(n, d.segment(), d.byteIndex(i, 0), z.segment(), z.byteIndex(i, 0), scale);
            } else {
                NetworkKernels.maskScale32(n, d.segment(), d.byteIndex(i, 0), z.segment(), z.byteIndex(i, 0), (float) scale);
            }
        }
        return columnSums(d);
    }

    /** y ← y + 1·cᵀ: the 1 × C output bias added to every row. */
    static void addRow(Matrix y, Matrix c) {
        for (int i = 0; i < y.rows(); i++) {
            for (int k = 0; k < y.cols(); k++) {
                y.set(i, k, y.get(i, k) + c.get(0, k));
            }
        }
    }

    /** Column sums of r, in double. */
    static double[] columnSums(Matrix r) {
        double[] s = new double[r.cols()];
        if (r.dtype() == DType.F64) {
            NetworkKernels.addColumnSums64(r.rows(), r.cols(), r.segment(), r.byteIndex(0, 0), r.ld(), s);
        } else {
            NetworkKernels.addColumnSums32(r.rows(), r.cols(), r.segment(), r.byteIndex(0, 0), r.ld(), s);
        }
        return s;
    }

    /** Writes {@code v} into the 1 × n row matrix {@code row}. */
    static void setRow(Matrix row, double[] v) {
        for (int j = 0; j < v.length; j++) {
            row.set(0, j, v[j]);
        }
    }
}
