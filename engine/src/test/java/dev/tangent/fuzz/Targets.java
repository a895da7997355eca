package dev.tangent.fuzz;

import dev.tangent.TangentException;
import dev.tangent.io.Csv;
import dev.tangent.io.Idx;
import dev.tangent.io.LabeledMatrix;
import dev.tangent.io.Libsvm;
import dev.tangent.io.Npy;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.function.BiConsumer;
import java.util.zip.GZIPOutputStream;

/**
 * The parser fuzz targets, shared by the Jazzer fuzz tests and the plain mutation loop: each writes its input to a
 * file and reads it back; a {@link TangentException} is the one acceptable failure, anything else propagates.
 *
 * <p>For Libsvm and Csv the first input byte chooses the options (so that the fuzzer explores them too) and the rest
 * is the file; for the {@code Gz} targets the input is gzip-compressed before it is written, so that the fuzzer
 * explores the IDX content behind the decompressor (the raw targets see corrupt gzip streams as well).
 */
enum Targets {
    NPY(Targets::npy),
    IDX_IMAGES((file, in) -> idxImages(file, in)),
    IDX_IMAGES_GZ((file, in) -> idxImages(file, gzip(in))),
    IDX_LABELS((file, in) -> idxLabels(file, in)),
    IDX_LABELS_GZ((file, in) -> idxLabels(file, gzip(in))),
    LIBSVM(Targets::libsvm),
    CSV(Targets::csv);

    private final BiConsumer<Path, byte[]> body;

    Targets(BiConsumer<Path, byte[]> body) {
        this.body = body;
    }

    /** The name of the seed directory and of the Jazzer fuzz test method, e.g. {@code idxImagesGz}. */
    String method() {
        StringBuilder sb = new StringBuilder();
        for (String part : name().toLowerCase(java.util.Locale.ROOT).split("_")) {
            sb.append(sb.isEmpty() ? part : Character.toUpperCase(part.charAt(0)) + part.substring(1));
        }
        return sb.toString();
    }

    /** Runs the target on {@code input}, using {@code file} as the scratch file. */
    void run(Path file, byte[] input) {
        try {
            body.accept(file, input);
        } catch (TangentException expected) {
            // the one acceptable outcome for bad input
        }
    }

    /** An invariant of a successful read; unlike {@code assert} it holds whether or not the JVM runs with -ea. */
    private static void check(boolean ok, String what) {
        if (!ok) {
            throw new IllegalStateException(what);
        }
    }

    private static void write(Path file, byte[] data) {
        try {
            Files.write(file, data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] gzip(byte[] data) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bytes)) {
            gz.write(data);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static void npy(Path file, byte[] in) {
        write(file, in);
        DType t = in.length % 2 == 0 ? DType.F64 : DType.F32;
        try (Matrix m = Npy.readMatrix(file, t, "")) {
            // every value comes from the file (at least one byte each): nothing sized from the header's claim alone
            check((long) m.rows() * m.cols() <= in.length, "npy: " + m.rows() + " x " + m.cols() + " values from " + in.length + " bytes");
        }
    }

    private static void idxImages(Path file, byte[] data) {
        write(file, data);
        int limit = data.length % 3 == 0 ? 2 : -1;
        try (Matrix m = Idx.readImages(file, DType.F32, limit)) {
            check(limit < 0 || m.rows() <= limit, "idx images: " + m.rows() + " rows, limit " + limit);
            for (int i = 0; i < m.rows(); i++) {
                for (int j = 0; j < m.cols(); j++) {
                    double v = m.get(i, j);
                    check(v >= 0 && v <= 255 && v == Math.rint(v), "idx images: pixel " + v + " is no unsigned byte");
                }
            }
        }
    }

    private static void idxLabels(Path file, byte[] data) {
        write(file, data);
        int limit = data.length % 3 == 0 ? 2 : -1;
        int[] labels = Idx.readLabels(file, limit);
        check(limit < 0 || labels.length <= limit, "idx labels: " + labels.length + " labels, limit " + limit);
        for (int v : labels) {
            check(v >= 0 && v <= 255, "idx labels: label " + v + " is no unsigned byte");
        }
    }

    private static void libsvm(Path file, byte[] in) {
        if (in.length == 0) {
            return;
        }
        int flags = in[0] & 0xff;
        write(file, Arrays.copyOfRange(in, 1, in.length));
        DType t = (flags & 1) == 0 ? DType.F64 : DType.F32;
        int dims = (flags & 2) == 0 ? -1 : flags >> 2;
        try (LabeledMatrix m = Libsvm.read(file, t, dims, "--fuzz")) {
            check(m.x().rows() == m.y().length, "libsvm: " + m.x().rows() + " rows, " + m.y().length + " labels");
            check(dims < 0 || m.x().cols() == dims, "libsvm: " + m.x().cols() + " columns, forced " + dims);
        }
    }

    private static final char[] DELIMITERS = {',', '\t', ';', ' '};

    private static void csv(Path file, byte[] in) {
        if (in.length == 0) {
            return;
        }
        int flags = in[0] & 0xff;
        write(file, Arrays.copyOfRange(in, 1, in.length));
        Csv.Options o = Csv.Options.defaults().withDelimiter(DELIMITERS[flags & 3])
                .withHeader(Csv.Header.values()[(flags >> 2 & 3) % 3]);
        o = switch (flags >> 4 & 7) {
            case 1 -> o.withLabel(0);
            case 2 -> o.withLabel(-1);
            case 3 -> o.withLabel(2);
            case 4 -> o.withLabel("y");
            case 5 -> o.withLabel("a");
            default -> o;
        };
        try (LabeledMatrix m = Csv.read(file, (flags & 0x80) == 0 ? DType.F64 : DType.F32, o, "")) {
            check(m.y() == null || m.x().rows() == m.y().length, "csv: rows and labels differ");
        }
    }
}
