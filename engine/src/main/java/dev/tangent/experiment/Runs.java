package dev.tangent.experiment;

import dev.tangent.TangentException;
import dev.tangent.data.Dataset;
import dev.tangent.data.Input;
import dev.tangent.data.Normalization;
import dev.tangent.data.Selection;
import dev.tangent.data.Standardization;
import dev.tangent.io.Digest;
import dev.tangent.io.RunDirectory;
import dev.tangent.compute.KernelMatrix;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.Matrix;
import dev.tangent.network.NetworkModel;
import dev.tangent.report.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The steps every workflow shares around its own work: check the output directory (creating nothing), open it once
 * every other check has passed, write run.json with the {@link Provenance} and the list of files, and record in model
 * directories the data options that predict and certify must reuse.
 */
final class Runs {
    private Runs() {
    }

    /** Inspects {@code --out} for a run of {@code command}; creates nothing. */
    static RunDirectory.Plan check(Output out, String command, boolean canResume) {
        if (out.mode() == RunDirectory.Mode.RESUME && !canResume) {
            throw new TangentException("--resume applies to tangent equivalence and tangent fit only, not to tangent " + command);
        }
        return RunDirectory.check(out.path(), out.mode(), "--out", command, canResume);
    }

    /** Creates and takes the output directory; notes (stale files reclaimed) go to the reporter. */
    static RunDirectory open(RunDirectory.Plan plan, Context c) {
        return plan.open(c.reporter()::note);
    }

    /** Writes run.json (the workflow's fields, then the provenance and the files written) and completes the run. */
    static void finish(RunDirectory dir, Map<String, Object> run, Context c) {
        Map<String, Object> all = new LinkedHashMap<>(run);
        all.putAll(c.provenance().toJson());
        List<String> files = new ArrayList<>(dir.files());
        files.add("run.json");
        all.put("files", files);
        Json.writeFile(dir.resolve("run.json"), all);
        dir.commit();
    }

    /** K(X, Y) (y null: K(X, X)) in the provider, in X's dtype, its progress reported under {@code phase}. */
    static KernelMatrix gram(Context c, String phase, KernelSpec spec, Matrix x, Matrix y) {
        return c.provider().gram(spec, x, y, x.dtype(), (d, t) -> c.reporter().progress(phase, "blocks", d, t));
    }

    /** How a data input was selected and how many samples it gave, for run.json. */
    static Map<String, Object> describe(Dataset ds, Input in) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("spec", in.source().spec());
        m.put("classes", in.selection().classes());
        m.put("limit", in.selection().limit() > 0 ? in.selection().limit() : null);
        m.put("n", ds.size());
        m.put("d", ds.dim());
        m.put("normalize", ds.normalization().toString());
        m.put("description", ds.description());
        return m;
    }

    /**
     * The data options a model directory records for predict and certify: the class pair, the normalisation used and,
     * for {@code standard}, the training statistics ({@code standardize.npy}, written into {@code modelDir} here, with
     * its digest).
     */
    static Map<String, Object> modelData(Dataset train, Input in, Path modelDir) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("train", train.description());
        m.put("classes", in.selection().classes());
        m.put("normalize", train.normalization().toString());
        if (train.standardization() != null) {
            try {
                Files.createDirectories(modelDir);
            } catch (IOException e) {
                throw new TangentException("--out " + modelDir + ": cannot create directory: " + e.getMessage(), e);
            }
            train.standardization().save(modelDir);
            m.put("standardize_sha256", Digest.sha256(modelDir.resolve(Standardization.FILE)));
        }
        return m;
    }

    /** The data options recorded in a model directory (see {@link #modelData}). */
    record ModelData(String classes, Normalization normalize, Standardization standardization) {
        /** The class pair of {@code given}, or the model's when none was given; a different pair is an error. */
        Selection selection(Selection given, Path model) {
            String g = given.classes();
            if (g != null && classes != null && !g.equals(classes)) {
                throw new TangentException("--classes " + g + ": the model in " + model + " was trained with --classes " + classes
                        + " (the first class is -1); pass the same pair or leave --classes out");
            }
            if (g == null && classes != null) {
                return Selection.of(classes, given.limit());
            }
            return given;
        }

        /** The normalisation of {@code given}, or the model's when none was given; a different one is an error. */
        Normalization normalization(Normalization given, Path model) {
            if (given != null && normalize != null && given != normalize) {
                throw new TangentException("--normalize " + given + ": the model in " + model + " was trained with --normalize "
                        + normalize + "; pass the same value or leave --normalize out");
            }
            return given != null ? given : normalize;
        }
    }

    /** Reads the data options of a model directory (older models: only the normalisation, when it was recorded). */
    @SuppressWarnings("unchecked")
    static ModelData modelData(Path model) {
        Map<String, Object> json = NetworkModel.readJson(model);
        Object metaObj = json.get("meta");
        Map<String, Object> meta = metaObj instanceof Map<?, ?> mm ? (Map<String, Object>) mm : Map.of();
        Object dataObj = meta.get("data");
        Map<String, Object> data = dataObj instanceof Map<?, ?> dm ? (Map<String, Object>) dm : meta;
        String classes = data.get("classes") instanceof String s ? s : null;
        Normalization norm = null;
        if (data.get("normalize") instanceof String s && !s.equals("default")) {
            try {
                norm = Normalization.parse(s);
            } catch (IllegalArgumentException e) {
                throw new TangentException("--model " + model.resolve("model.json") + ": normalize '" + s + "': " + e.getMessage());
            }
        }
        Standardization st = null;
        if (norm == Normalization.STANDARD) {
            Object sum = data.get("standardize_sha256");
            if (!(sum instanceof String s)) {
                throw new TangentException("--model " + model + ": trained with --normalize standard but holds no "
                        + Standardization.FILE + " (training statistics); retrain it with this version");
            }
            Digest.verify(model.resolve(Standardization.FILE), s, "--model");
            st = Standardization.load(model, "--model");
        }
        return new ModelData(classes, norm, st);
    }
}
