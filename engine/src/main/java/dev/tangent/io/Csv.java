package dev.tangent.io;

import dev.tangent.TangentException;
import dev.tangent.io.Libsvm.Lines;
import dev.tangent.io.Libsvm.TextNumbers;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Delimited text of numbers (CSV, TSV), one sample per line, into a dense matrix and optionally a target column.
 *
 * <p>Fields are separated by one delimiter character; blanks (spaces, tabs that are not the delimiter) around a field
 * are ignored; a field may be quoted as in RFC 4180 ({@code "a, b"}, {@code "say ""hi"""}) but may not span lines.
 * Numbers are decimal as C's {@code strtod} reads them; empty fields, {@code nan} and {@code inf} are errors. Blank
 * lines are skipped; a UTF-8 byte-order mark at the start is ignored; every other line must have as many fields as
 * the first.
 */
public final class Csv {
    private Csv() {
    }

    /** Whether the first line is a header: {@code AUTO} when it has a field that is neither empty nor a number. */
    public enum Header { AUTO, YES, NO }

    /**
     * How to read a file.
     *
     * @param delimiter  the field separator (',' by default; '\t' for TSV)
     * @param header     whether the first line names the columns
     * @param labelIndex the target column, 0-based, negative counting from the end (-1 = last), or {@link #NO_LABEL}
     * @param labelName  the target column by its header name (null when not used)
     */
    public record Options(char delimiter, Header header, int labelIndex, String labelName) {
        /** {@code labelIndex} when the target is not chosen by index. */
        public static final int NO_LABEL = Integer.MIN_VALUE;

        public Options {
            if (delimiter == '"' || delimiter == '\n' || delimiter == '\r') {
                throw new IllegalArgumentException("delimiter " + delimiter + " cannot separate fields");
            }
            if (header == null) {
                throw new IllegalArgumentException("header must be AUTO, YES or NO");
            }
            if (labelIndex != NO_LABEL && labelName != null) {
                throw new IllegalArgumentException("label column given both by index and by name");
            }
        }

        /** Comma-separated, header detected, no target column. */
        public static Options defaults() {
            return new Options(',', Header.AUTO, NO_LABEL, null);
        }

        public Options withDelimiter(char d) {
            return new Options(d, header, labelIndex, labelName);
        }

        public Options withHeader(Header h) {
            return new Options(delimiter, h, labelIndex, labelName);
        }

        /** The target is column {@code index} (0-based; -1 is the last column). */
        public Options withLabel(int index) {
            return new Options(delimiter, header, index, null);
        }

        /** The target is the column the header names {@code name}. */
        public Options withLabel(String name) {
            return new Options(delimiter, header, NO_LABEL, name);
        }

        public Options withoutLabel() {
            return new Options(delimiter, header, NO_LABEL, null);
        }

        boolean hasLabel() {
            return labelIndex != NO_LABEL || labelName != null;
        }
    }

    /**
     * Reads {@code file}: the columns other than the target become the n × d matrix, the target (when chosen) the
     * {@code y} of the result ({@code null} otherwise).
     *
     * @param option the command-line option that named the file, for messages (may be empty)
     */
    public static LabeledMatrix read(Path file, DType dtype, Options options, String option) {
        String who = option.isEmpty() ? file.toString() : option + " " + file;
        Pass pass1 = new Pass(file, who, options);
        pass1.run(null, null);
        if (pass1.rows == 0) {
            throw new TangentException(who + ":" + Math.max(pass1.lines, 1) + ": found "
                    + (pass1.names == null ? "an empty file" : "only a header") + ", expected rows of numbers");
        }
        int d = pass1.columns - (pass1.label >= 0 ? 1 : 0);
        return Libsvm.fill(who, pass1.rows, d, dtype, pass1.label >= 0, (x, y) -> {
            Pass pass2 = new Pass(file, who, options);
            pass2.run(x, y);
            return pass2.rows;
        });
    }

    /** One pass: splits and checks every line; with a matrix, also parses and stores the numbers. */
    private static final class Pass {
        private final Path file;
        private final String who;
        private final Options options;
        private int[] from = new int[16];
        private int[] to = new int[16];
        private int fields;
        int columns = -1;
        int label = -1;
        List<String> names;
        int rows;
        long lines;

        Pass(Path file, String who, Options options) {
            this.file = file;
            this.who = who;
            this.options = options;
        }

        void run(Matrix x, double[] y) {
            try (Lines in = new Lines(file, who)) {
                while (in.next()) {
                    lines = in.lineNo;
                    if (in.lineNo == 1 && in.end - in.start >= 3 && in.buf[in.start] == (byte) 0xEF
                            && in.buf[in.start + 1] == (byte) 0xBB && in.buf[in.start + 2] == (byte) 0xBF) {
                        in.start += 3;
                    }
                    if (blankLine(in)) {
                        continue;
                    }
                    split(in);
                    if (columns < 0) {
                        columns = fields;
                        if (isHeader(in)) {
                            names = new ArrayList<>(fields);
                            for (int f = 0; f < fields; f++) {
                                names.add(unquote(in.buf, from[f], to[f]));
                            }
                            label = resolveLabel(in);
                            continue;
                        }
                        label = resolveLabel(in);
                    } else if (fields != columns) {
                        throw new TangentException(who + ":" + in.lineNo + ": found " + fields + " fields, expected "
                                + columns + " as in the first row");
                    }
                    if (x != null) {
                        if (rows >= x.rows()) {
                            throw new TangentException(who + ": the file changed while it was read (more than "
                                    + x.rows() + " rows)");
                        }
                        store(in, x, y);
                    }
                    rows++;
                }
            } catch (IOException e) {
                throw new TangentException(who + ": cannot read: " + e.getMessage(), e);
            }
        }

        private boolean blankLine(Lines in) {
            for (int p = in.start; p < in.end; p++) {
                if (!trimmable(in.buf[p])) {
                    return false;
                }
            }
            return true;
        }

        private boolean trimmable(byte c) {
            return (c == ' ' || c == '\t') && c != options.delimiter();
        }

        /** Splits the current line into {@code fields} trimmed ranges; a quoted field's range excludes its quotes. */
        private void split(Lines in) {
            byte[] b = in.buf;
            int end = in.end;
            char delim = options.delimiter();
            fields = 0;
            int p = in.start;
            while (true) {
                while (p < end && trimmable(b[p])) {
                    p++;
                }
                int s;
                int e;
                if (p < end && b[p] == '"') {
                    s = ++p;
                    while (true) {
                        if (p >= end) {
                            throw in.error(s - 1, end, "a closing quote (a quoted field cannot span lines)");
                        }
                        if (b[p] == '"') {
                            if (p + 1 < end && b[p + 1] == '"') {
                                p += 2;
                                continue;
                            }
                            break;
                        }
                        p++;
                    }
                    e = p++;
                    while (p < end && trimmable(b[p])) {
                        p++;
                    }
                    if (p < end && b[p] != delim) {
                        throw in.error(p, p + 1, "'" + delim + "' or the end of the line after a closing quote");
                    }
                } else {
                    s = p;
                    while (p < end && b[p] != delim) {
                        p++;
                    }
                    e = p;
                    while (e > s && trimmable(b[e - 1])) {
                        e--;
                    }
                }
                add(s, e);
                if (p >= end) {
                    return;
                }
                p++;
            }
        }

        private void add(int s, int e) {
            if (fields == from.length) {
                from = Arrays.copyOf(from, fields * 2);
                to = Arrays.copyOf(to, fields * 2);
            }
            from[fields] = s;
            to[fields++] = e;
        }

        private boolean isHeader(Lines in) {
            return switch (options.header()) {
                case YES -> true;
                case NO -> false;
                case AUTO -> {
                    for (int f = 0; f < fields; f++) {
                        if (from[f] < to[f] && Double.isNaN(TextNumbers.parse(in.buf, from[f], to[f]))) {
                            yield true;
                        }
                    }
                    yield false;
                }
            };
        }

        private int resolveLabel(Lines in) {
            if (options.labelName() != null) {
                if (names == null) {
                    throw new TangentException(who + ":" + in.lineNo + ": found no header, expected one naming the label column '"
                            + options.labelName() + "'");
                }
                int at = names.indexOf(options.labelName());
                if (at < 0) {
                    throw new TangentException(who + ":" + in.lineNo + ": found columns " + names
                            + ", expected one named '" + options.labelName() + "' (the label column)");
                }
                return at;
            }
            if (options.labelIndex() == Options.NO_LABEL) {
                return -1;
            }
            int at = options.labelIndex() < 0 ? fields + options.labelIndex() : options.labelIndex();
            if (at < 0 || at >= fields) {
                throw new TangentException(who + ":" + in.lineNo + ": found " + fields + " columns, expected a column "
                        + options.labelIndex() + " for the label");
            }
            return at;
        }

        private void store(Lines in, Matrix x, double[] y) {
            int j = 0;
            for (int f = 0; f < fields; f++) {
                double v = TextNumbers.parse(in.buf, from[f], to[f]);
                boolean f32 = x.dtype() == DType.F32;
                if (f32 && f != label) {
                    v = TextNumbers.toFloat(v, in.buf, from[f], to[f]);
                }
                if (!Double.isFinite(v)) {
                    String name = names == null ? "" : " ('" + names.get(f) + "')";
                    throw new TangentException(who + ":" + in.lineNo + ":field " + (f + 1) + name + ": found "
                            + TextNumbers.quote(in.buf, from[f], to[f], Integer.MAX_VALUE) + ", expected a finite number"
                            + (f32 && f != label ? " within the range of f32" : ""));
                }
                if (f == label) {
                    y[rows] = v;
                } else {
                    x.set(rows, j++, v);
                }
            }
        }
    }

    /** The text of a field, with RFC 4180's doubled quotes made single. */
    private static String unquote(byte[] b, int s, int e) {
        return new String(b, s, e - s, StandardCharsets.UTF_8).replace("\"\"", "\"");
    }
}
