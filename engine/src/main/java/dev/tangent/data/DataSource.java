package dev.tangent.data;

import dev.tangent.TangentException;
import dev.tangent.io.Idx;
import dev.tangent.io.Npy;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A named data source, parsed from the SPEC strings every command accepts:
 * <ul>
 *   <li>{@code fashion-mnist:train|test}: Debian's {@code dataset-fashion-mnist} files (IDX, gzip);</li>
 *   <li>{@code mnist:DIR:train|test}: a user's MNIST directory with the standard IDX file names (gz or raw);</li>
 *   <li>a path to a {@code .npy} file of n × d features.</li>
 * </ul>
 */
public sealed interface DataSource {
    /** Where Debian's dataset-fashion-mnist package puts its files. */
    Path FASHION_MNIST_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    /** The source's natural normalisation: unit for images, none for arrays. */
    Normalization defaultNormalization();

    /**
     * Loads the first {@code limit} samples (all when limit &lt; 0), normalised.
     *
     * @param option the command-line option naming this source, for messages
     */
    Dataset load(DType dtype, int limit, Normalization norm, String option);

    static DataSource parse(String spec, String option) {
        if (spec == null || spec.isBlank()) {
            throw new TangentException(option + ": empty data spec, expected fashion-mnist:train|test, mnist:DIR:train|test or a .npy file");
        }
        if (spec.startsWith("fashion-mnist:")) {
            return new IdxPair("fashion-mnist", FASHION_MNIST_DIR, split(spec.substring("fashion-mnist:".length()), spec, option),
                    "install the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist)");
        }
        if (spec.startsWith("mnist:")) {
            String rest = spec.substring("mnist:".length());
            int colon = rest.lastIndexOf(':');
            if (colon <= 0) {
                throw new TangentException(option + " " + spec + ": expected mnist:DIR:train or mnist:DIR:test");
            }
            return new IdxPair("mnist", Path.of(rest.substring(0, colon)), split(rest.substring(colon + 1), spec, option),
                    "pass the directory that holds the MNIST IDX files");
        }
        Path p = Path.of(spec);
        if (spec.toLowerCase(Locale.ROOT).endsWith(".npy") || Files.exists(p)) {
            return new NpyFile(p);
        }
        throw new TangentException(option + " " + spec
                + ": unknown data spec, expected fashion-mnist:train|test, mnist:DIR:train|test or an existing .npy file");
    }

    private static boolean split(String split, String spec, String option) {
        return switch (split) {
            case "train" -> true;
            case "test" -> false;
            default -> throw new TangentException(option + " " + spec + ": split '" + split + "', expected train or test");
        };
    }

    /** A {@code .npy} feature matrix. */
    record NpyFile(Path path) implements DataSource {
        @Override
        public Normalization defaultNormalization() {
            return Normalization.NONE;
        }

        @Override
        public Dataset load(DType dtype, int limit, Normalization norm, String option) {
            Matrix x = Npy.readMatrix(path, dtype, option);
            if (limit >= 0 && limit < x.rows()) {
                Matrix cut = x.rows(0, limit).copy(dtype);
                x.close();
                x = cut;
            }
            norm.apply(x);
            return new Dataset(x, null, path + (limit >= 0 ? ", first " + x.rows() : "") + ", " + norm);
        }
    }

    /** MNIST-style IDX image and label files. */
    record IdxPair(String name, Path dir, boolean train, String hint) implements DataSource {
        @Override
        public Normalization defaultNormalization() {
            return Normalization.UNIT;
        }

        Path file(String stem) {
            Path gz = dir.resolve(stem + ".gz");
            if (Files.exists(gz)) {
                return gz;
            }
            Path raw = dir.resolve(stem);
            if (Files.exists(raw)) {
                return raw;
            }
            throw new TangentException(name + " data not found: no " + gz + " (or " + raw + "); " + hint);
        }

        @Override
        public Dataset load(DType dtype, int limit, Normalization norm, String option) {
            String prefix = train ? "train" : "t10k";
            Path images = file(prefix + "-images-idx3-ubyte");
            Path labelsFile = file(prefix + "-labels-idx1-ubyte");
            int[] labels = Idx.readLabels(labelsFile, limit);
            Matrix x = Idx.readImages(images, dtype, limit);
            if (labels.length != x.rows()) {
                x.close();
                throw new TangentException(images + ": " + x.rows() + " images but " + labelsFile + " has " + labels.length + " labels");
            }
            norm.apply(x);
            String split = train ? "train" : "test";
            return new Dataset(x, labels, name + ":" + split + (limit >= 0 ? ", first " + x.rows() : "") + ", " + norm);
        }
    }
}
