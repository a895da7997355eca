package dev.tangent.io;

import dev.tangent.TangentException;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Npy} against numpy itself (Debian's python3-numpy, which scripts/test.sh installs). */
class NpyNumpyInteropTest {
    @TempDir
    Path dir;

    @Test
    void readsWhatNumpyWrites() throws Exception {
        External.python("import numpy as np\n"
                + "a = (np.arange(12).reshape(3, 4) * 0.25 - 1).astype(np.float64)\n"
                + "d = '" + dir + "'\n"
                + "np.save(d + '/f8.npy', a)\n"
                + "np.save(d + '/f4.npy', a.astype(np.float32))\n"
                + "np.save(d + '/i4.npy', np.arange(12, dtype=np.int32).reshape(3, 4) - 5)\n"
                + "np.save(d + '/i8.npy', np.arange(12, dtype=np.int64).reshape(3, 4) * 1000000007)\n"
                + "np.save(d + '/u1.npy', (np.arange(12) * 20).astype(np.uint8).reshape(3, 4))\n"
                + "np.save(d + '/b1.npy', (np.arange(12) % 3 == 0).reshape(3, 4))\n"
                + "np.save(d + '/be.npy', a.astype('>f8'))\n"
                + "np.save(d + '/vec.npy', np.arange(5, dtype=np.float64))\n");
        for (String name : new String[] {"f8", "f4", "be"}) {
            try (Matrix m = Npy.readMatrix(dir.resolve(name + ".npy"), DType.F64, "")) {
                assertEquals(3, m.rows());
                assertEquals(4, m.cols());
                for (int i = 0; i < 3; i++) {
                    for (int j = 0; j < 4; j++) {
                        assertEquals((i * 4 + j) * 0.25 - 1, m.get(i, j), 0.0, name);
                    }
                }
            }
        }
        try (Matrix i4 = Npy.readMatrix(dir.resolve("i4.npy"), DType.F64, "");
             Matrix i8 = Npy.readMatrix(dir.resolve("i8.npy"), DType.F64, "");
             Matrix u1 = Npy.readMatrix(dir.resolve("u1.npy"), DType.F32, "");
             Matrix b1 = Npy.readMatrix(dir.resolve("b1.npy"), DType.F64, "");
             Matrix v = Npy.readMatrix(dir.resolve("vec.npy"), DType.F64, "")) {
            for (int k = 0; k < 12; k++) {
                assertEquals(k - 5, i4.get(k / 4, k % 4), 0.0);
                assertEquals(k * 1000000007.0, i8.get(k / 4, k % 4), 0.0);
                assertEquals((k * 20) & 0xff, u1.get(k / 4, k % 4), 0.0);
                assertEquals(k % 3 == 0 ? 1 : 0, b1.get(k / 4, k % 4), 0.0);
            }
            assertEquals(5, v.rows());
            assertEquals(1, v.cols());
            assertEquals(4.0, v.get(4, 0), 0.0);
        }
    }

    @Test
    void numpyReadsWhatWeWrite() throws Exception {
        // numpy compares against the exact doubles Java wrote, passed as hex literals (float.fromhex): Java's Math.sin
        // and numpy's sin may differ in the last bit, which is no property of the file format
        StringBuilder written = new StringBuilder("[");
        try (Matrix m = Matrix.allocate(5, 7, DType.F64); Matrix f = Matrix.allocate(3, 2, DType.F32)) {
            for (int i = 0; i < 5; i++) {
                for (int j = 0; j < 7; j++) {
                    m.set(i, j, Math.sin(i * 7 + j) / 3);
                    written.append("float.fromhex('").append(Double.toHexString(m.get(i, j))).append("'),");
                }
            }
            for (int i = 0; i < 3; i++) {
                for (int j = 0; j < 2; j++) {
                    f.set(i, j, i - 0.5 * j);
                }
            }
            Npy.write(dir.resolve("m.npy"), m);
            Npy.write(dir.resolve("f.npy"), f);
            Npy.writeVector(dir.resolve("v.npy"), new double[] {1.5, -2, 1e-300});
        }
        String out = External.python("import numpy as np\n"
                + "d = '" + dir + "'\n"
                + "m = np.load(d + '/m.npy'); f = np.load(d + '/f.npy'); v = np.load(d + '/v.npy')\n"
                + "assert m.dtype == np.float64 and m.shape == (5, 7) and m.flags.c_contiguous\n"
                + "assert np.array_equal(m, np.array(" + written + "]).reshape(5, 7))\n"
                + "assert f.dtype == np.float32 and f.shape == (3, 2)\n"
                + "assert np.array_equal(f, (np.arange(3)[:, None] - 0.5 * np.arange(2)[None, :]).astype(np.float32))\n"
                + "assert v.shape == (3,) and v[2] == 1e-300\n"
                + "print('ok')\n");
        assertEquals("ok", out);
    }

    @Test
    void mappedOutputIsReadableAndAtomic() throws Exception {
        Path target = dir.resolve("big.npy");
        try (Npy.MappedOutput mo = Npy.createMapped(target, 300, 200, DType.F32)) {
            for (int i = 0; i < 300; i++) {
                for (int j = 0; j < 200; j++) {
                    mo.matrix().set(i, j, i - j);
                }
            }
            assertTrue(!Files.exists(target), "target must not exist before commit");
            mo.commit();
        }
        assertEquals("ok", External.python("import numpy as np\n"
                + "a = np.load('" + target + "')\n"
                + "assert a.dtype == np.float32 and a.shape == (300, 200)\n"
                + "assert np.array_equal(a, (np.arange(300)[:, None] - np.arange(200)[None, :]).astype(np.float32))\n"
                + "print('ok')\n"));
        // closed without commit: nothing is left
        Path other = dir.resolve("aborted.npy");
        try (Npy.MappedOutput mo = Npy.createMapped(other, 10, 10, DType.F64)) {
            mo.matrix().set(0, 0, 1);
        }
        try (var s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().contains("aborted")), "aborted output left a file");
        }
    }

    @Test
    void truncatedFileIsRejected() throws IOException {
        Path p = dir.resolve("t.npy");
        try (Matrix m = Matrix.allocate(4, 4, DType.F64)) {
            Npy.write(p, m);
        }
        byte[] all = Files.readAllBytes(p);
        Files.write(p, java.util.Arrays.copyOf(all, all.length - 9));
        TangentException e = assertThrows(TangentException.class, () -> Npy.readMatrix(p, DType.F64, "--x"));
        assertTrue(e.getMessage().contains("truncated"), e.getMessage());
    }
}
