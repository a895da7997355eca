package dev.tangent.io;

import dev.tangent.TangentException;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 digests of files, recorded in model directories to detect corrupted or swapped arrays. */
public final class Digest {
    private Digest() {
    }

    /** The lower-case hex SHA-256 of a file's bytes. */
    public static String sha256(Path p) {
        return hex(p, "SHA-256");
    }

    /** The lower-case hex digest of a file's bytes with a JDK algorithm ("SHA-256", "MD5", ...). */
    public static String hex(Path p, String algorithm) {
        try (InputStream in = Files.newInputStream(p)) {
            MessageDigest md = MessageDigest.getInstance(algorithm);
            byte[] buf = new byte[1 << 16];
            for (int r; (r = in.read(buf)) > 0; ) {
                md.update(buf, 0, r);
            }
            return HexFormat.of().formatHex(md.digest());
        } catch (IOException | NoSuchAlgorithmException e) {
            throw new TangentException("cannot read " + p + ": " + e.getMessage(), e);
        }
    }

    /** Checks a file against the digest recorded for it (option: the command-line option naming the directory). */
    public static void verify(Path p, String expected, String option) {
        if (!Files.exists(p)) {
            throw new TangentException(option + " " + p.getParent() + ": " + p.getFileName() + " is missing");
        }
        if (!sha256(p).equals(expected)) {
            throw new TangentException(option + " " + p + ": checksum mismatch (file changed or corrupted since it was saved)");
        }
    }
}
