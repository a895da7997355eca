package dev.tangent.compute;

import dev.tangent.TangentException;
import dev.tangent.memory.DType;
import dev.tangent.memory.MemoryBudget;

/**
 * How a Gram K(X, Y) (n × m, d features) uses the device's memory, planned on the host before anything is allocated:
 * either {@link #resident} (X, Y, the tables and all of K on the device, K kept there for the solvers), or row
 * {@link #panels} streamed to host memory: panels of {@code panel} rows (a multiple of 32, the kernels' tile), two sets
 * of panel buffers so that the copy of one panel to the host overlaps the computation of the next, and page-locked
 * staging of the same shape on the host. For K(X, X) a panel [i0, i1) holds its rows left of and in the diagonal block
 * (i1 columns) and the transposed left part (i0 × rows, the mirror of those entries).
 *
 * @param panel        rows per panel (the whole matrix when resident)
 * @param panels       number of panels (1 when resident)
 * @param deviceBytes  device memory the plan allocates
 * @param stagingBytes page-locked host memory the plan allocates (0 when resident)
 */
record CudaPlan(boolean resident, int panel, int panels, long deviceBytes, long stagingBytes) {
    /** Left free for cuBLAS/cuSOLVER workspaces and the driver's own allocations. */
    static final long RESERVE = 512L << 20;
    /** The most page-locked staging memory a plan takes (two panel sets). */
    static final long STAGING = 1L << 30;

    static long inputBytes(int n, int m, int d, DType dtype, boolean sym) {
        long es = dtype.bytes();
        return (long) n * d * es + (sym ? 0 : (long) m * d * es);
    }

    /** Norms or variances of every point per layer, the coefficients, the program, the diagonal (all double). */
    static long tableBytes(int n, int m, int layers) {
        return 8L * (layers + 5) * ((long) n + m) + (64L << 10);
    }

    /** The resident plan when everything fits into {@code free} bytes of device memory, else null. */
    static CudaPlan resident(int n, int m, int d, DType dtype, boolean sym, int layers, long free) {
        long bytes = inputBytes(n, m, d, dtype, sym) + (long) n * m * dtype.bytes() + tableBytes(n, m, layers);
        return bytes + RESERVE <= free ? new CudaPlan(true, n, n > 0 ? 1 : 0, bytes, 0) : null;
    }

    /**
     * Panels as tall as device memory and the staging cap allow (at least 32 rows).
     *
     * @throws TangentException when the inputs and one panel of 32 rows do not fit into {@code free}
     */
    static CudaPlan panels(int n, int m, int d, DType dtype, boolean sym, int layers, long free, long stagingCap) {
        long es = dtype.bytes();
        long fixed = inputBytes(n, m, d, dtype, sym) + tableBytes(n, m, layers);
        // per panel row, for the two sets: C (one row of m) and, for K(X, X), T (one column of at most n)
        long perRow = 2 * es * ((long) m + (sym ? n : 0));
        long spare = free - RESERVE - fixed;
        if (spare < 32 * perRow) {
            throw new TangentException(String.format(java.util.Locale.ROOT,
                    "the GPU has %s free; a %d x %d Gram of %d features in %s needs %s for the inputs and tables and %s for the "
                            + "smallest panels (32 rows); use --backend auto on the CPU, or fewer points or features",
                    MemoryBudget.human(free), n, m, d, dtype, MemoryBudget.human(fixed), MemoryBudget.human(32 * perRow + RESERVE)));
        }
        long rows = Math.min(spare / perRow, Math.max(32, stagingCap / perRow));
        rows = Math.min(rows, ((long) n + 31) / 32 * 32);
        int h = (int) Math.max(32, rows / 32 * 32);
        int panels = n == 0 ? 0 : (n + h - 1) / h;
        return new CudaPlan(false, h, panels, fixed + h * perRow, h * perRow);
    }

    /** First row of panel p. */
    int start(int p) {
        return p * panel;
    }

    /** Rows of panel p of an n-row Gram. */
    int height(int p, int n) {
        return Math.min(panel, n - p * panel);
    }
}
