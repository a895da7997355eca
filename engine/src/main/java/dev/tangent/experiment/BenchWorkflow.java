package dev.tangent.experiment;

import dev.tangent.compute.Backend;
import dev.tangent.compute.CudaTimings;
import dev.tangent.io.RunDirectory;
import dev.tangent.compute.KernelProvider;
import dev.tangent.kernel.KernelSpec;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;

/**
 * {@code tangent bench gram}: the fused Gram K(X, X) against the bare syrk of the same X on the same backend, timed in
 * one process after warm-up, alternating the two so that machine noise hits both alike (on the CUDA provider: its Gram
 * kept on the device against the upload of X plus cuBLAS SYRK, {@link CudaTimings}). For quick checks on a user's
 * machine; the reference figures come from the JMH benchmarks in bench/, which draw their inputs with {@link #inputs}.
 */
public final class BenchWorkflow {
    private BenchWorkflow() {
    }

    /**
     * The distribution of the random benchmark inputs. It matters to the Gram's kernel map, which evaluates one series
     * per side of cosine u = 0 and takes a one-sided path for a vector of entries that share a side.
     */
    public enum Inputs {
        /** uniform in [0, 1), like raw pixels: every cosine positive, so only the one-sided path runs */
        UNIT01,
        /**
         * the same [0, 1) draws minus each column's mean, like centred images (paper B): mixed-sign cosines, so
         * almost every vector of entries straddles u = 0 and takes the two-sided path
         */
        CENTRED;

        /** Parses {@code unit01} or {@code centred} (also {@code centered}), case-insensitively. */
        public static Inputs parse(String s) {
            return switch (s.toLowerCase(Locale.ROOT)) {
                case "unit01" -> UNIT01;
                case "centred", "centered" -> CENTRED;
                default -> throw new IllegalArgumentException("expected unit01 or centred, found '" + s + "'");
            };
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** An n × d matrix of random inputs of the given distribution (seeded: the same draws for every dtype). */
    public static Matrix inputs(int n, int d, DType dtype, Inputs inputs, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Matrix x = Matrix.allocate(n, d, dtype);
        double[] mean = new double[d];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < d; j++) {
                double v = r.nextDouble();
                x.set(i, j, v);
                mean[j] += v;
            }
        }
        if (inputs == Inputs.CENTRED) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < d; j++) {
                    x.set(i, j, x.get(i, j) - mean[j] / n);
                }
            }
        }
        return x;
    }

    /** Seconds of each repetition, sorted. */
    public record Timing(double[] seconds) {
        public double median() {
            int n = seconds.length;
            return n % 2 == 1 ? seconds[n / 2] : (seconds[n / 2 - 1] + seconds[n / 2]) / 2;
        }

        public double min() {
            return seconds[0];
        }

        public double max() {
            return seconds[seconds.length - 1];
        }
    }

    /**
     * @param pairRatios each repetition's Gram time over the syrk time next to it, sorted: less sensitive than the ratio
     *                   of medians to load that changes over a run on a shared machine
     */
    public record Result(int n, int d, KernelSpec spec, DType dtype, Inputs inputs, String backend, int threads, Timing gram, Timing syrk,
                         double[] pairRatios) {
        /** The ratio of the medians. */
        public double ratio() {
            return gram.median() / syrk.median();
        }

        /** The median of the repetitions' own ratios. */
        public double pairedRatio() {
            return new Timing(pairRatios).median();
        }
    }

    /**
     * Times the fused Gram and the bare syrk alternately, warmup + reps times each; which runs first alternates from
     * one repetition to the next, and the BLAS's workers are let idle before every timed run.
     *
     * @param progress receives the number of finished timed runs (of 2·(warmup + reps))
     */
    public static Result gram(KernelProvider provider, int n, int d, KernelSpec spec, DType dtype, Inputs inputs, int warmup,
                              int reps, long seed, LongConsumer progress) {
        if (provider.name().equals("cuda")) { // both on the device, from X on the host: CudaTimings
            try (Matrix x = inputs(n, d, dtype, inputs, seed)) {
                CudaTimings.Result t = CudaTimings.gramVsSyrk(provider, spec, x, n, d, dtype, warmup, reps, seed, 0, null);
                progress.accept(2L * (warmup + reps));
                double[] g = t.gram().clone();
                double[] s = t.syrkUpload().clone();
                double[] pr = new double[g.length];
                for (int i = 0; i < g.length; i++) {
                    pr[i] = g[i] / s[i];
                }
                Arrays.sort(g);
                Arrays.sort(s);
                Arrays.sort(pr);
                return new Result(n, d, spec, dtype, inputs, provider.name(), provider.threads(), new Timing(g), new Timing(s), pr);
            }
        }
        provider.warmUp(spec, dtype); // a warm process's kernels, whatever the size
        try (Matrix x = inputs(n, d, dtype, inputs, seed); Matrix out = Matrix.allocate(n, n, dtype)) {
            Backend backend = provider.backend();
            double[] tg = new double[reps];
            double[] ts = new double[reps];
            double[] pr = new double[reps];
            long done = 0;
            for (int k = 0; k < warmup + reps; k++) {
                double g = 0;
                double y = 0;
                for (int turn = 0; turn < 2; turn++) {
                    settle();
                    long t0 = System.nanoTime();
                    if ((turn == 0) == (k % 2 == 0)) {
                        provider.gramInto(spec, x, null, out, KernelProvider.Progress.NONE);
                        g = (System.nanoTime() - t0) / 1e9;
                    } else {
                        backend.syrk(1.0, x, 0.0, out);
                        y = (System.nanoTime() - t0) / 1e9;
                    }
                    progress.accept(++done);
                }
                if (k >= warmup) {
                    tg[k - warmup] = g;
                    ts[k - warmup] = y;
                    pr[k - warmup] = g / y;
                }
            }
            Arrays.sort(tg);
            Arrays.sort(ts);
            Arrays.sort(pr);
            return new Result(n, d, spec, dtype, inputs, provider.name(), provider.threads(), new Timing(tg), new Timing(ts), pr);
        }
    }

    /** Writes run.json with the machine description and the timings into the output directory. */
    public static void write(Result r, String machine, Output out, Context c) {
        RunDirectory.Plan plan = Runs.check(out, "bench gram", false);
        try (RunDirectory dir = Runs.open(plan, c)) {
            Map<String, Object> run = new LinkedHashMap<>();
            run.put("command", "bench gram");
            run.put("machine", machine);
            run.put("n", r.n());
            run.put("d", r.d());
            run.put("kernel", r.spec().toString());
            run.put("dtype", r.dtype().toString());
            run.put("inputs", r.inputs().toString());
            run.put("backend", r.backend());
            run.put("threads", r.threads());
            run.put("gram_seconds", r.gram().seconds());
            run.put("syrk_seconds", r.syrk().seconds());
            run.put("ratio", r.ratio());
            run.put("pair_ratios", r.pairRatios());
            run.put("paired_ratio", r.pairedRatio());
            Runs.finish(dir, run, c);
        }
    }

    /** Fails before any timing when the output directory cannot take the run (see {@link Runs#check}). */
    public static void checkOutput(Output out) {
        Runs.check(out, "bench gram", false);
    }

    /**
     * Lets the BLAS's worker threads go to sleep between the timed runs: after a multi-threaded call OpenBLAS's idle
     * workers spin for about 2^28 cycles (0.1 s here) before they block, and a run that starts meanwhile shares the
     * cores with them (it cost the Gram timed right after a syrk up to 20%), which would bias the comparison.
     */
    private static void settle() {
        try {
            Thread.sleep(300);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
