package dev.tangent.experiment;

import dev.tangent.TangentException;
import dev.tangent.data.Dataset;
import dev.tangent.data.Input;
import dev.tangent.data.Normalization;
import dev.tangent.io.Libsvm;
import dev.tangent.io.Npy;
import dev.tangent.io.RunDirectory;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.memory.MemoryBudget;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** {@code tangent data}: describe a dataset, or export it for numpy and LIBSVM. */
public final class DataWorkflow {
    private DataWorkflow() {
    }

    /**
     * What {@code tangent data info} reports.
     *
     * @param classCounts target value → count when the targets take at most 100 distinct values, else null
     */
    public record Summary(String description, int n, int d, String dtype, double min, double max, double meanNorm,
                          double minNorm, double maxNorm, Map<Double, Integer> classCounts, boolean hasTargets) {
        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("data", description);
            m.put("samples", n);
            m.put("features", d);
            m.put("dtype", dtype);
            m.put("min", min);
            m.put("max", max);
            m.put("norm", Map.of("mean", meanNorm, "min", minNorm, "max", maxNorm));
            if (classCounts != null) {
                Map<String, Object> cc = new LinkedHashMap<>();
                classCounts.forEach((k, v) -> cc.put(k == Math.rint(k) ? Long.toString(k.longValue()) : k.toString(), v));
                m.put("class_counts", cc);
            }
            return m;
        }
    }

    public static Summary info(Dataset ds) {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double sumNorm = 0;
        double minNorm = Double.POSITIVE_INFINITY;
        double maxNorm = 0;
        for (int i = 0; i < ds.size(); i++) {
            double ss = 0;
            for (int j = 0; j < ds.dim(); j++) {
                double v = ds.x().get(i, j);
                min = Math.min(min, v);
                max = Math.max(max, v);
                ss += v * v;
            }
            double norm = Math.sqrt(ss);
            sumNorm += norm;
            minNorm = Math.min(minNorm, norm);
            maxNorm = Math.max(maxNorm, norm);
        }
        Map<Double, Integer> counts = null;
        if (ds.y() != null) {
            counts = new TreeMap<>();
            for (double v : ds.y()) {
                counts.merge(v, 1, Integer::sum);
                if (counts.size() > 100) {
                    counts = null;
                    break;
                }
            }
        }
        int n = ds.size();
        return new Summary(ds.description(), n, ds.dim(), ds.x().dtype().toString(), n == 0 ? 0 : min, n == 0 ? 0 : max,
                n == 0 ? 0 : sumNorm / n, n == 0 ? 0 : minNorm, maxNorm, counts, ds.y() != null);
    }

    /** Formats of {@code tangent data export}. */
    public enum Format {
        NPY, LIBSVM, LIBSVM_KERNEL;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /**
     * @param against the training set whose points are the kernel's columns (libsvm-kernel), or null for the data itself;
     *                a {@code standard} normalisation is fitted on it
     * @param spec    the kernel (libsvm-kernel only)
     */
    public record ExportRequest(Input data, Input against, Normalization norm, Format format, KernelSpec spec, Output out) {
    }

    /**
     * Writes the dataset into the output directory with run.json: {@code x.npy} (f64) and {@code y.npy} (npy),
     * {@code data.libsvm} (libsvm), or {@code kernel.libsvm}, the precomputed kernel in LIBSVM's {@code -t 4} form (rows
     * are the dataset's points, columns the points of {@code against}, so the file is what {@code svm-train -t 4}
     * (against = null) or {@code svm-predict} (a test set against the training set) reads).
     *
     * @return the exported dataset's size and dimension
     */
    public static int[] export(ExportRequest r, Context c) {
        if (r.format() != Format.LIBSVM_KERNEL && r.against() != null) {
            throw new TangentException("--against applies to --format libsvm-kernel only, not to --format " + r.format());
        }
        RunDirectory.Plan plan = Runs.check(r.out(), "data export", false);
        try (Dataset ag = r.against() == null ? null : r.against().load(DType.F64, r.norm());
             Dataset ds = r.data().load(DType.F64, r.norm(), ag == null ? null : ag.standardization())) {
            if (r.format() != Format.NPY) {
                ds.requireTargets(r.data().option(), "--format " + r.format());
            }
            if (ag != null && ag.dim() != ds.dim()) {
                throw new TangentException("--against has " + ag.dim() + " features, the data has " + ds.dim());
            }
            long cols = ag == null ? ds.size() : ag.size();
            if (r.format() == Format.LIBSVM_KERNEL) {
                MemoryBudget.require(8L * ds.size() * cols, String.format(Locale.ROOT, "the %d x %d kernel (f64)", ds.size(), cols));
            }
            // text: up to about 25 bytes per stored value
            plan.requireSpace(r.format() == Format.NPY ? 8L * ds.size() * (ds.dim() + 1) + 4096
                    : 25L * ds.size() * (r.format() == Format.LIBSVM ? ds.dim() + 1 : cols + 2), "the exported " + r.format() + " file");
            try (RunDirectory dir = Runs.open(plan, c)) {
                Map<String, Object> extra = new LinkedHashMap<>();
                switch (r.format()) {
                    case NPY -> {
                        Npy.write(dir.resolve("x.npy"), ds.x());
                        if (ds.y() != null) {
                            Npy.writeVector(dir.resolve("y.npy"), ds.y());
                        }
                    }
                    case LIBSVM -> Libsvm.write(dir.resolve("data.libsvm"), ds.x(), ds.y());
                    case LIBSVM_KERNEL -> {
                        try (Matrix k = Matrix.allocate(ds.size(), ag == null ? ds.size() : ag.size(), ds.x().dtype())) {
                            c.provider().gramInto(r.spec(), ds.x(), ag == null ? null : ag.x(), k,
                                    (d, t) -> c.reporter().progress("kernel", "blocks", d, t));
                            Libsvm.writePrecomputed(dir.resolve("kernel.libsvm"), k, ds.y());
                        }
                        extra.put("kernel", r.spec().toString());
                        extra.put("columns", ag == null ? Runs.describe(ds, r.data()) : Runs.describe(ag, r.against()));
                    }
                }
                Map<String, Object> run = new LinkedHashMap<>();
                run.put("command", "data export");
                run.put("format", r.format().toString());
                run.put("data", Runs.describe(ds, r.data()));
                run.put("summary", info(ds).toJson());
                run.putAll(extra);
                Runs.finish(dir, run, c);
                return new int[] {ds.size(), ds.dim()};
            }
        }
    }
}
