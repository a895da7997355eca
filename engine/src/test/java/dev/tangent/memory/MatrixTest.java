package dev.tangent.memory;

import dev.tangent.TangentException;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MatrixTest {
    @Test
    void viewsShareMemoryWithTheirParent() {
        try (Matrix m = Matrix.allocate(5, 6, DType.F64)) {
            Matrix v = m.view(1, 2, 3, 3);
            v.set(2, 1, 42);
            assertEquals(42, m.get(3, 3));
            assertEquals(6, v.ld());
            assertEquals(m.byteIndex(3, 3), v.byteIndex(2, 1));
        }
    }

    @Test
    void copyConvertsTypes() {
        try (Matrix m = Matrix.of(2, 2, DType.F64, 1.0 / 3, 2, 3, 4); Matrix f = m.copy(DType.F32)) {
            assertEquals((float) (1.0 / 3), f.get(0, 0), 0.0);
            assertEquals(DType.F32, f.dtype());
        }
    }

    @Test
    void requestLargerThanMemoryIsRefusedWithAMessage() {
        long avail = MemoryBudget.availableBytes();
        assertTrue(avail > 0 && avail < Long.MAX_VALUE, "this machine reports its available memory");
        int n = (int) Math.min(Integer.MAX_VALUE, (long) Math.sqrt(avail / 8.0) * 2);
        TangentException e = assertThrows(TangentException.class, () -> Matrix.allocate(n, n, DType.F64));
        assertTrue(e.getMessage().startsWith("not enough memory for a " + n + " x " + n + " f64 matrix"), e.getMessage());
        assertEquals(2, e.exitCode());
    }

    @Test
    void indicesAreChecked() {
        try (Matrix m = Matrix.allocate(2, 3, DType.F32)) {
            assertThrows(IndexOutOfBoundsException.class, () -> m.get(2, 0));
            assertThrows(IndexOutOfBoundsException.class, () -> m.view(1, 1, 2, 2));
        }
    }
}
