package dev.tangent.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tangent krr} end to end: two solvers agree, the plan of --dry-run, and the bad-input contract. */
class KrrCommandTest {
    @TempDir
    Path dir;

    private Path[] data(String name, int n, long seed) {
        return Fixtures.write(dir, name, n, 8, seed, i -> i % 3);
    }

    private String[] args(Path[] tr, Path[] te, Path out, String... more) {
        List<String> a = new java.util.ArrayList<>(List.of("krr", "--train", tr[0].toString(), "--train-labels", tr[1].toString(),
                "--test", te[0].toString(), "--test-labels", te[1].toString(), "--kernel", "ntk2", "--dtype", "f64", "--out", out.toString()));
        a.addAll(List.of(more));
        if (!a.contains("--regs")) {
            a.addAll(List.of("--regs", "0.1,1,100"));
        }
        return a.toArray(String[]::new);
    }

    private static List<String[]> rows(Path csv) throws IOException {
        return Files.readAllLines(csv).stream().skip(1).map(l -> l.split(",")).toList();
    }

    /**
     * Eigendecomposition and Cholesky per reg, each to a relative residual of 1e-10, give the same errors: with
     * λ_max(K) ≤ n·max K_ii ≈ 90·2 here and the smallest shift 0.1, κ(K + sI) ≤ 2e3, so the coefficients agree to
     * 2κ·1e-10 ≤ 4e-7 relative and the MSEs to twice that; 1e-6 covers it.
     */
    @Test
    void eighAndCholeskyGiveTheSameErrors() throws IOException {
        Path[] tr = data("train", 90, 1);
        Path[] te = data("test", 60, 2);
        Path a = dir.resolve("eigh");
        Path b = dir.resolve("chol");
        Cli.Outcome oa = Cli.run(args(tr, te, a, "--solver", "eigh"));
        assertEquals(0, oa.code(), oa.err());
        Cli.Outcome ob = Cli.run(args(tr, te, b, "--solver", "cholesky", "--factorizations", "all"));
        assertEquals(0, ob.code(), ob.err());
        List<String[]> ra = rows(a.resolve("errors.csv"));
        List<String[]> rb = rows(b.resolve("errors.csv"));
        assertEquals(3, ra.size());
        for (int i = 0; i < 3; i++) {
            for (int col : new int[] {3, 5}) { // train_mse, test_mse
                double x = Double.parseDouble(ra.get(i)[col]);
                double y = Double.parseDouble(rb.get(i)[col]);
                assertEquals(y, x, 1e-6 * y, "reg " + ra.get(i)[1] + " column " + col);
            }
            assertEquals(rb.get(i)[6], ra.get(i)[6], "test accuracy of reg " + ra.get(i)[1]);
            assertTrue(Double.parseDouble(ra.get(i)[7]) <= 1e-10 * 1.001, "residual " + ra.get(i)[7]);
        }
        String run = Files.readString(a.resolve("run.json"));
        for (String key : new String[] {"\"precision\"", "\"residual\"", "\"iterations\"", "\"seconds\"", "\"gram\"", "\"predictions\"",
                "\"best\"", "\"plan\""}) {
            assertTrue(run.contains(key), key + " in run.json");
        }
        assertTrue(Files.exists(a.resolve("reg_02/coefficients.npy")));
        assertTrue(Files.exists(a.resolve("predictions_test.npy")));
        assertTrue(oa.out().contains("time: Gram"), oa.out());
    }

    @Test
    void dryRunPrintsThePlanAndWritesNothing() {
        Path[] tr = data("train", 90, 1);
        Path[] te = data("test", 60, 2);
        Path out = dir.resolve("plan");
        Cli.Outcome o = Cli.run(args(tr, te, out, "--dry-run"));
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("chosen:") && o.out().contains("candidate"), o.out());
        assertFalse(Files.exists(out));
        // --out is needed only to run: the plan prints without it, a run without it is refused in one line
        List<String> noOut = new java.util.ArrayList<>(List.of(args(tr, te, out, "--dry-run")));
        int at = noOut.indexOf("--out");
        noOut.remove(at + 1);
        noOut.remove(at);
        Cli.Outcome p = Cli.run(noOut.toArray(String[]::new));
        assertEquals(0, p.code(), p.err());
        // the same choice with and without --out (the measured speeds above it vary from run to run)
        assertEquals(o.out().substring(o.out().indexOf("chosen:")).split("\n")[0], p.out().substring(p.out().indexOf("chosen:")).split("\n")[0]);
        noOut.remove("--dry-run");
        Cli.assertBadInput(null, "Missing required option: '--out=DIR'", noOut.toArray(String[]::new));
    }

    /** krr and fit share --targets: one-hot is listed, krr's former onehot still converts, anything else is refused. */
    @Test
    void targetKindsAreOneVocabulary() {
        Converters.TargetKinds c = new Converters.TargetKinds();
        assertEquals(List.of("auto", "one-hot", "real"), java.util.stream.StreamSupport.stream(c.spliterator(), false).toList());
        assertEquals(dev.tangent.experiment.TargetKind.ONE_HOT, c.convert("one-hot"));
        assertEquals(dev.tangent.experiment.TargetKind.ONE_HOT, c.convert("onehot"));
        assertEquals(dev.tangent.experiment.TargetKind.ONE_HOT, c.convert("One-Hot"));
        org.junit.jupiter.api.Assertions.assertThrows(picocli.CommandLine.TypeConversionException.class, () -> c.convert("one_hot"));
    }

    @Test
    void badInputIsRefusedBeforeAnythingIsCreated() {
        Path[] tr = data("train", 30, 1);
        Path[] te = data("test", 20, 2);
        Path out = dir.resolve("r");
        Fixtures.refused(dir, "--regs 1:x:3", args(tr, te, out, "--regs", "1:x:3"));
        Fixtures.refused(dir, "every value must be finite and >= 0", args(tr, te, out, "--regs", "-1,2"));
        Fixtures.refused(dir, "--nystrom-rank does not apply", args(tr, te, out, "--solver", "eigh", "--nystrom-rank", "10"));
        Fixtures.refused(dir, "--tol must be in (0, 1)", args(tr, te, out, "--tol", "2"));
        Fixtures.refused(dir, "--memory 12Q", args(tr, te, out, "--memory", "12Q"));
    }
}
