package dev.tangent;

import dev.tangent.io.Digest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Locates the data the tests read: the MNIST test split committed in the repository ({@code data/mnist}, checked
 * against its MD5SUMS once per JVM) and Debian's Fashion-MNIST (installed by scripts/test.sh).
 */
public final class RepositoryData {
    private RepositoryData() {
    }

    /** The repository root: the nearest directory above the working directory whose pom.xml lists the modules. */
    public static Path root() {
        Path start = Path.of("").toAbsolutePath();
        for (Path p = start; p != null; p = p.getParent()) {
            Path pom = p.resolve("pom.xml");
            try {
                if (Files.isRegularFile(pom) && Files.readString(pom).contains("<modules>")) {
                    return p;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(pom + ": " + e.getMessage(), e);
            }
        }
        throw new AssertionError("the parent pom.xml (with <modules>) not found above " + start);
    }

    /** {@code data/mnist} of the repository (the MNIST test split, data/mnist/README.md), its checksums verified. */
    public static Path mnistDir() {
        return VerifiedMnist.DIR;
    }

    /** The data spec of the MNIST test split, {@code mnist:<repository>/data/mnist:test}. */
    public static String mnistTestSpec() {
        return "mnist:" + mnistDir() + ":test";
    }

    /** Verified when first used: a holder class, so the MD5 sums are computed once per JVM. */
    private static final class VerifiedMnist {
        static final Path DIR = verify(root().resolve("data/mnist"));
    }

    private static Path verify(Path dir) {
        Path sums = dir.resolve("MD5SUMS");
        if (!Files.isRegularFile(sums)) {
            throw new AssertionError(sums + " not found (the MNIST test split belongs in the repository, see data/mnist/README.md)");
        }
        try {
            List<String> lines = Files.readAllLines(sums).stream().filter(l -> !l.isBlank()).toList();
            if (lines.size() != 2) {
                throw new AssertionError(sums + ": " + lines.size() + " lines, expected 2 (images and labels)");
            }
            for (String line : lines) {
                String[] f = line.trim().split("\\s+\\*?", 2);
                String found = Digest.hex(dir.resolve(f[1]), "MD5");
                if (!found.equalsIgnoreCase(f[0])) {
                    throw new AssertionError(dir.resolve(f[1]) + ": MD5 " + found + ", expected " + f[0] + " (from " + sums + ")");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(dir + ": " + e.getMessage(), e);
        }
        return dir;
    }

    /** Debian's dataset-fashion-mnist directory; scripts/test.sh installs the package. */
    public static Path fashionMnistDir() {
        Path p = Path.of("/usr/share/datasets/fashion-mnist");
        if (!Files.isRegularFile(p.resolve("train-images-idx3-ubyte.gz"))) {
            throw new AssertionError("Fashion-MNIST not installed at " + p + " (apt-get install dataset-fashion-mnist)");
        }
        return p;
    }
}
