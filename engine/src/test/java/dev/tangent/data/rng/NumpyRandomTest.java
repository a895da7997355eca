package dev.tangent.data.rng;

import dev.tangent.TangentException;
import dev.tangent.data.ReferencePython;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** {@link NumpyRandom} against the golden values of spec §9 / §11.2 and against numpy's legacy RandomState itself. */
class NumpyRandomTest {
    /** Bounds of randint(0, n) covering both the 32-bit and the 64-bit masked paths and n = 1 (no draw). */
    private static final long[] BOUNDS = {1, 2, 3, 7, 10, 12665, (1L << 31) + 1, 1L << 32, (1L << 32) + 1,
            (1L << 40) + 3, (1L << 62) + 5};
    private static final int DRAWS = 2000;

    @TempDir
    Path dir;

    @Test
    void goldenNormalsOfSpec9() {
        NumpyRandom r = new NumpyRandom(1990);
        assertEquals(-0.38232581293977214, r.nextGaussian(), 0.0);
        assertEquals(0.20089394, r.nextGaussian(), 5e-9);
        assertEquals(1.56176025, r.nextGaussian(), 5e-9);
        double[] s145 = new double[3];
        new NumpyRandom(145).fillGaussian(s145);
        assertArrayEquals(new double[] {-0.82862278, 0.06038149, 1.20277692}, s145, 5e-9);
        double[] s2048 = new double[3];
        new NumpyRandom(2048).fillGaussian(s2048);
        assertArrayEquals(new double[] {-1.04589744, 0.25805923, 0.17864417}, s2048, 5e-9);
    }

    @Test
    void goldenChoiceOfSpec9() {
        NumpyRandom r = new NumpyRandom(6);
        assertArrayEquals(new int[] {2761, 8419, 10196, 4714, 8527}, r.choice(12665, 5));
        assertArrayEquals(new int[] {848, 1305, 1721, 26, 1953}, r.choice(2115, 5));
    }

    @Test
    void seedsOutsideNumpysRangeAreRejected() {
        assertThrows(TangentException.class, () -> new NumpyRandom(-1));
        assertThrows(TangentException.class, () -> new NumpyRandom(1L << 32));
        new NumpyRandom((1L << 32) - 1).nextInt32();
    }

    /**
     * Thousands of draws of every method, interleaved in one stream per seed (so the Gaussian cache crosses other
     * calls, as in numpy), compared for exact equality with numpy's RandomState.
     */
    @Test
    void equalsNumpyRandomStateDrawForDraw() throws Exception {
        long[] seeds = {0, 1990, 4294967295L};
        StringBuilder py = new StringBuilder("import numpy as np\n");
        py.append("bounds = [").append(join(BOUNDS)).append("]\n");
        py.append("for seed in [").append(join(seeds)).append("]:\n")
                .append("    r = np.random.RandomState(seed)\n")
                .append("    d = ").append(ReferencePython.quote(dir)).append(" + '/' + str(seed)\n")
                .append("    np.save(d + '_int32.npy', r.randint(0, 2**32, size=" + DRAWS + ", dtype=np.uint64).astype(np.float64))\n")
                .append("    np.save(d + '_double.npy', r.random_sample(" + DRAWS + "))\n")
                .append("    np.save(d + '_gauss.npy', r.standard_normal(" + (DRAWS + 1) + "))\n")
                .append("    np.save(d + '_exp.npy', r.standard_exponential(" + DRAWS + "))\n")
                .append("    b = [r.randint(0, n, size=200) for n in bounds]\n")
                .append("    np.save(d + '_bounded_hi.npy', np.array([v >> 26 for row in b for v in row], dtype=np.float64))\n")
                .append("    np.save(d + '_bounded_lo.npy', np.array([v & ((1 << 26) - 1) for row in b for v in row], dtype=np.float64))\n")
                .append("    np.save(d + '_choice.npy', r.choice(2115, 500).astype(np.float64))\n")
                .append("    np.save(d + '_matrix.npy', r.normal(size=(3, 5)))\n")
                .append("    np.save(d + '_tail.npy', np.array([r.standard_normal(), r.random_sample(), r.standard_normal()]))\n");
        ReferencePython.run(py.toString());
        for (long seed : seeds) {
            String p = seed + "_";
            NumpyRandom r = new NumpyRandom(seed);
            double[] ints = ReferencePython.values(dir.resolve(p + "int32.npy"));
            for (int i = 0; i < DRAWS; i++) {
                assertEquals((long) ints[i], r.nextInt32(), "seed " + seed + " nextInt32 #" + i);
            }
            assertDraws(ReferencePython.values(dir.resolve(p + "double.npy")), r::nextDouble, seed, "nextDouble");
            assertDraws(ReferencePython.values(dir.resolve(p + "gauss.npy")), r::nextGaussian, seed, "nextGaussian");
            assertDraws(ReferencePython.values(dir.resolve(p + "exp.npy")), r::nextExponential, seed, "nextExponential");
            double[] hi = ReferencePython.values(dir.resolve(p + "bounded_hi.npy"));
            double[] lo = ReferencePython.values(dir.resolve(p + "bounded_lo.npy"));
            int at = 0;
            for (long n : BOUNDS) {
                for (int i = 0; i < 200; i++, at++) {
                    long expected = ((long) hi[at] << 26) | (long) lo[at];
                    assertEquals(expected, r.nextBounded(n), "seed " + seed + " nextBounded(" + n + ") #" + i);
                }
            }
            double[] choice = ReferencePython.values(dir.resolve(p + "choice.npy"));
            int[] got = r.choice(2115, 500);
            for (int i = 0; i < got.length; i++) {
                assertEquals((int) choice[i], got[i], "seed " + seed + " choice #" + i);
            }
            double[] matrix = new double[15];
            r.fillGaussian(matrix);
            assertArrayEquals(ReferencePython.values(dir.resolve(p + "matrix.npy")), matrix, 0.0, "seed " + seed + " fillGaussian");
            double[] tail = ReferencePython.values(dir.resolve(p + "tail.npy"));
            assertEquals(tail[0], r.nextGaussian(), 0.0);
            assertEquals(tail[1], r.nextDouble(), 0.0);
            assertEquals(tail[2], r.nextGaussian(), 0.0);
        }
    }

    private static void assertDraws(double[] expected, java.util.function.DoubleSupplier draw, long seed, String what) {
        for (int i = 0; i < expected.length; i++) {
            double got = draw.getAsDouble();
            if (got != expected[i]) {
                assertEquals(expected[i], got, 0.0, "seed " + seed + " " + what + " #" + i + " (log: "
                        + NumpyRandom.logSource() + ")");
            }
        }
    }

    private static String join(long[] values) {
        StringBuilder sb = new StringBuilder();
        for (long v : values) {
            sb.append(sb.isEmpty() ? "" : ", ").append(v);
        }
        return sb.toString();
    }
}
