package dev.tangent.experiment;

import dev.tangent.TangentException;
import dev.tangent.io.Npy;
import dev.tangent.io.RunDirectory;
import dev.tangent.io.TempFiles;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.network.FullyConnected;
import dev.tangent.report.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A training checkpoint (the equivalence workflow's networks, fit's models): a directory that is complete or absent,
 * holding its arrays and a {@code state.json}.
 */
final class Checkpoint {
    private Checkpoint() {
    }

    /** @param key the options the checkpoint was written for (JSON, by option name) */
    record State(long step, int evaluations, String key) {
    }

    /**
     * Writes the checkpoint into a temp directory ({@link TempFiles}: removed on interrupt, reclaimed after a crash),
     * then replaces {@code dir} with it and marks it as kept by the run (an interrupted run keeps its checkpoints).
     */
    static void write(RunDirectory run, Path dir, String key, long step, int evaluations, FullyConnected net, double[] f0, double[] f0t,
                      EquivalenceWorkflow.NnTraceAccess tr) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", key);
        m.put("step", step);
        m.put("evaluations", evaluations);
        write(run, dir, m, part -> {
            net.save(part, "theta");
            Npy.writeVector(part.resolve("f0.npy"), f0);
            Npy.writeVector(part.resolve("f0t.npy"), f0t);
            Npy.writeRows(part.resolve("trace.npy"), tr.rows());
        });
    }

    /** The general form: {@code arrays} fills the temp directory, then state.json is written and the directory renamed. */
    static void write(RunDirectory run, Path dir, Map<String, Object> state, java.util.function.Consumer<Path> arrays) {
        Path part = TempFiles.createDirectory(dir);
        arrays.accept(part);
        Json.writeFile(part.resolve("state.json"), state);
        // the old checkpoint is removed under the rename's guard: an interrupt never finds neither the old nor the new one
        TempFiles.rename(part, dir, () -> delete(dir), () -> run.keep(dir));
    }

    /** A checkpoint's state.json as a map, or null when the checkpoint does not exist. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> readState(Path dir) {
        Path json = dir.resolve("state.json");
        if (!Files.isRegularFile(json)) {
            return null;
        }
        try {
            return (Map<String, Object>) Json.parse(Files.readString(json));
        } catch (IOException | RuntimeException e) {
            throw new TangentException("--resume: checkpoint " + json + " is unreadable: " + e.getMessage(), e);
        }
    }

    /** The checkpoint's state when it exists, else null. */
    static State read(Path dir) {
        Map<String, Object> m = readState(dir);
        if (m == null) {
            return null;
        }
        try {
            return new State(((Double) m.get("step")).longValue(), ((Double) m.get("evaluations")).intValue(), (String) m.get("key"));
        } catch (RuntimeException e) {
            throw new TangentException("--resume: checkpoint " + dir.resolve("state.json") + " is unreadable: " + e.getMessage(), e);
        }
    }

    /**
     * Fails unless the checkpoint's key (the options it was written with, by option name) equals this run's; the first
     * difference is named.
     */
    static void verifyKey(Path ckpt, Map<String, Object> theirs, Map<String, Object> ours) {
        for (Map.Entry<String, Object> e : ours.entrySet()) {
            Object t = theirs.get(e.getKey());
            if (!String.valueOf(e.getValue()).equals(String.valueOf(t))) {
                throw new TangentException("--resume: " + e.getKey() + " is " + e.getValue() + " here but " + t + " in the checkpoint "
                        + ckpt + "; pass the options of the interrupted run (or --overwrite to start again)");
            }
        }
    }

    static double[] vector(Path p) {
        try (Matrix m = Npy.readMatrix(p, DType.F64, "--resume")) {
            double[] v = new double[m.rows()];
            for (int i = 0; i < v.length; i++) {
                v[i] = m.get(i, 0);
            }
            return v;
        }
    }

    static void readTrace(Path dir, EquivalenceWorkflow.NnTraceAccess tr) {
        try (Matrix m = Npy.readMatrix(dir.resolve("trace.npy"), DType.F64, "--resume")) {
            double[][] rows = new double[m.rows()][];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = m.row(i);
            }
            tr.setRows(rows);
        }
    }

    static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new TangentException("cannot remove " + dir + ": " + e.getMessage(), e);
        }
    }
}
