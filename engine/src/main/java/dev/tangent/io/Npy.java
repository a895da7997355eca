package dev.tangent.io;

import dev.tangent.TangentException;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.memory.MemoryBudget;

import java.io.EOFException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * numpy's {@code .npy} format, versions 1.0, 2.0 and 3.0 (read) and 1.0/2.0 (write), C order only.
 *
 * <p>Reads {@code <f4} and {@code <f8} straight into a {@link Matrix}; integer, unsigned, boolean and big-endian
 * inputs are converted on read. Writes are atomic (temp file + rename). Large outputs can be written in place through
 * {@link #createMapped}, which maps the data region of the file so that producers fill it without a second copy.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");
    private static final int HEADER_ALIGN = 64;

    private Npy() {
    }

    /** The parsed header: element type string, byte order, shape, and where the data starts. */
    public record Header(String descr, boolean fortranOrder, long[] shape, long dataOffset) {
        public long count() {
            long c = 1;
            for (long s : shape) {
                c = Math.multiplyExact(c, s);
            }
            return c;
        }

        public int itemSize() {
            return Integer.parseInt(descr.substring(2));
        }

        public char kind() {
            return descr.charAt(1);
        }

        public ByteOrder order() {
            return descr.charAt(0) == '>' ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN;
        }

        public String shapeString() {
            StringBuilder sb = new StringBuilder("(");
            for (int i = 0; i < shape.length; i++) {
                sb.append(i > 0 ? ", " : "").append(shape[i]);
            }
            return sb.append(shape.length == 1 ? ",)" : ")").toString();
        }
    }

    /** Reads and checks the header of {@code file}. */
    public static Header readHeader(Path file) {
        if (GramShards.isShardDirectory(file)) {
            return GramShards.header(file, "");
        }
        try (FileChannel ch = open(file)) {
            return readHeader(file, ch);
        } catch (IOException e) {
            throw new TangentException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static FileChannel open(Path file) throws IOException {
        try {
            return FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new TangentException(file + ": no such file", e);
        }
    }

    private static Header readHeader(Path file, FileChannel ch) throws IOException {
        ByteBuffer pre = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, pre, 0);
        pre.flip();
        if (pre.remaining() < 10) {
            throw new TangentException(file + ": not an .npy file (only " + pre.remaining() + " bytes), expected the \\x93NUMPY magic");
        }
        byte[] magic = new byte[6];
        pre.get(magic);
        if (!Arrays.equals(magic, MAGIC)) {
            throw new TangentException(file + ": not an .npy file (no \\x93NUMPY magic at the start)");
        }
        int major = pre.get() & 0xff;
        pre.get();
        long headerLen;
        int prefix;
        if (major == 1) {
            headerLen = pre.getShort() & 0xffff;
            prefix = 10;
        } else if (major == 2 || major == 3) {
            if (pre.remaining() < 4) {
                throw new TangentException(file + ": truncated .npy header");
            }
            headerLen = pre.getInt() & 0xffffffffL;
            prefix = 12;
        } else {
            throw new TangentException(file + ": .npy format version " + major + " is not supported (expected 1, 2 or 3)");
        }
        if (headerLen > (1 << 24) || headerLen > ch.size() - prefix) {
            throw new TangentException(file + ": .npy header of " + headerLen + " bytes is not plausible");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) headerLen);
        readFully(ch, hb, prefix);
        if (hb.position() < headerLen) {
            throw new TangentException(file + ": truncated .npy header (" + hb.position() + " of " + headerLen + " bytes)");
        }
        String dict = new String(hb.array(), major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
        Matcher d = DESCR.matcher(dict);
        Matcher f = FORTRAN.matcher(dict);
        Matcher s = SHAPE.matcher(dict);
        if (!d.find() || !f.find() || !s.find()) {
            throw new TangentException(file + ": malformed .npy header: " + dict.strip());
        }
        String descr = d.group(1);
        if (!descr.matches("[<>|=][fiub][0-9]{1,2}")) {
            throw new TangentException(file + ": unsupported dtype '" + descr + "', expected a float, integer or bool array");
        }
        if (descr.charAt(0) == '=' || descr.charAt(0) == '|') {
            descr = "<" + descr.substring(1);
        }
        String[] dims = s.group(1).split(",");
        long[] shape = Arrays.stream(dims).map(String::trim).filter(x -> !x.isEmpty()).mapToLong(x -> {
            try {
                return Long.parseLong(x.replace("L", ""));
            } catch (NumberFormatException e) {
                throw new TangentException(file + ": malformed shape in .npy header: (" + s.group(1) + ")");
            }
        }).toArray();
        if (Arrays.stream(shape).anyMatch(x -> x < 0)) {
            throw new TangentException(file + ": negative dimension in .npy shape (" + s.group(1) + ")");
        }
        Header h = new Header(descr, f.group(1).equals("True"), shape, prefix + headerLen);
        int item = h.itemSize();
        boolean okSize = switch (h.kind()) {
            case 'f' -> item == 4 || item == 8;
            case 'i', 'u' -> item == 1 || item == 2 || item == 4 || item == 8;
            case 'b' -> item == 1;
            default -> false;
        };
        if (!okSize) {
            throw new TangentException(file + ": unsupported dtype '" + descr + "'");
        }
        long expected;
        try {
            expected = Math.addExact(h.dataOffset(), Math.multiplyExact(h.count(), item));
        } catch (ArithmeticException e) {
            throw new TangentException(file + ": shape " + h.shapeString() + " is too large");
        }
        if (ch.size() < expected) {
            throw new TangentException(file + ": truncated: shape " + h.shapeString() + " needs " + expected
                    + " bytes, the file has " + ch.size());
        }
        return h;
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                return;
            }
            pos += n;
        }
    }

    /**
     * Reads a 2-D array (or a 1-D array as a column) into a new matrix of type {@code to}.
     *
     * @param option the command-line option that named the file, for messages (may be empty)
     */
    public static Matrix readMatrix(Path file, DType to, String option) {
        if (GramShards.isShardDirectory(file)) {
            return GramShards.read(file, to, option);
        }
        String who = option.isEmpty() ? file.toString() : option + " " + file;
        try (FileChannel ch = open(file)) {
            Header h;
            try {
                h = readHeader(file, ch);
            } catch (TangentException e) {
                throw new TangentException(option.isEmpty() ? e.getMessage() : option + " " + e.getMessage(), e);
            }
            if (h.fortranOrder()) {
                throw new TangentException(who + ": Fortran-ordered array; expected C order (save it with numpy.ascontiguousarray)");
            }
            if (h.shape().length != 2 && h.shape().length != 1) {
                throw new TangentException(who + ": " + h.shape().length + "-D array of shape " + h.shapeString()
                        + ", expected a 2-D array (samples x features)");
            }
            long rows = h.shape()[0];
            long cols = h.shape().length == 2 ? h.shape()[1] : 1;
            if (rows > Integer.MAX_VALUE || cols > Integer.MAX_VALUE) {
                throw new TangentException(who + ": shape " + h.shapeString() + " is too large");
            }
            MemoryBudget.require(rows * cols * to.bytes(), who + " (" + h.shapeString() + " " + to + ")");
            Matrix m = Matrix.allocate((int) rows, (int) cols, to);
            try {
                fill(ch, h, m);
            } catch (IOException | RuntimeException e) {
                m.close();
                throw e;
            }
            return m;
        } catch (IOException e) {
            throw new TangentException(who + ": cannot read: " + e.getMessage(), e);
        }
    }

    private static void fill(FileChannel ch, Header h, Matrix m) throws IOException {
        long n = h.count();
        String want = m.dtype().npyDescr();
        if (h.descr().equals(want)) {
            long bytes = n * m.dtype().bytes();
            long done = 0;
            while (done < bytes) {
                int chunk = (int) Math.min(bytes - done, 1 << 26);
                ByteBuffer bb = m.segment().asSlice(m.offset() + done, chunk).asByteBuffer();
                while (bb.hasRemaining()) {
                    int r = ch.read(bb, h.dataOffset() + done + bb.position());
                    if (r < 0) {
                        throw new EOFException("unexpected end of file");
                    }
                }
                done += chunk;
            }
            return;
        }
        int item = h.itemSize();
        int cols = m.cols();
        ByteBuffer buf = ByteBuffer.allocate(Math.max(item, (1 << 20) / item * item)).order(h.order());
        long idx = 0;
        long pos = h.dataOffset();
        while (idx < n) {
            buf.clear();
            long left = (n - idx) * item;
            if (left < buf.capacity()) {
                buf.limit((int) left);
            }
            while (buf.hasRemaining()) {
                int r = ch.read(buf, pos + buf.position());
                if (r < 0) {
                    throw new EOFException("unexpected end of file");
                }
            }
            pos += buf.position();
            buf.flip();
            while (buf.hasRemaining()) {
                double v = switch (h.kind()) {
                    case 'f' -> item == 4 ? buf.getFloat() : buf.getDouble();
                    case 'i' -> switch (item) {
                        case 1 -> buf.get();
                        case 2 -> buf.getShort();
                        case 4 -> buf.getInt();
                        default -> buf.getLong();
                    };
                    case 'u' -> switch (item) {
                        case 1 -> buf.get() & 0xff;
                        case 2 -> buf.getShort() & 0xffff;
                        case 4 -> buf.getInt() & 0xffffffffL;
                        default -> unsignedToDouble(buf.getLong());
                    };
                    default -> buf.get() != 0 ? 1 : 0;
                };
                m.set((int) (idx / cols), (int) (idx % cols), v);
                idx++;
            }
        }
    }

    private static double unsignedToDouble(long v) {
        double d = (double) (v >>> 1) * 2.0;
        return d + (v & 1);
    }

    /** Writes {@code m} as a C-order {@code .npy} of its own dtype, atomically. */
    public static void write(Path file, Matrix m) {
        AtomicFile.write(file, temp -> {
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer header = header(m.dtype().npyDescr(), new long[] {m.rows(), m.cols()});
                while (header.hasRemaining()) {
                    ch.write(header);
                }
                long rowBytes = (long) m.cols() * m.dtype().bytes();
                for (int i = 0; i < m.rows(); i++) {
                    long done = 0;
                    while (done < rowBytes) {
                        int chunk = (int) Math.min(rowBytes - done, 1 << 26);
                        ByteBuffer bb = m.segment().asSlice(m.byteIndex(i, 0) + done, chunk).asByteBuffer();
                        while (bb.hasRemaining()) {
                            ch.write(bb);
                        }
                        done += chunk;
                    }
                }
            }
        });
    }

    /** Writes a 1-D {@code <f8} array, atomically. */
    public static void writeVector(Path file, double[] values) {
        AtomicFile.write(file, temp -> {
            ByteBuffer header = header(DType.F64.npyDescr(), new long[] {values.length});
            ByteBuffer data = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
            data.asDoubleBuffer().put(values);
            try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                while (header.hasRemaining()) {
                    ch.write(header);
                }
                while (data.hasRemaining()) {
                    ch.write(data);
                }
            }
        });
    }

    /** Writes a rectangular {@code double[rows][cols]} as a 2-D {@code <f8} array, atomically. */
    public static void writeRows(Path file, double[][] rows) {
        int cols = rows.length == 0 ? 0 : rows[0].length;
        try (Matrix m = Matrix.allocate(rows.length, cols, DType.F64)) {
            for (int i = 0; i < rows.length; i++) {
                if (rows[i].length != cols) {
                    throw new IllegalArgumentException("ragged rows: " + rows[i].length + " and " + cols);
                }
                for (int j = 0; j < cols; j++) {
                    m.set(i, j, rows[i][j]);
                }
            }
            write(file, m);
        }
    }

    /** The complete header (magic, version, length, dict, padding) for a C-order array. */
    static ByteBuffer header(String descr, long[] shape) {
        return header(descr, shape, HEADER_ALIGN);
    }

    /** The header padded so that the data starts at a multiple of {@code align} bytes (a power of two ≥ 64). */
    static ByteBuffer header(String descr, long[] shape, int align) {
        StringBuilder sb = new StringBuilder("{'descr': '").append(descr).append("', 'fortran_order': False, 'shape': (");
        for (int i = 0; i < shape.length; i++) {
            sb.append(i > 0 ? ", " : "").append(shape[i]);
        }
        sb.append(shape.length == 1 ? ",), }" : "), }");
        int prefix = 10;
        int total = prefix + sb.length() + 1;
        if (total + (align - total % align) % align - prefix > 0xffff) {
            prefix = 12;
            total = prefix + sb.length() + 1;
        }
        int pad = (align - total % align) % align;
        sb.append(" ".repeat(pad)).append('\n');
        byte[] dict = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer bb = ByteBuffer.allocate(prefix + dict.length).order(ByteOrder.LITTLE_ENDIAN);
        bb.put(MAGIC).put((byte) (prefix == 10 ? 1 : 2)).put((byte) 0);
        if (prefix == 10) {
            bb.putShort((short) dict.length);
        } else {
            bb.putInt(dict.length);
        }
        bb.put(dict).flip();
        return bb;
    }

    /**
     * An {@code .npy} file being written in place: the data region of a temp file is memory-mapped and exposed as a
     * {@link Matrix}; {@link #commit()} flushes it and renames the file to its target, {@link #close()} without a commit
     * deletes it. Resident pages are file-backed, so the kernel can write them back and evict them under pressure.
     */
    public static final class MappedOutput implements AutoCloseable {
        private final Path target;
        private final Path temp;
        private final Arena arena;
        private final Matrix matrix;
        private boolean committed;

        private MappedOutput(Path target, Path temp, Arena arena, Matrix matrix) {
            this.target = target;
            this.temp = temp;
            this.arena = arena;
            this.matrix = matrix;
        }

        public Matrix matrix() {
            return matrix;
        }

        /**
         * Unmaps the data and renames the file into place. There is no msync: the kernel writes the pages back in
         * its own time (for a 6 GB Gram a forced flush would double the run time); the rename still guarantees
         * that the target is either absent or complete as far as this process is concerned.
         */
        public void commit() {
            if (committed) {
                return;
            }
            arena.close();
            AtomicFile.commit(temp, target);
            committed = true;
        }

        @Override
        public void close() {
            if (!committed) {
                if (arena.scope().isAlive()) {
                    arena.close();
                }
                AtomicFile.deleteQuietly(temp);
            }
        }
    }

    /** Creates {@code target}'s temp file with a header for a {@code rows x cols} C-order array and maps its data. */
    public static MappedOutput createMapped(Path target, int rows, int cols, DType dtype) {
        ByteBuffer header = header(dtype.npyDescr(), new long[] {rows, cols});
        long dataBytes = Matrix.byteSize(rows, cols, dtype);
        Path temp = AtomicFile.tempFor(target);
        Arena arena = Arena.ofShared();
        try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            int hlen = header.remaining();
            while (header.hasRemaining()) {
                ch.write(header);
            }
            long free = Files.getFileStore(temp).getUsableSpace();
            if (free < dataBytes) {
                throw new TangentException(String.format(Locale.ROOT, "%s: not enough disk space: the %d x %d %s array needs %s, %s is free",
                        target, rows, cols, dtype, MemoryBudget.human(dataBytes), MemoryBudget.human(free)));
            }
            // extend the file to its final size (sparse), then map the data region
            ch.write(ByteBuffer.wrap(new byte[1]), hlen + Math.max(dataBytes, 1) - 1);
            MemorySegment seg = ch.map(FileChannel.MapMode.READ_WRITE, hlen, Math.max(dataBytes, 1), arena);
            return new MappedOutput(target, temp, arena, Matrix.wrap(seg, 0, rows, cols, cols, dtype));
        } catch (IOException | RuntimeException e) {
            arena.close();
            AtomicFile.deleteQuietly(temp);
            if (e instanceof TangentException te) {
                throw te;
            }
            throw new TangentException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }
}
