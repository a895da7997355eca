package dev.tangent.compute;

import dev.tangent.memory.Matrix;

/** The two block copies a symmetric Gram needs: a transposed copy and a mirror within a square block. */
interface BlockOps {
    /** dst ← srcᵀ (dst is src.cols × src.rows). */
    void transposeInto(Matrix src, Matrix dst);

    /** The strict lower triangle of the square block a ← its upper triangle, transposed. */
    void mirrorUpperToLower(Matrix a);

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
    };
}
