package dev.tangent.experiment;

import java.io.IOException;
import java.io.Serializable;
import java.util.List;

/**
 * Where the independent tasks of a distributed job run: each item of a list through one serialisable function, one
 * task per item, the results back in the items' order. The engine's block Gram ({@link BlockGramWorkflow}), sweeps
 * ({@link Sweep}: {@code tangent noise}) and certification partitions ({@link CertifyWorkflow}) are written against
 * this; {@link LocalTasks} runs the tasks in this process ({@link #local()}: one after another, each task's own work
 * parallel; {@link LocalTasks#LocalTasks(int)}: a pool of workers side by side), the {@code spark} module runs each as a
 * Spark task on a cluster's executors. A task may run more than once (a retry after a lost executor): tasks write
 * complete-or-absent outputs and return what they wrote, so a retry redoes or reuses, never duplicates.
 */
public interface Tasks extends AutoCloseable {
    /** One task: serialisable (it is shipped to an executor), deterministic, reading only shared paths. */
    @FunctionalInterface
    interface Task<T, R> extends Serializable {
        R run(T item) throws IOException;
    }

    /**
     * A task that reports while it runs: with the reporter {@link Monitor#started} gave where it runs in this process,
     * {@link Reporter#SILENT} on a cluster's executor (whose output the caller does not see).
     */
    @FunctionalInterface
    interface ReportingTask<T, R> extends Serializable {
        R run(T item, Reporter reporter) throws IOException;
    }

    /** What the caller sees of the tasks while they run; called in this process (the driver), never concurrently. */
    interface Monitor<R> {
        /** Item {@code index}'s task starts in this process: its reporter. Not called for tasks on a cluster's executors. */
        Reporter started(int index);

        /**
         * Item {@code index}'s task finished with {@code result}, as it finished (any order), once per finished task. An
         * exception thrown here counts as the task's failure (see {@link #map(String, List, ReportingTask, Monitor)}).
         */
        void finished(int index, R result);

        static <R> Monitor<R> none() {
            return new Monitor<>() {
                @Override
                public Reporter started(int index) {
                    return Reporter.SILENT;
                }

                @Override
                public void finished(int index, R result) {
                }
            };
        }
    }

    /** Runs {@code task} on every item, one task each; the results in the order of the items. */
    default <T extends Serializable, R extends Serializable> List<R> map(String what, List<T> items, Task<T, R> task) {
        return map(what, items, (item, reporter) -> task.run(item), Monitor.none());
    }

    /**
     * Runs {@code task} on every item, one task each, {@code monitor} seeing each result as its task finishes; the results
     * in the order of the items. A task that fails (or whose {@link Monitor#finished} throws) stops the tasks that have not
     * started where the executor can (the local pool; Spark has scheduled them all and runs them); the tasks in flight
     * finish and are reported; then the first failure is thrown.
     */
    <T extends Serializable, R extends Serializable> List<R> map(String what, List<T> items, ReportingTask<T, R> task,
                                                                 Monitor<? super R> monitor);

    /** How many tasks run at once (to cut work into enough pieces). */
    int parallelism();

    /** One line for logs and run.json, e.g. "spark://host:7077 (2 task slots)" or "local (this process)". */
    String describe();

    @Override
    default void close() {
    }

    /** The tasks run one after another in this process (the calling thread). */
    static Tasks local() {
        return new LocalTasks(1);
    }
}
