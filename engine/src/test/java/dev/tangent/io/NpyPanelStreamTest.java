package dev.tangent.io;

import dev.tangent.data.ReferencePython;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link NpyPanelStream} against numpy: arrays whose rows and panels are and are not multiples of 4 KiB (so that panels
 * start inside a block and the blocks they share are joined), with one to three buffers in turn and panels completed
 * out of order, read back by numpy bit for bit; through direct I/O (where the test's file system takes it) and through
 * the page cache; an aborted stream leaves nothing behind and releases a producer waiting for a buffer.
 */
class NpyPanelStreamTest {
    @TempDir
    Path dir;

    /** File systems that take O_DIRECT (tmpfs, for one, does not). */
    static final java.util.Set<String> DIRECT_FILE_SYSTEMS = java.util.Set.of("ext2", "ext3", "ext4", "xfs", "btrfs");

    static String fileSystem(Path p) {
        try {
            return Files.getFileStore(p.toAbsolutePath().getParent()).type();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    static double value(int i, int j) {
        return Math.scalb((double) (i * 1_000_003L + j * 7L), -20) - 3.5;
    }

    /**
     * Writes the test array in windows of {@code buffers} panels, each window's panels completed last to first (every
     * buffer of a window is free once the window before it is written), and checks the target appears only at commit.
     */
    private void write(Path target, int rows, int cols, DType t, int panelRows, int buffers, boolean tryDirect) {
        try (NpyPanelStream s = NpyPanelStream.create(target, rows, cols, t, panelRows, buffers, tryDirect)) {
            if (!tryDirect) {
                assertFalse(s.direct(), "a buffered stream was asked for");
            } else if (DIRECT_FILE_SYSTEMS.contains(fileSystem(target))) {
                assertTrue(s.direct(), fileSystem(target) + " takes direct I/O");
            }
            for (int w = 0; w < s.panels(); w += buffers) {
                int end = Math.min(s.panels(), w + buffers);
                for (int p = w; p < end; p++) {
                    Matrix m = s.panel(p);
                    for (int i = 0; i < m.rows(); i++) {
                        for (int j = 0; j < cols; j++) {
                            m.set(i, j, value(p * s.panelRows() + i, j));
                        }
                    }
                }
                for (int p = end - 1; p >= w; p--) {
                    s.panelComplete(p);
                }
            }
            assertFalse(Files.exists(target), "the target appears only at commit");
            s.commit();
        }
    }

    @Test
    void numpyReadsEveryShapePanelAndBufferCountDirectAndBuffered() throws Exception {
        int[][] shapes = {{1, 1}, {3, 1024}, {2049, 7}, {300, 2000}, {5, 513}, {0, 4}};
        int[][] panelsAndBuffers = {{1, 1}, {7, 2}, {64, 3}, {5, 1}};
        StringBuilder checks = new StringBuilder();
        for (boolean tryDirect : new boolean[] {true, false}) {
            for (int[] sh : shapes) {
                for (DType t : DType.values()) {
                    for (int[] pb : panelsAndBuffers) {
                        Path p = dir.resolve("k-" + tryDirect + "-" + sh[0] + "-" + sh[1] + "-" + t + "-" + pb[0] + "-" + pb[1] + ".npy");
                        write(p, sh[0], sh[1], t, pb[0], pb[1], tryDirect);
                        checks.append("check(").append(ReferencePython.quote(p)).append(", ").append(sh[0]).append(", ").append(sh[1])
                                .append(", ").append(t == DType.F64 ? "np.float64" : "np.float32").append(")\n");
                    }
                }
            }
        }
        assertEquals("ok", ReferencePython.run("import numpy as np\n"
                + "def check(path, rows, cols, dtype):\n"
                + "    a = np.load(path)\n"
                + "    i, j = np.meshgrid(np.arange(rows, dtype=np.int64), np.arange(cols, dtype=np.int64), indexing='ij')\n"
                + "    ref = (np.ldexp((i * 1000003 + j * 7).astype(np.float64), -20) - 3.5).astype(dtype)\n"
                + "    assert a.dtype == dtype and a.shape == (rows, cols) and a.flags.c_contiguous, (path, a.dtype, a.shape)\n"
                + "    assert np.array_equal(a, ref), path\n"
                + checks
                + "print('ok')\n"));
        try (Stream<Path> s = Files.list(dir)) {
            assertTrue(s.noneMatch(TempFiles::isTemp), "no temp file is left");
        }
    }

    @Test
    void anAbortedStreamLeavesNothingAndReleasesAWaitingProducer() throws Exception {
        Path target = dir.resolve("aborted.npy");
        AtomicReference<Throwable> waiter = new AtomicReference<>();
        try (NpyPanelStream s = NpyPanelStream.create(target, 1000, 1024, DType.F64, 100, 1)) {
            s.panel(0).set(0, 0, 1);
            Thread t = new Thread(() -> {
                try {
                    s.panel(1); // waits: panel 0 holds the only buffer and is never completed
                } catch (Throwable e) {
                    waiter.set(e);
                }
            });
            t.start();
            Thread.sleep(100);
            s.abort();
            t.join(10_000);
            assertFalse(t.isAlive(), "the producer waiting for a buffer is released");
        }
        assertInstanceOf(IllegalStateException.class, waiter.get());
        try (Stream<Path> s = Files.list(dir)) {
            assertTrue(s.findAny().isEmpty(), "neither the target nor its temp file remains");
        }
    }

    @Test
    void panelsCompletedFromSeveralThreadsInAnyOrder() throws Exception {
        int rows = 777;
        int cols = 333;
        Path target = dir.resolve("threads.npy");
        try (NpyPanelStream s = NpyPanelStream.create(target, rows, cols, DType.F32, 10, 3)) {
            java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
            List<Thread> threads = new ArrayList<>();
            AtomicReference<Throwable> failed = new AtomicReference<>();
            for (int k = 0; k < 3; k++) {
                Thread th = new Thread(() -> {
                    try {
                        for (int p; (p = next.getAndIncrement()) < s.panels(); ) {
                            Matrix m = s.panel(p);
                            for (int i = m.rows() - 1; i >= 0; i--) {
                                for (int j = 0; j < cols; j++) {
                                    m.set(i, j, value(p * s.panelRows() + i, j));
                                }
                            }
                            s.panelComplete(p);
                        }
                    } catch (Throwable e) {
                        failed.set(e);
                    }
                });
                threads.add(th);
                th.start();
            }
            for (Thread th : threads) {
                th.join();
            }
            assertEquals(null, failed.get());
            s.commit();
        }
        try (Matrix m = Npy.readMatrix(target, DType.F32, "threads.npy")) {
            for (int i = 0; i < rows; i++) {
                for (int j = 0; j < cols; j++) {
                    assertEquals((float) value(i, j), (float) m.get(i, j), "(" + i + ", " + j + ")");
                }
            }
        }
    }
}
