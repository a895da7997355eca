package dev.tangent.data.transform;

import dev.tangent.data.ReferencePython;
import dev.tangent.io.Npy;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link Dct2}: spec §9 golden values, the round trip, and scipy's dctn/idctn (norm='ortho'). */
class Dct2Test {
    @TempDir
    Path dir;

    @Test
    void goldenValuesOfSpec9() {
        double[] a = new double[16];
        for (int k = 0; k < 16; k++) {
            a[k] = Math.pow(k, 1.5);
        }
        double[] d = new double[16];
        new Dct2(4, 4).forward(a, d);
        assertArrayEquals(new double[] {94.51863073332, -17.15156012903, 0.7267047000767, -1.180913534225},
                new double[] {d[0], d[1], d[2], d[3]}, 5e-11);
        assertEquals(0.06108093783483, d[15], 5e-14);
    }

    @Test
    void inverseUndoesForwardOnRectangularBlocks() {
        SplittableRandom r = new SplittableRandom(5);
        for (int[] hw : new int[][] {{28, 28}, {32, 32}, {7, 13}, {1, 5}}) {
            Dct2 dct = new Dct2(hw[0], hw[1]);
            double[] x = r.doubles(hw[0] * hw[1], -3, 3).toArray();
            double[] y = new double[x.length];
            dct.forward(x, y);
            double energyX = 0;
            double energyY = 0;
            for (int k = 0; k < x.length; k++) {
                energyX += x[k] * x[k];
                energyY += y[k] * y[k];
            }
            assertEquals(energyX, energyY, 1e-12 * energyX, "orthonormal: Parseval");
            dct.inverse(y, y);
            assertArrayEquals(x, y, 1e-12, hw[0] + "x" + hw[1]);
        }
    }

    @Test
    void equalsScipyDctnOrtho() throws Exception {
        SplittableRandom r = new SplittableRandom(17);
        int h = 28;
        int w = 28;
        double[] x = r.doubles(h * w, -1, 1).toArray();
        try (Matrix m = Matrix.of(h, w, DType.F64, x)) {
            Npy.write(dir.resolve("x.npy"), m);
        }
        ReferencePython.run("import numpy as np\n"
                + "from scipy.fft import dctn, idctn\n"
                + "x = np.load(" + ReferencePython.quote(dir.resolve("x.npy")) + ")\n"
                + "np.save(" + ReferencePython.quote(dir.resolve("f.npy")) + ", dctn(x, norm='ortho'))\n"
                + "np.save(" + ReferencePython.quote(dir.resolve("i.npy")) + ", idctn(x, norm='ortho'))\n");
        Dct2 dct = new Dct2(h, w);
        double[] f = new double[h * w];
        dct.forward(x, f);
        assertArrayEquals(ReferencePython.values(dir.resolve("f.npy")), f, 1e-12);
        double[] i = new double[h * w];
        dct.inverse(x, i);
        assertArrayEquals(ReferencePython.values(dir.resolve("i.npy")), i, 1e-12);
    }
}
