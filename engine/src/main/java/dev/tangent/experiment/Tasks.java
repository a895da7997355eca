package dev.tangent.experiment;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Where the independent tasks of a distributed job run: each item of a list through one serialisable function, one
 * task per item, the results back in the items' order. The engine's block Gram ({@link BlockGramWorkflow}), sweep
 * ({@link Sweep}) and certification partitions ({@link CertifyPartitions}) are written against this; {@link #local()}
 * runs the tasks one after another in this process (each task's own work is parallel), the {@code spark} module runs
 * each as a Spark task on a cluster's executors. A task may run more than once (a retry after a lost executor): tasks
 * write complete-or-absent outputs and return what they wrote, so a retry redoes or reuses, never duplicates.
 */
public interface Tasks extends AutoCloseable {
    /** One task: serialisable (it is shipped to an executor), deterministic, reading only shared paths. */
    @FunctionalInterface
    interface Task<T, R> extends Serializable {
        R run(T item) throws IOException;
    }

    /** Runs {@code task} on every item, one task each; the results in the order of the items. */
    <T extends Serializable, R extends Serializable> List<R> map(String what, List<T> items, Task<T, R> task);

    /** How many tasks run at once (to cut work into enough pieces). */
    int parallelism();

    /** One line for logs and run.json, e.g. "spark://host:7077 (2 executors)" or "local". */
    String describe();

    @Override
    default void close() {
    }

    /** The tasks run one after another in this process. */
    static Tasks local() {
        return new Tasks() {
            @Override
            public <T extends Serializable, R extends Serializable> List<R> map(String what, List<T> items, Task<T, R> task) {
                List<R> out = new ArrayList<>(items.size());
                for (T item : items) {
                    try {
                        out.add(task.run(item));
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                return out;
            }

            @Override
            public int parallelism() {
                return 1;
            }

            @Override
            public String describe() {
                return "local (this process)";
            }
        };
    }
}
