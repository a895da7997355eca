package dev.tangent.machine;

import dev.tangent.TangentException;
import dev.tangent.compute.KernelMatrix;
import dev.tangent.compute.KernelProvider;
import dev.tangent.io.Digest;
import dev.tangent.io.Npy;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.report.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trained kernel machine g(x) = Σ_i α_i K(x, x_i) + b with the analytic kernel {@code spec}, and everything needed to
 * predict with it. Saved as a model directory: {@code model.json} (method, kernel, loss, λ or C, b, shapes and the
 * SHA-256 of every array file), {@code alpha.npy} (f64, signed), {@code x_train.npy} (f64) and {@code y_train.npy};
 * {@link #load} verifies the digests, so a corrupted or mismatched file is detected, and loads back bit-identically.
 */
public record KernelMachine(String method, KernelSpec spec, String loss, double lambda, double c, double b, double[] alpha,
                            Matrix xTrain, double[] yTrain, Map<String, Object> meta) implements AutoCloseable {
    private static final List<String> FILES = List.of("alpha.npy", "x_train.npy", "y_train.npy");

    public KernelMachine {
        if (alpha.length != xTrain.rows() || yTrain.length != xTrain.rows()) {
            throw new IllegalArgumentException("alpha, x_train and y_train sizes differ");
        }
    }

    /** Writes the model directory (created if needed); each file atomically, model.json last. */
    public void save(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new TangentException("--out " + dir + ": cannot create directory: " + e.getMessage(), e);
        }
        Npy.writeVector(dir.resolve("alpha.npy"), alpha);
        try (Matrix x64 = xTrain.copy(DType.F64)) {
            Npy.write(dir.resolve("x_train.npy"), x64);
        }
        Npy.writeVector(dir.resolve("y_train.npy"), yTrain);
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("format", "tangent-kernel-machine/1");
        m.put("method", method);
        m.put("kernel", kernelJson(spec));
        m.put("loss", loss);
        m.put("lambda", lambda);
        m.put("c", c);
        m.put("b", b);
        m.put("n_train", xTrain.rows());
        m.put("d", xTrain.cols());
        Map<String, Object> sums = new LinkedHashMap<>();
        for (String f : FILES) {
            sums.put(f, Digest.sha256(dir.resolve(f)));
        }
        m.put("sha256", sums);
        m.put("meta", meta);
        Json.writeFile(dir.resolve("model.json"), m);
    }

    /** Loads and verifies a model directory. */
    @SuppressWarnings("unchecked")
    public static KernelMachine load(Path dir) {
        Path json = dir.resolve("model.json");
        Map<String, Object> m;
        try {
            m = (Map<String, Object>) Json.parse(Files.readString(json));
        } catch (NoSuchFileException e) {
            throw new TangentException("--model " + dir + ": no model.json (not a model directory written by tangent train)");
        } catch (IOException | IllegalArgumentException | ClassCastException e) {
            throw new TangentException("--model " + json + ": unreadable: " + e.getMessage(), e);
        }
        try {
            if (!"tangent-kernel-machine/1".equals(m.get("format"))) {
                throw new TangentException("--model " + json + ": format " + m.get("format") + ", expected tangent-kernel-machine/1");
            }
            Map<String, Object> sums = (Map<String, Object>) m.get("sha256");
            for (String f : FILES) {
                Digest.verify(dir.resolve(f), (String) sums.get(f), "--model");
            }
            KernelSpec spec = kernelFromJson((Map<String, Object>) m.get("kernel"));
            double[] alpha = vector(dir.resolve("alpha.npy"));
            double[] y = vector(dir.resolve("y_train.npy"));
            Matrix x = Npy.readMatrix(dir.resolve("x_train.npy"), DType.F64, "--model");
            int n = ((Double) m.get("n_train")).intValue();
            if (x.rows() != n || alpha.length != n || y.length != n || x.cols() != ((Double) m.get("d")).intValue()) {
                x.close();
                throw new TangentException("--model " + dir + ": array shapes do not match model.json (n_train " + n + ")");
            }
            return new KernelMachine((String) m.get("method"), spec, (String) m.get("loss"), num(m.get("lambda")),
                    num(m.get("c")), num(m.get("b")), alpha, x, y, (Map<String, Object>) m.getOrDefault("meta", Map.of()));
        } catch (ClassCastException | NullPointerException e) {
            throw new TangentException("--model " + json + ": missing or mistyped field: " + e.getMessage(), e);
        }
    }

    /**
     * A kernel spec as model directories record it: the spec string, plus kind, depth and the two stds for the
     * fully-connected ReLU networks that older readers (and people) know.
     */
    public static Map<String, Object> kernelJson(KernelSpec spec) {
        Map<String, Object> k = new LinkedHashMap<>();
        k.put("spec", spec.toString());
        k.put("kind", spec.kind().toString());
        spec.fullyConnected().ifPresent(f -> {
            k.put("depth", f.depth());
            k.put("weight_std", f.weightStd());
            k.put("bias_std", f.biasStd());
        });
        return k;
    }

    /** The kernel of a model.json: its spec string, or (model directories of earlier versions) kind, depth and stds. */
    public static KernelSpec kernelFromJson(Map<String, Object> k) {
        if (k.get("spec") instanceof String s) {
            return KernelSpec.parse(s);
        }
        return KernelSpec.fc(KernelSpec.Kind.parse((String) k.get("kind")), ((Double) k.get("depth")).intValue(),
                (Double) k.get("weight_std"), (Double) k.get("bias_std"));
    }

    private static double num(Object o) {
        return o == null ? Double.NaN : (Double) o;
    }

    private static double[] vector(Path p) {
        try (Matrix v = Npy.readMatrix(p, DType.F64, "--model")) {
            if (v.cols() != 1) {
                throw new TangentException("--model " + p + ": expected a vector, found " + v.rows() + " x " + v.cols());
            }
            double[] out = new double[v.rows()];
            for (int i = 0; i < out.length; i++) {
                out[i] = v.get(i, 0);
            }
            return out;
        }
    }

    /**
     * g(x) for every row of {@code x} (features as the training data: same normalisation), computing the cross Gram in
     * blocks of rows so that memory stays O(block · n_train).
     */
    public double[] scores(KernelProvider provider, Matrix x) {
        if (x.cols() != xTrain.cols()) {
            throw new TangentException("the test data has " + x.cols() + " features, the model was trained on " + xTrain.cols());
        }
        int n = xTrain.rows();
        double[] out = new double[x.rows()];
        int block = Math.max(1, Math.min(x.rows(), (int) Math.min(4096, (256L << 20) / (8L * Math.max(1, n)))));
        try (Matrix x64 = x.dtype() == DType.F64 ? null : x.copy(DType.F64)) {
            Matrix xs = x64 == null ? x : x64;
            for (int r0 = 0; r0 < x.rows(); r0 += block) {
                int m = Math.min(block, x.rows() - r0);
                double[] g = new double[m];
                try (KernelMatrix kv = provider.gram(spec, xs.rows(r0, m), xTrain, DType.F64, KernelProvider.Progress.NONE)) {
                    kv.multiply(alpha, g);
                }
                for (int i = 0; i < m; i++) {
                    out[r0 + i] = g[i] + b;
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        xTrain.close();
    }
}
