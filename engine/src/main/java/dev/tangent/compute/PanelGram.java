package dev.tangent.compute;

import dev.tangent.TangentException;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.Matrix;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The host Gram loop that providers share: K(X, Y) in row panels of 2·tile rows, each cut into chunks of 4·tile
 * columns. Each chunk of inner products X_I·Y_Jᵀ is one GEMM written straight into its row panel, then walked in
 * tile×tile blocks that go, while in cache, through the kernel map. For K(X, X) only the chunks right of each panel's
 * diagonal block are computed (the diagonal block is one SYRK); every block is copied transposed into its mirror
 * place, so the result is exactly symmetric, and the diagonal is set from the squared norms (c = q exactly there).
 * Where the panels and mirror places are is the {@link Target}'s affair: views of one matrix holding all of K
 * ({@link #inMemory}), or a few reused panel buffers streamed to a file with the mirrored blocks waiting in a pool
 * ({@link StreamedGram}); the calls, and so the bits, are the same.
 * One GEMM call per tile×tile block, the earlier layout, cost about 7% more GEMM time than these chunks (the backend
 * repacks both operands per call). Nothing here touches the Vector API: the vector code is in the map and block
 * operations a provider passes in.
 */
final class PanelGram {
    private PanelGram() {
    }

    /**
     * Where the row panels of a Gram live while they are computed, and what becomes of each once it is final. Panel p
     * is rows [p·P, p·P + its rows) of K, P = 2·tile.
     */
    interface Target {
        /** Panel p, all columns (may wait until there is memory for it); asked for again by each work item of p. */
        Matrix panel(int p);

        /**
         * Where the blocks that panel q computes in the columns of panel r (q ≤ r, K(X, X) only) are copied transposed:
         * a (rows of r) × (rows of q) matrix; for r = q the diagonal block of panel q itself. Null: not kept here (a
         * row block's target, for panels below its rows).
         */
        Matrix mirror(int q, int r);

        /**
         * Panel p is final: its own work and that of every panel above it is done, so every block transposed into it
         * has been written (later panels write only below themselves). Once per panel, from any thread, in any order.
         */
        void complete(int p);

        /** How many panels may be worked on at once ({@link #panel} of p waits for panel p − this to be given back). */
        int inFlight();

        /** The computation failed: release every caller waiting in {@link #panel}. */
        void abandon();
    }

    /** Rows per panel for a tile edge. */
    static int panelRows(int tile) {
        return 2 * tile;
    }

    /** The target of a Gram held whole in {@code out} (K's rows × columns): panels and mirrors are views of it. */
    static Target inMemory(Matrix out, int tile) {
        return rowBlock(out, tile, 0, out.rows());
    }

    /**
     * The target of rows [from, to) of K(X, X) from column {@code from} on ({@code out}: (to − from) × (n − from)): panels
     * and mirror places are views of it; mirror places below row {@code to} (in blocks computed elsewhere) are null.
     */
    static Target rowBlock(Matrix out, int tile, int from, int to) {
        int panel = panelRows(tile);
        return new Target() {
            @Override
            public Matrix panel(int p) {
                return out.rows(p * panel - from, Math.min(panel, to - p * panel));
            }

            @Override
            public Matrix mirror(int q, int r) {
                return r * panel >= to ? null
                        : out.view(r * panel - from, q * panel - from, Math.min(panel, to - r * panel), Math.min(panel, to - q * panel));
            }

            @Override
            public void complete(int p) {
            }

            @Override
            public int inFlight() {
                return Integer.MAX_VALUE;
            }

            @Override
            public void abandon() {
            }
        };
    }

    /**
     * Writes K(X, Y) into {@code target}; {@code y == null} means Y = X. X, Y and the target share one dtype.
     *
     * @param serial     a backend running each call on the calling thread (the loop parallelises over chunks)
     * @param nx         ‖x_i‖² of the rows of X (double precision)
     * @param aheadFlops GEMM work of the first chunks to run before their maps (0: every chunk mapped while in cache);
     *                   only chunks of the first {@link Target#inFlight()} panels run ahead
     */
    static void build(Backend serial, int threads, int tile, TileMap map, BlockOps ops, KernelSpec spec, Matrix x, Matrix y,
                      Target target, double[] nx, KernelProvider.Progress progress, double aheadFlops) {
        build(serial, threads, tile, map, ops, spec, x, y, 0, x.rows(), target, nx, progress, aheadFlops);
    }

    /**
     * The panels of K(X, X) that cover rows [from, to) (from a multiple of the panel height, to one too or n), each
     * computed with exactly the calls {@link #build} makes for the whole matrix, into {@code target}, whose panels
     * start at column {@code from} ({@link #rowBlock}): row blocks computed apart (on a cluster's executors) assemble
     * into the matrix of one run bit for bit. Mirror places below row {@code to} are the target's to refuse (null).
     * For K(X, Y) (y not null) the range must be the whole of X.
     */
    static void build(Backend serial, int threads, int tile, TileMap map, BlockOps ops, KernelSpec spec, Matrix x, Matrix y,
                      int from, int to, Target target, double[] nx, KernelProvider.Progress progress, double aheadFlops) {
        boolean sym = y == null || y == x;
        Matrix yy = sym ? x : y;
        int d = x.cols();
        int panel = panelRows(tile);
        int chunk = 4 * tile;
        if (from < 0 || from > to || to > x.rows() || from % panel != 0 || (to % panel != 0 && to != x.rows())
                || (!sym && (from != 0 || to != x.rows()))) {
            throw new IllegalArgumentException("rows [" + from + ", " + to + ") of " + x.rows() + " are not whole panels of " + panel);
        }
        int off = from; // column 0 of the target's panels is K's column from (0 for a whole Gram)
        int first = from / panel;
        List<int[]> items = new ArrayList<>();
        int panels = (to - from + panel - 1) / panel;
        int[] remaining = new int[panels];
        for (int i0 = from; i0 < to; i0 += panel) {
            int mi = Math.min(panel, x.rows() - i0);
            int q = i0 / panel - first;
            if (sym) {
                items.add(new int[] {i0, i0, mi});
                remaining[q]++;
            }
            for (int c0 = sym ? i0 + mi : 0; c0 < yy.rows(); c0 += chunk) {
                items.add(new int[] {i0, c0, Math.min(chunk, yy.rows() - c0)});
                remaining[q]++;
            }
            if (remaining[q] == 0) { // K(X, Y) with no Y: an empty panel is final at once
                items.add(new int[] {i0, 0, 0});
                remaining[q]++;
            }
        }
        // The first items' GEMMs may run ahead of their maps (while the maps' code is being compiled): the work list is
        // GEMM(0..ahead), then MAP(0..ahead), then GEMM+MAP for the rest; a MAP waits for its GEMM.
        int ahead = 0;
        for (double flops = 0; ahead < items.size() && flops < aheadFlops && items.get(ahead)[0] / panel - first < target.inFlight(); ahead++) {
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
        runAll(threads, items.size() + aheadItems, target, task -> {
            boolean gemmOnly = task < aheadItems;
            int q = gemmOnly ? task : task - aheadItems;
            boolean mapOnly = !gemmOnly && q < aheadItems;
            int i0 = items.get(q)[0];
            int c0 = items.get(q)[1];
            int w = items.get(q)[2];
            int mi = Math.min(panel, x.rows() - i0);
            int p = i0 / panel;
            boolean diagonal = sym && c0 == i0;
            Matrix rows = target.panel(p);
            if (!mapOnly && w > 0) {
                if (diagonal) {
                    serial.syrk(1.0, x.rows(i0, mi), 0.0, rows.view(0, i0 - off, mi, mi));
                } else {
                    serial.gemm(false, true, 1.0, x.rows(i0, mi), yy.rows(c0, w), 0.0, rows.view(0, c0 - off, mi, w));
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
                        map.apply(rows.view(rr - i0 + i, rr + i - off, 1, h - i), rr + i, rr + i);
                    }
                    Matrix diag = rows.view(rr - i0, rr - off, h, h);
                    for (int i = 0; i < h; i++) {
                        double sq = nx[rr + i];
                        diag.set(i, i, spec.value(sq, sq, sq, d));
                    }
                    ops.mirrorUpperToLower(diag);
                    mapAndMirror(map, ops, tile, target, rows, i0, off, rr, h, rr + h, i0 + mi, true);
                }
            } else {
                for (int rr = i0; rr < i0 + mi; rr += tile) {
                    mapAndMirror(map, ops, tile, target, rows, i0, off, rr, Math.min(tile, i0 + mi - rr), c0, c0 + w, sym);
                }
            }
            int lo;
            int hi;
            synchronized (remaining) {
                remaining[p - first]--;
                lo = finalPanels[0];
                while (finalPanels[0] < panels && remaining[finalPanels[0]] == 0) {
                    finalPanels[0]++;
                }
                hi = finalPanels[0];
            }
            for (int f = lo; f < hi; f++) {
                target.complete(first + f);
            }
            progress.done(done.incrementAndGet(), total);
        });
    }

    /** Checks that X and Y (null: X) have the same number of features; the message names both counts. */
    static void check(Matrix x, Matrix y) {
        Matrix yy = y == null ? x : y;
        if (x.cols() != yy.cols()) {
            throw new TangentException("feature counts differ: " + x.cols() + " and " + yy.cols());
        }
    }

    /** Checks the shapes of a Gram into {@code out}; the message names what was found. */
    static void check(Matrix x, Matrix y, Matrix out) {
        check(x, y);
        Matrix yy = y == null ? x : y;
        if (out.rows() != x.rows() || out.cols() != yy.rows()) {
            throw new IllegalArgumentException("output is " + out.rows() + "x" + out.cols() + ", expected " + x.rows() + "x" + yy.rows());
        }
    }

    /**
     * Maps the tiles of rows [rr, rr + h) and columns [from, to) in place ({@code rows}: the panel of rows from i0) and
     * copies each, while it is in cache, transposed into its mirror place.
     */
    private static void mapAndMirror(TileMap map, BlockOps ops, int tile, Target target, Matrix rows, int i0, int off, int rr, int h,
                                     int from, int to, boolean mirror) {
        int panel = panelRows(tile);
        for (int cc = from; cc < to; cc += tile) {
            int ww = Math.min(tile, to - cc);
            Matrix c = rows.view(rr - i0, cc - off, h, ww);
            map.apply(c, rr, cc);
            Matrix place = mirror ? target.mirror(i0 / panel, cc / panel) : null;
            if (place != null) {
                int r = cc / panel;
                ops.transposeInto(c, place.view(cc - r * panel, rr - i0, ww, h));
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

    /**
     * Runs {@code count} tasks on {@code threads} threads; the first failure abandons the target (so that no thread
     * waits for a panel that will never be given back) and is the one rethrown.
     */
    private static void runAll(int threads, int count, Target target, java.util.function.IntConsumer body) {
        if (threads == 1 || count <= 1) {
            try {
                for (int t = 0; t < count; t++) {
                    body.accept(t);
                }
            } catch (RuntimeException | Error e) {
                target.abandon();
                throw e;
            }
            return;
        }
        AtomicInteger next = new AtomicInteger();
        AtomicReference<Throwable> first = new AtomicReference<>();
        try {
            Parallel.run(threads, "tangent-gram", () -> {
                try {
                    for (int t; (t = next.getAndIncrement()) < count; ) {
                        body.accept(t);
                    }
                } catch (RuntimeException | Error e) {
                    first.compareAndSet(null, e);
                    target.abandon();
                    throw e;
                }
            });
        } catch (RuntimeException | Error e) {
            Throwable f = first.get();
            if (f instanceof RuntimeException re) {
                throw re;
            }
            if (f instanceof Error er) {
                throw er;
            }
            throw e;
        }
    }
}
