package dev.tangent.experiment;

import dev.tangent.TangentException;
import dev.tangent.data.Dataset;
import dev.tangent.compute.KernelProvider;
import dev.tangent.io.Libsvm;
import dev.tangent.io.Npy;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.Matrix;
import dev.tangent.report.Json;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
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

    /** Writes {@code x.npy}, {@code y.npy} (when there are targets) and {@code run.json} into {@code outDir}. */
    public static void exportNpy(Dataset ds, Path outDir) {
        requireDirectory(outDir);
        Npy.write(outDir.resolve("x.npy"), ds.x());
        if (ds.y() != null) {
            Npy.writeVector(outDir.resolve("y.npy"), ds.y());
        }
        writeRun(ds, outDir, "npy", ds.y() != null ? java.util.List.of("x.npy", "y.npy") : java.util.List.of("x.npy"), null);
    }

    /** Writes {@code data.libsvm} (sparse, targets required) and {@code run.json} into {@code outDir}. */
    public static void exportLibsvm(Dataset ds, Path outDir) {
        requireDirectory(outDir);
        if (ds.y() == null) {
            throw new TangentException("--format libsvm needs targets: " + ds.description() + " has none");
        }
        Libsvm.write(outDir.resolve("data.libsvm"), ds.x(), ds.y());
        writeRun(ds, outDir, "libsvm", java.util.List.of("data.libsvm"), null);
    }

    /**
     * Writes the precomputed kernel of the dataset in LIBSVM's {@code -t 4} form, {@code kernel.libsvm}: rows are the
     * dataset's points, columns the points of {@code against} (the training set; the dataset itself when null), so the
     * file is what {@code svm-train -t 4} (against = null) or {@code svm-predict} (a test set against the training set)
     * reads.
     */
    public static void exportKernel(Dataset ds, Dataset against, KernelSpec spec, KernelProvider provider, Path outDir) {
        requireDirectory(outDir);
        if (ds.y() == null) {
            throw new TangentException("--format libsvm-kernel needs targets: " + ds.description() + " has none");
        }
        if (against != null && against.dim() != ds.dim()) {
            throw new TangentException("--against has " + against.dim() + " features, the data has " + ds.dim());
        }
        try (Matrix k = Matrix.allocate(ds.size(), against == null ? ds.size() : against.size(), ds.x().dtype())) {
            provider.gramInto(spec, ds.x(), against == null ? null : against.x(), k, KernelProvider.Progress.NONE);
            Libsvm.writePrecomputed(outDir.resolve("kernel.libsvm"), k, ds.y());
        }
        writeRun(ds, outDir, "libsvm-kernel", java.util.List.of("kernel.libsvm"),
                Map.of("kernel", spec.toString(), "columns", against == null ? ds.description() : against.description()));
    }

    private static void writeRun(Dataset ds, Path outDir, String format, java.util.List<String> files, Map<String, Object> extra) {
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("command", "data export");
        run.put("format", format);
        run.put("summary", info(ds).toJson());
        if (extra != null) {
            run.putAll(extra);
        }
        run.put("files", files);
        Json.writeFile(outDir.resolve("run.json"), run);
    }

    /** Creates {@code dir} if needed; fails with one line when it cannot be a directory. */
    public static void requireDirectory(Path dir) {
        try {
            if (Files.exists(dir) && !Files.isDirectory(dir)) {
                throw new TangentException("--out " + dir + ": exists and is not a directory");
            }
            Files.createDirectories(dir);
        } catch (java.io.IOException e) {
            throw new TangentException("--out " + dir + ": cannot create directory: " + e.getMessage(), e);
        }
        if (!Files.isWritable(dir)) {
            throw new TangentException("--out " + dir + ": directory is not writable");
        }
    }
}
