package dev.tangent.experiment;

import java.io.IOException;
import java.io.Serializable;
import java.nio.file.Path;

/**
 * One independent unit of a sweep (a dataset × noise level × model × regularisation fit, or anything else a grid is
 * made of): the seam between a job's description and the executor that runs it. The local grid runner of
 * {@code tangent noise} runs jobs in a pool on this machine; the Spark sweep runs the same jobs, one task each, on a
 * cluster's executors. Both write into the same layout: {@code root/<id>/}, a {@link dev.tangent.io.RunDirectory}
 * that is complete or absent, so that a local run and a cluster run resume each other and a retried task redoes at
 * most one unfinished job.
 *
 * <p>Implementations are immutable, serialisable values (a Spark task ships them to an executor), deterministic (the
 * same job writes the same bits wherever it runs), and read their inputs only from paths every executor can see.
 */
public interface Job extends Serializable {
    /** A stable name, unique within its sweep, usable as a directory name ({@code [A-Za-z0-9._=-]+}). */
    String id();

    /**
     * Runs the job into {@code dir} (= root/{@link #id()}), which it opens as a {@link dev.tangent.io.RunDirectory}
     * and commits only when every result is written; an exception or interruption leaves nothing there.
     */
    void run(Path dir, Reporter reporter) throws IOException;
}
