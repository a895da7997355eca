package dev.tangent.io;

import dev.tangent.TangentException;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The temporary files and directories of this process. Each is named {@code .NAME.tangent-PID-N.part} next to its
 * target, so that {@link #discardAll} (called on SIGINT/SIGTERM) can remove those still open, and a later run can
 * {@link #reclaimStale reclaim} those a dead process left behind: the process id is in the name.
 */
public final class TempFiles {
    private static final long PID = ProcessHandle.current().pid();
    private static final AtomicLong COUNTER = new AtomicLong();
    private static final Set<Path> LIVE = ConcurrentHashMap.newKeySet();
    private static final Pattern NAME = Pattern.compile("\\..+\\.tangent-(\\d+)-\\d+\\.part");
    private static volatile boolean closed;
    /** Held (shared) while a temp file is created and registered or renamed into place; the shutdown takes it exclusively. */
    private static final java.util.concurrent.locks.ReentrantReadWriteLock GATE = new java.util.concurrent.locks.ReentrantReadWriteLock();

    private TempFiles() {
    }

    /** A removed file or directory and its size in bytes. */
    public record Discarded(Path path, long bytes) {
    }

    /** This process's id, as it appears in temp-file names and lock files. */
    public static long pid() {
        return PID;
    }

    /** A fresh temp path next to {@code target} (not created). */
    public static Path nameFor(Path target) {
        Path abs = target.toAbsolutePath();
        return abs.resolveSibling("." + abs.getFileName() + ".tangent-" + PID + "-" + COUNTER.incrementAndGet() + ".part");
    }

    /** Runs {@code action} while the process cannot start shutting down its temp files (a creation or a rename). */
    static <T> T guarded(java.util.function.Supplier<T> action) {
        GATE.readLock().lock();
        try {
            requireOpen();
            return action.get();
        } finally {
            GATE.readLock().unlock();
        }
    }

    /** A new, registered temp directory next to {@code target}. */
    public static Path createDirectory(Path target) {
        return guarded(() -> {
            Path part = nameFor(target);
            try {
                java.nio.file.Files.createDirectory(part);
            } catch (IOException e) {
                throw new TangentException("cannot write " + target + ": " + e.getMessage(), e);
            }
            return register(part);
        });
    }

    /**
     * Renames a registered temp directory to {@code target} (which must not exist) and runs {@code then} (recording it)
     * before a shutdown can start; on failure the temp directory is removed.
     */
    public static void rename(Path temp, Path target, Runnable then) {
        rename(temp, target, () -> {
        }, then);
    }

    /**
     * As {@link #rename(Path, Path, Runnable)}, with {@code before} (removing the previous version of {@code target})
     * run under the same guard: a shutdown starts either before it (the previous version stays) or after the rename
     * (the new one is in place), never between the two.
     */
    public static void rename(Path temp, Path target, Runnable before, Runnable then) {
        try {
            guarded(() -> {
                before.run();
                try {
                    java.nio.file.Files.move(temp, target);
                } catch (IOException e) {
                    throw new TangentException("cannot write " + target + ": " + e.getMessage(), e);
                }
                release(temp);
                then.run();
                return null;
            });
        } catch (RuntimeException e) {
            deleteTree(temp);
            release(temp);
            throw e;
        }
    }

    /** Whether a path has a temp file or directory among its name elements. */
    public static boolean isTemp(Path p) {
        for (Path e : p) {
            if (NAME.matcher(e.toString()).matches()) {
                return true;
            }
        }
        return false;
    }

    /** Records a temp path that this process has created; refused once the process is shutting down. */
    public static Path register(Path p) {
        if (closed) {
            throw new TangentException(130, "interrupted", null);
        }
        LIVE.add(p.toAbsolutePath());
        return p;
    }

    /** Forgets a temp path (renamed into place or deleted). */
    public static void release(Path p) {
        LIVE.remove(p.toAbsolutePath());
    }

    /** Fails once the process is shutting down, so that nothing new is written after the shutdown hook ran. */
    static void requireOpen() {
        if (closed) {
            throw new TangentException(130, "interrupted", null);
        }
    }

    /** Whether {@link #discardAll} has run (the process is shutting down). */
    public static boolean closed() {
        return closed;
    }

    /**
     * Deletes every temp file and directory this process still holds and refuses new ones; for the shutdown hook. Other
     * threads keep running while a hook runs: a file a worker was creating inside a temp directory just then can make the
     * directory's removal fail, so the deletion is repeated (up to ten passes, 20 ms apart) until every path is gone.
     */
    public static List<Discarded> discardAll() {
        GATE.writeLock().lock(); // waits for a rename or creation in flight, so that it is either done and recorded or refused
        try {
            closed = true;
        } finally {
            GATE.writeLock().unlock();
        }
        List<Discarded> out = new ArrayList<>();
        List<Path> left = List.copyOf(LIVE);
        for (Path p : left) {
            if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
                out.add(new Discarded(p, size(p)));
            }
        }
        for (int pass = 0; pass < 10 && !left.isEmpty(); pass++) {
            if (pass > 0) {
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            for (Path p : left) {
                deleteTree(p);
            }
            left = left.stream().filter(p -> Files.exists(p, LinkOption.NOFOLLOW_LINKS)).toList();
        }
        LIVE.clear();
        return out;
    }

    /**
     * Deletes the temp files and directories in {@code dir} (not recursive) that a process which no longer runs left
     * behind (killed, or out of power).
     */
    public static List<Discarded> reclaimStale(Path dir) {
        List<Discarded> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) {
                Matcher m = NAME.matcher(p.getFileName().toString());
                if (!m.matches()) {
                    continue;
                }
                long pid = Long.parseLong(m.group(1));
                if (pid == PID || ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    continue;
                }
                long bytes = size(p);
                if (deleteTree(p)) {
                    out.add(new Discarded(p, bytes));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // best effort: an unreadable directory is reported by the write that follows
        }
        return out;
    }

    /** Bytes held by a file or, recursively, a directory (0 when unreadable). */
    static long size(Path p) {
        try {
            if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                return Files.exists(p, LinkOption.NOFOLLOW_LINKS) ? Files.size(p) : 0;
            }
            try (Stream<Path> s = Files.walk(p)) {
                return s.filter(Files::isRegularFile).mapToLong(f -> {
                    try {
                        return Files.size(f);
                    } catch (IOException e) {
                        return 0;
                    }
                }).sum();
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** Deletes a file, or a directory with its contents (links are removed, never followed); true when it existed. */
    static boolean deleteTree(Path p) {
        if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        try {
            if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                try (Stream<Path> s = Files.walk(p)) {
                    for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(q);
                    }
                }
            } else {
                Files.deleteIfExists(p);
            }
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
