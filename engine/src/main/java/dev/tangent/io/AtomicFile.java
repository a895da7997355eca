package dev.tangent.io;

import dev.tangent.TangentException;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Writes go to a temporary file in the target's directory and are renamed over the target only when complete,
 * so that a crash or an error never leaves a truncated output file behind.
 */
public final class AtomicFile {
    private AtomicFile() {
    }

    /** Fails early, with a one-line message, when {@code target} cannot be written. */
    public static void checkWritable(Path target, String option) {
        Path abs = target.toAbsolutePath();
        Path dir = abs.getParent();
        if (Files.isDirectory(abs)) {
            throw new TangentException(option + " " + target + ": is a directory, expected a file path");
        }
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

    /** A fresh temporary file next to {@code target}. */
    public static Path tempFor(Path target) {
        Path abs = target.toAbsolutePath();
        try {
            Path temp = Files.createTempFile(abs.getParent(), "." + abs.getFileName() + ".", ".part");
            try {
                // createTempFile makes the file private (0600); outputs are ordinary files
                Files.setPosixFilePermissions(temp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException | IOException ignored) {
                // not a POSIX file system: keep the default
            }
            return temp;
        } catch (IOException e) {
            throw new TangentException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    /** Renames {@code temp} over {@code target}, atomically where the file system allows. */
    public static void commit(Path temp, Path target) {
        try {
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new TangentException("cannot write " + target + ": " + e.getMessage(), e);
        }
    }

    public static void deleteQuietly(Path p) {
        try {
            Files.deleteIfExists(p);
        } catch (IOException ignored) {
            // best effort: the temp file is hidden and named *.part
        }
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
