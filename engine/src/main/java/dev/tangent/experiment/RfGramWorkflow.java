package dev.tangent.experiment;

import dev.tangent.TangentException;
import dev.tangent.data.Dataset;
import dev.tangent.data.Input;
import dev.tangent.data.Normalization;
import dev.tangent.io.Npy;
import dev.tangent.io.RunDirectory;
import dev.tangent.memory.DType;
import dev.tangent.memory.MemoryBudget;
import dev.tangent.network.RandomFeatureGram;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * {@code tangent rf-gram}: paper B's finite-width random-features Gram of huge width (spec §7.5 kernel {@code rf},
 * workflow B4): {@link RandomFeatureGram} streamed straight into memory-mapped {@code K_train.npy} (n × n) and
 * {@code K_test.npy} (n_t × n), float64, with run.json. The Grams are unnormalised (a sum over N features plus 11ᵀ),
 * as the reference feeds them to kernel ridge regression with its grid up to 10¹⁰.
 */
public final class RfGramWorkflow {
    private RfGramWorkflow() {
    }

    /**
     * @param test  the test points, or null for the training Gram only
     * @param chunk features per streamed chunk (memory n × chunk doubles)
     */
    public record Request(Input train, Input test, Normalization norm, long width, int block, long seed, int chunk, Output out) {
        public Request {
            if (width < 1 || block < 1 || chunk < 1) {
                throw new TangentException("--width, --block and --chunk must be >= 1, found " + width + ", " + block + ", " + chunk);
            }
            if (seed < 0 || seed > 0xFFFFFFFFL) {
                throw new TangentException("--seed " + seed + " is out of range: numpy's RandomState takes 0 .. 4294967295");
            }
        }
    }

    public record Result(int n, int nTest, int d, long features, double seconds) {
    }

    public static Result run(Request r, Context c) {
        RunDirectory.Plan plan = Runs.check(r.out(), "rf-gram", false);
        long blocks = RandomFeatureGram.blocks(r.width(), r.block());
        if (blocks < 1) {
            throw new TangentException("--width " + r.width() + " is smaller than one --block of " + r.block() + " features; expected at "
                    + "least one block (the reference runs int(width / block) blocks)");
        }
        try (Dataset train = r.train().load(DType.F64, r.norm());
             Dataset test = r.test() == null ? null : r.test().load(DType.F64, r.norm(), train.standardization())) {
            if (test != null && test.dim() != train.dim()) {
                throw new TangentException("--test has " + test.dim() + " features, --train has " + train.dim());
            }
            int n = train.size();
            int nt = test == null ? 0 : test.size();
            int d = train.dim();
            int chunk = Math.min(r.chunk(), r.block());
            MemoryBudget.require((long) (n + nt) * d * 8 * 2 + (long) d * r.block() * 8 + (long) (n + nt) * chunk * 8 + (64L << 20),
                    String.format(Locale.ROOT, "the data, one block of W (%d x %d) and one chunk of features ((%d + %d) x %d), f64 (the Grams "
                            + "are memory-mapped files)", d, r.block(), n, nt, chunk));
            plan.requireSpace(((long) n * n + (long) nt * n) * 8 + (1L << 20), "the Grams");
            try (RunDirectory dir = Runs.open(plan, c)) {
                long t0 = System.nanoTime();
                try (Npy.MappedOutput k = Npy.createMapped(dir.resolve("K_train.npy"), n, n, DType.F64);
                     Npy.MappedOutput kt = test == null ? null : Npy.createMapped(dir.resolve("K_test.npy"), nt, n, DType.F64)) {
                    RandomFeatureGram.compute(c.backend(), train.x(), test == null ? null : test.x(), r.width(), r.block(), r.seed(), chunk,
                            k.matrix(), kt == null ? null : kt.matrix(), (done, total) -> c.reporter().progress("rf gram", "chunks", done, total));
                    k.commit();
                    if (kt != null) {
                        kt.commit();
                    }
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                long features = blocks * r.block();
                if (features != r.width()) {
                    c.reporter().note("--width " + r.width() + " is not a multiple of --block " + r.block() + ": " + features
                            + " features were used, as the reference runs int(width / block) blocks");
                }
                Map<String, Object> run = new LinkedHashMap<>();
                run.put("command", "rf-gram");
                run.put("train", Runs.describe(train, r.train()));
                if (test != null) {
                    run.put("test", Runs.describe(test, r.test()));
                }
                run.put("width", r.width());
                run.put("block", r.block());
                run.put("features_used", features);
                run.put("seed", r.seed());
                run.put("first_layer", "numpy RandomState(seed) normal(size=(d, block)) / sqrt(d) per block, not normalised");
                run.put("gram", "K = 11^T + sum over features of relu(XW) relu(XW)^T (not divided by N), float64");
                run.put("seconds", seconds);
                Runs.finish(dir, run, c);
                return new Result(n, nt, d, features, seconds);
            }
        }
    }
}
