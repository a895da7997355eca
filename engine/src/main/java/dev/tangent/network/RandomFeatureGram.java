package dev.tangent.network;

import dev.tangent.TangentException;
import dev.tangent.compute.Backend;
import dev.tangent.compute.Blocks;
import dev.tangent.compute.KernelProvider;
import dev.tangent.data.rng.NumpyRandom;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

/**
 * The finite-width random-features Gram of paper B's CIFAR-2 experiment (spec §7.5 kernel {@code rf},
 * {@code RF_Kernel_Gen.py}), for widths far beyond what can be held as features:
 * <pre>
 *   K = 11ᵀ + Σ_blocks σ(X W_b) σ(X W_b)ᵀ,    K_test = 11ᵀ + Σ_blocks σ(X_t W_b) σ(X W_b)ᵀ
 * </pre>
 * with {@code np.random.seed(seed)} once and, per block of {@code block} features,
 * {@code W_b = np.random.normal(size=(d, block)) / np.sqrt(d)} (not column-normalised, unlike the RF model's W), in
 * float64, not divided by N (spec §10 item 14). The reference runs int(N/block) blocks, so a width that is not a
 * multiple of the block loses its last partial block; {@link #blocks} says how many run.
 *
 * <p>Streamed: a block's W (d × block) is drawn whole (the stream is row-major), then taken in column chunks of
 * {@code chunk} features: Z = σ(X W_chunk) (n × chunk), K += ZZᵀ (syrk, upper triangle) and K_test += Z_t Zᵀ. The
 * features are never held beyond one chunk. The result is a host matrix a {@link KernelProvider} can
 * {@link KernelProvider#adopt adopt} as a precomputed kernel, or write as an {@code .npy} Gram ({@code tangent rf-gram}).
 */
public final class RandomFeatureGram {
    private RandomFeatureGram() {
    }

    /** The blocks of {@code block} features a width of {@code width} runs (the reference's int(N / block)). */
    public static long blocks(long width, int block) {
        return width / block;
    }

    /**
     * Accumulates the Grams: {@code k} (n × n, f64) and, when {@code xt} is not null, {@code kt} (n_t × n, f64), both
     * overwritten. Inputs are converted to f64 as numpy's {@code np.dot(X, W)} upcasts float32 data.
     *
     * @param chunk features per streamed chunk (memory: n × chunk doubles for Z)
     */
    public static void compute(Backend backend, Matrix x, Matrix xt, long width, int block, long seed, int chunk, Matrix k, Matrix kt,
                               KernelProvider.Progress progress) {
        if (block < 1 || chunk < 1) {
            throw new TangentException("--block must be >= 1, found " + block);
        }
        long nb = blocks(width, block);
        if (nb < 1) {
            throw new TangentException("--width " + width + " is smaller than one --block of " + block + " features; expected a width of at "
                    + "least one block (the reference runs int(width / block) blocks)");
        }
        int n = x.rows();
        int d = x.cols();
        if (k.rows() != n || k.cols() != n || k.dtype() != DType.F64 || (xt != null && (kt.rows() != xt.rows() || kt.cols() != n
                || kt.dtype() != DType.F64 || xt.cols() != d))) {
            throw new IllegalArgumentException("Gram shapes: x " + x + ", xt " + xt + ", k " + k + ", kt " + kt);
        }
        fill(k, 1.0);
        if (kt != null) {
            fill(kt, 1.0);
        }
        int c = Math.min(chunk, block);
        long chunksPerBlock = (block + c - 1) / c;
        long total = nb * chunksPerBlock;
        long done = 0;
        NumpyRandom rng = new NumpyRandom(seed);
        double sd = Math.sqrt(d);
        try (Matrix x64 = x.copy(DType.F64); Matrix xt64 = xt == null ? null : xt.copy(DType.F64);
             Matrix w = Matrix.allocate(d, block, DType.F64); Matrix z = Matrix.allocate(n, c, DType.F64);
             Matrix zt = xt == null ? null : Matrix.allocate(xt.rows(), c, DType.F64)) {
            for (long blk = 0; blk < nb; blk++) {
                for (int i = 0; i < d; i++) {
                    for (int j = 0; j < block; j++) {
                        w.set(i, j, rng.nextGaussian() / sd);
                    }
                }
                for (int j0 = 0; j0 < block; j0 += c) {
                    int m = Math.min(c, block - j0);
                    Matrix wc = w.view(0, j0, d, m);
                    Matrix zc = m == c ? z : z.view(0, 0, n, m);
                    backend.gemm(false, false, 1.0, x64, wc, 0.0, zc);
                    Elementwise.biasRelu(zc, null, zc, 1.0);
                    backend.syrk(1.0, zc, 1.0, k);
                    if (xt64 != null) {
                        Matrix ztc = m == c ? zt : zt.view(0, 0, xt64.rows(), m);
                        backend.gemm(false, false, 1.0, xt64, wc, 0.0, ztc);
                        Elementwise.biasRelu(ztc, null, ztc, 1.0);
                        backend.gemm(false, true, 1.0, ztc, zc, 1.0, kt);
                    }
                    progress.done(++done, total);
                }
            }
        }
        Blocks.mirrorUpperToLower(k);
    }

    private static void fill(Matrix m, double v) {
        for (int i = 0; i < m.rows(); i++) {
            for (int j = 0; j < m.cols(); j++) {
                m.set(i, j, v);
            }
        }
    }
}
