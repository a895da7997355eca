package dev.tangent.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tangent noise}: the dry run's job counts, misuse, and an interrupted sweep continued with --resume. */
class NoiseCommandTest {
    @TempDir
    Path dir;

    @Test
    void dryRunCountsTheJobsAndWritesNothing() {
        Path out = dir.resolve("sweep");
        // quick: levels 0, 7, 14; per level nn at one reg, rf and nt at two and four KRR jobs (one intercept); plus 3 datasets
        Cli.Outcome q = Cli.run("noise", "--dataset", "fmnist-hf", "--dry-run", "--out", out.toString());
        assertEquals(0, q.code(), q.err());
        assertTrue(q.out().contains(": 30 jobs"), q.out());
        assertTrue(q.out().contains("models nn             3 jobs"), q.out());
        assertTrue(q.out().contains("nothing was run"), q.out());
        // paper: 15 levels x (nn, rf, nt: 20 regs each; rf-krr, nt-krr: 1; linear, quadratic: 10 intercepts) + 15 datasets
        Cli.Outcome p = Cli.run("noise", "--dataset", "fmnist-hf", "--scale", "paper", "--dry-run", "--out", out.toString());
        assertEquals(0, p.code(), p.err());
        assertTrue(p.out().contains(": " + (15 * (60 + 2 + 20) + 15) + " jobs"), p.out());
        assertFalse(Files.exists(out));
        // without --out: the same plan, and a run is refused in one line
        Cli.Outcome r = Cli.run("noise", "--dataset", "fmnist-hf", "--dry-run");
        assertEquals(0, r.code(), r.err());
        // the same jobs (the memory line reads the memory available at that moment)
        assertEquals(q.out().substring(0, q.out().indexOf("largest job")), r.out().substring(0, r.out().indexOf("largest job")));
        Cli.assertBadInput(null, "Missing required option: '--out=DIR'", "noise", "--dataset", "fmnist-hf");
    }

    @Test
    void misuseIsOneLine() {
        Path out = dir.resolve("bad");
        Cli.assertBadInput(out, "expected fmnist-hf, fmnist-lf or synth", "noise", "--dataset", "cifar", "--out", out.toString());
        Cli.assertBadInput(out, "--levels 15: expected an index in 0..14", "noise", "--dataset", "fmnist-hf", "--levels", "0,15", "--out",
                out.toString());
        Cli.assertBadInput(out, "--models foo", "noise", "--dataset", "synth", "--models", "nn,foo", "--out", out.toString());
        Cli.assertBadInput(out, "--scale big", "noise", "--dataset", "synth", "--scale", "big", "--out", out.toString());
        Cli.assertBadInput(out, "none is an index of rf-krr's grid of 10 values on synth", "noise", "--dataset", "synth", "--models", "rf-krr",
                "--regs", "12,15", "--out", out.toString());
        Cli.assertBadInput(out, "--resume and --overwrite", "noise", "--dataset", "synth", "--resume", "--overwrite", "--out", out.toString());
    }

    private static String[] concat(String[] a, String b) {
        String[] c = java.util.Arrays.copyOf(a, a.length + 1);
        c[a.length] = b;
        return c;
    }

    @Test
    void anInterruptedSweepContinuesWithResume() throws Exception {
        Path out = dir.resolve("s");
        String[] args = {"noise", "--dataset", "synth", "--levels", "1,8", "--models", "nt-krr,rf", "--regs", "0,3", "--n-train", "64",
                "--n-test", "32", "--width", "8", "--epochs", "2", "--threads", "1", "--jobs", "1", "--out", out.toString()};
        String[] stop = new String[args.length + 2];
        System.arraycopy(args, 0, stop, 0, args.length);
        stop[args.length] = "--stop-after";
        stop[args.length + 1] = "3";
        Cli.Outcome a = Cli.run(stop);
        assertEquals(130, a.code(), a.err());
        assertTrue(a.err().contains("continue with --resume"), a.err());
        Cli.Outcome again = Cli.run(args);
        assertEquals(2, again.code(), "a new run refuses the interrupted sweep's directory: " + again.err());
        assertTrue(again.err().contains("--resume"), again.err());
        String[] other = args.clone();
        other[java.util.Arrays.asList(other).indexOf("--epochs") + 1] = "3"; // the jobs would not be the interrupted sweep's
        Cli.assertBadInput(null, "--resume: the interrupted sweep ran with --epochs 2, not 3", concat(other, "--resume"));
        String[] resume = new String[args.length + 1];
        System.arraycopy(args, 0, resume, 0, args.length);
        resume[args.length] = "--resume";
        Cli.Outcome b = Cli.run(resume);
        assertEquals(0, b.code(), b.err());
        // 2 datasets + 2 levels x (1 KRR job + 2 RF jobs) = 8 jobs, 3 finished before
        assertTrue(b.out().contains("8 jobs (3 finished before, 5 run now"), b.out());
        String csv = Files.readString(out.resolve("results.csv"));
        assertEquals(1 + 2 * (2 + 2), csv.lines().count(), csv);
        assertTrue(Files.exists(out.resolve("noise.png")));
    }
}
