package dev.tangent.cli;

import dev.tangent.io.Npy;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Small datasets and a file-tree snapshot for the command-line contract tests. */
final class Fixtures {
    private Fixtures() {
    }

    /** Two Gaussian blobs in d dimensions: row i has target +1 when i is even, else -1 (the first two coordinates shifted). */
    static Matrix blobs(int n, int d, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Matrix x = Matrix.allocate(n, d, DType.F64);
        for (int i = 0; i < n; i++) {
            boolean pos = i % 2 == 0;
            for (int j = 0; j < d; j++) {
                x.set(i, j, 0.5 + 0.2 * r.nextGaussian() + (pos ? 0.25 : -0.25) * (j < 2 ? 1 : 0));
            }
        }
        return x;
    }

    /** Writes {@code blobs(n, d, seed)} to NAME-x.npy and the ±1 targets (or {@code targets(i)}) to NAME-y.npy. */
    static Path[] write(Path dir, String name, int n, int d, long seed, java.util.function.IntToDoubleFunction targets) {
        try (Matrix x = blobs(n, d, seed)) {
            double[] y = new double[n];
            for (int i = 0; i < n; i++) {
                y[i] = targets == null ? (i % 2 == 0 ? 1 : -1) : targets.applyAsDouble(i);
            }
            Path xp = dir.resolve(name + "-x.npy");
            Path yp = dir.resolve(name + "-y.npy");
            Npy.write(xp, x);
            Npy.writeVector(yp, y);
            return new Path[] {xp, yp};
        }
    }

    /** Every path under {@code root} (links not followed) with its kind, size and modification time. */
    static TreeMap<String, String> tree(Path root) {
        TreeMap<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                String kind = a.isSymbolicLink() ? "link" : a.isDirectory() ? "dir" : a.isRegularFile() ? "file" : "other";
                out.put(root.relativize(p).toString(), kind + " " + (a.isDirectory() ? "" : a.size() + " " + a.lastModifiedTime().toMillis()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /**
     * The bad-input contract: exit code 2, exactly one line on stderr containing {@code fragment}, no stack trace, and
     * nothing under {@code root} created, changed or removed.
     */
    static void refused(Path root, String fragment, String... args) {
        TreeMap<String, String> before = tree(root);
        Cli.Outcome o = Cli.run(args);
        assertEquals(2, o.code(), "exit code of " + String.join(" ", args) + "; stderr: " + o.err());
        List<String> lines = o.errLines();
        assertEquals(1, lines.size(), "exactly one line on stderr, got: " + lines);
        assertTrue(lines.get(0).contains(fragment), "message '" + lines.get(0) + "' should mention " + fragment);
        assertFalse(lines.get(0).contains("Exception") || lines.get(0).contains("\tat "), "no stack trace: " + lines.get(0));
        assertEquals(before, tree(root), "nothing may be created, changed or left behind by " + String.join(" ", args));
    }

    /** A FIFO made with mkfifo(1). */
    static Path fifo(Path p) throws IOException, InterruptedException {
        Process pr = new ProcessBuilder("mkfifo", p.toString()).redirectErrorStream(true).start();
        assertTrue(pr.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, pr.exitValue(), new String(pr.getInputStream().readAllBytes()));
        return p;
    }

    /** The value after {@code key} in a JSON text (a number). */
    static double number(String json, String key) {
        int i = json.indexOf(key);
        assertTrue(i >= 0, key + " in " + json);
        i += key.length();
        int j = i;
        while (j < json.length() && "+-0123456789.eE".indexOf(json.charAt(j)) >= 0) {
            j++;
        }
        return Double.parseDouble(json.substring(i, j));
    }
}
