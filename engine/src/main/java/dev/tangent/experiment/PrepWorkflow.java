package dev.tangent.experiment;

import dev.tangent.TangentException;
import dev.tangent.data.DataSource;
import dev.tangent.data.Dataset;
import dev.tangent.data.Normalization;
import dev.tangent.data.Selection;
import dev.tangent.data.rng.NumpyRandom;
import dev.tangent.data.synth.SpikedCovariates;
import dev.tangent.data.transform.FrequencyNoise;
import dev.tangent.io.Npy;
import dev.tangent.io.RunDirectory;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code tangent data prep}: paper B's datasets (spec §7.2, workflows B1/B2) written as {@code X.npy}, {@code Y.npy},
 * {@code Xt.npy}, {@code Yt.npy} (float32; Y as n × 1) and run.json:
 * <ul>
 *   <li>{@code fmnist-hf}: Fashion-MNIST with high-frequency DCT noise at τ = linspace(0, 3, 15)[k];</li>
 *   <li>{@code fmnist-lf}: Fashion-MNIST with the k×k low-frequency DCT block replaced by covariance-matched noise,
 *       k = arange(1, 28, 2)[index];</li>
 *   <li>{@code synth}: the spiked-covariates data, κ = linspace(0, 1, 10, endpoint=False)[index].</li>
 * </ul>
 * Noise is drawn from numpy's legacy RandomState seeded with 2048, train set first (the reference's order).
 */
public final class PrepWorkflow {
    private PrepWorkflow() {
    }

    public enum Kind { FMNIST_HF, FMNIST_LF, SYNTH }

    public static Kind parseKind(String s) {
        return switch (s.toLowerCase(Locale.ROOT)) {
            case "fmnist-hf", "fmnist" -> Kind.FMNIST_HF;
            case "fmnist-lf", "nfmnist" -> Kind.FMNIST_LF;
            case "synth" -> Kind.SYNTH;
            default -> throw new TangentException("--dataset " + s + ": expected fmnist-hf, fmnist-lf or synth");
        };
    }

    /** @param n training samples (limit for Fashion-MNIST, size for synth; −1 = the paper's) */
    public record Request(Kind kind, int noiseIndex, int n, int nTest, Output out) {
        public Request {
            if (n == 0 || n < -1 || nTest == 0 || nTest < -1) {
                throw new TangentException("--n and --n-test must be positive, found " + n + " and " + nTest);
            }
        }
    }

    public record Result(int n, int nTest, int d, Map<String, Object> parameters) {
    }

    public static Result run(Request r, Context c) {
        switch (r.kind()) {
            case FMNIST_HF -> FrequencyNoise.tau(r.noiseIndex());
            case FMNIST_LF -> FrequencyNoise.threshold(r.noiseIndex());
            case SYNTH -> {
                if (r.noiseIndex() < 0 || r.noiseIndex() >= SpikedCovariates.KAPPA_LEVELS) {
                    throw new TangentException("--noise-index " + r.noiseIndex() + ": the spiked-covariates data have levels 0.."
                            + (SpikedCovariates.KAPPA_LEVELS - 1) + " (kappa = index/10)");
                }
            }
        }
        RunDirectory.Plan plan = Runs.check(r.out(), "data prep", false);
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("dataset", r.kind().toString().toLowerCase(Locale.ROOT).replace('_', '-'));
        params.put("noise_index", r.noiseIndex());
        Result res;
        if (r.kind() == Kind.SYNTH) {
            int n = r.n() < 0 ? SpikedCovariates.N_TRAIN : r.n();
            int nt = r.nTest() < 0 ? SpikedCovariates.N_TEST : r.nTest();
            try (SpikedCovariates.Data data = SpikedCovariates.generate(SpikedCovariates.D, SpikedCovariates.ETA, n, nt, r.noiseIndex())) {
                params.put("kappa", data.kappa());
                params.put("radius", data.radius());
                params.put("signal_dim", data.signalDim());
                // an ordered map: Map.of's iteration order changes from JVM to JVM, and a sweep's job must write the same
                // bytes on every executor
                Map<String, Object> seeds = new LinkedHashMap<>();
                seeds.put("train", SpikedCovariates.TRAIN_SEED);
                seeds.put("test", SpikedCovariates.TEST_SEED);
                seeds.put("target", SpikedCovariates.TARGET_SEED);
                params.put("seeds", seeds);
                res = new Result(n, nt, data.x().cols(), params);
                write(plan, c, res, data.x(), data.y(), data.xTest(), data.yTest());
            }
        } else {
            Selection sel = new Selection(null, null, r.n());
            Selection selTest = new Selection(null, null, r.nTest());
            try (Dataset train = DataSource.parse("fashion-mnist:train", "--dataset").load(DType.F64, sel, Normalization.NONE, "--dataset");
                 Dataset test = DataSource.parse("fashion-mnist:test", "--dataset").load(DType.F64, selTest, Normalization.NONE, "--dataset")) {
                NumpyRandom rng = new NumpyRandom(2048);
                if (r.kind() == Kind.FMNIST_HF) {
                    double tau = FrequencyNoise.tau(r.noiseIndex());
                    params.put("tau", tau);
                    params.put("mask_size", count(FrequencyNoise.highFrequencyMask(28)));
                    FrequencyNoise.addHighFrequencyNoise(train.x(), 28, tau, rng);
                    FrequencyNoise.addHighFrequencyNoise(test.x(), 28, tau, rng);
                } else {
                    int k = FrequencyNoise.threshold(r.noiseIndex());
                    params.put("threshold", k);
                    try (FrequencyNoise.LowFrequencyModel m = FrequencyNoise.fitLowFrequencyModel(train.x(), 28, c.backend())) {
                        params.put("clamped_eigenvalues", m.clampedEigenvalues());
                        params.put("most_negative_eigenvalue", m.mostNegativeEigenvalue());
                        FrequencyNoise.replaceLowFrequencies(train.x(), m, k, rng, c.backend());
                        FrequencyNoise.replaceLowFrequencies(test.x(), m, k, rng, c.backend());
                    }
                }
                params.put("seed", 2048);
                params.put("train", train.description());
                params.put("test", test.description());
                res = new Result(train.size(), test.size(), train.dim(), params);
                write(plan, c, res, train.x(), train.y(), test.x(), test.y());
            }
        }
        return res;
    }

    private static int count(boolean[] mask) {
        int c = 0;
        for (boolean b : mask) {
            c += b ? 1 : 0;
        }
        return c;
    }

    private static void write(RunDirectory.Plan plan, Context c, Result res, Matrix x, double[] y, Matrix xt, double[] yt) {
        plan.requireSpace(4L * ((long) x.rows() * (x.cols() + 1) + (long) xt.rows() * (xt.cols() + 1)) + (1 << 16), "X.npy, Xt.npy, Y.npy, Yt.npy");
        try (RunDirectory dir = Runs.open(plan, c)) {
            writeF32(dir.resolve("X.npy"), x);
            writeF32(dir.resolve("Xt.npy"), xt);
            writeColumn(dir.resolve("Y.npy"), y);
            writeColumn(dir.resolve("Yt.npy"), yt);
            Map<String, Object> run = new LinkedHashMap<>();
            run.put("command", "data prep");
            run.putAll(res.parameters());
            run.put("n_train", res.n());
            run.put("n_test", res.nTest());
            run.put("d", res.d());
            Runs.finish(dir, run, c);
        }
    }

    private static void writeF32(Path p, Matrix x) {
        if (x.dtype() == DType.F32) {
            Npy.write(p, x);
            return;
        }
        try (Matrix f = x.copy(DType.F32)) {
            Npy.write(p, f);
        }
    }

    private static void writeColumn(Path p, double[] y) {
        try (Matrix m = Matrix.allocate(y.length, 1, DType.F32)) {
            for (int i = 0; i < y.length; i++) {
                m.set(i, 0, y[i]);
            }
            Npy.write(p, m);
        }
    }
}
