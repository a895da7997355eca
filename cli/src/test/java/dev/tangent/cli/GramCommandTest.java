package dev.tangent.cli;

import dev.tangent.io.Npy;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.kernel.NtkRecursion;
import dev.tangent.compute.RoundingBounds;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tangent gram} end to end, in-process: results, and the one-line exit-2 contract for bad input. */
class GramCommandTest {
    @TempDir
    Path dir;

    private Path npy(String name, int n, int d, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        try (Matrix m = Matrix.allocate(n, d, DType.F64)) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < d; j++) {
                    m.set(i, j, r.nextDouble());
                }
            }
            Path p = dir.resolve(name);
            Npy.write(p, m);
            return p;
        }
    }

    /** A raw .npy with the given header dict and {@code count} f8 values. */
    private Path rawNpy(String name, String dict, int count, double fill) throws IOException {
        String h = dict;
        int total = 10 + h.length() + 1;
        h = h + " ".repeat((64 - total % 64) % 64) + "\n";
        ByteBuffer bb = ByteBuffer.allocate(10 + h.length() + 8 * count).order(ByteOrder.LITTLE_ENDIAN);
        bb.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) h.length());
        bb.put(h.getBytes(StandardCharsets.ISO_8859_1));
        for (int i = 0; i < count; i++) {
            bb.putDouble(fill);
        }
        Path p = dir.resolve(name);
        Files.write(p, bb.array());
        return p;
    }

    @Test
    void writesTheGramOfTheRecursion() {
        Path x = npy("x.npy", 23, 11, 1);
        Path x2 = npy("x2.npy", 5, 11, 2);
        Path out = dir.resolve("K.npy");
        Cli.Outcome o = Cli.run("gram", "--x", x.toString(), "--x2", x2.toString(), "--depth", "3", "--bias-std", "0.2",
                "--backend", "java", "--out", out.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("23 x 5"), o.out());
        try (Matrix k = Npy.readMatrix(out, DType.F64, ""); Matrix a = Npy.readMatrix(x, DType.F64, "");
             Matrix b = Npy.readMatrix(x2, DType.F64, "")) {
            KernelSpec spec = KernelSpec.fc(KernelSpec.Kind.NTK, 3, 1.0, 0.2);
            for (int i = 0; i < 23; i++) {
                for (int j = 0; j < 5; j++) {
                    double ref = NtkRecursion.pair(spec, a.row(i), b.row(j)).ntk();
                    // the entry's rounding-error bound (dot product and map), not a fraction of the entry itself
                    assertEquals(ref, k.get(i, j), RoundingBounds.gramEntry(spec, a.row(i), b.row(j), DType.F64));
                }
            }
        }
    }

    @Test
    void f32OutputHasF32Dtype() {
        Path x = npy("x.npy", 9, 4, 3);
        Path out = dir.resolve("K32.npy");
        assertEquals(0, Cli.run("gram", "--x", x.toString(), "--depth", "1", "--dtype", "f32", "--out", out.toString()).code());
        assertEquals("<f4", Npy.readHeader(out).descr());
        assertEquals("(9, 9)", Npy.readHeader(out).shapeString());
    }

    @Test
    void missingFile() {
        Path out = dir.resolve("K.npy");
        Cli.assertBadInput(out, "nope.npy: no such file", "gram", "--x", dir.resolve("nope.npy").toString(), "--depth", "1", "--out", out.toString());
    }

    @Test
    void notAnNpyFile() throws IOException {
        Path bad = dir.resolve("text.npy");
        Files.writeString(bad, "hello, I am a CSV file\n1,2,3\n");
        Path out = dir.resolve("K.npy");
        Cli.assertBadInput(out, "not an .npy file", "gram", "--x", bad.toString(), "--depth", "1", "--out", out.toString());
    }

    @Test
    void fortranOrder() throws IOException {
        Path f = rawNpy("f.npy", "{'descr': '<f8', 'fortran_order': True, 'shape': (3, 2), }", 6, 1.0);
        Path out = dir.resolve("K.npy");
        Cli.assertBadInput(out, "Fortran", "gram", "--x", f.toString(), "--depth", "1", "--out", out.toString());
    }

    @Test
    void threeDimensionalArray() throws IOException {
        Path f = rawNpy("c.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3, 4), }", 24, 1.0);
        Path out = dir.resolve("K.npy");
        Cli.assertBadInput(out, "3-D array of shape (2, 3, 4)", "gram", "--x", f.toString(), "--depth", "1", "--out", out.toString());
    }

    @Test
    void featureCountsDiffer() {
        Path x = npy("x.npy", 4, 5, 1);
        Path x2 = npy("x2.npy", 4, 6, 2);
        Path out = dir.resolve("K.npy");
        Cli.assertBadInput(out, "--x2 has 6", "gram", "--x", x.toString(), "--x2", x2.toString(), "--depth", "1", "--out", out.toString());
    }

    @Test
    void nanInInput() throws IOException {
        Path f = rawNpy("nan.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", 4, Double.NaN);
        Path out = dir.resolve("K.npy");
        Cli.assertBadInput(out, "NaN at row 0, column 0", "gram", "--x", f.toString(), "--depth", "1", "--out", out.toString());
    }

    @Test
    void infinityInInput() throws IOException {
        Path f = rawNpy("inf.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 2), }", 4, Double.POSITIVE_INFINITY);
        Path out = dir.resolve("K.npy");
        Cli.assertBadInput(out, "Infinity at row 0", "gram", "--x", npy("ok.npy", 2, 2, 1).toString(), "--x2", f.toString(),
                "--depth", "1", "--out", out.toString());
    }

    @Test
    void negativeDepth() {
        Path out = dir.resolve("K.npy");
        Cli.assertBadInput(out, "--depth", "gram", "--x", npy("x.npy", 3, 2, 1).toString(), "--depth", "-1", "--out", out.toString());
    }

    @Test
    void unwritableOut() {
        Path out = dir.resolve("no-such-dir").resolve("K.npy");
        Cli.assertBadInput(null, "does not exist", "gram", "--x", npy("x.npy", 3, 2, 1).toString(), "--depth", "1", "--out", out.toString());
        assertFalse(Files.exists(out));
    }

    @Test
    void outIsADirectory() {
        Cli.assertBadInput(null, "is a directory", "gram", "--x", npy("x.npy", 3, 2, 1).toString(), "--depth", "1", "--out", dir.toString());
    }

    @Test
    void missingRequiredOption() {
        Cli.assertBadInput(null, "--out", "gram", "--x", "x.npy", "--depth", "1");
    }

    @Test
    void unknownBackend() {
        Path out = dir.resolve("K.npy");
        Cli.assertBadInput(out, "--backend': expected one of auto, cuda, openblas, java, scalar, found 'tpu'", "gram", "--x", npy("x.npy", 3, 2, 1).toString(), "--depth", "1",
                "--backend", "tpu", "--out", out.toString());
    }

    @Test
    void badDtype() {
        Cli.assertBadInput(null, "f16", "gram", "--x", "x.npy", "--depth", "1", "--dtype", "f16", "--out", "K.npy");
    }

    @Test
    void infoDescribesTheMachine() {
        Cli.Outcome o = Cli.run("info");
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("SIMD"), o.out());
        assertTrue(o.out().contains("Backend    auto ->"), o.out());
        assertTrue(o.out().contains("OpenBLAS"), o.out());
    }
}
