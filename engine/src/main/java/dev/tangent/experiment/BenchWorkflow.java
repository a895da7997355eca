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
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;

/**
 * {@code tangent bench gram}: the fused Gram K(X, X) against the bare syrk of the same X on the same backend, timed in
 * one process after warm-up, alternating the two so that machine noise hits both alike (on the CUDA provider: its Gram
 * kept on the device against the upload of X plus cuBLAS SYRK, {@link CudaTimings}). For quick checks on a user's
 * machine; the reference figures come from the JMH benchmarks in bench/.
 */
public final class BenchWorkflow {
    private BenchWorkflow() {
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

    public record Result(int n, int d, KernelSpec spec, DType dtype, String backend, int threads, Timing gram, Timing syrk) {
        public double ratio() {
            return gram.median() / syrk.median();
        }
    }

    /**
     * @param progress receives the number of finished timed runs (of 2·(warmup + reps))
     */
    public static Result gram(KernelProvider provider, int n, int d, KernelSpec spec, DType dtype, int warmup, int reps,
                              long seed, LongConsumer progress) {
        if (provider.name().equals("cuda")) { // both on the device, from X on the host: CudaTimings
            CudaTimings.Result t = CudaTimings.gramVsSyrk(provider, spec, null, n, d, dtype, warmup, reps, seed, 0, null);
            progress.accept(2L * (warmup + reps));
            double[] g = t.gram().clone();
            double[] s = t.syrkUpload().clone();
            Arrays.sort(g);
            Arrays.sort(s);
            return new Result(n, d, spec, dtype, provider.name(), provider.threads(), new Timing(g), new Timing(s));
        }
        SplittableRandom r = new SplittableRandom(seed);
        try (Matrix x = Matrix.allocate(n, d, dtype); Matrix out = Matrix.allocate(n, n, dtype)) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < d; j++) {
                    x.set(i, j, r.nextDouble());
                }
            }
            double[] tg = new double[reps];
            double[] ts = new double[reps];
            long done = 0;
            for (int k = 0; k < warmup + reps; k++) {
                long t0 = System.nanoTime();
                provider.gramInto(spec, x, null, out, KernelProvider.Progress.NONE);
                long t1 = System.nanoTime();
                provider.backend().syrk(1.0, x, 0.0, out);
                long t2 = System.nanoTime();
                settle();
                if (k >= warmup) {
                    tg[k - warmup] = (t1 - t0) / 1e9;
                    ts[k - warmup] = (t2 - t1) / 1e9;
                }
                progress.accept(done += 2);
            }
            Arrays.sort(tg);
            Arrays.sort(ts);
            return new Result(n, d, spec, dtype, provider.name(), provider.threads(), new Timing(tg), new Timing(ts));
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
            run.put("backend", r.backend());
            run.put("threads", r.threads());
            run.put("gram_seconds", r.gram().seconds());
            run.put("syrk_seconds", r.syrk().seconds());
            run.put("ratio", r.ratio());
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
     * cores with them (it cost the Gram timed right after a syrk up to 20%).
     */
    private static void settle() {
        try {
            Thread.sleep(300);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
