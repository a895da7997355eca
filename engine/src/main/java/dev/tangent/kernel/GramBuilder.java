package dev.tangent.kernel;

import dev.tangent.TangentException;
import dev.tangent.compute.Backend;
import dev.tangent.compute.Parallel;
import dev.tangent.compute.Blocks;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Builds analytic NNGP/NTK Gram matrices K[i][j] = k(x_i, y_j), tiled, multi-threaded and fused: each chunk of inner
 * products X_I·Y_Jᵀ (a panel of 2·tile rows by 4·tile columns) is produced by one backend GEMM directly in the
 * output, then walked in tile×tile blocks that go, while in cache, through the whole kernel map ({@link
 * HomogeneousMap} in one step for bias-free kernels, {@link NtkMap} layer by layer otherwise). For K(X, X) only the
 * chunks right of the diagonal and the diagonal blocks (by SYRK) are computed; each block is mirrored into its
 * transposed place, so the result is exactly symmetric, and the diagonal is set from the squared norms (c = q
 * exactly, so θ = 0 exactly there).
 *
 * <p>The inner products are computed in the output's dtype (an f32 Gram takes f32 inputs and runs sgemm). The
 * layer-by-layer recursion always runs in double precision; the one-step map of bias-free kernels runs in the
 * output's precision (see {@link HomogeneousMap}).
 */
public final class GramBuilder {
    /** Default tile edge (map and mirror blocks): a 256×256 f64 tile is 512 KiB, half an L2 of current cores. */
    public static final int DEFAULT_TILE = 256;

    /** Receives the number of finished work items (GEMM chunks and diagonal blocks); called from worker threads. */
    @FunctionalInterface
    public interface Progress {
        void tilesDone(long done, long total);

        Progress NONE = (d, t) -> { };
    }

    private final Backend backend;
    private final int threads;
    private final int tile;
    private final Progress progress;

    public GramBuilder(Backend backend, int threads, int tile, Progress progress) {
        if (threads < 1 || tile < 8) {
            throw new IllegalArgumentException("threads >= 1 and tile >= 8 required");
        }
        this.backend = backend.serial();
        this.threads = threads;
        this.tile = tile;
        this.progress = progress;
    }

    public GramBuilder(Backend backend, int threads) {
        this(backend, threads, DEFAULT_TILE, Progress.NONE);
    }

    /** K(X, X) in a new matrix of X's dtype. */
    public Matrix build(KernelSpec spec, Matrix x) {
        Matrix out = Matrix.allocate(x.rows(), x.rows(), x.dtype());
        try {
            build(spec, x, null, out);
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
        return out;
    }

    /** K(X, Y) in a new matrix of X's dtype; Y = null means Y = X (symmetric path). */
    public Matrix build(KernelSpec spec, Matrix x, Matrix y) {
        Matrix out = Matrix.allocate(x.rows(), y == null ? x.rows() : y.rows(), x.dtype());
        try {
            build(spec, x, y, out);
        } catch (RuntimeException e) {
            out.close();
            throw e;
        }
        return out;
    }

    /**
     * Writes K(X, Y) into {@code out} (rows of X × rows of Y); {@code y == null} means Y = X. All three matrices must
     * have the same dtype.
     */
    public void build(KernelSpec spec, Matrix x, Matrix y, Matrix out) {
        boolean sym = y == null || y == x;
        Matrix yy = sym ? x : y;
        if (x.cols() != yy.cols()) {
            throw new TangentException("feature counts differ: " + x.cols() + " and " + yy.cols());
        }
        if (out.rows() != x.rows() || out.cols() != yy.rows()) {
            throw new IllegalArgumentException("output is " + out.rows() + "x" + out.cols() + ", expected "
                    + x.rows() + "x" + yy.rows());
        }
        if (x.dtype() != out.dtype() || yy.dtype() != out.dtype()) {
            throw new IllegalArgumentException("inputs and output must share a dtype");
        }
        int d = x.cols();
        double[] nx = squaredNorms(x);
        double[] ny = sym ? nx : squaredNorms(yy);
        HomogeneousMap hm = HomogeneousMap.applies(spec) ? homogeneous(spec) : null;
        double[][] qa = hm != null ? null : diagonals(spec, nx, d);
        double[][] qb = hm != null || sym ? qa : diagonals(spec, ny, d);
        HomogeneousMap.Norms na = hm == null ? null : new HomogeneousMap.Norms(nx);
        HomogeneousMap.Norms nb = hm == null || sym ? na : new HomogeneousMap.Norms(ny);

        // Work items: row panels of 2·tile rows, each cut into chunks of 4·tile columns (K(X, X): only the chunks right
        // of the diagonal block, which is one item of its own). One GEMM call per chunk keeps the backend's packing
        // amortised over many columns (the cost of one call per tile×tile block was about 7% of the whole GEMM); the
        // kernel map and the mirror then walk the chunk in tile×tile blocks, which fit in L2.
        int panel = 2 * tile;
        int chunk = 4 * tile;
        List<int[]> items = new ArrayList<>();
        for (int i0 = 0; i0 < x.rows(); i0 += panel) {
            int mi = Math.min(panel, x.rows() - i0);
            if (sym) {
                items.add(new int[] {i0, i0, mi});
            }
            for (int c0 = sym ? i0 + mi : 0; c0 < yy.rows(); c0 += chunk) {
                items.add(new int[] {i0, c0, Math.min(chunk, yy.rows() - c0)});
            }
        }
        AtomicLong done = new AtomicLong();
        long total = items.size();
        TileMap map = hm != null
                ? (c, i, j) -> hm.map(c.dtype(), c.rows(), c.cols(), c.segment(), c.offset(), c.ld(), na, i, nb, j, 1.0 / d)
                : (c, i, j) -> mapTile(spec, c, qa, i, qb, j, d);
        runAll(items.size(), q -> {
            int i0 = items.get(q)[0];
            int c0 = items.get(q)[1];
            int w = items.get(q)[2];
            int mi = Math.min(panel, x.rows() - i0);
            if (sym && c0 == i0) {
                backend.syrk(1.0, x.rows(i0, mi), 0.0, out.view(i0, i0, mi, mi));
                for (int rr = i0; rr < i0 + mi; rr += tile) {
                    int h = Math.min(tile, i0 + mi - rr);
                    // the diagonal tile: its upper triangle row by row (SYRK left the lower one alone), then mirrored
                    for (int i = 0; i < h; i++) {
                        map.apply(out.view(rr + i, rr + i, 1, h - i), rr + i, rr + i);
                    }
                    fixDiagonalAndMirror(spec, out.view(rr, rr, h, h), nx, rr, d);
                    mapAndMirror(map, out, rr, h, rr + h, i0 + mi, true);
                }
            } else {
                backend.gemm(false, true, 1.0, x.rows(i0, mi), yy.rows(c0, w), 0.0, out.view(i0, c0, mi, w));
                for (int rr = i0; rr < i0 + mi; rr += tile) {
                    mapAndMirror(map, out, rr, Math.min(tile, i0 + mi - rr), c0, c0 + w, sym);
                }
            }
            progress.tilesDone(done.incrementAndGet(), total);
        });
    }

    /** The kernel map of one block of inner products whose top-left entry is K[i0][j0]. */
    @FunctionalInterface
    private interface TileMap {
        void apply(Matrix c, int i0, int j0);
    }

    /**
     * Maps the tiles of rows [rr, rr + h) and columns [from, to) of {@code out} in place and, when {@code mirror},
     * copies each transposed into its mirror place while it is still in cache.
     */
    private void mapAndMirror(TileMap map, Matrix out, int rr, int h, int from, int to, boolean mirror) {
        for (int cc = from; cc < to; cc += tile) {
            int ww = Math.min(tile, to - cc);
            Matrix c = out.view(rr, cc, h, ww);
            map.apply(c, rr, cc);
            if (mirror) {
                Blocks.transposeInto(c, out.view(cc, rr, ww, h));
            }
        }
    }

    private static void mapTile(KernelSpec spec, Matrix c, double[][] qa, int i0, double[][] qb, int j0, int d) {
        double w2 = spec.weightStd() * spec.weightStd();
        double b2 = spec.biasStd() * spec.biasStd();
        NtkMap.map(c.dtype(), c.rows(), c.cols(), c.segment(), c.offset(), c.ld(), qa, i0, qb, j0, spec.depth(),
                spec.kind() == KernelSpec.Kind.NTK, w2, b2, 1.0 / d);
    }

    private static final java.util.Map<KernelSpec, HomogeneousMap> HOMOGENEOUS = new java.util.concurrent.ConcurrentHashMap<>();

    /** The fitted one-step map of a bias-free spec, built once per spec (a few thousand scalar recursions). */
    static HomogeneousMap homogeneous(KernelSpec spec) {
        return HOMOGENEOUS.computeIfAbsent(spec, HomogeneousMap::new);
    }

    /** q[l][i]: pre-activation variance of point i entering ReLU layer l + 1. */
    private static double[][] diagonals(KernelSpec spec, double[] sq, int d) {
        double[][] q = new double[spec.depth()][sq.length];
        for (int i = 0; i < sq.length; i++) {
            double[] qi = NtkRecursion.diagonals(spec, sq[i], d);
            for (int l = 0; l < qi.length; l++) {
                q[l][i] = qi[l];
            }
        }
        return q;
    }

    /** On a diagonal tile: K(x_i, x_i) from the norm alone, then the lower triangle copied from the upper. */
    private static void fixDiagonalAndMirror(KernelSpec spec, Matrix c, double[] nx, int i0, int d) {
        for (int i = 0; i < c.rows(); i++) {
            double sq = nx[i0 + i];
            c.set(i, i, NtkRecursion.pair(spec, sq, sq, sq, d).of(spec.kind()));
        }
        Blocks.mirrorUpperToLower(c);
    }

    /** ‖x_i‖² for every row, accumulated in double precision. */
    public static double[] squaredNorms(Matrix x) {
        double[] out = new double[x.rows()];
        for (int i = 0; i < x.rows(); i++) {
            double s = 0;
            for (int j = 0; j < x.cols(); j++) {
                double v = x.get(i, j);
                s += v * v;
            }
            out[i] = s;
        }
        return out;
    }

    private void runAll(int count, java.util.function.IntConsumer body) {
        if (threads == 1 || count <= 1) {
            for (int t = 0; t < count; t++) {
                body.accept(t);
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        Parallel.run(threads, "tangent-gram", () -> {
            for (int t; (t = next.getAndIncrement()) < count; ) {
                body.accept(t);
            }
        });
    }
}
