package dev.tangent.experiment;

import dev.tangent.TangentException;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;

/**
 * {@link Tasks} in this process: one worker runs the tasks one after another in the calling thread ({@link Tasks#local()},
 * the reference runner of the block Gram and certification), more run them side by side on a pool of daemon threads
 * ({@code tangent noise}'s jobs). A task that fails stops the tasks not yet started; those in flight finish; then the
 * first failure is thrown (an {@link IOException} as {@link UncheckedIOException}). Tasks are not serialised.
 */
public final class LocalTasks implements Tasks {
    private final int workers;

    /** @param workers tasks side by side (≥ 1; 1: in the calling thread) */
    public LocalTasks(int workers) {
        if (workers < 1) {
            throw new TangentException("--jobs must be >= 1, found " + workers);
        }
        this.workers = workers;
    }

    /** Workers: as many as the cores allow at {@code threadsPerJob} each and 80% of {@code budget} holds at {@code jobBytes} each. */
    public static int poolSize(int cores, int threadsPerJob, long jobBytes, long budget) {
        int byCores = Math.max(1, cores / Math.max(1, threadsPerJob));
        long byMemory = Math.max(1, (long) (0.8 * budget) / Math.max(1, jobBytes));
        return (int) Math.max(1, Math.min(byCores, byMemory));
    }

    @Override
    public <T extends Serializable, R extends Serializable> List<R> map(String what, List<T> items, ReportingTask<T, R> task,
                                                                        Monitor<? super R> monitor) {
        int n = items.size();
        Object[] results = new Object[n];
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Object calls = new Object(); // the monitor's calls never overlap
        Runnable[] work = new Runnable[n];
        for (int i = 0; i < n; i++) {
            int index = i;
            work[i] = () -> {
                if (failure.get() != null) {
                    return;
                }
                try {
                    Reporter reporter;
                    synchronized (calls) {
                        reporter = monitor.started(index);
                    }
                    R r = task.run(items.get(index), reporter);
                    results[index] = r;
                    synchronized (calls) {
                        monitor.finished(index, r);
                    }
                } catch (IOException e) {
                    failure.compareAndSet(null, new UncheckedIOException(e));
                } catch (RuntimeException | Error e) {
                    failure.compareAndSet(null, e);
                }
            };
        }
        int threads = Math.min(workers, n);
        if (threads <= 1) {
            for (Runnable w : work) {
                w.run();
            }
        } else {
            ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
                Thread t = new Thread(r, "tangent-task");
                t.setDaemon(true);
                return t;
            });
            try {
                List<Future<?>> futures = new ArrayList<>(n);
                for (Runnable w : work) {
                    futures.add(pool.submit(w));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
            } catch (InterruptedException e) {
                pool.shutdownNow();
                Thread.currentThread().interrupt();
                throw new TangentException(130, "interrupted", e);
            } catch (ExecutionException e) {
                throw new TangentException(1, "internal error in the task pool: " + e.getCause(), e.getCause());
            } finally {
                pool.shutdown();
            }
        }
        switch (failure.get()) {
            case null -> {
            }
            case RuntimeException e -> throw e;
            case Error e -> throw e;
            default -> throw new IllegalStateException(failure.get());
        }
        @SuppressWarnings("unchecked")
        List<R> out = new ArrayList<>((List<R>) (List<?>) Arrays.asList(results));
        return out;
    }

    @Override
    public int parallelism() {
        return workers;
    }

    @Override
    public String describe() {
        return workers == 1 ? "local (this process)" : "local pool of " + workers + " workers (this process)";
    }
}
