package dev.tangent.compute;

import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A kernel matrix in device memory (row-major, dense), served the way {@link KernelMatrix} promises: rows are copied
 * to host buffers on demand (an LRU of {@link #CACHED_ROWS} rows, so the segments of at least the two most recent
 * calls stay valid, and element reads go through it), gathers and K·v run as kernels on the device and only their
 * results travel, K·V is a cuBLAS GEMM. Every call holds the device's monitor.
 */
final class CudaKernelMatrix implements KernelMatrix {
    static final int CACHED_ROWS = 64;
    /** Rows up to this size are fetched whole on the first element read from them (a copy's latency dominates). */
    static final long ROW_FETCH_BYTES = 64L << 10;

    final CudaDevice dev;
    final CudaDevice.Buffer k;
    private final int rows;
    private final int cols;
    private final DType dtype;
    private final AutoCloseable owner;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment[] cache = new MemorySegment[CACHED_ROWS];
    private final int[] cachedRow = new int[CACHED_ROWS];
    private final long[] lastUse = new long[CACHED_ROWS];
    private long clock;
    private boolean closed;
    /** Rows recently read one element at a time: a second read of such a row fetches it whole. */
    private final int[] missed = new int[64];
    private int missedNext;

    /**
     * @param owner closed with this matrix (the host matrix it was adopted from), or null
     */
    CudaKernelMatrix(CudaDevice dev, CudaDevice.Buffer k, int rows, int cols, DType dtype, AutoCloseable owner) {
        this.dev = dev;
        this.k = k;
        this.rows = rows;
        this.cols = cols;
        this.dtype = dtype;
        this.owner = owner;
        java.util.Arrays.fill(cachedRow, -1);
        java.util.Arrays.fill(missed, -1);
    }

    @Override
    public int rows() {
        return rows;
    }

    @Override
    public int cols() {
        return cols;
    }

    @Override
    public DType dtype() {
        return dtype;
    }

    /** Device address of element (i, j). */
    long at(int i, int j) {
        return k.ptr + ((long) i * cols + j) * dtype.bytes();
    }

    /**
     * One element. From the row cache when its row is there; a narrow row, or a row read before, is fetched whole (so
     * a loop over a row's elements, the certifier's, costs one copy per row); otherwise one element travels (a
     * solver's diagonal).
     */
    @Override
    public double get(int i, int j) {
        java.util.Objects.checkIndex(i, rows);
        java.util.Objects.checkIndex(j, cols);
        synchronized (dev) {
            boolean whole = (long) cols * dtype.bytes() <= ROW_FETCH_BYTES;
            for (int s = 0; s < CACHED_ROWS && !whole; s++) {
                whole = cachedRow[s] == i;
            }
            for (int s = 0; s < missed.length && !whole; s++) {
                whole = missed[s] == i;
            }
            if (whole) {
                MemorySegment r = row(i);
                return dtype == DType.F64 ? r.getAtIndex(ValueLayout.JAVA_DOUBLE, j) : r.getAtIndex(ValueLayout.JAVA_FLOAT, j);
            }
            missed[missedNext] = i;
            missedNext = (missedNext + 1) % missed.length;
            dev.enter();
            try (Arena a = Arena.ofConfined()) {
                MemorySegment v = a.allocate(8);
                dev.copyOut(v, at(i, j), dtype.bytes());
                return dtype == DType.F64 ? v.get(ValueLayout.JAVA_DOUBLE, 0) : v.get(ValueLayout.JAVA_FLOAT, 0);
            }
        }
    }

    @Override
    public MemorySegment row(int i) {
        java.util.Objects.checkIndex(i, rows);
        synchronized (dev) {
            int slot = -1;
            int victim = 0;
            for (int s = 0; s < CACHED_ROWS; s++) {
                if (cachedRow[s] == i) {
                    slot = s;
                    break;
                }
                if (lastUse[s] < lastUse[victim]) {
                    victim = s;
                }
            }
            if (slot < 0) {
                slot = victim;
                long bytes = (long) cols * dtype.bytes();
                if (cache[slot] == null) {
                    cache[slot] = arena.allocate(Math.max(bytes, 1), 64);
                }
                dev.enter();
                dev.copyOut(cache[slot], at(i, 0), bytes);
                cachedRow[slot] = i;
            }
            lastUse[slot] = ++clock;
            return cache[slot].asSlice(0, (long) cols * dtype.bytes()).asReadOnly();
        }
    }

    @Override
    public void copyRows(int i0, Matrix dst) {
        java.util.Objects.checkFromIndexSize(i0, dst.rows(), rows);
        if (dst.cols() != cols) {
            throw new IllegalArgumentException("copyRows into " + dst.cols() + " columns of a kernel with " + cols);
        }
        synchronized (dev) {
            dev.enter();
            if (dst.dtype() == dtype) {
                long es = dtype.bytes();
                dev.copy2D(true, at(i0, 0), cols * es, dst.segment().asSlice(dst.offset()), dst.ld() * es, cols * es, dst.rows(), dev.stream);
                dev.sync();
                return;
            }
            try (Matrix tmp = Matrix.allocate(dst.rows(), cols, dtype)) {
                dev.copyOut(tmp.segment(), at(i0, 0), (long) dst.rows() * cols * dtype.bytes());
                tmp.copyInto(dst);
            }
        }
    }

    @Override
    public void gather(int[] rs, int[] cs, Matrix dst) {
        if (dst.rows() != rs.length || dst.cols() != cs.length) {
            throw new IllegalArgumentException("gather into " + dst + " of " + rs.length + " x " + cs.length);
        }
        for (int r : rs) {
            java.util.Objects.checkIndex(r, rows);
        }
        for (int c : cs) {
            java.util.Objects.checkIndex(c, cols);
        }
        if (rs.length == 0 || cs.length == 0) {
            return;
        }
        synchronized (dev) {
            dev.enter();
            long bytes = (long) rs.length * cs.length * dtype.bytes();
            try (CudaDevice.Buffer ri = dev.upload(rs); CudaDevice.Buffer ci = dev.upload(cs); CudaDevice.Buffer out = dev.alloc(bytes);
                 Matrix tmp = Matrix.allocate(rs.length, cs.length, dtype)) {
                dev.kernels.gather(dtype == DType.F64, k.ptr, cols, ri.ptr, rs.length, ci.ptr, cs.length, out.ptr);
                dev.copyOut(tmp.segment(), out.ptr, bytes);
                tmp.copyInto(dst);
            }
        }
    }

    @Override
    public void multiply(double[] v, double[] out) {
        if (v.length != cols || out.length != rows) {
            throw new IllegalArgumentException("K is " + rows + " x " + cols + ", v has " + v.length + ", out " + out.length);
        }
        if (rows == 0) {
            return;
        }
        synchronized (dev) {
            dev.enter();
            try (CudaDevice.Buffer bv = dev.upload(v); CudaDevice.Buffer bo = dev.alloc(8L * rows); Arena a = Arena.ofConfined()) {
                dev.kernels.matvec(dtype == DType.F64, k.ptr, cols, rows, cols, bv.ptr, bo.ptr);
                MemorySegment h = a.allocate(ValueLayout.JAVA_DOUBLE, rows);
                dev.copyOut(h, bo.ptr, 8L * rows);
                MemorySegment.copy(h, ValueLayout.JAVA_DOUBLE, 0, out, 0, rows);
            }
        }
    }

    @Override
    public void multiply(Matrix v, Matrix out) {
        if (v.rows() != cols || out.rows() != rows || out.cols() != v.cols()) {
            throw new IllegalArgumentException("K is " + rows + " x " + cols + ", V " + v.rows() + " x " + v.cols() + ", out "
                    + out.rows() + " x " + out.cols());
        }
        int m = v.cols();
        if (rows == 0 || m == 0) {
            return;
        }
        synchronized (dev) {
            dev.enter();
            Matrix vv = v.dtype() == dtype ? v : v.copy(dtype);
            long es = dtype.bytes();
            try (CudaDevice.Buffer bv = CudaGram.upload(dev, vv); CudaDevice.Buffer bo = dev.alloc((long) rows * m * es)) {
                dev.gemmAB(dtype == DType.F64, rows, m, cols, k.ptr, cols, bv.ptr, m, bo.ptr, m);
                if (out.dtype() == dtype) {
                    dev.copy2D(true, bo.ptr, m * es, out.segment().asSlice(out.offset()), out.ld() * es, m * es, rows, dev.stream);
                    dev.sync();
                } else {
                    try (Matrix tmp = Matrix.allocate(rows, m, dtype)) {
                        dev.copyOut(tmp.segment(), bo.ptr, (long) rows * m * es);
                        tmp.copyInto(out);
                    }
                }
            } finally {
                if (vv != v) {
                    vv.close();
                }
            }
        }
    }

    @Override
    public void close() {
        synchronized (dev) {
            if (closed) {
                return;
            }
            closed = true;
            k.close();
            arena.close();
        }
        if (owner != null) {
            try {
                owner.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @Override
    public String toString() {
        return "KernelMatrix[" + rows + " x " + cols + " " + dtype + ", on " + dev.name + "]";
    }
}
