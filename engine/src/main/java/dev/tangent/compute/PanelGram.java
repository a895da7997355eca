package dev.tangent.compute;

import dev.tangent.TangentException;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.Matrix;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The host Gram loop that providers share: K(X, Y) in row panels of 2·tile rows, each cut into chunks of 4·tile
 * columns. Each chunk of inner products X_I·Y_Jᵀ is one GEMM written straight into the output, then walked in
 * tile×tile blocks that go, while in cache, through the kernel map. For K(X, X) only the chunks right of each panel's
 * diagonal block are computed (the diagonal block is one SYRK); every block is copied transposed into its mirror
 * place, so the result is exactly symmetric, and the diagonal is set from the squared norms (c = q exactly there).
 * One GEMM call per tile×tile block, the earlier layout, cost about 7% more GEMM time than these chunks (the backend
 * repacks both operands per call). Nothing here touches the Vector API: the vector code is in the map and block
 * operations a provider passes in.
 */
final class PanelGram {
    private PanelGram() {
    }

    /**
     * Writes K(X, Y) into {@code out}; {@code y == null} means Y = X. All three matrices share one dtype.
     *
     * @param serial    a backend running each call on the calling thread (the loop parallelises over chunks)
     * @param nx        ‖x_i‖² of the rows of X (double precision)
     * @param rowsFinal told, from worker threads, each time every row below a bound is final (a row panel is final once
     *                  its own work and that of every panel above it is done: later panels write only below themselves)
     * @param aheadFlops GEMM work of the first chunks to run before their maps (0: every chunk mapped while in cache)
     */
    static void build(Backend serial, int threads, int tile, TileMap map, BlockOps ops, KernelSpec spec, Matrix x, Matrix y,
                      Matrix out, double[] nx, KernelProvider.Progress progress, java.util.function.IntConsumer rowsFinal,
                      double aheadFlops) {
        build(serial, threads, tile, map, ops, spec, x, y, 0, x.rows(), out, nx, progress, rowsFinal, aheadFlops);
    }

    /**
     * The row panels of K(X, X) that cover rows [from, to) (both multiples of the panel height 2·tile, or {@code to} =
     * n), each computed exactly as {@link #build} computes it for the whole matrix, into {@code out}: the upper
     * trapezoid of those rows, (to − from) × (n − from), entry (i, j) = K(x_{from+i}, x_{from+j}); the columns left of
     * {@code from} are the mirror of earlier panels. Row ranges computed apart therefore assemble into the matrix of
     * {@link #build} bit for bit. For K(X, Y) (y not null) the range must be the whole of X.
     */
    static void build(Backend serial, int threads, int tile, TileMap map, BlockOps ops, KernelSpec spec, Matrix x, Matrix y,
                      int from, int to, Matrix out, double[] nx, KernelProvider.Progress progress,
                      java.util.function.IntConsumer rowsFinal, double aheadFlops) {
        boolean sym = y == null || y == x;
        Matrix yy = sym ? x : y;
        int d = x.cols();
        int panel = 2 * tile;
        int chunk = 4 * tile;
        if (from < 0 || from > to || to > x.rows() || from % panel != 0 || (to % panel != 0 && to != x.rows())
                || (!sym && (from != 0 || to != x.rows()))) {
            throw new IllegalArgumentException("rows [" + from + ", " + to + ") of " + x.rows() + " are not whole panels of " + panel);
        }
        int off = from; // out holds rows [from, to) and columns [from, n) of K(X, X) (from = 0 for K(X, Y))
        List<int[]> items = new ArrayList<>();
        int panels = (to - from + panel - 1) / panel;
        int[] remaining = new int[panels];
        for (int i0 = from; i0 < to; i0 += panel) {
            int mi = Math.min(panel, x.rows() - i0);
            if (sym) {
                items.add(new int[] {i0, i0, mi});
                remaining[(i0 - from) / panel]++;
            }
            for (int c0 = sym ? i0 + mi : 0; c0 < yy.rows(); c0 += chunk) {
                items.add(new int[] {i0, c0, Math.min(chunk, yy.rows() - c0)});
                remaining[(i0 - from) / panel]++;
            }
        }
        // The first items' GEMMs may run ahead of their maps (while the maps' code is being compiled): the work list is
        // GEMM(0..ahead), then MAP(0..ahead), then GEMM+MAP for the rest; a MAP waits for its GEMM.
        int ahead = 0;
        for (double flops = 0; ahead < items.size() && flops < aheadFlops; ahead++) {
            int[] it = items.get(ahead);
            flops += 2.0 * Math.min(panel, x.rows() - it[0]) * it[2] * d;
        }
        int aheadItems = ahead;
        java.util.concurrent.CountDownLatch[] gemmDone = new java.util.concurrent.CountDownLatch[aheadItems];
        for (int q = 0; q < aheadItems; q++) {
            gemmDone[q] = new java.util.concurrent.CountDownLatch(1);
        }
        AtomicLong done = new AtomicLong();
        long total = items.size();
        int[] finalPanels = {0};
        runAll(threads, items.size() + aheadItems, task -> {
            boolean gemmOnly = task < aheadItems;
            int q = gemmOnly ? task : task - aheadItems;
            boolean mapOnly = !gemmOnly && q < aheadItems;
            int i0 = items.get(q)[0];
            int c0 = items.get(q)[1];
            int w = items.get(q)[2];
            int mi = Math.min(panel, x.rows() - i0);
            boolean diagonal = sym && c0 == i0;
            if (!mapOnly) {
                if (diagonal) {
                    serial.syrk(1.0, x.rows(i0, mi), 0.0, out.view(i0 - off, i0 - off, mi, mi));
                } else {
                    serial.gemm(false, true, 1.0, x.rows(i0, mi), yy.rows(c0, w), 0.0, out.view(i0 - off, c0 - off, mi, w));
                }
            }
            if (gemmOnly) {
                gemmDone[q].countDown();
                return;
            }
            if (mapOnly) {
                try {
                    gemmDone[q].await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new TangentException(130, "interrupted", e);
                }
            }
            if (diagonal) {
                for (int rr = i0; rr < i0 + mi; rr += tile) {
                    int h = Math.min(tile, i0 + mi - rr);
                    // the diagonal tile: its upper triangle row by row (SYRK left the lower one alone), then mirrored
                    for (int i = 0; i < h; i++) {
                        map.apply(out.view(rr + i - off, rr + i - off, 1, h - i), rr + i, rr + i);
                    }
                    Matrix diag = out.view(rr - off, rr - off, h, h);
                    for (int i = 0; i < h; i++) {
                        double sq = nx[rr + i];
                        diag.set(i, i, spec.value(sq, sq, sq, d));
                    }
                    ops.mirrorUpperToLower(diag);
                    mapAndMirror(map, ops, tile, out, off, to, rr, h, rr + h, i0 + mi, true);
                }
            } else {
                for (int rr = i0; rr < i0 + mi; rr += tile) {
                    mapAndMirror(map, ops, tile, out, off, to, rr, Math.min(tile, i0 + mi - rr), c0, c0 + w, sym);
                }
            }
            synchronized (remaining) {
                remaining[(i0 - from) / panel]--;
                int before = finalPanels[0];
                while (finalPanels[0] < panels && remaining[finalPanels[0]] == 0) {
                    finalPanels[0]++;
                }
                if (finalPanels[0] > before && rowsFinal != null) {
                    rowsFinal.accept(Math.min(to - from, finalPanels[0] * panel));
                }
            }
            progress.done(done.incrementAndGet(), total);
        });
        if (panels == 0 && rowsFinal != null) {
            rowsFinal.accept(0);
        }
    }

    /** Checks shapes and dtypes of a Gram request; the message names what was found. */
    static void check(Matrix x, Matrix y, Matrix out) {
        Matrix yy = y == null ? x : y;
        if (x.cols() != yy.cols()) {
            throw new TangentException("feature counts differ: " + x.cols() + " and " + yy.cols());
        }
        if (out.rows() != x.rows() || out.cols() != yy.rows()) {
            throw new IllegalArgumentException("output is " + out.rows() + "x" + out.cols() + ", expected " + x.rows() + "x" + yy.rows());
        }
        if (x.dtype() != out.dtype() || yy.dtype() != out.dtype()) {
            throw new IllegalArgumentException("inputs and output must share a dtype");
        }
    }

    /**
     * Maps the tiles of rows [rr, rr + h) and columns [from, to) in place and mirrors each while it is in cache, into
     * rows below {@code rowsTo} only; {@code out}'s entry (0, 0) is K's (off, off).
     */
    private static void mapAndMirror(TileMap map, BlockOps ops, int tile, Matrix out, int off, int rowsTo, int rr, int h, int from, int to,
                                     boolean mirror) {
        for (int cc = from; cc < to; cc += tile) {
            int ww = Math.min(tile, to - cc);
            Matrix c = out.view(rr - off, cc - off, h, ww);
            map.apply(c, rr, cc);
            if (mirror && cc < rowsTo) {
                ops.transposeInto(c, out.view(cc - off, rr - off, ww, h));
            }
        }
    }

    /** ‖x_i‖² for every row, accumulated in double precision. */
    static double[] squaredNorms(Matrix x) {
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

    private static void runAll(int threads, int count, java.util.function.IntConsumer body) {
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
