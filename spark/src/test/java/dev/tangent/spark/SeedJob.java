package dev.tangent.spark;

import dev.tangent.experiment.Job;
import dev.tangent.experiment.Reporter;
import dev.tangent.io.Npy;
import dev.tangent.io.RunDirectory;

import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * The trivial job type of the sweep tests: writes {@code values.npy}, {@code count} draws of a seeded generator, into a
 * complete-or-absent run directory; {@code sleepMillis} stretches it so that a worker can be killed while jobs run.
 */
record SeedJob(String id, long seed, int count, long sleepMillis) implements Job {
    @Override
    public void run(Path dir, Reporter reporter) {
        RunDirectory.Plan plan = RunDirectory.check(dir, RunDirectory.Mode.OVERWRITE, "--out", "seed-job", false);
        try (RunDirectory rd = plan.open(reporter::note)) {
            double[] v = new double[count];
            SplittableRandom r = new SplittableRandom(seed);
            for (int i = 0; i < count; i++) {
                v[i] = r.nextDouble();
            }
            if (sleepMillis > 0) {
                try {
                    Thread.sleep(sleepMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(e);
                }
            }
            Npy.writeVector(rd.resolve("values.npy"), v);
            rd.commit();
        }
    }
}
