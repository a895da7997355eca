package dev.tangent.compute;

import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Products of a host kernel A (f32 or f64) with double-precision blocks, in double-precision arithmetic: the f32
 * entries are widened (exactly) to f64 tile by tile, and each tile goes through one single-threaded GEMM of the
 * backend, the threads working on disjoint tiles. This is where f32 kernel storage meets f64 accumulation: an f32 GEMM
 * of a kernel with a solver's vectors rounds every product term to 24 bits, which bounds a ridge solve's attainable
 * residual near 1e-4 at n = 60,000. Tiles of {@value #TILE_ROWS} × {@value #TILE_COLS} (16 MiB in f64) stay in the
 * last-level cache between their widening and their GEMM, so the kernel is read from memory once per product, in f32;
 * a thread owns whole block rows of the output (or, for Aᵀ·V, whole block columns of A), so the GEMMs accumulate
 * without locks, and the right-hand block (a slice of V) is small enough for the GEMM to pack it cheaply.
 */
final class WideProduct {
    static final int TILE_ROWS = 2048;
    static final int TILE_COLS = 1024;

    private WideProduct() {
    }

    /**
     * OUT = op(A)·V, or OUT += op(A)·V when {@code accumulate}, with op(A) = A or Aᵀ. V and OUT are f64 host matrices.
     *
     * @param backend the multi-threaded backend (an f64 A goes to its GEMM whole)
     */
    static void multiply(Backend backend, BlockOps ops, int threads, Matrix a, boolean transA, Matrix v, Matrix out, boolean accumulate) {
        if (v.dtype() != DType.F64 || out.dtype() != DType.F64) {
            throw new IllegalArgumentException("wide products take f64 operands, found " + v + " and " + out);
        }
        int rows = a.rows();
        int cols = a.cols();
        if ((transA ? rows : cols) != v.rows() || (transA ? cols : rows) != out.rows() || v.cols() != out.cols()) {
            throw new IllegalArgumentException("product of " + (transA ? "the transpose of " : "") + a + " with " + v + " into " + out);
        }
        if (out.rows() == 0 || out.cols() == 0) {
            return;
        }
        if (rows == 0 || cols == 0) {
            if (!accumulate) {
                zero(out);
            }
            return;
        }
        if (a.dtype() == DType.F64) {
            backend.gemm(transA, false, 1.0, a, v, accumulate ? 1.0 : 0.0, out);
            return;
        }
        Backend serial = backend.serial();
        // blocks of the output's rows: rows of A, or columns of A for Aᵀ
        int outBlock = transA ? TILE_COLS : TILE_ROWS;
        int inBlock = transA ? TILE_ROWS : TILE_COLS;
        int blocks = (out.rows() + outBlock - 1) / outBlock;
        AtomicInteger next = new AtomicInteger();
        Parallel.run(Math.min(threads, blocks), "tangent-wide-product", () -> {
            try (Matrix tile = Matrix.allocate(Math.min(TILE_ROWS, rows), Math.min(TILE_COLS, cols), DType.F64)) {
                for (int b; (b = next.getAndIncrement()) < blocks; ) {
                    int o0 = b * outBlock;
                    int oh = Math.min(outBlock, out.rows() - o0);
                    int inner = transA ? rows : cols;
                    for (int p0 = 0; p0 < inner; p0 += inBlock) {
                        int ph = Math.min(inBlock, inner - p0);
                        Matrix src = transA ? a.view(p0, o0, ph, oh) : a.view(o0, p0, oh, ph);
                        Matrix t = tile.view(0, 0, src.rows(), src.cols());
                        ops.widen(src, t, 0, src.rows());
                        serial.gemm(transA, false, 1.0, t, v.rows(p0, ph), accumulate || p0 > 0 ? 1.0 : 0.0, out.rows(o0, oh));
                    }
                }
            }
        });
    }

    /**
     * OUT = K·V for a symmetric K held in the strict upper triangle of {@code a} and {@code diagonal} (the lower triangle
     * holds something else: a Cholesky factor in place). Square tiles of the upper triangle: a diagonal tile is rebuilt
     * symmetric, an off-diagonal tile T at (I, J) adds T·V_J to OUT_I and Tᵀ·V_I to OUT_J. The threads take tiles in turn
     * and accumulate into private copies of OUT, summed at the end (n·m doubles per thread).
     */
    static void multiplyUpper(Backend backend, BlockOps ops, int threads, Matrix a, double[] diagonal, Matrix v, Matrix out) {
        int n = a.rows();
        int m = v.cols();
        int b = TILE_COLS;
        int nb = (n + b - 1) / b;
        int tiles = nb * (nb + 1) / 2;
        Backend serial = backend.serial();
        int workers = Math.max(1, Math.min(threads, tiles));
        Matrix[] partial = new Matrix[workers];
        AtomicInteger next = new AtomicInteger();
        AtomicInteger slot = new AtomicInteger();
        try {
            for (int w = 0; w < workers; w++) {
                partial[w] = w == 0 ? out : Matrix.allocate(n, m, DType.F64);
                zero(partial[w]);
            }
            Parallel.run(workers, "tangent-upper-product", () -> {
                Matrix acc = partial[slot.getAndIncrement()];
                try (Matrix tile = Matrix.allocate(Math.min(b, n), Math.min(b, n), DType.F64)) {
                    for (int t; (t = next.getAndIncrement()) < tiles; ) {
                        int bi = 0;
                        int rem = t;
                        while (rem >= nb - bi) { // tile t of the upper triangle, row-major over block rows
                            rem -= nb - bi;
                            bi++;
                        }
                        int bj = bi + rem;
                        int i0 = bi * b;
                        int j0 = bj * b;
                        int h = Math.min(b, n - i0);
                        int w = Math.min(b, n - j0);
                        Matrix tv = tile.view(0, 0, h, w);
                        if (bi == bj) {
                            for (int i = 0; i < h; i++) {
                                tv.set(i, i, diagonal[i0 + i]);
                                for (int j = i + 1; j < h; j++) {
                                    double kij = a.get(i0 + i, i0 + j);
                                    tv.set(i, j, kij);
                                    tv.set(j, i, kij);
                                }
                            }
                            serial.gemm(false, false, 1.0, tv, v.rows(i0, h), 1.0, acc.rows(i0, h));
                        } else {
                            Matrix src = a.view(i0, j0, h, w);
                            if (src.dtype() == DType.F64) {
                                src.copyInto(tv);
                            } else {
                                ops.widen(src, tv, 0, h);
                            }
                            serial.gemm(false, false, 1.0, tv, v.rows(j0, w), 1.0, acc.rows(i0, h));
                            serial.gemm(true, false, 1.0, tv, v.rows(i0, h), 1.0, acc.rows(j0, w));
                        }
                    }
                }
            });
            for (int w = 1; w < workers; w++) {
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < m; j++) {
                        out.set(i, j, out.get(i, j) + partial[w].get(i, j));
                    }
                }
            }
        } finally {
            for (int w = 1; w < workers; w++) {
                if (partial[w] != null) {
                    partial[w].close();
                }
            }
        }
    }

    static void zero(Matrix m) {
        for (int i = 0; i < m.rows(); i++) {
            m.segment().asSlice(m.byteIndex(i, 0), (long) m.cols() * m.dtype().bytes()).fill((byte) 0);
        }
    }
}
