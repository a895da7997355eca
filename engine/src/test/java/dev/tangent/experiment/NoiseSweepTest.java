package dev.tangent.experiment;

import dev.tangent.TangentException;
import dev.tangent.compute.KernelProviders;
import dev.tangent.io.RunDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tangent noise} as a workflow: a sweep stopped after some jobs and resumed writes the same results.csv, byte for
 * byte, as an uninterrupted sweep; the best-over-grid table of a hand-made grid; the job ids of the quick Fashion-MNIST
 * sweep, unique and stable, and the jobs' round trip through Java serialisation (a Spark task ships them).
 */
class NoiseSweepTest {
    @TempDir
    Path dir;

    /** A tiny synthetic sweep: two κ levels, KRR with two regs, the network and RF by CG at two regs each. */
    private static NoiseSweep.Settings tiny() {
        return NoiseSweep.resolve(PrepWorkflow.Kind.SYNTH, NoiseSweep.Scale.QUICK, new int[] {0, 6},
                List.of(NoiseSweep.Model.RF_KRR, NoiseSweep.Model.NN, NoiseSweep.Model.RF), new int[] {0, 5}, 96, 48, 16, 3, "auto", 1);
    }

    private static Context context() {
        return Context.of(KernelProviders.select("auto", 1).provider());
    }

    @Test
    void stoppedThenResumedEqualsUninterrupted() throws Exception {
        NoiseSweep.Settings s = tiny();
        Path full = dir.resolve("full");
        NoiseSweep.Result a = NoiseSweep.run(new NoiseSweep.Request(s, Output.of(full), 2, -1), context());
        assertEquals(2 + 2 * (1 + 2 + 2), a.summary().total());
        Path cut = dir.resolve("cut");
        // 2 data jobs, then 2 model jobs: the stop falls inside the model stage
        TangentException stop = assertThrows(TangentException.class,
                () -> NoiseSweep.run(new NoiseSweep.Request(s, Output.of(cut), 1, 4), context()));
        assertEquals(130, stop.exitCode());
        assertFalse(Files.exists(cut.resolve("results.csv")), "no summary before every job is done");
        RunDirectory.State st = RunDirectory.inspect(cut);
        assertTrue(st.resumable(), "the interrupted sweep keeps its finished jobs");
        NoiseSweep.Result b = NoiseSweep.run(new NoiseSweep.Request(s, new Output(cut, RunDirectory.Mode.RESUME), 2, -1), context());
        assertEquals(4, b.summary().skipped());
        assertEquals(a.summary().total() - 4, b.summary().ran());
        for (String f : List.of("results.csv", "best.csv", "best.md")) {
            assertArrayEquals(Files.readAllBytes(full.resolve(f)), Files.readAllBytes(cut.resolve(f)), f);
        }
        // every model job's rows: one per reg (KRR: the job's grid; nn, rf: one job per reg)
        List<NoiseSweep.Row> rows = NoiseSweep.parseCsv(Files.readString(full.resolve("results.csv")));
        assertEquals(2 * (2 + 2 + 2), rows.size());
        assertTrue(Files.exists(full.resolve("noise.png")) && Files.exists(full.resolve("noise.svg")));
    }

    @Test
    void bestOverTheGridOfAHandMadeCsv() {
        String csv = String.join(",", NoiseSweep.COLUMNS) + "\n"
                + "fmnist-hf,0,0.0,nn,width 512,0,1.0E-6,0.1,0.97,0.2,0.80,\n"
                + "fmnist-hf,0,0.0,nn,width 512,6,1.0E-4,0.1,0.97,0.2,0.85,\n"
                + "fmnist-hf,0,0.0,rf-krr,,0,0.1,0.0,1.0,0.3,NaN,\n"
                + "fmnist-hf,0,0.0,rf-krr,,2,0.42,0.0,1.0,0.3,0.9,\n"
                + "fmnist-hf,14,3.0,nn,width 512,0,1.0E-6,0.1,0.97,0.2,0.70,\n"
                + "fmnist-hf,14,3.0,rf-krr,,0,0.1,0.0,1.0,0.3,0.75,\n";
        List<NoiseSweep.Best> best = NoiseSweep.best(NoiseSweep.parseCsv(csv), Map.of());
        assertEquals(4, best.size());
        NoiseSweep.Best nn0 = best.get(0);
        assertEquals("nn", nn0.model());
        assertEquals(0.85, nn0.value());
        assertEquals(6, nn0.row().regIndex());
        assertEquals(0.9, best.get(1).value(), "the NaN of a failed reg is not the best");
        String md = NoiseSweep.markdown("fmnist-hf", List.of(NoiseSweep.Model.NN, NoiseSweep.Model.RF_KRR), best, false);
        // spec §7.6: τ = 0: NN 0.914, RF KRR 0.916; τ = 3: NN 0.850, RF KRR 0.823
        assertTrue(md.contains("| 0 | 0 | 0.8500 (0.914) | 0.9000 (0.916) |"), md);
        assertTrue(md.contains("| 14 | 3 | 0.7000 (0.850) | 0.7500 (0.823) |"), md);
        // one real output: the lowest normalised error test_loss / mean(y²) wins
        String synth = String.join(",", NoiseSweep.COLUMNS) + "\n"
                + "synth,2,0.2,nt-krr,,0,1.0,0.1,1.0,0.5,0.6,\n"
                + "synth,2,0.2,nt-krr,,1,4.6,0.1,1.0,0.4,0.6,\n";
        List<NoiseSweep.Best> b = NoiseSweep.best(NoiseSweep.parseCsv(synth), Map.of(2, 2.0));
        assertEquals(0.2, b.get(0).value(), 1e-15);
    }

    @Test
    void jobIdsOfTheQuickSweepAreUniqueAndStable() throws Exception {
        NoiseSweep.Settings s = NoiseSweep.resolve(PrepWorkflow.Kind.FMNIST_HF, NoiseSweep.Scale.QUICK, null, List.of(NoiseSweep.Model.values()),
                null, null, null, null, null, "auto", 1);
        List<Sweep.Stage<NoiseJobs.SweepJob>> stages = NoiseSweep.plan(s, dir);
        List<NoiseJobs.SweepJob> data = stages.get(0).jobs();
        List<NoiseJobs.SweepJob> jobs = stages.get(1).jobs();
        // levels 0, 7, 14; per level nn at reg index 0, rf and nt at 0 and 6, and one job per kernel (one polynomial intercept)
        assertEquals(List.of("fmnist-hf-00-n20000-t10000", "fmnist-hf-07-n20000-t10000", "fmnist-hf-14-n20000-t10000"),
                data.stream().map(Job::id).toList());
        assertEquals(3 * (1 + 2 + 2 + 4), jobs.size());
        assertEquals(List.of("fmnist-hf-00-nn-w2048-e60-n20000-reg00", "fmnist-hf-00-rf-w2048-e60-n20000-reg00",
                "fmnist-hf-00-rf-w2048-e60-n20000-reg06", "fmnist-hf-00-nt-w2048-e60-n20000-reg00", "fmnist-hf-00-nt-w2048-e60-n20000-reg06",
                "fmnist-hf-00-rf-krr-n20000", "fmnist-hf-00-nt-krr-n20000", "fmnist-hf-00-linear-c5-n20000", "fmnist-hf-00-quadratic-c5-n20000"),
                jobs.subList(0, 9).stream().map(Job::id).toList());
        Set<String> ids = new HashSet<>();
        for (NoiseJobs.SweepJob j : jobs) {
            assertTrue(ids.add(j.id()), "duplicate id " + j.id());
            assertTrue(j.id().matches("[A-Za-z0-9._=-]+"), j.id());
        }
        // the same settings plan the same jobs; every job survives Java serialisation unchanged
        assertEquals(jobs, NoiseSweep.plan(s, dir).get(1).jobs());
        for (NoiseJobs.SweepJob j : List.of(data.get(0), jobs.get(0), jobs.get(5))) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            try (ObjectOutputStream o = new ObjectOutputStream(b)) {
                o.writeObject(j);
            }
            try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(b.toByteArray()))) {
                assertEquals(j, in.readObject());
            }
        }
        // the KRR grid of Fashion-MNIST is 10^linspace(-1, 5, 20); quick takes indices 0, 4, 8: 0.1, 10^(-1 + 24/19), 10^(-1 + 48/19)
        NoiseJobs.KrrJob krr = (NoiseJobs.KrrJob) jobs.get(5);
        assertEquals(3, krr.regs().length);
        assertEquals(0.1, krr.regs()[0], 1e-17);
        assertEquals(Math.pow(10, -1 + 24.0 / 19), krr.regs()[1], 1e-15 * krr.regs()[1]);
        assertEquals(Math.pow(10, -1 + 48.0 / 19), krr.regs()[2], 1e-15 * krr.regs()[2]);
        assertEquals("f32", krr.dtype());
        // the polynomial intercept 2^linspace(-3, 3, 10)[5] = 2^(1/3)
        assertEquals(Math.cbrt(2), NoiseSweep.polyIntercept(5), 1e-15);
    }
}
