package dev.tangent.io;

import dev.tangent.TangentException;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@link Csv} on files written by numpy's savetxt and python's csv module; the expected values are theirs. */
class CsvTest {
    @TempDir
    Path dir;

    private static void assertSame(Matrix expected, int skipColumn, LabeledMatrix actual, String what) {
        int d = expected.cols() - (skipColumn >= 0 ? 1 : 0);
        assertEquals(expected.rows(), actual.x().rows(), what);
        assertEquals(d, actual.x().cols(), what);
        for (int i = 0; i < expected.rows(); i++) {
            for (int j = 0, k = 0; j < expected.cols(); j++) {
                if (j == skipColumn) {
                    assertEquals(expected.get(i, j), actual.y()[i], what + " label " + i);
                } else {
                    assertEquals(expected.get(i, j), actual.x().get(i, k++), what + " (" + i + ", " + j + ")");
                }
            }
        }
    }

    @Test
    void readsWhatNumpyWrites() throws Exception {
        External.python("import numpy as np\n"
                + "d = '" + dir + "'\n"
                + "rng = np.random.default_rng(3)\n"
                + "A = rng.standard_normal((25, 6)) * 10.0 ** rng.integers(-6, 6, (25, 6))\n"
                + "A[:, 5] = rng.integers(0, 3, 25)\n"
                + "np.savetxt(d + '/h.csv', A, delimiter=',', header='a,b,c,d,e,label', comments='')\n"
                + "np.savetxt(d + '/plain.tsv', A, delimiter='\\t', fmt='%.17g')\n"
                + "np.save(d + '/A.npy', A); np.save(d + '/A32.npy', A.astype(np.float32))\n");
        try (Matrix a = Npy.readMatrix(dir.resolve("A.npy"), DType.F64, "");
             Matrix a32 = Npy.readMatrix(dir.resolve("A32.npy"), DType.F64, "");
             LabeledMatrix byName = Csv.read(dir.resolve("h.csv"), DType.F64, Csv.Options.defaults().withLabel("label"), "");
             LabeledMatrix byIndex = Csv.read(dir.resolve("h.csv"), DType.F64, Csv.Options.defaults().withLabel(-1), "");
             LabeledMatrix f32 = Csv.read(dir.resolve("h.csv"), DType.F32, Csv.Options.defaults().withLabel(5), "");
             LabeledMatrix tsv = Csv.read(dir.resolve("plain.tsv"), DType.F64, Csv.Options.defaults().withDelimiter('\t'), "")) {
            assertSame(a, 5, byName, "label by name");
            assertSame(a, 5, byIndex, "label by index -1");
            assertSame(a32, 5, new LabeledMatrix(f32.x(), f32.y()), "f32");
            assertNull(tsv.y());
            assertSame(a, -1, tsv, "tsv without header or label");
        }
    }

    @Test
    void readsQuotedHeadersBlanksBomAndCrlf() throws Exception {
        // python's csv module quotes the names (one with the delimiter, one with a quote) and writes CRLF
        External.python("import csv, io, numpy as np\n"
                + "d = '" + dir + "'\n"
                + "rows = [[0.1, -2.5, 1], [3e-7, 1e22, 0], [7.0, 0.3333333333333333, 1]]\n"
                + "with open(d + '/q.csv', 'w', newline='', encoding='utf-8-sig') as f:\n"
                + "    w = csv.writer(f, quoting=csv.QUOTE_NONNUMERIC)\n"
                + "    w.writerow(['petal, width', 'say \"hi\"', 'class'])\n"
                + "    w.writerows(rows)\n"
                + "head = open(d + '/q.csv', newline='', encoding='utf-8-sig').readline()\n"
                + "with open(d + '/padded.csv', 'w', newline='') as f:\n"
                + "    f.write(head + '\\r\\n  \\n')\n"
                + "    f.writelines('  ' + ' ,\\t'.join(map(repr, r)) + ' \\n\\n' for r in rows)\n"
                + "np.save(d + '/q.npy', np.array(rows, dtype=np.float64))\n");
        Path padded = dir.resolve("padded.csv");
        try (Matrix q = Npy.readMatrix(dir.resolve("q.npy"), DType.F64, "")) {
            for (Path p : new Path[] {dir.resolve("q.csv"), padded}) {
                try (LabeledMatrix byQuote = Csv.read(p, DType.F64, Csv.Options.defaults().withLabel("say \"hi\""), "");
                     LabeledMatrix byComma = Csv.read(p, DType.F64, Csv.Options.defaults().withLabel("petal, width"), "")) {
                    assertSame(q, 1, byQuote, p.getFileName() + " label 'say \"hi\"'");
                    assertSame(q, 0, byComma, p.getFileName() + " label 'petal, width'");
                }
            }
        }
    }

    @Test
    void headerOptions() throws IOException {
        Path file = dir.resolve("numbers.csv");
        Files.writeString(file, "1,2\n3,4\n");
        try (LabeledMatrix auto = Csv.read(file, DType.F64, Csv.Options.defaults(), "");
             LabeledMatrix yes = Csv.read(file, DType.F64, Csv.Options.defaults().withHeader(Csv.Header.YES).withLabel("1"), "")) {
            assertEquals(2, auto.x().rows(), "a first row of numbers is data");
            assertArrayEquals(new double[] {3, 4}, auto.x().row(1));
            assertEquals(1, yes.x().rows());
            assertArrayEquals(new double[] {4}, yes.x().row(0));
            assertArrayEquals(new double[] {3}, yes.y());
        }
    }

    private TangentException rejected(String name, String content, Csv.Options options) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, content, StandardCharsets.UTF_8);
        TangentException e = assertThrows(TangentException.class, () -> Csv.read(file, DType.F64, options, "--data"), name);
        External.assertOneLineError(e, "--data " + file + ":");
        return e;
    }

    @Test
    void rejectsBadInputNamingLineAndField() throws IOException {
        Csv.Options o = Csv.Options.defaults();
        assertTrue(rejected("text.csv", "a,b,c\n1,2,3\n\n4,5,abc\n", o).getMessage()
                .contains(":4:field 3 ('c'): found 'abc', expected a finite number"));
        assertTrue(rejected("empty-field.csv", "1,2,3\n4,,6\n", o).getMessage().contains(":2:field 2: found an empty field"));
        assertTrue(rejected("ragged.csv", "1,2,3\n4,5\n", o).getMessage().contains(":2: found 2 fields, expected 3"));
        assertTrue(rejected("empty.csv", "", o).getMessage().contains(":1: found an empty file"));
        assertTrue(rejected("header-only.csv", "a,b\n", o).getMessage().contains("found only a header"));
        assertTrue(rejected("no-such-label.csv", "a,b\n1,2\n", o.withLabel("y")).getMessage()
                .contains(":1: found columns [a, b], expected one named 'y'"));
        assertTrue(rejected("no-header.csv", "1,2\n", o.withLabel("y")).getMessage().contains("found no header"));
        assertTrue(rejected("label-range.csv", "1,2\n", o.withLabel(2)).getMessage().contains("found 2 columns"));
        assertTrue(rejected("open-quote.csv", "\"a,b\n1\n", o).getMessage().contains(":1:1: found '\"a,b'"));
        assertTrue(rejected("after-quote.csv", "\"a\"x,b\n1,2\n", o).getMessage().contains(":1:4: found 'x'"));
        assertTrue(rejected("inf.csv", "1,2\n1,inf\n", o).getMessage().contains(":2:field 2: found 'inf'"));
        Path big = dir.resolve("big.csv");
        Files.writeString(big, "1,1e39\n");
        TangentException e = assertThrows(TangentException.class, () -> Csv.read(big, DType.F32, o, ""));
        assertTrue(e.getMessage().contains(big + ":1:field 2: found '1e39', expected a finite number within the range of f32"),
                e.getMessage());
    }
}
