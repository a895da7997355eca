package dev.tangent.io;

import dev.tangent.TangentException;
import dev.tangent.memory.AnonymousMemory;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * A C-order {@code .npy} array of many gigabytes written in row panels from a few buffers that are reused in turn:
 * producers fill panel p ({@link #panel}: rows [p·panelRows, …) of every column) and say when it is final
 * ({@link #panelComplete}, in any order); a writer thread sends the panels to a temp file next to the target, in order,
 * with direct I/O ({@code O_DIRECT}: from this memory to the disk, no copy in the page cache and nothing left dirty
 * for the kernel to write back), and hands each buffer back for panel p + buffers. The header is padded to 4 KiB, and
 * each panel is placed in its buffer at an address congruent to its file offset modulo 4 KiB, so that every write is
 * aligned and needs no copy: the partial 4 KiB block a panel ends with is kept and written in front of the next one,
 * and the last one goes out padded, after which the file is cut to its length. The memory is allocated once (panel
 * buffers and one staging block) and never given back while the stream is open. {@link #commit()} waits for the
 * writes and renames the file into place; {@link #close()} without a commit deletes it. Where the file system refuses
 * direct I/O (tmpfs) the same writes go through the page cache.
 *
 * <p>A reader sees nothing at the target until the rename, then the complete file, whose data are on the disk
 * (direct writes) or in the page cache (buffered fallback).
 */
public final class NpyPanelStream implements AutoCloseable {
    static final int ALIGN = 4096;
    /** Largest single write (a ByteBuffer holds at most 2 GiB; smaller writes keep the writer responsive). */
    static final long CHUNK = 64L << 20;

    private final Path target;
    private final Path temp;
    private final int rows;
    private final int cols;
    private final DType dtype;
    private final int panelRows;
    private final int panels;
    private final int buffers;
    private final long rowBytes;
    private final long dataOffset;
    private final long slotBytes;
    private final AnonymousMemory memory;
    /** A 4 KiB block after the panel buffers: the header, then the partial block a panel ends with. */
    private final MemorySegment staging;
    private final FileChannel channel;
    private final boolean direct;
    private final Thread writer;
    private final Object lock = new Object();
    /** Guarded by lock: which panels are final, how many are written (a prefix), and the ends of the stream. */
    private final boolean[] complete;
    private int written;
    private boolean aborted;
    private Throwable failure;
    private boolean committed;
    /** Writer thread only: bytes of the file's partial last block, held at the start of {@link #staging}. */
    private long carry;

    private NpyPanelStream(Path target, Path temp, int rows, int cols, DType dtype, int panelRows, int buffers, long dataOffset,
                           AnonymousMemory memory, FileChannel channel, boolean direct) {
        this.target = target;
        this.temp = temp;
        this.rows = rows;
        this.cols = cols;
        this.dtype = dtype;
        this.panelRows = panelRows;
        this.panels = (rows + panelRows - 1) / panelRows;
        this.buffers = buffers;
        this.rowBytes = (long) cols * dtype.bytes();
        this.dataOffset = dataOffset;
        this.slotBytes = slotBytes(panelRows, cols, dtype);
        this.memory = memory;
        this.staging = memory.segment().asSlice(buffers * slotBytes, ALIGN);
        this.channel = channel;
        this.direct = direct;
        this.complete = new boolean[panels];
        this.writer = new Thread(this::writeLoop, "tangent-npy-writer");
        this.writer.setDaemon(true);
        this.writer.start();
    }

    /** Bytes of one panel buffer: the panel, and room before it for the head of its first 4 KiB block. */
    private static long slotBytes(int panelRows, int cols, DType dtype) {
        return (Matrix.byteSize(panelRows, cols, dtype) + 2L * ALIGN - 1) / ALIGN * ALIGN;
    }

    /** Memory a stream of {@code buffers} panels of {@code panelRows} rows takes. */
    public static long memoryBytes(int panelRows, int cols, DType dtype, int buffers) {
        return buffers * slotBytes(panelRows, cols, dtype) + ALIGN;
    }

    /**
     * A stream for a {@code rows x cols} array of {@code dtype} at {@code target}, in panels of {@code panelRows} rows
     * from {@code buffers} buffers, after checking disk space and memory.
     */
    public static NpyPanelStream create(Path target, int rows, int cols, DType dtype, int panelRows, int buffers) {
        return create(target, rows, cols, dtype, panelRows, buffers, true);
    }

    /** As {@link #create(Path, int, int, DType, int, int)}; {@code tryDirect} false always goes through the page cache. */
    public static NpyPanelStream create(Path target, int rows, int cols, DType dtype, int panelRows, int buffers, boolean tryDirect) {
        if (panelRows < 1 || buffers < 1) {
            throw new IllegalArgumentException("panelRows and buffers must be positive");
        }
        String what = String.format(Locale.ROOT, "the %d x %d %s array %s", rows, cols, dtype, target);
        ByteBuffer header = Npy.header(dtype.npyDescr(), new long[] {rows, cols}, ALIGN);
        long dataOffset = header.remaining();
        AtomicFile.requireSpace(target, dataOffset + Matrix.byteSize(rows, cols, dtype), what);
        int panelRowsUsed = Math.max(1, Math.min(panelRows, rows));
        AnonymousMemory mem = AnonymousMemory.allocate(memoryBytes(panelRowsUsed, cols, dtype, buffers), "the panel buffers of " + what);
        Path temp = null;
        FileChannel ch = null;
        try {
            temp = AtomicFile.tempFor(target);
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
            // the header through aligned memory (direct I/O needs aligned memory, offsets and lengths); it is a whole
            // number of 4 KiB blocks, so the data start on a block boundary
            MemorySegment h = mem.segment().asSlice(0, dataOffset);
            MemorySegment.copy(MemorySegment.ofBuffer(header), 0, h, 0, dataOffset);
            writeFully(ch, h.asByteBuffer(), 0);
            return new NpyPanelStream(target, temp, rows, cols, dtype, panelRowsUsed, buffers, dataOffset, mem, ch, direct);
        } catch (IOException | RuntimeException e) {
            if (ch != null) {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // closing a channel we are abandoning
                }
            }
            mem.close();
            if (temp != null) {
                AtomicFile.deleteQuietly(temp);
            }
            if (e instanceof TangentException te) {
                throw te;
            }
            throw new TangentException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    private static OpenOption directOption() {
        return com.sun.nio.file.ExtendedOpenOption.DIRECT;
    }

    /** Whether the data go to the disk with direct I/O (else through the page cache). */
    public boolean direct() {
        return direct;
    }

    public int panelRows() {
        return panelRows;
    }

    public int panels() {
        return panels;
    }

    /**
     * Panel p: rows [p·panelRows, p·panelRows + its rows) × every column, row-major. Waits until its buffer is free
     * (panel p − buffers written); callers may ask again for a panel they hold, from any thread, until it is complete.
     * Its contents are those of an earlier panel: producers write every element.
     */
    public Matrix panel(int p) {
        synchronized (lock) {
            while (written <= p - buffers && failure == null && !aborted) {
                try {
                    lock.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new TangentException(130, "interrupted", e);
                }
            }
            rethrow();
            if (aborted) {
                throw new IllegalStateException("the stream to " + target + " was closed");
            }
        }
        return Matrix.wrap(memory.segment(), slot(p) + head(p), panelRowsOf(p), cols, cols, dtype);
    }

    /** Panel p is final: it is written (after the panels before it) and its buffer reused. Called from any thread. */
    public void panelComplete(int p) {
        synchronized (lock) {
            rethrow();
            complete[p] = true;
            lock.notifyAll();
        }
    }

    /** Ends a stream whose producers failed: every waiting and later call fails, and {@link #close()} removes the file. */
    public void abort() {
        synchronized (lock) {
            aborted = true;
            lock.notifyAll();
        }
    }

    /** Writes the rest, closes the file and renames it to the target; every panel must be complete. */
    public void commit() {
        synchronized (lock) {
            for (int p = 0; p < panels; p++) {
                if (!complete[p]) {
                    throw new IllegalStateException("panel " + p + " of " + target + " is not complete");
                }
            }
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
            long end = dataOffset + rows * rowBytes;
            if (carry > 0) {
                // the last partial block, padded to a whole one; the file is then cut to its length
                writeFully(channel, staging.asByteBuffer(), end - carry);
                channel.truncate(end);
            }
            channel.close();
        } catch (IOException e) {
            throw new TangentException("cannot write " + target + ": " + e.getMessage(), e);
        }
        memory.close();
        AtomicFile.commit(temp, target);
        committed = true;
    }

    private int panelRowsOf(int p) {
        return Math.min(panelRows, rows - p * panelRows);
    }

    private long slot(int p) {
        return (p % buffers) * slotBytes;
    }

    /** File offset of panel p's first byte. */
    private long fileStart(int p) {
        return dataOffset + (long) p * panelRows * rowBytes;
    }

    /** Where panel p starts within its 4 KiB block: its buffer has the same offset, and the block's head before it. */
    private long head(int p) {
        return fileStart(p) % ALIGN;
    }

    private void rethrow() {
        if (failure != null) {
            throw failure instanceof TangentException te ? te
                    : new TangentException("cannot write " + target + ": " + failure.getMessage(), failure);
        }
    }

    private void writeLoop() {
        try {
            for (int p = 0; p < panels; p++) {
                synchronized (lock) {
                    while (!complete[p] && !aborted) {
                        lock.wait();
                    }
                    if (aborted) {
                        return;
                    }
                }
                writePanel(p);
                synchronized (lock) {
                    written = p + 1;
                    lock.notifyAll();
                }
            }
        } catch (Throwable t) {
            synchronized (lock) {
                failure = t;
                lock.notifyAll();
            }
        }
    }

    /**
     * Writes panel p from its buffer: the partial block left by the panel before goes in front of it (the buffer is
     * congruent to the file modulo 4 KiB, so the two join into one aligned block), then every whole block; the
     * partial block at its end is kept for the next panel.
     */
    private void writePanel(int p) throws IOException {
        long head = head(p);
        long base = slot(p);
        MemorySegment seg = memory.segment();
        MemorySegment.copy(staging, 0, seg, base, carry);
        long bytes = head + panelRowsOf(p) * rowBytes;
        long whole = bytes / ALIGN * ALIGN;
        long position = fileStart(p) - head;
        for (long at = 0; at < whole; at += CHUNK) {
            long n = Math.min(CHUNK, whole - at);
            writeFully(channel, seg.asSlice(base + at, n).asByteBuffer(), position + at);
        }
        carry = bytes - whole;
        MemorySegment.copy(seg, base + whole, staging, 0, carry);
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
        abort();
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
