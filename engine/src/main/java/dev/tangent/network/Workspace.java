package dev.tangent.network;

import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.util.HashMap;
import java.util.Map;

/**
 * Scratch matrices a model reuses from one batch to the next (allocating and zeroing a B × N matrix per step costs as
 * much as a small GEMM): each named buffer grows to the largest batch seen, and callers get a view of its first rows.
 */
final class Workspace implements AutoCloseable {
    private final DType dtype;
    private final Map<String, Matrix> buffers = new HashMap<>();

    Workspace(DType dtype) {
        this.dtype = dtype;
    }

    /** The first {@code rows} rows of buffer {@code name} (cols fixed per name); contents are whatever was left. */
    Matrix get(String name, int rows, int cols) {
        Matrix m = buffers.get(name);
        if (m == null || m.rows() < rows || m.cols() != cols) {
            if (m != null) {
                m.close();
            }
            m = Matrix.allocate(rows, cols, dtype);
            buffers.put(name, m);
        }
        return m.rows(0, rows);
    }

    @Override
    public void close() {
        buffers.values().forEach(Matrix::close);
        buffers.clear();
    }
}
