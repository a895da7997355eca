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

    /** Deletes every temp file and directory this process still holds and refuses new ones; for the shutdown hook. */
    public static List<Discarded> discardAll() {
        closed = true;
        List<Discarded> out = new ArrayList<>();
        for (Path p : List.copyOf(LIVE)) {
            long bytes = size(p);
            if (deleteTree(p)) {
                out.add(new Discarded(p, bytes));
            }
            LIVE.remove(p);
        }
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
