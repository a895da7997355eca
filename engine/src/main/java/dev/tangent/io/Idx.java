package dev.tangent.io;

import dev.tangent.TangentException;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/**
 * The IDX format of MNIST and Fashion-MNIST (big-endian header, unsigned bytes), gzip-compressed or raw: images become
 * an n × (rows·cols) matrix of the raw pixel values 0..255, labels an {@code int[]}.
 */
public final class Idx {
    private static final int IMAGES_MAGIC = 0x00000803;
    private static final int LABELS_MAGIC = 0x00000801;
    /** Deflate expands at most about 1032:1, so a file of s bytes holds at most s × 1032 bytes of IDX data. */
    private static final long MAX_GZIP_RATIO = 1032;

    private Idx() {
    }

    /** The one-line error for an I/O failure while reading {@code file}. */
    private static TangentException failure(Path file, IOException e) {
        if (e instanceof ZipException) {
            return new TangentException(file + ": corrupt gzip data: " + e.getMessage(), e);
        }
        if (e instanceof EOFException) {
            return new TangentException(file + ": truncated IDX header", e);
        }
        return new TangentException(file + ": cannot read: " + e.getMessage(), e);
    }

    private static void checkMagic(Path file, int magic, int expected, String what) {
        if (magic != expected) {
            throw new TangentException(String.format("%s: wrong IDX magic 0x%08x, expected 0x%08x (%s)", file, magic, expected, what));
        }
    }

    private static InputStream open(Path file) throws IOException {
        InputStream raw;
        try {
            raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        } catch (NoSuchFileException e) {
            throw new TangentException(file + ": no such file", e);
        }
        raw.mark(2);
        int b0 = raw.read();
        int b1 = raw.read();
        raw.reset();
        if (b0 == 0x1f && b1 == 0x8b) {
            return new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16);
        }
        return raw;
    }

    /** The image count in the header of an IDX image file. */
    public static int countImages(Path file) {
        try (DataInputStream in = new DataInputStream(open(file))) {
            int magic = in.readInt();
            checkMagic(file, magic, IMAGES_MAGIC, "unsigned-byte images");
            return in.readInt();
        } catch (IOException e) {
            throw failure(file, e);
        }
    }

    /** Reads up to {@code limit} images (all when limit &lt; 0) into a new n × (rows·cols) matrix. */
    public static Matrix readImages(Path file, DType dtype, int limit) {
        return readImages(file, dtype, limit, null);
    }

    /**
     * Reads the images with the given ascending indices (streaming: images not selected are skipped) into a new
     * matrix, one row per index.
     */
    public static Matrix readImages(Path file, DType dtype, int[] rows) {
        return readImages(file, dtype, -1, rows);
    }

    private static Matrix readImages(Path file, DType dtype, int limit, int[] select) {
        try (DataInputStream in = new DataInputStream(open(file))) {
            int magic = in.readInt();
            checkMagic(file, magic, IMAGES_MAGIC, "unsigned-byte images");
            int n = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            if (n < 0 || rows <= 0 || cols <= 0 || (long) rows * cols > 1 << 24) {
                throw new TangentException(file + ": implausible IDX image header: " + n + " images of " + rows + "x" + cols);
            }
            int take;
            if (select != null) {
                take = select.length;
                if (take > 0 && select[take - 1] >= n) {
                    throw new TangentException(file + ": image " + select[take - 1] + " requested, the file has " + n);
                }
            } else {
                take = limit < 0 ? n : Math.min(n, limit);
            }
            int d = rows * cols;
            long needed = (long) (select != null && take > 0 ? select[take - 1] + 1 : take) * d;
            long size = Files.size(file);
            if (needed > size * MAX_GZIP_RATIO) {
                throw new TangentException(file + ": truncated: header says " + n + " images of " + rows + "x" + cols
                        + ", more than a file of " + size + " bytes can hold");
            }
            Matrix m = Matrix.allocate(take, d, dtype);
            try {
                byte[] buf = new byte[d];
                MemorySegment seg = m.segment();
                int next = 0;
                for (int i = 0; next < take; i++) {
                    try {
                        in.readFully(buf);
                    } catch (EOFException e) {
                        throw new TangentException(file + ": truncated: header says " + n + " images, data ends in image " + i
                                + " (byte " + (16L + (long) i * d) + ")");
                    }
                    if (select != null && select[next] != i) {
                        continue;
                    }
                    long base = m.byteIndex(next++, 0);
                    if (dtype == DType.F32) {
                        for (int j = 0; j < d; j++) {
                            seg.set(ValueLayout.JAVA_FLOAT_UNALIGNED, base + 4L * j, buf[j] & 0xff);
                        }
                    } else {
                        for (int j = 0; j < d; j++) {
                            seg.set(ValueLayout.JAVA_DOUBLE_UNALIGNED, base + 8L * j, buf[j] & 0xff);
                        }
                    }
                }
            } catch (RuntimeException e) {
                m.close();
                throw e;
            }
            return m;
        } catch (IOException e) {
            throw failure(file, e);
        }
    }

    /** Reads up to {@code limit} labels (all when limit &lt; 0). */
    public static int[] readLabels(Path file, int limit) {
        try (DataInputStream in = new DataInputStream(open(file))) {
            int magic = in.readInt();
            checkMagic(file, magic, LABELS_MAGIC, "unsigned-byte labels");
            int n = in.readInt();
            if (n < 0) {
                throw new TangentException(file + ": implausible IDX label count " + n);
            }
            int take = limit < 0 ? n : Math.min(n, limit);
            byte[] buf = in.readNBytes(take); // grows with the data, not with the header's claim
            if (buf.length < take) {
                throw new TangentException(file + ": truncated: header says " + n + " labels");
            }
            int[] out = new int[take];
            for (int i = 0; i < take; i++) {
                out[i] = buf[i] & 0xff;
            }
            return out;
        } catch (IOException e) {
            throw failure(file, e);
        }
    }
}
