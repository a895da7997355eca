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

/** A network's training checkpoint in the equivalence workflow: a directory that is complete or absent. */
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
        Path part = TempFiles.createDirectory(dir);
        net.save(part, "theta");
        Npy.writeVector(part.resolve("f0.npy"), f0);
        Npy.writeVector(part.resolve("f0t.npy"), f0t);
        Npy.writeRows(part.resolve("trace.npy"), tr.rows());
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("key", key);
        m.put("step", step);
        m.put("evaluations", evaluations);
        Json.writeFile(part.resolve("state.json"), m);
        delete(dir);
        TempFiles.rename(part, dir, () -> run.keep(dir));
    }

    /** The checkpoint's state when it exists, else null. */
    @SuppressWarnings("unchecked")
    static State read(Path dir) {
        Path json = dir.resolve("state.json");
        if (!Files.isRegularFile(json)) {
            return null;
        }
        try {
            Map<String, Object> m = (Map<String, Object>) Json.parse(Files.readString(json));
            return new State(((Double) m.get("step")).longValue(), ((Double) m.get("evaluations")).intValue(), (String) m.get("key"));
        } catch (IOException | RuntimeException e) {
            throw new TangentException("--resume: checkpoint " + json + " is unreadable: " + e.getMessage(), e);
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
