package dev.tangent.compute;

import dev.tangent.io.NpyPanelStream;
import dev.tangent.memory.AnonymousMemory;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.memory.MemoryBudget;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * The {@link PanelGram.Target} of a Gram written to a {@code .npy} file in bounded memory: row panels come from a few
 * reused buffers of an {@link NpyPanelStream}, and each is written as soon as it is final. Panel p computes its own
 * columns from p·P on; the columns left of them are the blocks that panels q &lt; p computed in the columns of p,
 * transposed. Those wait, from panel q's work until panel p is final, in a pool of P×P slabs: one reservation made up
 * front, handed out from a free list (last freed, first reused, so that only the pool's peak is ever touched) and
 * never given back while the Gram lasts; panel p copies its slabs in and frees them when it is final.
 *
 * <p>Pool size. While c panels are final, panels up to c + buffers − 1 may be in progress (the stream gives panel q a
 * buffer once panel q − buffers is written), so the waiting blocks are (q, r) with r ≥ c and q &lt; min(r, c + buffers):
 * {@link #poolSlabs} takes the largest such count over c, about (N + buffers)²/4 for N panels — n²/4 entries. No order
 * of whole-row writes needs fewer without computing blocks twice: when the first half of the rows is on disk, the
 * blocks of those rows in the other half's columns, computed once, must wait for the other half.
 */
final class StreamedGram implements PanelGram.Target, AutoCloseable {
    /** Panel buffers in turn: the writer drains one while the next ones are computed. */
    static final int BUFFERS = 3;

    private final NpyPanelStream stream;
    private final AnonymousMemory pool;
    private final int panel;
    private final int panels;
    private final int rows;
    private final boolean symmetric;
    private final DType dtype;
    private final int buffers;
    private final long slabBytes;
    private final int capacity;
    /** Guarded by this: the slab of block (q, r) at q·panels + r, plus one (0: none); free slabs; slabs never used. */
    private final int[] slabOf;
    private final int[] free;
    private int freeCount;
    private int fresh;
    private int peak;

    private StreamedGram(NpyPanelStream stream, AnonymousMemory pool, int panel, int rows, boolean symmetric, DType dtype, int buffers,
                         long slabBytes, int capacity) {
        this.stream = stream;
        this.pool = pool;
        this.panel = panel;
        this.panels = stream.panels();
        this.rows = rows;
        this.symmetric = symmetric;
        this.dtype = dtype;
        this.buffers = buffers;
        this.slabBytes = slabBytes;
        this.capacity = capacity;
        this.slabOf = new int[symmetric ? panels * panels : 0];
        this.free = new int[capacity];
    }

    /**
     * The largest number of transposed blocks waiting at once for {@code panels} panels computed with {@code buffers}
     * panel buffers (see the class comment).
     */
    static long poolSlabs(int panels, int buffers) {
        long most = 0;
        for (int c = 0; c < panels; c++) {
            long waiting = 0;
            for (int r = c; r < panels; r++) {
                waiting += Math.min(r, c + buffers);
            }
            most = Math.max(most, waiting);
        }
        return most;
    }

    /**
     * A target writing the {@code rows x cols} Gram (K(X, X) when {@code symmetric}) of {@code dtype} to {@code file} in
     * panels of {@code panel} rows, after checking that the panel buffers and the pool fit in memory (one line naming
     * both otherwise) and that the disk has room.
     */
    static StreamedGram open(Path file, int rows, int cols, DType dtype, int panel, boolean symmetric, int buffers, boolean tryDirect) {
        int panels = (rows + panel - 1) / panel;
        long slabs = symmetric ? poolSlabs(panels, buffers) : 0;
        long slabBytes = Matrix.byteSize(panel, panel, dtype);
        long bufferBytes = NpyPanelStream.memoryBytes(Math.max(1, Math.min(panel, rows)), cols, dtype, buffers);
        String what = String.format(Locale.ROOT, "the %d x %d %s Gram streamed to %s (%d row panels of %s in turn%s)", rows, cols,
                dtype, file, buffers, MemoryBudget.human(bufferBytes / buffers), slabs == 0 ? "" : String.format(Locale.ROOT,
                        " and up to %d transposed %d x %d blocks waiting for their rows, %s", slabs, panel, panel,
                        MemoryBudget.human(slabs * slabBytes)));
        MemoryBudget.require(bufferBytes + slabs * slabBytes, what);
        if (slabs > Integer.MAX_VALUE / 2 || (long) panels * panels > Integer.MAX_VALUE / 2) {
            throw new dev.tangent.TangentException(what + ": too many panels");
        }
        AnonymousMemory pool = slabs == 0 ? null : AnonymousMemory.allocate(slabs * slabBytes, what);
        try {
            NpyPanelStream stream = NpyPanelStream.create(file, rows, cols, dtype, panel, buffers, tryDirect);
            return new StreamedGram(stream, pool, panel, rows, symmetric, dtype, buffers, slabBytes, (int) slabs);
        } catch (RuntimeException e) {
            if (pool != null) {
                pool.close();
            }
            throw e;
        }
    }

    @Override
    public Matrix panel(int p) {
        return stream.panel(p);
    }

    @Override
    public Matrix mirror(int q, int r) {
        if (q == r) {
            int m = rowsOf(q);
            return stream.panel(q).view(0, q * panel, m, m);
        }
        return slab(slabFor(q, r), rowsOf(r), rowsOf(q));
    }

    @Override
    public void complete(int p) {
        Matrix rowsP = stream.panel(p);
        int m = rowsOf(p);
        for (int q = 0; symmetric && q < p; q++) {
            int s = take(q, p);
            slab(s, m, panel).copyInto(rowsP.view(0, q * panel, m, panel));
            release(s);
        }
        stream.panelComplete(p);
    }

    @Override
    public int inFlight() {
        return buffers;
    }

    @Override
    public void abandon() {
        stream.abort();
    }

    /** Writes what is left and renames the file into place. */
    void commit() {
        stream.commit();
    }

    /** The most slabs in use at once so far (at most {@link #poolSlabs}). */
    synchronized int peakSlabs() {
        return peak;
    }

    private int rowsOf(int p) {
        return Math.min(panel, rows - p * panel);
    }

    private Matrix slab(int s, int m, int cols) {
        return Matrix.wrap(pool.segment(), s * slabBytes, m, cols, panel, dtype);
    }

    /** The slab of block (q, r), taken from the free list (or the untouched rest of the pool) on first use. */
    private synchronized int slabFor(int q, int r) {
        int at = q * panels + r;
        if (slabOf[at] == 0) {
            int s;
            if (freeCount > 0) {
                s = free[--freeCount];
            } else if (fresh < capacity) {
                s = fresh++;
            } else {
                throw new IllegalStateException("transposed-block pool exhausted at " + capacity + " slabs");
            }
            slabOf[at] = s + 1;
            peak = Math.max(peak, fresh - freeCount);
        }
        return slabOf[at] - 1;
    }

    private synchronized int take(int q, int r) {
        int at = q * panels + r;
        int s = slabOf[at] - 1;
        if (s < 0) {
            throw new IllegalStateException("block (" + q + ", " + r + ") was never computed");
        }
        slabOf[at] = 0;
        return s;
    }

    private synchronized void release(int s) {
        free[freeCount++] = s;
    }

    @Override
    public void close() {
        stream.close();
        if (pool != null) {
            pool.close();
        }
    }
}
