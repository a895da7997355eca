package dev.tangent.compute;

import dev.tangent.memory.Matrix;

/** Turns a block of inner products into kernel values in place: the elementwise half of a Gram matrix. */
@FunctionalInterface
interface TileMap {
    /**
     * @param c  a block whose entry (i, j) holds ⟨x_{i0+i}, y_{j0+j}⟩ and receives K(x_{i0+i}, y_{j0+j})
     * @param i0 the row point of the block's first row
     * @param j0 the column point of the block's first column
     */
    void apply(Matrix c, int i0, int j0);
}
