package dev.tangent.io;

import dev.tangent.TangentException;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.io.IOException;
import java.io.Writer;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * LIBSVM's sparse text format, {@code <label> <index>:<value> ...} one sample per line, read into a dense matrix, and
 * written from one, including the precomputed-kernel form {@code <label> 0:<serial> 1:K(i,1) ... n:K(i,n)}.
 *
 * <p>The reader accepts what LIBSVM's own {@code svm-train} accepts (read_problem in svm-train.c): tokens separated by
 * spaces or tabs, leading and trailing blanks, blanks after the colon, labels and values as C's {@code strtod} reads
 * decimal numbers ({@code +1}, {@code -1}, {@code 1e0}, {@code .5}), 1-based strictly ascending indices. Like LIBSVM it
 * rejects empty lines. Beyond LIBSVM it accepts a CR before the LF (files from Windows) and svmlight's {@code #}
 * comments (a whole line or the rest of one, as scikit-learn's {@code dump_svmlight_file} writes them); it rejects what
 * LIBSVM silently drops (a trailing token without a colon) and non-finite numbers ({@code nan}, {@code inf}, overflow).
 * It reads the file twice in big blocks (count rows and the largest index, then fill), parsing bytes directly.
 */
public final class Libsvm {
    private Libsvm() {
    }

    /** Reads {@code file} into an n × d matrix, d being the largest index in the file. */
    public static LabeledMatrix read(Path file, DType dtype, String option) {
        return read(file, dtype, -1, option);
    }

    /**
     * Reads {@code file} into an n × {@code dims} matrix (e.g. a test file read with the training dimension); an index
     * above {@code dims} is an error. A negative {@code dims} means the largest index in the file.
     *
     * @param option the command-line option that named the file, for messages (may be empty)
     */
    public static LabeledMatrix read(Path file, DType dtype, int dims, String option) {
        String who = option.isEmpty() ? file.toString() : option + " " + file;
        Reader pass1 = new Reader(file, who, dims);
        pass1.run(null, null);
        if (pass1.rows == 0) {
            throw new TangentException(who + ":1:1: found " + (pass1.lines == 0 ? "an empty file" : "only comments")
                    + ", expected lines '<label> <index>:<value> ...'");
        }
        int d = dims >= 0 ? dims : pass1.maxIndex;
        return fill(who, pass1.rows, d, dtype, true, (x, y) -> {
            Reader pass2 = new Reader(file, who, d);
            pass2.run(x, y);
            return pass2.rows;
        });
    }

    /** The second pass of a two-pass reader: fills {@code x} and {@code y} (when not null) and returns the rows seen. */
    @FunctionalInterface
    interface SecondPass {
        int fill(Matrix x, double[] y);
    }

    /**
     * Allocates the {@code rows × cols} matrix (and the targets when {@code labeled}) that a first pass counted, runs
     * the second pass into it and checks that it saw the same rows; frees the matrix on any failure.
     */
    static LabeledMatrix fill(String who, int rows, int cols, DType dtype, boolean labeled, SecondPass pass) {
        Matrix x = Matrix.allocate(rows, cols, dtype);
        try {
            double[] y = labeled ? new double[rows] : null;
            int seen = pass.fill(x, y);
            if (seen != rows) {
                throw new TangentException(who + ": the file changed while it was read (" + rows + " then " + seen
                        + " rows)");
            }
            return new LabeledMatrix(x, y);
        } catch (RuntimeException e) {
            x.close();
            throw e;
        }
    }

    /** One pass over the file: validates every line; with a matrix, also stores labels and values. */
    private static final class Reader {
        private final Path file;
        private final String who;
        private final int dims;
        int rows;
        int maxIndex;
        long lines;

        Reader(Path file, String who, int dims) {
            this.file = file;
            this.who = who;
            this.dims = dims;
        }

        void run(Matrix x, double[] y) {
            try (Lines in = new Lines(file, who)) {
                while (in.next()) {
                    lines = in.lineNo;
                    int p = TextNumbers.skipBlanks(in.buf, in.start, in.end);
                    if (p < in.end && in.buf[p] == '#') {
                        continue;
                    }
                    if (x != null && rows >= x.rows()) {
                        throw new TangentException(who + ": the file changed while it was read (more than "
                                + x.rows() + " rows)");
                    }
                    parseLine(in, p, x, y);
                    rows++;
                }
            } catch (IOException e) {
                throw new TangentException(who + ": cannot read: " + e.getMessage(), e);
            }
        }

        private void parseLine(Lines in, int from, Matrix x, double[] y) {
            byte[] b = in.buf;
            int end = in.end;
            int p = from;
            if (p == end) {
                throw new TangentException(who + ":" + in.lineNo + ":1: found an empty line, expected"
                        + " '<label> <index>:<value> ...' (LIBSVM does not allow empty lines)");
            }
            int s = p;
            p = TextNumbers.skipToken(b, p, end);
            double label = TextNumbers.parse(b, s, p);
            if (!Double.isFinite(label)) {
                throw in.error(s, p, "a finite number as the label (e.g. 1, -1, +1, 2.5)");
            }
            boolean f64 = x != null && x.dtype() == DType.F64;
            MemorySegment seg = x == null ? null : x.segment();
            long rowBase = x == null ? 0 : x.byteIndex(rows, 0);
            long elem = x == null ? 0 : x.dtype().bytes();
            long prev = 0;
            while (true) {
                p = TextNumbers.skipBlanks(b, p, end);
                if (p == end || b[p] == '#') {
                    break;
                }
                s = p;
                if (b[p] == '+') {
                    p++;
                }
                int digits = p;
                long index = 0;
                while (p < end && b[p] >= '0' && b[p] <= '9') {
                    index = Math.min(index * 10 + (b[p] - '0'), 1L << 40);
                    p++;
                }
                if (p == digits) {
                    throw in.error(s, TextNumbers.skipToken(b, s, end), "'<index>:<value>' with a positive integer index");
                }
                if (p == end || b[p] != ':') {
                    throw in.error(s, TextNumbers.skipToken(b, s, end), "'<index>:<value>' (a ':' after the index)");
                }
                if (index == 0) {
                    throw in.error(s, p, "indices from 1 (index 0 is the serial number of LIBSVM's precomputed-kernel form)");
                }
                if (index <= prev) {
                    throw in.error(s, p, "strictly ascending indices (after index " + prev + ")");
                }
                if (dims >= 0 && index > dims) {
                    throw in.error(s, p, "indices up to " + dims + " (the dimension asked for)");
                }
                if (index > Integer.MAX_VALUE - 8) {
                    throw in.error(s, p, "an index below " + (Integer.MAX_VALUE - 8));
                }
                p = TextNumbers.skipBlanks(b, p + 1, end);
                s = p;
                p = TextNumbers.skipToken(b, p, end);
                if (x != null) {
                    double v = TextNumbers.parse(b, s, p);
                    if (!Double.isFinite(v)) {
                        throw in.error(s, p, "a finite number as the value of index " + index);
                    }
                    long at = rowBase + (index - 1) * elem;
                    if (f64) {
                        seg.set(ValueLayout.JAVA_DOUBLE_UNALIGNED, at, v);
                    } else {
                        float f = TextNumbers.toFloat(v, b, s, p);
                        if (Float.isInfinite(f)) {
                            throw in.error(s, p, "a value within the range of f32 (index " + index + ")");
                        }
                        seg.set(ValueLayout.JAVA_FLOAT_UNALIGNED, at, f);
                    }
                } else if (s == p) {
                    throw in.error(s, p, "a value after '" + index + ":'");
                }
                prev = index;
            }
            if (y != null) {
                y[rows] = label;
            }
            maxIndex = (int) Math.max(maxIndex, prev);
        }
    }

    /** Writes {@code x} (zeros omitted, -0.0 included) and {@code y} in LIBSVM's format, atomically. */
    public static void write(Path file, Matrix x, double[] y) {
        writeRows(file, x, y, (sb, i) -> {
            for (int j = 0; j < x.cols(); j++) {
                double v = x.get(i, j);
                if (v != 0) {
                    sb.append(' ').append(j + 1).append(':');
                    appendShortest(sb, v, x.dtype(), file, "x(" + i + ", " + j + ")");
                }
            }
        });
    }

    /**
     * Writes a kernel matrix in LIBSVM's precomputed-kernel form ({@code svm-train -t 4}): row i is
     * {@code <y_i> 0:<i+1> 1:K(i,0) ... n:K(i,n-1)}, every value written, zeros included. For a training file
     * {@code k} is the n × n Gram matrix; for a test file the rows are the test points and the columns the training
     * points, in the training file's order.
     */
    public static void writePrecomputed(Path file, Matrix k, double[] y) {
        writeRows(file, k, y, (sb, i) -> {
            sb.append(" 0:").append(i + 1);
            for (int j = 0; j < k.cols(); j++) {
                sb.append(' ').append(j + 1).append(':');
                appendShortest(sb, k.get(i, j), k.dtype(), file, "K(" + i + ", " + j + ")");
            }
        });
    }

    /** Appends the {@code index:value} pairs of row {@code i}. */
    @FunctionalInterface
    private interface RowFormat {
        void append(StringBuilder sb, int i);
    }

    /** Writes one line per row of {@code m}: its label, then what {@code format} appends; atomically. */
    private static void writeRows(Path file, Matrix m, double[] y, RowFormat format) {
        requireLabels(m, y);
        AtomicFile.write(file, temp -> {
            try (Writer w = Files.newBufferedWriter(temp, StandardCharsets.US_ASCII)) {
                StringBuilder sb = new StringBuilder();
                for (int i = 0; i < m.rows(); i++) {
                    sb.setLength(0);
                    appendShortest(sb, y[i], DType.F64, file, "label " + i);
                    format.append(sb, i);
                    w.append(sb).append('\n');
                }
            }
        });
    }

    private static void requireLabels(Matrix x, double[] y) {
        if (y == null || y.length != x.rows()) {
            throw new IllegalArgumentException(x.rows() + " rows but " + (y == null ? "no" : y.length) + " labels");
        }
    }

    /**
     * Appends the shortest decimal that reads back to {@code v} in type {@code t} ({@code 1} rather than {@code 1.0},
     * {@code 1E-5} rather than {@code 1.0E-5}).
     */
    static void appendShortest(StringBuilder sb, double v, DType t, Path file, String what) {
        if (!Double.isFinite(v)) {
            throw new TangentException("cannot write " + file + ": " + what + " is " + v + ", expected a finite number");
        }
        String s = t == DType.F32 ? Float.toString((float) v) : Double.toString(v);
        int e = s.indexOf('E');
        int mantissaEnd = e < 0 ? s.length() : e;
        if (s.startsWith(".0", mantissaEnd - 2)) {
            sb.append(s, 0, mantissaEnd - 2).append(s, mantissaEnd, s.length());
        } else {
            sb.append(s);
        }
    }

    /**
     * A text file read line by line in big blocks into a byte array: after {@link #next()}, the current line is
     * {@code buf[start, end)} without its LF (and without a CR before it). Package-private: {@link Csv} uses it too.
     */
    static final class Lines implements AutoCloseable {
        private static final int BLOCK = 1 << 22;
        private static final int MAX_LINE = 1 << 30;

        private final FileChannel ch;
        private final String who;
        byte[] buf;
        int start;
        int end;
        long lineNo;
        private int pos;
        private int filled;
        private int complete;
        private boolean eof;

        Lines(Path file, String who) {
            this.who = who;
            try {
                buf = new byte[(int) Math.clamp(Files.size(file) + 1, 1 << 12, BLOCK)];
                ch = FileChannel.open(file, StandardOpenOption.READ);
            } catch (NoSuchFileException e) {
                throw new TangentException(who + ": no such file", e);
            } catch (IOException e) {
                throw new TangentException(who + ": cannot read: " + e.getMessage(), e);
            }
        }

        /** Moves to the next line; false at the end of the file. */
        boolean next() throws IOException {
            if (pos >= complete && !refill()) {
                return false;
            }
            byte[] b = buf;
            int s = pos;
            int e = s;
            while (e < complete && b[e] != '\n') {
                e++;
            }
            pos = e + 1;
            start = s;
            end = e > s && b[e - 1] == '\r' ? e - 1 : e;
            lineNo++;
            return true;
        }

        /** Keeps the unread tail, reads until the block holds at least one complete line or the file ends. */
        private boolean refill() throws IOException {
            int tail = filled - pos;
            if (tail > 0) {
                System.arraycopy(buf, pos, buf, 0, tail);
            }
            filled = Math.max(tail, 0);
            pos = 0;
            complete = 0;
            while (true) {
                int scanFrom = filled;
                while (!eof && filled < buf.length) {
                    int r = ch.read(ByteBuffer.wrap(buf, filled, buf.length - filled));
                    if (r < 0) {
                        eof = true;
                    } else {
                        filled += r;
                    }
                }
                for (int i = filled - 1; i >= scanFrom; i--) {
                    if (buf[i] == '\n') {
                        complete = i + 1;
                        return true;
                    }
                }
                if (eof) {
                    complete = filled;
                    return filled > 0;
                }
                if (buf.length >= MAX_LINE) {
                    throw new TangentException(who + ":" + (lineNo + 1) + ": found a line longer than " + MAX_LINE
                            + " bytes, expected shorter lines");
                }
                buf = java.util.Arrays.copyOf(buf, buf.length * 2);
            }
        }

        /** The one-line error at {@code buf[from, to)} of the current line. */
        TangentException error(int from, int to, String expected) {
            return new TangentException(who + ":" + lineNo + ":" + (from - start + 1) + ": found "
                    + TextNumbers.quote(buf, from, to, end) + ", expected " + expected);
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    /**
     * Decimal numbers as C's {@code strtod} reads them ({@code [+-]digits[.digits][(e|E)[+-]digits]}, either side of
     * the point may be empty but not both), parsed from bytes: exactly (Clinger's fast path) when the significand has at
     * at most 18 digits below 2^53 and the power of ten is small, else by {@link Double#parseDouble}, so always correctly
     * rounded. Hexadecimal floats, {@code inf} and {@code nan} are not accepted.
     */
    static final class TextNumbers {
        private static final double[] POW10 = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
            1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
        private static final long TWO_53 = 1L << 53;

        private TextNumbers() {
        }

        static boolean blank(byte c) {
            return c == ' ' || c == '\t';
        }

        static int skipBlanks(byte[] b, int p, int end) {
            while (p < end && blank(b[p])) {
                p++;
            }
            return p;
        }

        static int skipToken(byte[] b, int p, int end) {
            while (p < end && !blank(b[p])) {
                p++;
            }
            return p;
        }

        /** The number in {@code b[s, e)}; NaN when that is not exactly one decimal number, ±infinity on overflow. */
        static double parse(byte[] b, int s, int e) {
            int p = s;
            boolean negative = false;
            if (p < e && (b[p] == '+' || b[p] == '-')) {
                negative = b[p] == '-';
                p++;
            }
            long m = 0;
            int digits = 0;
            int significant = 0;
            int exp = 0;
            boolean exact = true;
            while (p < e && b[p] >= '0' && b[p] <= '9') {
                int d = b[p++] - '0';
                digits++;
                if (significant < 18) {
                    m = m * 10 + d;
                    significant += m != 0 ? 1 : 0;
                } else {
                    exp++;
                    exact &= d == 0;
                }
            }
            if (p < e && b[p] == '.') {
                p++;
                while (p < e && b[p] >= '0' && b[p] <= '9') {
                    int d = b[p++] - '0';
                    digits++;
                    if (significant < 18) {
                        m = m * 10 + d;
                        significant += m != 0 ? 1 : 0;
                        exp--;
                    } else {
                        exact &= d == 0;
                    }
                }
            }
            if (digits == 0) {
                return Double.NaN;
            }
            if (p < e && (b[p] == 'e' || b[p] == 'E')) {
                p++;
                boolean negExp = false;
                if (p < e && (b[p] == '+' || b[p] == '-')) {
                    negExp = b[p] == '-';
                    p++;
                }
                int expStart = p;
                int x = 0;
                while (p < e && b[p] >= '0' && b[p] <= '9') {
                    x = Math.min(x * 10 + (b[p++] - '0'), 100_000);
                }
                if (p == expStart) {
                    return Double.NaN;
                }
                exp += negExp ? -x : x;
            }
            if (p != e) {
                return Double.NaN;
            }
            double v;
            if (m == 0) {
                v = 0;
            } else if (exact && m < TWO_53 && exp >= -22 && exp <= 22) {
                v = exp >= 0 ? m * POW10[exp] : m / POW10[-exp];
            } else {
                v = Double.parseDouble(new String(b, s, e - s, StandardCharsets.ISO_8859_1));
                return v;
            }
            return negative ? -v : v;
        }

        /**
         * {@code v}, parsed from {@code b[s, e)}, rounded to float. Rounding the exact decimal to double first can only
         * differ from rounding it to float directly when the double lies exactly halfway between two floats: then the
         * text is parsed again as a float.
         */
        static float toFloat(double v, byte[] b, int s, int e) {
            long bits = Double.doubleToRawLongBits(v);
            if ((bits & 0x1FFFFFFFL) == 0x10000000L || (v != 0 && Math.abs(v) < Float.MIN_NORMAL)) {
                return Float.parseFloat(new String(b, s, e - s, StandardCharsets.ISO_8859_1));
            }
            return (float) v;
        }

        /** {@code b[s, e)} quoted for a message (shortened, non-printable bytes escaped), or "end of line". */
        static String quote(byte[] b, int s, int e, int lineEnd) {
            if (s >= e) {
                return s >= lineEnd ? "end of line" : "an empty field";
            }
            StringBuilder sb = new StringBuilder("'");
            int n = Math.min(e, s + 32);
            for (int i = s; i < n; i++) {
                int c = b[i] & 0xff;
                if (c >= 0x20 && c < 0x7f) {
                    sb.append((char) c);
                } else {
                    sb.append(String.format("\\x%02x", c));
                }
            }
            return sb.append(n < e ? "...'" : "'").toString();
        }
    }
}
