package dev.tangent.io;

import dev.tangent.TangentException;
import dev.tangent.memory.AnonymousMemory;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.memory.MemoryBudget;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * A C-order {@code .npy} array written as its rows complete, for outputs of many gigabytes: producers fill {@link #matrix()}
 * (anonymous memory with transparent huge pages, one fault per 2 MiB) and say which leading rows are final
 * ({@link #rowsComplete}); a writer thread sends each final prefix to a temp file next to the target with direct I/O
 * ({@code O_DIRECT}: the bytes go from this memory to the disk without a second copy in the page cache, and nothing is
 * left dirty for the kernel to write back after the process exits) and gives the written memory back. The header is
 * padded to 4 KiB so that every write is aligned. {@link #commit()} writes the rest and renames the file into place;
 * {@link #close()} without a commit deletes it. Where the file system refuses direct I/O (tmpfs) the same writes go
 * through the page cache.
 *
 * <p>A reader sees the file only after the rename, complete; its data are on the disk (direct writes) apart from the
 * last partial 4 KiB block, written through the page cache.
 */
public final class NpyRowStream implements AutoCloseable {
    static final int ALIGN = 4096;
    /** Largest single write (keeps the writer responsive and the give-back incremental). */
    static final long CHUNK = 64L << 20;

    private final Path target;
    private final Path temp;
    private final AnonymousMemory memory;
    private final Matrix matrix;
    private final long rowBytes;
    private final long dataBytes;
    private final long dataOffset;
    private final FileChannel channel;
    private final boolean direct;
    private final Thread writer;
    private final Object lock = new Object();
    /** Bytes of data that are final (row prefix), written, and given back; guarded by lock. */
    private long finalBytes;
    private long writtenBytes;
    private long releasedBytes;
    private boolean finishing;
    private boolean aborted;
    private Throwable failure;
    private boolean committed;

    private NpyRowStream(Path target, Path temp, AnonymousMemory memory, Matrix matrix, long dataOffset, FileChannel channel,
                         boolean direct) {
        this.target = target;
        this.temp = temp;
        this.memory = memory;
        this.matrix = matrix;
        this.rowBytes = (long) matrix.cols() * matrix.dtype().bytes();
        this.dataBytes = rowBytes * matrix.rows();
        this.dataOffset = dataOffset;
        this.channel = channel;
        this.direct = direct;
        this.writer = new Thread(this::writeLoop, "tangent-npy-writer");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /** A stream for a {@code rows x cols} array of {@code dtype} at {@code target}, after checking disk space and memory. */
    public static NpyRowStream create(Path target, int rows, int cols, DType dtype) {
        return create(target, rows, cols, dtype, true);
    }

    /** As {@link #create(Path, int, int, DType)}; {@code tryDirect} false always goes through the page cache. */
    static NpyRowStream create(Path target, int rows, int cols, DType dtype, boolean tryDirect) {
        long dataBytes = Matrix.byteSize(rows, cols, dtype);
        String what = String.format(Locale.ROOT, "the %d x %d %s array %s", rows, cols, dtype, target);
        ByteBuffer header = Npy.header(dtype.npyDescr(), new long[] {rows, cols}, ALIGN);
        Path temp = AtomicFile.tempFor(target);
        FileChannel ch = null;
        AnonymousMemory mem = null;
        try {
            long free = Files.getFileStore(temp).getUsableSpace();
            if (free < dataBytes + header.remaining()) {
                throw new TangentException(String.format(Locale.ROOT, "%s: not enough disk space: %s needs %s, %s is free", target, what,
                        MemoryBudget.human(dataBytes), MemoryBudget.human(free)));
            }
            mem = AnonymousMemory.allocate(Math.max(dataBytes, 1), what);
            mem.adviseHugePages();
            boolean direct = tryDirect;
            if (direct) {
                try {
                    ch = FileChannel.open(temp, StandardOpenOption.WRITE, directOption());
                } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
                    direct = false;
                }
            }
            if (!direct) {
                ch = FileChannel.open(temp, StandardOpenOption.WRITE);
            }
            long dataOffset = header.remaining();
            // the header through an aligned buffer (direct I/O needs aligned memory, offsets and lengths)
            MemorySegment h = mem.segment().asSlice(0, Math.min(mem.segment().byteSize(), dataOffset));
            if (direct && h.byteSize() == dataOffset) {
                MemorySegment.copy(MemorySegment.ofBuffer(header), 0, h, 0, dataOffset);
                writeFully(ch, h.asByteBuffer(), 0);
                h.fill((byte) 0);
            } else {
                writeFully(ch, header, 0);
            }
            return new NpyRowStream(target, temp, mem, Matrix.wrap(mem.segment(), 0, rows, cols, cols, dtype), dataOffset, ch, direct);
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // closing a channel we are abandoning
                }
            }
            if (mem != null) {
                mem.close();
            }
            AtomicFile.deleteQuietly(temp);
            if (e instanceof TangentException te) {
                throw te;
            }
            throw new TangentException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    private static OpenOption directOption() {
        return com.sun.nio.file.ExtendedOpenOption.DIRECT;
    }

    /** Where producers write the array (rows × cols, row-major). */
    public Matrix matrix() {
        return matrix;
    }

    /** Whether the data go to the disk with direct I/O (else through the page cache). */
    public boolean direct() {
        return direct;
    }

    /** Rows [0, rows) are final: they may be written out and given back. Called from any thread. */
    public void rowsComplete(int rows) {
        synchronized (lock) {
            rethrow();
            long b = Math.min(dataBytes, rows * rowBytes);
            if (b > finalBytes) {
                finalBytes = b;
                lock.notifyAll();
            }
        }
    }

    /** Writes everything, closes the file and renames it to the target. */
    public void commit() {
        rowsComplete(matrix.rows());
        synchronized (lock) {
            finishing = true;
            lock.notifyAll();
        }
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TangentException(130, "interrupted", e);
        }
        synchronized (lock) {
            rethrow();
        }
        try {
            // the unaligned tail (less than 4 KiB) through the page cache
            if (writtenBytes < dataBytes) {
                try (FileChannel tail = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                    writeFully(tail, memory.segment().asSlice(writtenBytes, dataBytes - writtenBytes).asByteBuffer(), dataOffset + writtenBytes);
                }
            }
            channel.close();
        } catch (IOException e) {
            throw new TangentException("cannot write " + target + ": " + e.getMessage(), e);
        }
        memory.close();
        AtomicFile.commit(temp, target);
        committed = true;
    }

    private void rethrow() {
        if (failure != null) {
            throw failure instanceof TangentException te ? te
                    : new TangentException("cannot write " + target + ": " + failure.getMessage(), failure);
        }
    }

    private void writeLoop() {
        try {
            while (true) {
                long from;
                long to;
                synchronized (lock) {
                    while (!aborted && alignedEnd() - writtenBytes < Math.min(CHUNK, ALIGN) && !finishing) {
                        lock.wait();
                    }
                    if (aborted) {
                        return;
                    }
                    from = writtenBytes;
                    to = Math.min(alignedEnd(), from + CHUNK);
                    if (to <= from) {
                        return; // finishing: the aligned part is written
                    }
                }
                writeFully(channel, memory.segment().asSlice(from, to - from).asByteBuffer(), dataOffset + from);
                synchronized (lock) {
                    writtenBytes = to;
                }
                // give back what no one reads again (whole huge pages)
                long releasable = to / AnonymousMemory.HUGE_PAGE * AnonymousMemory.HUGE_PAGE;
                if (releasable > releasedBytes) {
                    memory.release(releasedBytes, releasable - releasedBytes);
                    releasedBytes = releasable;
                }
            }
        } catch (Throwable t) {
            synchronized (lock) {
                failure = t;
            }
        }
    }

    /** The final prefix, rounded down to the alignment direct writes need (all of it when not direct or finishing). */
    private long alignedEnd() {
        return direct ? finalBytes / ALIGN * ALIGN : finalBytes;
    }

    private static void writeFully(FileChannel ch, ByteBuffer bb, long position) throws IOException {
        while (bb.hasRemaining()) {
            position += ch.write(bb, position);
        }
    }

    @Override
    public void close() {
        if (committed) {
            return;
        }
        synchronized (lock) {
            aborted = true;
            lock.notifyAll();
        }
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // abandoning the temp file
        }
        memory.close();
        AtomicFile.deleteQuietly(temp);
    }
}
