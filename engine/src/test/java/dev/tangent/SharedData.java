package dev.tangent;

import java.nio.file.Files;
import java.nio.file.Path;

/** Locates the data the tests read: the shared MNIST test split and Debian's Fashion-MNIST. */
public final class SharedData {
    private SharedData() {
    }

    /** The directory holding the MNIST test split (shared/data/mnist beside the checkout), found by walking up. */
    public static Path mnistDir() {
        Path p = Path.of("").toAbsolutePath();
        for (; p != null; p = p.getParent()) {
            Path c = p.resolve("shared/data/mnist");
            if (Files.isRegularFile(c.resolve("t10k-images-idx3-ubyte.gz"))) {
                return c;
            }
        }
        throw new AssertionError("shared/data/mnist (the MNIST test split) not found above " + Path.of("").toAbsolutePath());
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
