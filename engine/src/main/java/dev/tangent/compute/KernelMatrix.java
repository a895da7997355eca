package dev.tangent.compute;

import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.lang.foreign.MemorySegment;

/**
 * A kernel matrix K (rows × cols) that a {@link KernelProvider} computed and owns, served to consumers the way
 * LIBSVM's Q matrix serves its solver: by rows, blocks and products, never by the memory it lives in (host memory, a
 * mapped file, a device, a cluster). Solvers, certifiers and predictions see kernels only through this interface.
 */
public interface KernelMatrix extends AutoCloseable {
    int rows();

    int cols();

    /** The element type the kernel is stored in. */
    DType dtype();

    /** K[i][j] (slow path: tests and diagonals). */
    double get(int i, int j);

    /**
     * Row i as a read-only segment of {@link #cols()} contiguous elements of {@link #dtype()}, starting at byte 0.
     * Valid until this matrix is closed; a provider that caches rows (a device provider) keeps at least the segments of
     * the two most recent calls valid, as LIBSVM's cache does for its solver's two rows.
     */
    MemorySegment row(int i);

    /** Copies rows [i0, i0 + dst.rows()) into {@code dst} (host memory of the caller, any dtype, cols columns). */
    void copyRows(int i0, Matrix dst);

    /** dst[a][b] = K[rows[a]][cols[b]] (a working set, e.g. an SMO solver's compacted block). */
    void gather(int[] rows, int[] cols, Matrix dst);

    /** out = K·v, accumulated in double precision (v has cols entries, out rows entries). */
    void multiply(double[] v, double[] out);

    /** OUT = K·V for a block of vectors (V: cols × m, OUT: rows × m, host matrices of the caller). */
    void multiply(Matrix v, Matrix out);

    /** Frees the provider's memory. */
    @Override
    void close();
}
