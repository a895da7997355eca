package dev.tangent.data;

import dev.tangent.TangentException;
import dev.tangent.io.Csv;
import dev.tangent.io.Idx;
import dev.tangent.io.Libsvm;
import dev.tangent.io.LabeledMatrix;
import dev.tangent.io.Npy;
import dev.tangent.memory.Checks;
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
 *   <li>a path to a {@code .npy} file of n × d features, with targets from a separate {@code .npy} if given;</li>
 *   <li>a {@code .csv}/{@code .tsv} file (header detected; the target column chosen by name or index, else none);</li>
 *   <li>a LIBSVM file: {@code libsvm:PATH}, or any other existing file.</li>
 * </ul>
 * {@link #load} applies a {@link Selection} (class pair, limit) and a {@link Normalization}.
 */
public sealed interface DataSource {
    /** Where Debian's dataset-fashion-mnist package puts its files. */
    Path FASHION_MNIST_DIR = Path.of("/usr/share/datasets/fashion-mnist");

    /** The source's natural normalisation: unit for images, none for arrays. */
    Normalization defaultNormalization();

    /** The spec as given, for descriptions. */
    String spec();

    /** Reads the selected samples (features as stored) and their raw targets (null when the source has none). */
    LabeledMatrix read(DType dtype, Selection sel, String option);

    /**
     * Loads the selected samples, checked (at least one sample and one feature; features and targets finite: a NaN or
     * infinity is a one-line error naming the first one) and normalised; with a class pair the targets become ±1.
     * {@code standard} is fitted on these samples (a training set).
     *
     * @param norm   the normalisation, or null for the source's default
     * @param option the command-line option naming this source, for messages
     */
    default Dataset load(DType dtype, Selection sel, Normalization norm, String option) {
        return load(dtype, sel, norm, null, option);
    }

    /**
     * As {@link #load(DType, Selection, Normalization, String)}, with {@code standard} applying the given training
     * statistics (null: fit them on these samples).
     */
    default Dataset load(DType dtype, Selection sel, Normalization norm, Standardization fitted, String option) {
        Normalization nz = norm == null ? defaultNormalization() : norm;
        LabeledMatrix lm = read(dtype, sel, option);
        try {
            Matrix x = lm.x();
            String what = sel.describe(x.rows());
            String description = spec() + (what.isEmpty() ? "" : ", " + what) + ", " + nz;
            if (x.rows() == 0) {
                throw new TangentException(option + " " + description + ": no samples, expected at least one row");
            }
            if (x.cols() == 0) {
                throw new TangentException(option + " " + spec() + ": shape (" + x.rows() + ", 0), no features; expected at least one column");
            }
            double[] y = lm.y();
            if (y != null) {
                for (int i = 0; i < y.length; i++) {
                    if (!Double.isFinite(y[i])) {
                        throw new TangentException(labelsOrigin(option) + ": target " + y[i] + " at row " + i + "; expected finite targets");
                    }
                }
            }
            if (sel.filtersClasses()) {
                y = y.clone();
                for (int i = 0; i < y.length; i++) {
                    y[i] = sel.target(y[i]);
                }
            }
            Checks.requireFinite(x, option + " " + description);
            Standardization st = null;
            if (nz == Normalization.STANDARD) {
                st = fitted != null ? fitted : Standardization.fit(x);
                st.apply(x);
            } else {
                nz.applyPerSample(x);
            }
            return new Dataset(x, y, description, nz, st);
        } catch (RuntimeException e) {
            lm.close();
            throw e;
        }
    }

    /** Where this source's targets come from, for messages (e.g. "--train-labels y.npy"). */
    default String labelsOrigin(String option) {
        return option + " " + spec() + " (targets)";
    }

    /** The labels option that belongs to a source option: --train → --train-labels, a positional SPEC → --labels. */
    static String labelsOption(String option) {
        return option.startsWith("--") && !option.equals("--x") && !option.equals("--x2") ? option + "-labels" : "--labels";
    }

    /**
     * Parses a SPEC.
     *
     * @param labels a {@code .npy} of targets for an {@code .npy} SPEC, or null
     */
    static DataSource parse(String spec, Path labels, String option) {
        return parse(spec, labels, null, option);
    }

    /**
     * Parses a SPEC.
     *
     * @param labels      a {@code .npy} of targets for an {@code .npy} SPEC, or null
     * @param labelColumn the target column of a CSV SPEC (a header name or a 0-based index, −1 = last), or null
     */
    static DataSource parse(String spec, Path labels, String labelColumn, String option) {
        if (spec == null || spec.isBlank()) {
            throw new TangentException(option + ": empty data spec, expected fashion-mnist:train|test, mnist:DIR:train|test or a .npy file");
        }
        if (labels != null && !spec.toLowerCase(Locale.ROOT).endsWith(".npy") && !dev.tangent.io.GramShards.isShardDirectory(Path.of(spec))) {
            throw new TangentException(labelsOption(option) + " " + labels + ": applies to a .npy " + option + " only; " + spec
                    + " carries its own targets");
        }
        if (spec.startsWith("fashion-mnist:")) {
            return new IdxPair(spec, "fashion-mnist", FASHION_MNIST_DIR, split(spec.substring("fashion-mnist:".length()), spec, option),
                    "install the Debian package dataset-fashion-mnist (apt-get install dataset-fashion-mnist)");
        }
        if (spec.startsWith("mnist:")) {
            String rest = spec.substring("mnist:".length());
            int colon = rest.lastIndexOf(':');
            if (colon <= 0) {
                throw new TangentException(option + " " + spec + ": expected mnist:DIR:train or mnist:DIR:test");
            }
            return new IdxPair(spec, "mnist", Path.of(rest.substring(0, colon)), split(rest.substring(colon + 1), spec, option),
                    "pass the directory that holds the MNIST IDX files");
        }
        if (spec.startsWith("libsvm:")) {
            return new LibsvmFile(spec, Path.of(spec.substring("libsvm:".length())));
        }
        Path p = Path.of(spec);
        String lower = spec.toLowerCase(Locale.ROOT);
        if (lower.endsWith(".npy") || dev.tangent.io.GramShards.isShardDirectory(p)) { // a block Gram's directory reads as one .npy
            return new NpyFile(spec, p, labels);
        }
        if (lower.endsWith(".csv") || lower.endsWith(".tsv")) {
            Csv.Options o = Csv.Options.defaults().withDelimiter(lower.endsWith(".tsv") ? '\t' : ',');
            if (labelColumn != null && !labelColumn.isBlank()) {
                try {
                    o = o.withLabel(Integer.parseInt(labelColumn.trim()));
                } catch (NumberFormatException e) {
                    o = o.withLabel(labelColumn.trim());
                }
            }
            return new CsvFile(spec, p, o);
        }
        if (!Files.exists(p)) {
            throw new TangentException(option + " " + spec + ": no such file, and not a data spec (expected "
                    + "fashion-mnist:train|test, mnist:DIR:train|test, libsvm:FILE or a .npy/.csv file)");
        }
        return new LibsvmFile(spec, p);
    }

    static DataSource parse(String spec, String option) {
        return parse(spec, null, option);
    }

    private static boolean split(String split, String spec, String option) {
        return switch (split) {
            case "train" -> true;
            case "test" -> false;
            default -> throw new TangentException(option + " " + spec + ": split '" + split + "', expected train or test");
        };
    }

    /** Copies the selected rows of a fully read matrix (and targets) into new, owned storage. */
    private static LabeledMatrix select(LabeledMatrix all, int[] rows) {
        if (rows.length == all.x().rows()) {
            return all;
        }
        Matrix x = Matrix.allocate(rows.length, all.x().cols(), all.x().dtype());
        double[] y = all.y() == null ? null : new double[rows.length];
        for (int k = 0; k < rows.length; k++) {
            all.x().rows(rows[k], 1).copyInto(x.rows(k, 1));
            if (y != null) {
                y[k] = all.y()[rows[k]];
            }
        }
        all.close();
        return new LabeledMatrix(x, y);
    }

    /** A {@code .npy} feature matrix and optionally a {@code .npy} of targets (1-D or n × 1). */
    record NpyFile(String spec, Path path, Path labels) implements DataSource {
        @Override
        public Normalization defaultNormalization() {
            return Normalization.NONE;
        }

        @Override
        public String labelsOrigin(String option) {
            return labels == null ? option + " " + path : labelsOption(option) + " " + labels;
        }

        @Override
        public LabeledMatrix read(DType dtype, Selection sel, String option) {
            Npy.Header h = Npy.readHeader(path);
            if (h.shape().length != 2) {
                throw new TangentException(option + " " + path + ": " + h.shape().length + "-D array of shape " + h.shapeString()
                        + ", expected a 2-D array (samples x features)" + (h.shape().length == 1 ? "; for one feature, save x.reshape(-1, 1)" : ""));
            }
            if (h.shape()[1] == 0) {
                throw new TangentException(option + " " + path + ": shape " + h.shapeString() + ", no features; expected at least one column");
            }
            double[] y = null;
            if (labels != null) {
                try (Matrix l = Npy.readMatrix(labels, DType.F64, labelsOption(option))) {
                    if (l.cols() != 1) {
                        throw new TangentException(labelsOption(option) + " " + labels + ": labels of shape (" + l.rows() + ", " + l.cols()
                                + "), expected one target per sample (n or n x 1)");
                    }
                    y = new double[l.rows()];
                    for (int i = 0; i < y.length; i++) {
                        y[i] = l.get(i, 0);
                    }
                }
            } else if (sel.filtersClasses()) {
                throw new TangentException(option + " " + path + ": --classes needs labels; pass the targets .npy with "
                        + labelsOption(option));
            }
            Matrix x = Npy.readMatrix(path, dtype, option);
            if (y != null && y.length != x.rows()) {
                x.close();
                throw new TangentException(labelsOption(option) + " " + labels + ": " + y.length + " labels for the " + x.rows()
                        + " samples of " + path);
            }
            double[] ids = y != null ? y : new double[x.rows()];
            LabeledMatrix all = new LabeledMatrix(x, y);
            try {
                return select(all, sel.rows(ids, path.toString()));
            } catch (RuntimeException e) {
                all.close();
                throw e;
            }
        }
    }

    /** A LIBSVM text file (sparse features, one label per line). */
    record LibsvmFile(String spec, Path path) implements DataSource {
        @Override
        public Normalization defaultNormalization() {
            return Normalization.NONE;
        }

        @Override
        public LabeledMatrix read(DType dtype, Selection sel, String option) {
            LabeledMatrix all = Libsvm.read(path, dtype, option);
            try {
                return select(all, sel.rows(all.y(), path.toString()));
            } catch (RuntimeException e) {
                all.close();
                throw e;
            }
        }
    }

    /** A CSV (or TSV) file with an optional target column. */
    record CsvFile(String spec, Path path, Csv.Options options) implements DataSource {
        @Override
        public Normalization defaultNormalization() {
            return Normalization.NONE;
        }

        @Override
        public LabeledMatrix read(DType dtype, Selection sel, String option) {
            LabeledMatrix all = Csv.read(path, dtype, options, option);
            if (all.y() == null && sel.filtersClasses()) {
                all.close();
                throw new TangentException(option + " " + path + ": --classes needs a target column (--label-column)");
            }
            try {
                return select(all, sel.rows(all.y() != null ? all.y() : new double[all.x().rows()], path.toString()));
            } catch (RuntimeException e) {
                all.close();
                throw e;
            }
        }
    }

    /** MNIST-style IDX image and label files. */
    record IdxPair(String spec, String name, Path dir, boolean train, String hint) implements DataSource {
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
        public LabeledMatrix read(DType dtype, Selection sel, String option) {
            String prefix = train ? "train" : "t10k";
            Path images = file(prefix + "-images-idx3-ubyte");
            Path labelsFile = file(prefix + "-labels-idx1-ubyte");
            int[] ids = Idx.readLabels(labelsFile, -1);
            int nImages = Idx.countImages(images);
            if (nImages != ids.length) {
                throw new TangentException(images + ": header says " + nImages + " images but " + labelsFile + " has "
                        + ids.length + " labels; expected one label per image");
            }
            double[] all = new double[ids.length];
            for (int i = 0; i < ids.length; i++) {
                all[i] = ids[i];
            }
            int[] rows = sel.rows(all, spec);
            Matrix x = sel.filtersClasses() ? Idx.readImages(images, dtype, rows) : Idx.readImages(images, dtype, rows.length);
            double[] y = new double[rows.length];
            for (int k = 0; k < rows.length; k++) {
                y[k] = all[rows[k]];
            }
            return new LabeledMatrix(x, y);
        }
    }
}
