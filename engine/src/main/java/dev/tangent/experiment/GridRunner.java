package dev.tangent.experiment;

import dev.tangent.TangentException;
import dev.tangent.io.RunDirectory;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * The local executor of a sweep's {@link NoiseSweep.Stage}s: a pool of {@link #poolSize} workers runs each stage's
 * unfinished jobs (a job whose directory holds a complete run is skipped: that is {@code --resume}), the stages one after
 * the other. A job that fails stops the sweep after the jobs in flight; jobs interrupted by the process's end leave
 * nothing (their run directories abort) or their checkpoints (fit), which the next run continues.
 */
public final class GridRunner {
    private GridRunner() {
    }

    /**
     * @param pool      workers (≥ 1)
     * @param stopAfter stop (exit code 130) once this many jobs have finished in this run, as an interruption would
     *                  (tests of --resume); −1: never
     */
    public record Options(int pool, int stopAfter) {
        public Options {
            if (pool < 1) {
                throw new TangentException("--jobs must be >= 1, found " + pool);
            }
        }
    }

    /** What a run did: jobs in the plan, skipped as finished before, run now; wall seconds per job run now. */
    public record Summary(int total, int skipped, int ran, Map<String, Double> seconds) {
    }

    /** Workers: as many as the cores allow at {@code threadsPerJob} each and 80% of {@code budget} holds at {@code jobBytes} each. */
    public static int poolSize(int cores, int threadsPerJob, long jobBytes, long budget) {
        int byCores = Math.max(1, cores / Math.max(1, threadsPerJob));
        long byMemory = Math.max(1, (long) (0.8 * budget) / Math.max(1, jobBytes));
        return (int) Math.max(1, Math.min(byCores, byMemory));
    }

    /**
     * Runs the stages into {@code root/<stage dir>/<job id>}.
     *
     * @param finished called with each job's directory once it is complete (the sweep keeps it through an interruption)
     */
    public static Summary run(List<NoiseSweep.Stage> stages, Path root, Options o, Reporter reporter, Consumer<Path> finished) {
        int total = stages.stream().mapToInt(s -> s.jobs().size()).sum();
        AtomicInteger done = new AtomicInteger();
        AtomicInteger ran = new AtomicInteger();
        int skipped = 0;
        Map<String, Double> seconds = java.util.Collections.synchronizedMap(new LinkedHashMap<>());
        AtomicReference<RuntimeException> failure = new AtomicReference<>();
        Set<String> running = java.util.Collections.synchronizedSet(new LinkedHashSet<>());
        for (NoiseSweep.Stage st : stages) {
            List<NoiseJobs.SweepJob> todo = new ArrayList<>();
            for (NoiseJobs.SweepJob j : st.jobs()) {
                Path dir = root.resolve(st.dir()).resolve(j.id());
                if (RunDirectory.inspect(dir).complete()) {
                    skipped++;
                    done.incrementAndGet();
                    finished.accept(dir);
                } else {
                    todo.add(j);
                }
            }
            reporter.progress("jobs", "jobs", done.get(), total);
            if (todo.isEmpty()) {
                continue;
            }
            ExecutorService pool = Executors.newFixedThreadPool(Math.min(o.pool(), todo.size()), r -> {
                Thread t = new Thread(r, "tangent-noise-job");
                t.setDaemon(true);
                return t;
            });
            List<Future<?>> futures = new ArrayList<>();
            for (NoiseJobs.SweepJob j : todo) {
                futures.add(pool.submit(() -> {
                    if (failure.get() != null || (o.stopAfter() >= 0 && ran.get() >= o.stopAfter())) {
                        return;
                    }
                    Path dir = root.resolve(st.dir()).resolve(j.id());
                    running.add(j.id());
                    long t0 = System.nanoTime();
                    try {
                        j.run(dir, forJob(reporter, j.id(), running, done, total));
                    } catch (IOException e) {
                        failure.compareAndSet(null, new TangentException("job " + j.id() + ": " + e.getMessage(), e));
                        return;
                    } catch (TangentException e) {
                        failure.compareAndSet(null, new TangentException(e.exitCode(), "job " + j.id() + ": " + e.getMessage(), e));
                        return;
                    } catch (RuntimeException | Error e) {
                        failure.compareAndSet(null, new TangentException(1, "job " + j.id() + ": " + e, e));
                        return;
                    } finally {
                        running.remove(j.id());
                    }
                    seconds.put(j.id(), (System.nanoTime() - t0) / 1e9);
                    finished.accept(dir);
                    ran.incrementAndGet();
                    reporter.progress("jobs" + current(running), "jobs", done.incrementAndGet(), total);
                }));
            }
            pool.shutdown();
            try {
                for (Future<?> f : futures) {
                    f.get();
                }
                pool.awaitTermination(365, TimeUnit.DAYS);
            } catch (InterruptedException e) {
                pool.shutdownNow();
                Thread.currentThread().interrupt();
                throw new TangentException(130, "interrupted", e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new TangentException(1, "internal error in the job pool: " + e.getCause(), e.getCause());
            }
            if (failure.get() != null) {
                throw failure.get();
            }
            if (o.stopAfter() >= 0 && ran.get() >= o.stopAfter() && done.get() < total) {
                throw new TangentException(130, "stopped after " + ran.get() + " jobs (--stop-after); continue with --resume", null);
            }
        }
        return new Summary(total, skipped, ran.get(), new LinkedHashMap<>(seconds));
    }

    private static String current(Set<String> running) {
        synchronized (running) {
            return running.isEmpty() ? "" : " (" + String.join(", ", running) + ")";
        }
    }

    /** A job's reporter: its progress shown with the sweep's count and the jobs in flight, its notes prefixed with its id. */
    private static Reporter forJob(Reporter outer, String id, Set<String> running, AtomicInteger done, int total) {
        return new Reporter() {
            @Override
            public void progress(String phase, String unit, long d, long t) {
                outer.progress(String.format(java.util.Locale.ROOT, "%d/%d jobs done; %s: %s", done.get(), total, id, phase), unit, d, t);
            }

            @Override
            public void note(String line) {
                outer.note(id + ": " + line);
            }
        };
    }
}
