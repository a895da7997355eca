package dev.tangent.experiment;

import dev.tangent.TangentException;
import dev.tangent.io.Npy;
import dev.tangent.io.RunDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one sweep runner on the local executor: a failed job stops the sweep (the jobs not started stay absent, the next
 * stage does not start), the finished ones are reported and kept, and a second run skips them.
 */
class SweepTest {
    @TempDir
    Path dir;

    /** A job writing its one value; {@code fail} throws instead, as a job with bad input would. */
    record Step(String id, double value, boolean fail) implements Job {
        @Override
        public void run(Path out, Reporter reporter) {
            if (fail) {
                throw new TangentException(2, "--x bad.npy: not found", null);
            }
            RunDirectory.Plan plan = RunDirectory.check(out, RunDirectory.Mode.OVERWRITE, "--out", "step", false);
            try (RunDirectory rd = plan.open(reporter::note)) {
                Npy.writeVector(rd.resolve("value.npy"), new double[] {value});
                rd.commit();
            }
        }
    }

    private static List<Sweep.Stage<Step>> stages(boolean fail) {
        return List.of(new Sweep.Stage<>("first", "a", List.of(new Step("s0", 0, false), new Step("s1", 1, fail), new Step("s2", 2, false))),
                new Sweep.Stage<>("second", "b", List.of(new Step("t0", 3, false))));
    }

    @Test
    void aFailedJobStopsTheSweepAndTheFinishedOnesAreSkippedNextTime() throws Exception {
        List<Path> finished = new ArrayList<>();
        TangentException e = assertThrows(TangentException.class,
                () -> Sweep.run(stages(true), dir, new LocalTasks(1), -1, Reporter.SILENT, finished::add));
        assertEquals(2, e.exitCode(), "the job's own exit code");
        assertEquals("job s1: --x bad.npy: not found", e.getMessage());
        assertEquals(List.of(dir.resolve("a/s0").toAbsolutePath()), finished);
        assertTrue(RunDirectory.inspect(dir.resolve("a/s0")).complete());
        assertFalse(Files.exists(dir.resolve("a/s2")), "no job starts after a failure");
        assertFalse(Files.exists(dir.resolve("b")), "nor the next stage");
        finished.clear();
        Sweep.Summary s = Sweep.run(stages(false), dir, new LocalTasks(2), -1, Reporter.SILENT, finished::add);
        assertEquals(4, s.total());
        assertEquals(1, s.skipped());
        assertEquals(3, s.ran());
        assertEquals(List.of("s1", "s2", "t0"), s.seconds().keySet().stream().sorted().toList());
        assertEquals(4, finished.size(), "every job's directory, the skipped one too");
        try (dev.tangent.memory.Matrix v = Npy.readMatrix(dir.resolve("a/s2/value.npy"), dev.tangent.memory.DType.F64, "")) {
            assertEquals(2.0, v.get(0, 0));
        }
        // stopped as an interruption would after 2 jobs of this run: the stage's jobs in flight finish, the next does not start
        Path cut = dir.resolve("cut");
        TangentException stop = assertThrows(TangentException.class,
                () -> Sweep.run(stages(false), cut, new LocalTasks(1), 2, Reporter.SILENT, p -> { }));
        assertEquals(130, stop.exitCode());
        assertTrue(RunDirectory.inspect(cut.resolve("a/s1")).complete());
        assertFalse(Files.exists(cut.resolve("a/s2")));
    }
}
