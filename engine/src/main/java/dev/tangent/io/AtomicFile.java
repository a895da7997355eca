package dev.tangent.io;

import dev.tangent.TangentException;
import dev.tangent.memory.MemoryBudget;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;

/**
 * Writes go to a temporary file in the target's directory ({@link TempFiles}: removed on interrupt, reclaimed after a
 * crash) and are renamed over the target only when complete, so that a crash or an error never leaves a truncated
 * output file behind. Only regular files or new paths are ever replaced: a symbolic link, FIFO, device, socket or
 * directory at the target is refused.
 */
public final class AtomicFile {
    private AtomicFile() {
    }

    /** Fails early, with a one-line message, when {@code target} cannot be written or must not be replaced. */
    public static void checkWritable(Path target, String option) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        requireReplaceable(target, option + " " + target);
        if (dir == null || !Files.isDirectory(dir)) {
            throw new TangentException(option + " " + target + ": directory " + dir + " does not exist");
        }
        if (!Files.isWritable(dir)) {
            throw new TangentException(option + " " + target + ": directory " + dir + " is not writable");
        }
        if (Files.exists(abs) && !Files.isWritable(abs)) {
            throw new TangentException(option + " " + target + ": file exists and is not writable");
        }
    }

    /**
     * Fails unless {@code target} is absent or a regular file (checked without following links).
     *
     * @param what the start of the message, e.g. "--out K.npy"
     */
    public static void requireReplaceable(Path target, String what) {
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(target, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return;
        } catch (IOException e) {
            throw new TangentException(what + ": cannot inspect: " + e.getMessage(), e);
        }
        String kind = a.isRegularFile() ? null : a.isDirectory() ? "a directory, expected a file path"
                : a.isSymbolicLink() ? "a symbolic link" : "not a regular file (a FIFO, socket or device)";
        if (kind != null) {
            throw new TangentException(what + ": exists and is " + kind
                    + (a.isDirectory() ? "" : "; only regular files or new paths are replaced"));
        }
    }

    /** Fails with one line when the file system holding {@code target} has less than {@code bytes} free. */
    public static void requireSpace(Path target, long bytes, String what) {
        Path p = target.toAbsolutePath();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        if (p == null) {
            return;
        }
        try {
            long free = Files.getFileStore(p).getUsableSpace();
            if (free < bytes) {
                throw new TangentException(String.format(Locale.ROOT, "%s: not enough disk space: %s needs %s, %s is free", target, what,
                        MemoryBudget.human(bytes), MemoryBudget.human(free)));
            }
        } catch (IOException e) {
            // unknown file store: the write itself will report a full disk
        }
    }

    /** A fresh temporary file next to {@code target}, registered with {@link TempFiles}. */
    public static Path tempFor(Path target) {
        return TempFiles.guarded(() -> {
            for (int attempt = 0; ; attempt++) {
                Path temp = TempFiles.nameFor(target);
                try {
                    Files.createFile(temp);
                    TempFiles.register(temp);
                    try {
                        // outputs are ordinary files, not private ones
                        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("rw-r--r--"));
                    } catch (UnsupportedOperationException | IOException ignored) {
                        // not a POSIX file system: keep the default
                    }
                    return temp;
                } catch (FileAlreadyExistsException e) {
                    if (attempt > 100) {
                        throw new TangentException("cannot write " + target + ": " + e.getMessage(), e);
                    }
                } catch (IOException e) {
                    throw new TangentException("cannot write " + target + ": " + e.getMessage(), e);
                }
            }
        });
    }

    /**
     * Renames {@code temp} over {@code target}, atomically where the file system allows, and records it with the run
     * directory being written (if any). Refused once the process is shutting down.
     */
    public static void commit(Path temp, Path target) {
        try {
            TempFiles.guarded(() -> {
                requireReplaceable(target, "cannot write " + target);
                try {
                    try {
                        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    } catch (AtomicMoveNotSupportedException e) {
                        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
                    }
                } catch (IOException e) {
                    throw new TangentException("cannot write " + target + ": " + e.getMessage(), e);
                }
                TempFiles.release(temp);
                RunDirectory.committed(target);
                return null;
            });
        } catch (RuntimeException e) {
            deleteQuietly(temp);
            throw e;
        }
    }

    /** Deletes a temp file (best effort) and forgets it. */
    public static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: the temp file is hidden, named *.part, and reclaimed by a later run
        }
        TempFiles.release(p);
    }

    /** Something that writes a whole file to the path it is given. */
    @FunctionalInterface
    public interface Writer {
        void write(Path temp) throws IOException;
    }

    /** Runs {@code writer} on a temp file and renames it to {@code target}; on any failure the temp file is removed. */
    public static void write(Path target, Writer writer) {
        Path temp = tempFor(target);
        boolean ok = false;
        try {
            writer.write(temp);
            ok = true;
        } catch (IOException e) {
            throw new TangentException("cannot write " + target + ": " + e.getMessage(), e);
        } finally {
            if (!ok) {
                deleteQuietly(temp);
            }
        }
        commit(temp, target);
    }
}
