package dev.tangent.compute;

import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

/** Block copies shared by the backends and the Gram builder: cache-blocked transposition and mirroring. */
public final class Blocks {
    private Blocks() {
    }

    /** dst = srcᵀ (dst is cols×rows of src, same dtype). */
    public static void transposeInto(Matrix src, Matrix dst) {
        if (dst.rows() != src.cols() || dst.cols() != src.rows() || dst.dtype() != src.dtype()) {
            throw new IllegalArgumentException("transpose " + src + " into " + dst);
        }
        if (src.dtype() == DType.F64) {
            VectorKernels64.transpose(src.rows(), src.cols(), src.segment(), src.offset(), src.ld(), dst.segment(), dst.offset(), dst.ld());
        } else {
            VectorKernels32.transpose(src.rows(), src.cols(), src.segment(), src.offset(), src.ld(), dst.segment(), dst.offset(), dst.ld());
        }
    }

    /** Copies the strict upper triangle of the square matrix {@code a} onto its strict lower triangle. */
    public static void mirrorUpperToLower(Matrix a) {
        if (a.rows() != a.cols()) {
            throw new IllegalArgumentException("mirror of a non-square " + a);
        }
        if (a.dtype() == DType.F64) {
            VectorKernels64.mirrorUpper(a.rows(), a.segment(), a.offset(), a.ld());
        } else {
            VectorKernels32.mirrorUpper(a.rows(), a.segment(), a.offset(), a.ld());
        }
    }

    /** y ← y + a·x element-wise (same shape and dtype), row by row with the Vector API. */
    public static void axpy(double a, Matrix x, Matrix y) {
        if (x.rows() != y.rows() || x.cols() != y.cols() || x.dtype() != y.dtype()) {
            throw new IllegalArgumentException("axpy of " + x + " into " + y);
        }
        for (int i = 0; i < y.rows(); i++) {
            if (y.dtype() == DType.F64) {
                VectorKernels64.axpy(y.cols(), a, x.segment(), x.byteIndex(i, 0), y.segment(), y.byteIndex(i, 0));
            } else {
                VectorKernels32.axpy(y.cols(), (float) a, x.segment(), x.byteIndex(i, 0), y.segment(), y.byteIndex(i, 0));
            }
        }
    }
}
