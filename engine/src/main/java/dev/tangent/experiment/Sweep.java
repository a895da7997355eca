package dev.tangent.experiment;

import dev.tangent.TangentException;
import dev.tangent.io.RunDirectory;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The one runner of sweeps: independent {@link Job}s in {@link Stage}s, each job run by one task of the {@link Tasks}
 * passed in — a {@link LocalTasks} pool for {@code tangent noise}, Spark's executors for {@code tangent spark noise} —
 * into {@code root/<stage dir>/<id>/} (a complete-or-absent {@link RunDirectory}), the stages one after the other. A
 * job whose directory is already complete — from an earlier run, a local pool or another cluster, or a task that
 * finished before its executor was lost — is not run again (checked before the stage and again by the task), so runs
 * resume each other and a retried task redoes at most its own unfinished job. A job that fails stops the sweep after
 * the jobs in flight (where the executor can stop: Spark runs the stage's scheduled tasks); jobs interrupted by the
 * process's end leave nothing (their run directories abort) or their checkpoints (fit, krr), which the next run
 * continues.
 */
public final class Sweep {
    private Sweep() {
    }

    /** What became of one job: run now (and its wall seconds), or found complete. */
    public record Outcome(String id, boolean ran, double seconds) implements Serializable {
    }

    /** A group of jobs that may run in any order once the stages before it are finished, into {@code root/<dir>/<id>}. */
    public record Stage<J extends Job>(String name, String dir, List<J> jobs) implements Serializable {
        public Stage {
            jobs = List.copyOf(jobs);
        }
    }

    /** What a run did: jobs in the plan, skipped as finished before, run now; wall seconds per job run now. */
    public record Summary(int total, int skipped, int ran, Map<String, Double> seconds) {
    }

    /** One stage of jobs into {@code root/<id>/}, reporting nothing: the outcomes in the jobs' order. */
    public static List<Outcome> run(List<? extends Job> jobs, Path root, Tasks tasks) {
        List<Outcome> out = new ArrayList<>();
        run(List.of(new Stage<Job>("jobs", ".", List.copyOf(jobs))), root, tasks, -1, Reporter.SILENT, dir -> {
        }, out::add);
        return out;
    }

    /**
     * Runs the stages into {@code root/<stage dir>/<job id>}.
     *
     * @param stopAfter stop (exit code 130) once this many jobs have finished in this run and some are left, as an
     *                  interruption would (tests of --resume); −1: never
     * @param reporter  progress "jobs" (done of total, the jobs in flight in this process), each local job's own
     *                  progress and notes under its id
     * @param finished  called in this process with each job's directory once it is complete (the sweep keeps it through
     *                  an interruption)
     */
    public static Summary run(List<? extends Stage<?>> stages, Path root, Tasks tasks, int stopAfter, Reporter reporter,
                              Consumer<Path> finished) {
        return run(stages, root, tasks, stopAfter, reporter, finished, o -> {
        });
    }

    private static Summary run(List<? extends Stage<?>> stages, Path root, Tasks tasks, int stopAfter, Reporter reporter,
                               Consumer<Path> finished, Consumer<Outcome> outcomes) {
        for (Stage<?> st : stages) {
            Set<String> ids = new HashSet<>();
            for (Job j : st.jobs()) {
                if (!j.id().matches("[A-Za-z0-9._=-]+") || j.id().equals(".") || j.id().equals("..")) {
                    throw new TangentException("sweep job id '" + j.id() + "': expected a directory name of [A-Za-z0-9._=-]");
                }
                if (!ids.add(j.id())) {
                    throw new TangentException("sweep job id '" + j.id() + "' appears twice; expected unique ids");
                }
            }
        }
        int total = stages.stream().mapToInt(s -> s.jobs().size()).sum();
        AtomicInteger done = new AtomicInteger();
        AtomicInteger skipped = new AtomicInteger();
        AtomicInteger ran = new AtomicInteger();
        Map<String, Double> seconds = Collections.synchronizedMap(new LinkedHashMap<>());
        Set<String> running = Collections.synchronizedSet(new LinkedHashSet<>());
        for (Stage<?> st : stages) {
            Path base = root.toAbsolutePath().normalize().resolve(st.dir()).normalize();
            List<Job> todo = new ArrayList<>();
            Map<String, Outcome> found = new LinkedHashMap<>();
            for (Job j : st.jobs()) {
                Path dir = base.resolve(j.id());
                if (RunDirectory.inspect(dir).complete()) {
                    done.incrementAndGet();
                    skipped.incrementAndGet();
                    finished.accept(dir);
                    found.put(j.id(), new Outcome(j.id(), false, 0));
                } else {
                    todo.add(j);
                }
            }
            reporter.progress("jobs", "jobs", done.get(), total);
            if (!todo.isEmpty() && stopAfter >= 0 && ran.get() >= stopAfter) {
                throw stopped(ran.get());
            }
            String b = base.toString();
            Tasks.ReportingTask<Job, Outcome> task = (job, r) -> runJob(job, Path.of(b, job.id()), r);
            List<Outcome> results = tasks.map("sweep " + st.name(), todo, task, new Tasks.Monitor<>() {
                @Override
                public Reporter started(int index) {
                    String id = todo.get(index).id();
                    running.add(id);
                    return forJob(reporter, id, done, total);
                }

                @Override
                public void finished(int index, Outcome o) {
                    running.remove(o.id());
                    if (o.ran()) {
                        ran.incrementAndGet();
                        seconds.put(o.id(), o.seconds());
                    } else {
                        skipped.incrementAndGet();
                    }
                    finished.accept(base.resolve(o.id()));
                    reporter.progress("jobs" + current(running), "jobs", done.incrementAndGet(), total);
                    if (stopAfter >= 0 && ran.get() >= stopAfter && done.get() < total) {
                        throw stopped(ran.get());
                    }
                }
            });
            for (Outcome o : results) {
                found.put(o.id(), o);
            }
            for (Job j : st.jobs()) {
                outcomes.accept(found.get(j.id()));
            }
        }
        return new Summary(total, skipped.get(), ran.get(), new LinkedHashMap<>(seconds));
    }

    private static TangentException stopped(int ran) {
        return new TangentException(130, "stopped after " + ran + " jobs (--stop-after); continue with --resume", null);
    }

    /** A task: the job into {@code dir} unless that holds a complete run (a retried task whose job had finished). */
    private static Outcome runJob(Job job, Path dir, Reporter reporter) {
        if (RunDirectory.inspect(dir).complete()) {
            return new Outcome(job.id(), false, 0);
        }
        long t0 = System.nanoTime();
        try {
            job.run(dir, reporter);
        } catch (IOException e) {
            throw new TangentException("job " + job.id() + ": " + e.getMessage(), e);
        } catch (TangentException e) {
            throw new TangentException(e.exitCode(), "job " + job.id() + ": " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            throw new TangentException(1, "job " + job.id() + ": " + e, e);
        }
        return new Outcome(job.id(), true, (System.nanoTime() - t0) / 1e9);
    }

    private static String current(Set<String> running) {
        synchronized (running) {
            return running.isEmpty() ? "" : " (" + String.join(", ", running) + ")";
        }
    }

    /** A job's reporter: its progress shown with the sweep's count and the jobs in flight, its notes prefixed with its id. */
    private static Reporter forJob(Reporter outer, String id, AtomicInteger done, int total) {
        return new Reporter() {
            @Override
            public void progress(String phase, String unit, long d, long t) {
                outer.progress(String.format(Locale.ROOT, "%d/%d jobs done; %s: %s", done.get(), total, id, phase), unit, d, t);
            }

            @Override
            public void note(String line) {
                outer.note(id + ": " + line);
            }
        };
    }
}
