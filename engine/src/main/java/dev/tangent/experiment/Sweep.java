package dev.tangent.experiment;

import dev.tangent.TangentException;
import dev.tangent.io.RunDirectory;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A sweep: independent {@link Job}s, each run by one task into {@code root/<id>/} (a complete-or-absent
 * {@link RunDirectory}). A job whose directory is already complete — from an earlier run, a local pool or another
 * cluster, or a task that finished before its executor was lost — is not run again, so runs resume each other and a
 * retried task redoes at most its own unfinished job.
 */
public final class Sweep {
    private Sweep() {
    }

    /** What became of one job: run now, or found complete. */
    public record Outcome(String id, boolean ran) implements Serializable {
    }

    public static List<Outcome> run(List<? extends Job> jobs, Path root, Tasks tasks) {
        Set<String> ids = new HashSet<>();
        for (Job j : jobs) {
            if (!j.id().matches("[A-Za-z0-9._=-]+") || j.id().equals(".") || j.id().equals("..")) {
                throw new TangentException("sweep job id '" + j.id() + "': expected a directory name of [A-Za-z0-9._=-]");
            }
            if (!ids.add(j.id())) {
                throw new TangentException("sweep job id '" + j.id() + "' appears twice; expected unique ids");
            }
        }
        String r = root.toAbsolutePath().normalize().toString();
        List<Job> list = List.copyOf(jobs);
        return tasks.map("sweep jobs", list, job -> {
            Path dir = Path.of(r, job.id());
            if (RunDirectory.isComplete(dir)) {
                return new Outcome(job.id(), false);
            }
            job.run(dir, Reporter.SILENT);
            return new Outcome(job.id(), true);
        });
    }
}
