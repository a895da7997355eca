package dev.tangent.io;

import dev.tangent.data.ReferencePython;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link NpyRowStream} against numpy: arrays whose row bytes are and are not multiples of 4 KiB, written while rows
 * complete in steps (and sometimes not at all until commit), read back by numpy bit for bit; through direct I/O (where the
 * test's file system takes it) and through the page cache; and an aborted stream leaves nothing behind.
 */
class NpyRowStreamTest {
    @TempDir
    Path dir;

    static double value(int i, int j) {
        return Math.scalb((double) (i * 1_000_003L + j * 7L), -20) - 3.5;
    }

    private Path write(Path target, int rows, int cols, DType t, int step, boolean tryDirect, boolean[] direct) {
        try (NpyRowStream s = NpyRowStream.create(target, rows, cols, t, tryDirect)) {
            direct[0] = s.direct();
            Matrix m = s.matrix();
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    m.set(i, j, value(i, j));
                }
                if (step > 0 && (i + 1) % step == 0) {
                    s.rowsComplete(i + 1);
                }
            }
            assertFalse(Files.exists(target), "the target appears only at commit");
            s.commit();
        }
        return target;
    }

    private static void numpyAgrees(Path p, int rows, int cols, DType t) throws Exception {
        String dtype = t == DType.F64 ? "np.float64" : "np.float32";
        assertEquals("ok", ReferencePython.run("import numpy as np\n"
                + "a = np.load(" + "'" + p + "')\n"
                + "i, j = np.meshgrid(np.arange(" + rows + ", dtype=np.int64), np.arange(" + cols + ", dtype=np.int64), indexing='ij')\n"
                + "ref = (np.ldexp((i * 1000003 + j * 7).astype(np.float64), -20) - 3.5).astype(" + dtype + ")\n"
                + "assert a.dtype == " + dtype + " and a.shape == (" + rows + ", " + cols + ") and a.flags.c_contiguous, (a.dtype, a.shape)\n"
                + "assert np.array_equal(a, ref)\n"
                + "print('ok')\n"));
    }

    @Test
    void numpyReadsEveryShapeAndStepDirectAndBuffered() throws Exception {
        int[][] shapes = {{1, 1}, {3, 1024}, {2049, 7}, {300, 2000}, {5, 513}};
        for (boolean tryDirect : new boolean[] {true, false}) {
            for (int[] sh : shapes) {
                for (DType t : DType.values()) {
                    for (int step : new int[] {0, 1, 37}) {
                        boolean[] direct = new boolean[1];
                        Path p = write(dir.resolve("k-" + tryDirect + "-" + sh[0] + "-" + sh[1] + "-" + t + "-" + step + ".npy"),
                                sh[0], sh[1], t, step, tryDirect, direct);
                        if (!tryDirect) {
                            assertFalse(direct[0], "a buffered stream was asked for");
                        }
                        numpyAgrees(p, sh[0], sh[1], t);
                    }
                }
            }
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> TempFiles.isTemp(p)), "no temp file is left");
        }
    }

    @Test
    void anAbortedStreamLeavesNothing() throws Exception {
        Path target = dir.resolve("aborted.npy");
        try (NpyRowStream s = NpyRowStream.create(target, 1000, 1024, DType.F64)) {
            s.matrix().set(0, 0, 1);
            s.rowsComplete(500);
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertTrue(s.findAny().isEmpty(), "neither the target nor its temp file remains");
        }
    }
}
