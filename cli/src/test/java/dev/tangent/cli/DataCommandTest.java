package dev.tangent.cli;

import dev.tangent.io.Npy;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tangent data info/export}, and the exit-2 contract on malformed MNIST directories. */
class DataCommandTest {
    @TempDir
    Path dir;

    /** Writes an MNIST-style directory with n images of 2×2 pixels (pixel = 10·i + j) and labels i mod 3. */
    private Path mnistDir(String name, int nImages, int nLabels, int imageMagic, boolean gzip) throws IOException {
        Path d = Files.createDirectories(dir.resolve(name));
        ByteBuffer img = ByteBuffer.allocate(16 + 4 * nImages);
        img.putInt(imageMagic).putInt(nImages).putInt(2).putInt(2);
        for (int i = 0; i < nImages; i++) {
            for (int j = 0; j < 4; j++) {
                img.put((byte) (10 * i + j));
            }
        }
        ByteBuffer lab = ByteBuffer.allocate(8 + nLabels);
        lab.putInt(0x801).putInt(nLabels);
        for (int i = 0; i < nLabels; i++) {
            lab.put((byte) (i % 3));
        }
        write(d.resolve("t10k-images-idx3-ubyte" + (gzip ? ".gz" : "")), img.array(), gzip);
        write(d.resolve("t10k-labels-idx1-ubyte" + (gzip ? ".gz" : "")), lab.array(), gzip);
        return d;
    }

    private static void write(Path p, byte[] data, boolean gzip) throws IOException {
        if (!gzip) {
            Files.write(p, data);
            return;
        }
        try (OutputStream o = new GZIPOutputStream(Files.newOutputStream(p))) {
            o.write(data);
        }
    }

    @Test
    void infoCountsClasses() throws IOException {
        Path d = mnistDir("ok", 9, 9, 0x803, true);
        Cli.Outcome o = Cli.run("data", "info", "mnist:" + d + ":test", "--normalize", "none");
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("samples   9"), o.out());
        assertTrue(o.out().contains("features  4"), o.out());
        assertTrue(o.out().contains("0: 3, 1: 3, 2: 3"), o.out());
        assertTrue(o.out().contains("values    [0, 83]"), o.out());
    }

    @Test
    void exportWritesNpyThatRoundTrips() throws IOException {
        Path d = mnistDir("ok", 9, 9, 0x803, false);
        Path out = dir.resolve("export");
        Cli.Outcome o = Cli.run("data", "export", "mnist:" + d + ":test", "--classes", "2,1",
                "--normalize", "none", "--format", "npy", "--out", out.toString());
        assertEquals(0, o.code(), o.err());
        try (Matrix x = Npy.readMatrix(out.resolve("x.npy"), DType.F64, ""); Matrix y = Npy.readMatrix(out.resolve("y.npy"), DType.F64, "")) {
            // labels i mod 3: images 1, 2, 4, 5, 7, 8 are classes 1 and 2; class 2 -> -1, class 1 -> +1
            assertEquals(6, x.rows());
            double[] expectedY = {1, -1, 1, -1, 1, -1};
            int[] expectedImage = {1, 2, 4, 5, 7, 8};
            for (int k = 0; k < 6; k++) {
                assertEquals(expectedY[k], y.get(k, 0));
                assertEquals(10 * expectedImage[k] + 3, x.get(k, 3));
            }
        }
        assertTrue(Files.readString(out.resolve("run.json")).contains("\"samples\": 6"));
    }



    @Test
    void wrongMagic() throws IOException {
        Path d = mnistDir("magic", 4, 4, 0x802, true);
        Cli.assertBadInput(null, "wrong IDX magic 0x00000802, expected 0x00000803", "data", "info", "mnist:" + d + ":test");
    }

    @Test
    void inconsistentCounts() throws IOException {
        Path d = mnistDir("counts", 5, 4, 0x803, true);
        Cli.assertBadInput(null, "header says 5 images but", "data", "info", "mnist:" + d + ":test");
    }

    @Test
    void truncatedGzip() throws IOException {
        Path d = mnistDir("trunc", 50, 50, 0x803, true);
        Path img = d.resolve("t10k-images-idx3-ubyte.gz");
        byte[] all = Files.readAllBytes(img);
        Files.write(img, Arrays.copyOf(all, all.length / 2));
        Cli.assertBadInput(null, "t10k-images-idx3-ubyte.gz", "data", "info", "mnist:" + d + ":test");
    }

    @Test
    void truncatedRawData() throws IOException {
        Path d = mnistDir("trunc-raw", 50, 50, 0x803, false);
        Path img = d.resolve("t10k-images-idx3-ubyte");
        byte[] all = Files.readAllBytes(img);
        Files.write(img, Arrays.copyOf(all, all.length - 10));
        Cli.assertBadInput(null, "truncated: header says 50 images, data ends in image 47", "data", "info", "mnist:" + d + ":test");
    }

    @Test
    void missingDirectory() {
        Cli.assertBadInput(null, "mnist data not found", "data", "info", "mnist:" + dir.resolve("nowhere") + ":test");
    }

    @Test
    void classNotPresent() throws IOException {
        Path d = mnistDir("ok", 9, 9, 0x803, true);
        Cli.assertBadInput(null, "class 7 does not occur", "data", "info", "mnist:" + d + ":test", "--classes", "0,7");
    }

    @Test
    void limitZero() throws IOException {
        Path d = mnistDir("ok", 9, 9, 0x803, true);
        Cli.assertBadInput(null, "--limit must be a positive number", "data", "info", "mnist:" + d + ":test", "--limit", "0");
    }

    @Test
    void nonAscendingLibsvmIndices() throws IOException {
        Path f = dir.resolve("bad.libsvm");
        Files.writeString(f, "+1 1:0.5 3:1\n-1 3:1 2:4\n");
        Cli.assertBadInput(null, "bad.libsvm:2:8: found '2', expected strictly ascending indices", "data", "info", f.toString());
    }

    @Test
    void nonNumericCsvField() throws IOException {
        Path f = dir.resolve("bad.csv");
        Files.writeString(f, "a,b,label\n1,2,0\n3,x,1\n");
        Cli.assertBadInput(null, "bad.csv:3:field 2 ('b'): found 'x'", "data", "info", f.toString(), "--label-column", "label");
    }

    @Test
    void badSplit() {
        Cli.assertBadInput(null, "split 'val', expected train or test", "data", "info", "mnist:" + dir + ":val");
    }
}
