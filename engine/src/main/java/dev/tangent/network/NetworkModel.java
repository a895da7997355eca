package dev.tangent.network;

import dev.tangent.TangentException;
import dev.tangent.io.Digest;
import dev.tangent.memory.DType;
import dev.tangent.report.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained network together with its initialisation, the pair that defines the centred model
 * g(x) = f_θ(x) − f_θ₀(x) (spec §3.1: θ₀ must be kept forever). Saved as a model directory: {@code model.json}
 * (format tangent-network/1, shapes, dtype, training metadata and the SHA-256 of every array) and
 * {@code theta_layer<k>.npy}, {@code theta0_layer<k>.npy}; {@link #load} verifies the digests.
 */
public record NetworkModel(FullyConnected theta, FullyConnected theta0, Map<String, Object> meta) implements AutoCloseable {
    public static final String FORMAT = "tangent-network/1";

    /** Writes the directory (created if needed), each array atomically, model.json last. */
    public void save(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new TangentException("--out " + dir + ": cannot create directory: " + e.getMessage(), e);
        }
        theta.save(dir, "theta");
        theta0.save(dir, "theta0");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", FORMAT);
        m.put("d", theta.inputDim());
        m.put("width", theta.width());
        m.put("depth", theta.depth());
        m.put("dtype", theta.dtype().toString());
        Map<String, Object> sums = new LinkedHashMap<>();
        for (String f : files(theta.depth())) {
            sums.put(f, Digest.sha256(dir.resolve(f)));
        }
        m.put("sha256", sums);
        m.put("meta", meta);
        Json.writeFile(dir.resolve("model.json"), m);
    }

    private static List<String> files(int depth) {
        List<String> fs = new ArrayList<>();
        for (String p : new String[] {"theta", "theta0"}) {
            for (int k = 0; k <= depth; k++) {
                fs.add(p + "_layer" + k + ".npy");
            }
        }
        return fs;
    }

    /** Reads the format field of a model directory's model.json (a kernel machine or a network). */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> readJson(Path dir) {
        Path json = dir.resolve("model.json");
        try {
            return (Map<String, Object>) Json.parse(Files.readString(json));
        } catch (NoSuchFileException e) {
            throw new TangentException("--model " + dir + ": no model.json (not a model directory written by tangent train or "
                    + "tangent equivalence)");
        } catch (IOException | IllegalArgumentException | ClassCastException e) {
            throw new TangentException("--model " + json + ": unreadable: " + e.getMessage(), e);
        }
    }

    /** Loads and verifies a network model directory. */
    @SuppressWarnings("unchecked")
    public static NetworkModel load(Path dir) {
        Map<String, Object> m = readJson(dir);
        Path json = dir.resolve("model.json");
        try {
            if (!FORMAT.equals(m.get("format"))) {
                throw new TangentException("--model " + json + ": format " + m.get("format") + ", expected " + FORMAT);
            }
            int depth = ((Double) m.get("depth")).intValue();
            int width = ((Double) m.get("width")).intValue();
            int d = ((Double) m.get("d")).intValue();
            DType dtype = DType.parse((String) m.get("dtype"));
            Map<String, Object> sums = (Map<String, Object>) m.get("sha256");
            for (String f : files(depth)) {
                Digest.verify(dir.resolve(f), (String) sums.get(f), "--model");
            }
            FullyConnected theta = FullyConnected.load(dir, "theta", depth, dtype);
            try {
                FullyConnected theta0 = FullyConnected.load(dir, "theta0", depth, dtype);
                if (theta.width() != width || theta.inputDim() != d || theta0.width() != width || theta0.inputDim() != d) {
                    theta0.close();
                    throw new TangentException("--model " + dir + ": weight shapes do not match model.json (d " + d + ", width "
                            + width + ")");
                }
                return new NetworkModel(theta, theta0, (Map<String, Object>) m.getOrDefault("meta", Map.of()));
            } catch (RuntimeException e) {
                theta.close();
                throw e;
            }
        } catch (ClassCastException | NullPointerException e) {
            throw new TangentException("--model " + json + ": missing or mistyped field: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        theta.close();
        theta0.close();
    }
}
