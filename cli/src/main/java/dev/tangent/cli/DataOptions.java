package dev.tangent.cli;

import dev.tangent.TangentException;
import dev.tangent.data.DataSource;
import dev.tangent.data.Input;
import dev.tangent.data.Normalization;
import dev.tangent.data.Selection;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The data options every command that reads a dataset shares (docs/architecture.md, "Command line"): the class pair,
 * the limit for every data input (each input also has its own, e.g. --train-limit), the normalisation and the CSV
 * target column.
 */
final class DataOptions {
    @Option(names = "--classes", paramLabel = "A,B",
            description = "Binary task: keep classes A and B only (A -> -1, B -> +1), in the source's order.")
    String classes;

    @Option(names = "--limit", paramLabel = "N",
            description = "Use only the first N samples (after --classes) of every data input; an input's own limit "
                    + "(--train-limit, --test-limit, ...) wins (default: all).")
    Integer limit;

    @Option(names = "--normalize", paramLabel = "NORM", converter = Converters.Norms.class, completionCandidates = Converters.Norms.class,
            description = "Input normalisation, one of ${COMPLETION-CANDIDATES} (default: unit = pixels/255 for image specs, none "
                    + "for files). mnist = unit, then (p - 0.1307)/0.3081 (paper A's normalize: True); standard = per feature, "
                    + "with the training set's mean and deviation; sphere = per sample, centred and scaled to norm sqrt(d) (paper B).")
    Normalization normalize;

    @Option(names = "--label-column", paramLabel = "COLUMN",
            description = "CSV/TSV data: the target column, by header name or 0-based index (-1 = last) (default: none).")
    String labelColumn;

    /** A data input: the spec, its labels file, its own limit (null: --limit, else all) and the option naming it. */
    Input input(String spec, Path labels, Integer ownLimit, String option, String limitOption) {
        Integer n = ownLimit != null ? ownLimit : limit;
        String which = ownLimit != null ? limitOption : "--limit";
        if (n != null && n < 1) {
            throw new TangentException(which + " must be a positive number of samples, found " + n);
        }
        return new Input(DataSource.parse(spec, labels, labelColumn, option), Selection.of(classes, n == null ? -1 : n), option);
    }

    /**
     * Fails when an option of this group has no effect: --label-column without a CSV/TSV input, or --limit when every
     * input has its own limit.
     *
     * @param specs       the data specs of the command's inputs (null entries: absent inputs)
     * @param ownLimits   whether each input's own limit option was given
     * @param limitNames  the inputs' own limit options, for the message
     */
    void checkEffective(List<String> specs, boolean[] ownLimits, String... limitNames) {
        if (labelColumn != null) {
            boolean csv = false;
            for (String s : specs) {
                String l = s == null ? "" : s.toLowerCase(Locale.ROOT);
                csv |= l.endsWith(".csv") || l.endsWith(".tsv");
            }
            if (!csv) {
                throw new TangentException("--label-column applies to CSV/TSV data only; no data input here is a .csv or .tsv file");
            }
        }
        if (limit != null && ownLimits.length > 0) {
            boolean all = true;
            List<String> present = new ArrayList<>();
            for (int i = 0; i < ownLimits.length; i++) {
                if (specs.get(i) != null) {
                    all &= ownLimits[i];
                    present.add(limitNames[i]);
                }
            }
            if (all && !present.isEmpty()) {
                throw new TangentException("--limit has no effect: " + String.join(" and ", present) + (present.size() == 1 ? " is" : " are")
                        + " given too");
            }
        }
    }
}
