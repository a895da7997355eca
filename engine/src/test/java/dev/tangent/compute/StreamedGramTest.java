package dev.tangent.compute;

import dev.tangent.TangentException;
import dev.tangent.TestData;
import dev.tangent.io.Npy;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A Gram written to a file through {@link StreamedGram} (a few panel buffers in turn, transposed blocks waiting in a
 * pool) holds the same bits as the same provider's Gram in memory, which has the whole output as its panels and mirror
 * places: odd sizes (n below one panel, not a multiple of the panel or of the SIMD width), f32 and f64, one to three
 * buffers so that every buffer is reused many times, GEMMs run ahead of their maps, K(X, X) and K(X, Y), and the
 * default tile with panels that start inside a 4 KiB block. Also: the pool is reused (its peak for a sequential run is
 * the closed form of that schedule), a failing computation leaves nothing and does not hang, and a Gram whose buffers
 * cannot fit is refused before anything is written.
 */
class StreamedGramTest {
    @TempDir
    Path dir;

    static Stream<Named<KernelProvider>> providers() {
        return Providers.all(2, 8).stream().map(p -> Named.of(p.toString(), p));
    }

    private static final KernelProvider.Progress NONE = KernelProvider.Progress.NONE;

    /** Writes the Gram to a file and compares it with the in-memory Gram byte for byte. */
    private void sameBits(KernelProvider provider, KernelSpec spec, Matrix x, Matrix y, int buffers, double aheadFlops, String name) {
        Path f = dir.resolve(name + ".npy");
        ((HostProvider) provider).writeGram(spec, x, y, x.dtype(), f, NONE, buffers, true, aheadFlops);
        try (Matrix want = Providers.gram(provider, spec, x, y); Matrix got = Npy.readMatrix(f, x.dtype(), name)) {
            assertEquals(want.rows(), got.rows(), name);
            assertEquals(want.cols(), got.cols(), name);
            long rowBytes = (long) want.cols() * want.dtype().bytes();
            for (int i = 0; i < want.rows(); i++) {
                long at = MemorySegment.mismatch(want.segment(), want.byteIndex(i, 0), want.byteIndex(i, 0) + rowBytes, got.segment(),
                        got.byteIndex(i, 0), got.byteIndex(i, 0) + rowBytes);
                assertEquals(-1, at, name + ": row " + i + " differs at byte " + at);
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("providers")
    void theFileHoldsTheInMemoryGramsBits(KernelProvider provider) {
        KernelSpec spec = KernelSpec.ntk(2);
        int d = 37; // two-vector steps, one-vector steps and a scalar tail of k in the Java GEMM, for every species width
        for (DType t : DType.values()) {
            // tile 8: panels of 16 rows; 100 rows are 7 panels, the last of 4 rows
            for (int n : new int[] {1, 7, 16, 37, 100}) {
                try (Matrix x = TestData.uniform(n, d, t, n)) {
                    for (int buffers = 1; buffers <= 3; buffers++) {
                        sameBits(provider, spec, x, null, buffers, 0, "k-" + t + "-" + n + "-" + buffers);
                    }
                    // GEMMs of the first items (about 11 kflop each) run before their maps
                    sameBits(provider, spec, x, null, 1, 3e4, "ahead1-" + t + "-" + n);
                    sameBits(provider, spec, x, null, 3, 1e5, "ahead3-" + t + "-" + n);
                }
            }
            try (Matrix x = TestData.uniform(37, d, t, 5); Matrix y = TestData.uniform(23, d, t, 6)) {
                sameBits(provider, spec, x, y, 2, 0, "kxy-" + t);
                sameBits(provider, KernelSpec.fc(KernelSpec.Kind.NTK, 3, 1.3, 0.5), y, x, 1, 0, "kyx-" + t);
            }
        }
    }

    /**
     * The default tile (panels of 512 rows): 1001 f32 rows make panels of 2,050,048 bytes, so every other panel starts
     * 2 KiB into a block and shares it with the panel before.
     */
    @Test
    void defaultTileWithPanelsStartingInsideABlock() {
        for (KernelProvider p : Providers.all(2, HostProvider.DEFAULT_TILE)) {
            int d = p instanceof ScalarProvider ? 31 : 784;
            for (DType t : DType.values()) {
                try (Matrix x = TestData.uniform(1001, d, t, 3)) {
                    sameBits(p, KernelSpec.ntk(2), x, null, StreamedGram.BUFFERS, Double.NaN, "k1001-" + p.name() + "-" + t);
                }
            }
        }
    }

    /**
     * One thread and one buffer run the panels strictly in order: when panel p's own work is done, the blocks of rows
     * 0..p in the columns of p + 1..N − 1 wait, and so do those of rows 0..p − 1 in the columns of p, (p + 1)(N − 1 − p)
     * + p in all; panel p then frees the last. The peak of the pool must be the largest of these (so freed slabs are
     * reused), within the bound the pool is sized by.
     */
    @Test
    void thePoolPeaksAtTheSequentialScheduleAndIsReused() {
        int n = 100;
        int tile = 8;
        int panels = (n + 2 * tile - 1) / (2 * tile);
        long expected = 0;
        for (int p = 0; p < panels; p++) {
            expected = Math.max(expected, (long) (p + 1) * (panels - 1 - p) + p);
        }
        try (Matrix x = TestData.uniform(n, 5, DType.F64, 9)) {
            double[] nx = PanelGram.squaredNorms(x);
            try (StreamedGram g = StreamedGram.open(dir.resolve("seq.npy"), n, n, DType.F64, 2 * tile, true, 1, true)) {
                PanelGram.build(ScalarBackend.INSTANCE, 1, tile, (c, i, j) -> { }, BlockOps.SCALAR, KernelSpec.ntk(1), x, null, g, nx, NONE, 0);
                assertEquals(expected, g.peakSlabs(), "slabs in use at the peak");
                g.commit();
            }
            assertTrue(expected <= StreamedGram.poolSlabs(panels, 1), "the pool is sized for it");
        }
    }

    @Test
    void aFailingComputationLeavesNothingAndDoesNotHang() throws Exception {
        int n = 200;
        try (Matrix x = TestData.uniform(n, 5, DType.F32, 4)) {
            double[] nx = PanelGram.squaredNorms(x);
            TileMap failing = (c, i, j) -> {
                if (i >= 80) {
                    throw new IllegalStateException("map failed at row " + i);
                }
            };
            try (StreamedGram g = StreamedGram.open(dir.resolve("failed.npy"), n, n, DType.F32, 16, true, 1, true)) {
                IllegalStateException e = assertThrows(IllegalStateException.class, () -> PanelGram.build(ScalarBackend.INSTANCE, 2, 8,
                        failing, BlockOps.SCALAR, KernelSpec.ntk(1), x, null, g, nx, NONE, 0));
                assertTrue(e.getMessage().startsWith("map failed at row"), "the first failure is the one reported: " + e.getMessage());
            }
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertTrue(s.findAny().isEmpty(), "neither the target nor its temp file remains");
        }
    }

    /** 4·10⁶ points: the pool alone would hold n²/4 f32 entries (16 TB), refused in one line before any file exists. */
    @Test
    void aGramThatCannotFitIsRefusedBeforeAnythingIsWritten() throws Exception {
        try (Matrix x = Matrix.allocate(4_000_000, 1, DType.F32)) {
            TangentException e = assertThrows(TangentException.class, () -> Providers.cpu(new JavaBackend(1), 1).writeGram(
                    KernelSpec.ntk(1), x, null, DType.F32, dir.resolve("huge.npy"), NONE));
            assertTrue(e.getMessage().startsWith("not enough memory for the 4000000 x 4000000 f32 Gram streamed to "), e.getMessage());
            assertTrue(e.getMessage().contains("transposed 512 x 512 blocks"), e.getMessage());
            assertEquals(TangentException.BAD_INPUT, e.exitCode());
            assertEquals(1, e.getMessage().lines().count(), "one line");
        }
        try (Stream<Path> s = Files.list(dir)) {
            assertTrue(s.findAny().isEmpty(), "nothing is written");
        }
    }
}
