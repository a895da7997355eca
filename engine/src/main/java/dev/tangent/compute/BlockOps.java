package dev.tangent.compute;

import dev.tangent.memory.Matrix;

/** The two block copies a symmetric Gram needs: a transposed copy and a mirror within a square block. */
interface BlockOps {
    /** dst ← srcᵀ (dst is src.cols × src.rows). */
    void transposeInto(Matrix src, Matrix dst);

    /** The strict lower triangle of the square block a ← its upper triangle, transposed. */
    void mirrorUpperToLower(Matrix a);

    /** dst ← src converted exactly from f32 to f64 (same shape; rows [r0, r1) of both). */
    void widen(Matrix src, Matrix dst, int r0, int r1);

    /** Plain loops: the scalar provider's (no Vector API). */
    BlockOps SCALAR = new BlockOps() {
        @Override
        public void transposeInto(Matrix src, Matrix dst) {
            for (int i = 0; i < src.rows(); i++) {
                for (int j = 0; j < src.cols(); j++) {
                    dst.set(j, i, src.get(i, j));
                }
            }
        }

        @Override
        public void mirrorUpperToLower(Matrix a) {
            for (int i = 0; i < a.rows(); i++) {
                for (int j = 0; j < i; j++) {
                    a.set(i, j, a.get(j, i));
                }
            }
        }

        @Override
        public void widen(Matrix src, Matrix dst, int r0, int r1) {
            java.lang.foreign.MemorySegment s = src.segment();
            java.lang.foreign.MemorySegment d = dst.segment();
            for (int i = r0; i < r1; i++) {
                long so = src.byteIndex(i, 0);
                long dof = dst.byteIndex(i, 0);
                for (int j = 0; j < src.cols(); j++) {
                    d.set(java.lang.foreign.ValueLayout.JAVA_DOUBLE_UNALIGNED, dof + 8L * j,
                            s.get(java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED, so + 4L * j));
                }
            }
        }
    };
}
