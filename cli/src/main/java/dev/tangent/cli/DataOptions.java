package dev.tangent.cli;

import dev.tangent.data.DataSource;
import dev.tangent.data.Dataset;
import dev.tangent.data.Normalization;
import dev.tangent.data.Selection;
import dev.tangent.memory.DType;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The data options every command that reads a dataset shares (docs/architecture.md, "Command line"). */
final class DataOptions {
    @Option(names = "--classes", paramLabel = "A,B",
            description = "Binary task: keep classes A and B only (A -> -1, B -> +1), in the source's order.")
    String classes;

    @Option(names = "--limit", paramLabel = "N", defaultValue = "-1",
            description = "Use only the first N samples (after --classes) (default: all).")
    int limit;

    @Option(names = "--normalize", paramLabel = "none|unit|standard|sphere", converter = Converters.Norm.class,
            description = "Input normalisation (default: unit = pixels/255 for image specs, none for files). "
                    + "sphere = per-sample centring and scaling to norm sqrt(d) (paper B).")
    Normalization normalize;

    @Option(names = "--label-column", paramLabel = "NAME|INDEX",
            description = "CSV files: the target column, by header name or 0-based index (-1 = last) (default: none).")
    String labelColumn;

    DataSource source(String spec, Path labels, String option) {
        return DataSource.parse(spec, labels, labelColumn, option);
    }

    Selection selection() {
        return Selection.of(classes, limit);
    }

    Dataset load(String spec, Path labels, DType dtype, String option) {
        return source(spec, labels, option).load(dtype, selection(), normalize, option);
    }
}
