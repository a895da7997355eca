package dev.tangent.memory;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.Locale;
import java.util.Objects;

/**
 * A dense row-major matrix in native memory, of {@link DType#F32} or {@link DType#F64}.
 *
 * <p>Element (i, j) lives at byte {@code offset + (i * ld + j) * dtype.bytes()} of {@link #segment()}; {@code ld}
 * (the leading dimension, in elements) is at least {@code cols}, so a {@link #view} of a block shares memory with its
 * parent. A matrix made by {@link #allocate} owns a shared {@link Arena} and frees it on {@link #close()}; views and
 * wrapped segments own nothing and closing them does nothing.
 */
public final class Matrix implements AutoCloseable {
    /** Alignment of allocated matrices: one 512-bit vector. */
    public static final long ALIGNMENT = 64;

    private final MemorySegment segment;
    private final long offset;
    private final int rows;
    private final int cols;
    private final long ld;
    private final DType dtype;
    private final Arena arena;

    private Matrix(MemorySegment segment, long offset, int rows, int cols, long ld, DType dtype, Arena arena) {
        if (rows < 0 || cols < 0 || ld < cols) {
            throw new IllegalArgumentException("bad shape " + rows + " x " + cols + " (ld " + ld + ")");
        }
        long needed = rows == 0 || cols == 0 ? 0 : ((rows - 1L) * ld + cols) * dtype.bytes();
        if (offset < 0 || offset + needed > segment.byteSize()) {
            throw new IndexOutOfBoundsException("matrix " + rows + " x " + cols + " does not fit its segment");
        }
        this.segment = segment;
        this.offset = offset;
        this.rows = rows;
        this.cols = cols;
        this.ld = ld;
        this.dtype = dtype;
        this.arena = arena;
    }

    /** Allocations from this size on are checked against the {@link MemoryBudget}. */
    static final long CHECKED_BYTES = 16L << 20;

    /** Allocates a zero-filled matrix, after checking a large request against the {@link MemoryBudget}. */
    public static Matrix allocate(int rows, int cols, DType dtype) {
        long bytes = byteSize(rows, cols, dtype);
        if (bytes >= CHECKED_BYTES) { // reading /proc per small allocation would cost more than the allocation
            MemoryBudget.require(bytes, String.format(Locale.ROOT, "a %d x %d %s matrix", rows, cols, dtype));
        }
        Arena arena = Arena.ofShared();
        try {
            MemorySegment seg = arena.allocate(Math.max(bytes, 1), ALIGNMENT);
            return new Matrix(seg, 0, rows, cols, cols, dtype, arena);
        } catch (OutOfMemoryError e) {
            arena.close();
            throw new dev.tangent.TangentException("could not allocate a " + rows + " x " + cols + " " + dtype
                    + " matrix (" + MemoryBudget.human(bytes) + "): " + e.getMessage(), e);
        }
    }

    /** Wraps memory owned elsewhere (a mapped file, another matrix); the result owns nothing. */
    public static Matrix wrap(MemorySegment segment, long byteOffset, int rows, int cols, long ld, DType dtype) {
        return new Matrix(segment, byteOffset, rows, cols, ld, dtype, null);
    }

    /** Copies a row-major {@code double[]} into a new matrix of the given type. */
    public static Matrix of(int rows, int cols, DType dtype, double... values) {
        if (values.length != (long) rows * cols) {
            throw new IllegalArgumentException(values.length + " values for a " + rows + " x " + cols + " matrix");
        }
        Matrix m = allocate(rows, cols, dtype);
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                m.set(i, j, values[i * cols + j]);
            }
        }
        return m;
    }

    public static long byteSize(int rows, int cols, DType dtype) {
        return (long) rows * cols * dtype.bytes();
    }

    public int rows() {
        return rows;
    }

    public int cols() {
        return cols;
    }

    /** Leading dimension: elements between the starts of consecutive rows. */
    public long ld() {
        return ld;
    }

    public DType dtype() {
        return dtype;
    }

    public MemorySegment segment() {
        return segment;
    }

    /** Byte offset of element (0, 0) in {@link #segment()}. */
    public long offset() {
        return offset;
    }

    /** Byte offset of element (i, j) in {@link #segment()}. */
    public long byteIndex(int i, int j) {
        return offset + (i * ld + j) * dtype.bytes();
    }

    /** True when rows follow each other without gaps (ld == cols). */
    public boolean isContiguous() {
        return ld == cols;
    }

    public double get(int i, int j) {
        Objects.checkIndex(i, rows);
        Objects.checkIndex(j, cols);
        long at = byteIndex(i, j);
        return dtype == DType.F64 ? segment.get(ValueLayout.JAVA_DOUBLE_UNALIGNED, at)
                : segment.get(ValueLayout.JAVA_FLOAT_UNALIGNED, at);
    }

    public void set(int i, int j, double v) {
        Objects.checkIndex(i, rows);
        Objects.checkIndex(j, cols);
        long at = byteIndex(i, j);
        if (dtype == DType.F64) {
            segment.set(ValueLayout.JAVA_DOUBLE_UNALIGNED, at, v);
        } else {
            segment.set(ValueLayout.JAVA_FLOAT_UNALIGNED, at, (float) v);
        }
    }

    /** A block of this matrix sharing its memory. */
    public Matrix view(int row0, int col0, int nRows, int nCols) {
        Objects.checkFromIndexSize(row0, nRows, rows);
        Objects.checkFromIndexSize(col0, nCols, cols);
        return new Matrix(segment, byteIndex(row0, col0), nRows, nCols, ld, dtype, null);
    }

    /** Rows {@code [row0, row0 + nRows)}. */
    public Matrix rows(int row0, int nRows) {
        return view(row0, 0, nRows, cols);
    }

    /** Row i as a new {@code double[]}. */
    public double[] row(int i) {
        double[] out = new double[cols];
        for (int j = 0; j < cols; j++) {
            out[j] = get(i, j);
        }
        return out;
    }

    /** A contiguous copy of this matrix in the given type (a new, owning matrix). */
    public Matrix copy(DType to) {
        Matrix out = allocate(rows, cols, to);
        copyInto(out);
        return out;
    }

    /** Copies this matrix into {@code dst} (same shape), converting the element type if needed. */
    public void copyInto(Matrix dst) {
        if (dst.rows != rows || dst.cols != cols) {
            throw new IllegalArgumentException("shape " + rows + "x" + cols + " into " + dst.rows + "x" + dst.cols);
        }
        if (dst.dtype == dtype) {
            long rowBytes = (long) cols * dtype.bytes();
            for (int i = 0; i < rows; i++) {
                MemorySegment.copy(segment, byteIndex(i, 0), dst.segment, dst.byteIndex(i, 0), rowBytes);
            }
            return;
        }
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                dst.set(i, j, get(i, j));
            }
        }
    }

    /** True when this matrix owns its memory (made by {@link #allocate}). */
    public boolean owner() {
        return arena != null;
    }

    @Override
    public void close() {
        if (arena != null && arena.scope().isAlive()) {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "Matrix[" + rows + " x " + cols + " " + dtype + (ld != cols ? ", ld " + ld : "") + "]";
    }
}
