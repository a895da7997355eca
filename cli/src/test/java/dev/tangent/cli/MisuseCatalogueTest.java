package dev.tangent.cli;

import dev.tangent.compute.KernelProviders;

import dev.tangent.TangentException;
import dev.tangent.data.DataSource;
import dev.tangent.data.Input;
import dev.tangent.data.Normalization;
import dev.tangent.data.Selection;
import dev.tangent.experiment.Context;
import dev.tangent.experiment.EquivalenceWorkflow;
import dev.tangent.experiment.Output;
import dev.tangent.experiment.Schedule;
import dev.tangent.io.Npy;
import dev.tangent.io.RunDirectory;
import dev.tangent.machine.Loss;
import dev.tangent.machine.SubgradientSolver;
import dev.tangent.memory.DType;
import dev.tangent.memory.Matrix;
import dev.tangent.network.NetworkTrainer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Issue 12, acceptance 1: the misuse catalogue. Each case is one mistake of the list; each must exit with code
 * 2 and one line naming the file or option, print no stack trace, and leave the temp directory exactly as it was
 * (listed before and after: nothing created, changed or removed). Special files are a FIFO and a symbolic link made
 * here, never /dev/null.
 */
class MisuseCatalogueTest {
    @TempDir
    Path dir;

    private String x;
    private String y;

    @BeforeEach
    void data() throws IOException {
        Path[] xy = Fixtures.write(dir, "blobs", 60, 6, 1, null);
        x = xy[0].toString();
        y = xy[1].toString();
    }

    private String labels(String name, double... special) {
        double[] v = new double[60];
        for (int i = 0; i < 60; i++) {
            v[i] = i % 2 == 0 ? 1 : -1;
        }
        for (int k = 0; k + 1 < special.length; k += 2) {
            v[(int) special[k]] = special[k + 1];
        }
        Path p = dir.resolve(name);
        Npy.writeVector(p, v);
        return p.toString();
    }

    private String labels(String name, java.util.function.IntToDoubleFunction f) {
        double[] v = new double[60];
        for (int i = 0; i < 60; i++) {
            v[i] = f.applyAsDouble(i);
        }
        Path p = dir.resolve(name);
        Npy.writeVector(p, v);
        return p.toString();
    }

    private void refused(String fragment, String... args) {
        Fixtures.refused(dir, fragment, args);
    }

    private String out(String name) {
        return dir.resolve(name).toString();
    }

    /** A finished run of tangent train (svm-sgd) in DIR/name. */
    private String trained(String name, String... extra) {
        List<String> a = new ArrayList<>(List.of("train", "--method", "svm-sgd", "--train", x, "--train-labels", y, "--depth", "1",
                "--epochs", "5", "--batch", "16", "--out", out(name)));
        a.addAll(List.of(extra));
        Cli.Outcome o = Cli.run(a.toArray(String[]::new));
        assertEquals(0, o.code(), o.err());
        return out(name);
    }

    // ---- Outputs ----

    @Test
    void gramIntoAFifoIsRefused() throws Exception {
        Path fifo = Fixtures.fifo(dir.resolve("fifo"));
        refused("--out " + fifo + ": exists and is not a regular file (a FIFO, socket or device)", "gram", "--x", x, "--depth", "1",
                "--out", fifo.toString());
    }

    @Test
    void gramOverASymlinkIsRefused() throws IOException {
        Path link = Files.createSymbolicLink(dir.resolve("K.npy"), Path.of(y));
        refused("--out " + link + ": exists and is a symbolic link; only regular files or new paths are replaced", "gram", "--x", x,
                "--depth", "1", "--out", link.toString());
    }

    @Test
    void aRunDirectoryThatIsAFifoIsRefused() throws Exception {
        Path fifo = Fixtures.fifo(dir.resolve("fifo"));
        refused("--out " + fifo + ": exists and is not a directory", "train", "--method", "krr", "--train", x, "--train-labels", y,
                "--depth", "1", "--out", fifo.toString());
    }

    @Test
    void anOutThatHoldsAnotherRunIsRefused() {
        String m = trained("m");
        refused("--out " + m + ": holds another run of tangent train; replace it with --overwrite", "train", "--method", "krr",
                "--lambdas", "0.1,0.2", "--train", x, "--train-labels", y, "--depth", "1", "--out", m);
        refused("--out " + m + ": holds another run of tangent train", "predict", "--model", m, "--test", x, "--out", m);
        refused("--out " + m + ": holds another run of tangent train", "equivalence", "--train", x, "--train-labels", y, "--test", x,
                "--test-labels", y, "--widths", "8", "--epochs", "1", "--out", m);
    }

    @Test
    void aModelDirectoryInsideAnotherRunIsRefused() {
        String m = trained("m");
        Path eq = dir.resolve("eq");
        assertEquals(0, Cli.run("equivalence", "--train", x, "--train-labels", y, "--test", x, "--test-labels", y, "--widths", "8",
                "--epochs", "1", "--batch", "30", "--out", eq.toString()).code());
        refused("--out " + eq.resolve("km") + ": holds model.json of another run", "predict", "--model", m, "--test", x, "--out",
                eq.resolve("km").toString());
    }

    @Test
    void aDirectoryAnotherProcessWritesIsRefused() throws IOException {
        Path busy = Files.createDirectories(dir.resolve("busy"));
        long parent = ProcessHandle.current().parent().orElseThrow().pid();
        Files.writeString(busy.resolve(RunDirectory.LOCK), parent + "\n");
        refused("--out " + busy + ": another tangent process (pid " + parent + ") is writing this directory", "train", "--method",
                "krr", "--train", x, "--train-labels", y, "--depth", "1", "--out", busy.toString());
    }

    @Test
    void memoryIsCheckedBeforeAnythingIsWritten() {
        Path[] wide = Fixtures.write(dir, "wide", 20, 784, 2, null);
        refused("not enough memory for the Grams (20 x 20 and 20 x 20, f64) and a network of --widths 10000000", "equivalence", "--train",
                wide[0].toString(), "--train-labels", wide[1].toString(), "--test", wide[0].toString(), "--test-labels",
                wide[1].toString(), "--widths", "10000000", "--out", out("eq"));
    }

    @Test
    void diskSpaceIsCheckedBeforeAnythingIsWritten() {
        Path tall = dir.resolve("tall.npy");
        try (Matrix m = Matrix.allocate(2_000_000, 1, DType.F64)) {
            Npy.write(tall, m);
        }
        refused("not enough disk space: the 2000000 x 2000000 f64 Gram needs", "gram", "--x", tall.toString(), "--depth", "1", "--out",
                out("K.npy"));
    }

    @Test
    void validationErrorsCreateNoOutputDirectory() {
        refused("--lambda must be finite and >= 0, found -1.0", "train", "--method", "krr", "--train", x, "--train-labels", y,
                "--depth", "1", "--lambda", "-1", "--out", out("new/deeper/m"));
    }

    // ---- Inputs ----

    @Test
    void nanAndInfiniteLabelsAreRefusedLikeFeatures() {
        String nan = labels("nan.npy", 3, Double.NaN);
        String inf = labels("inf.npy", 4, Double.POSITIVE_INFINITY);
        refused("--train-labels " + nan + ": target NaN at row 3; expected finite targets", "train", "--method", "krr", "--train", x,
                "--train-labels", nan, "--depth", "1", "--out", out("m"));
        refused("--train-labels " + inf + ": target Infinity at row 4; expected finite targets", "train", "--method", "krr", "--train",
                x, "--train-labels", inf, "--depth", "1", "--out", out("m"));
        refused("--train-labels " + inf + ": target Infinity at row 4", "train", "--method", "svr-sgd", "--train", x, "--train-labels",
                inf, "--depth", "1", "--out", out("m"));
    }

    @Test
    void binaryMethodsNeedPlusMinusOne() {
        String digits = labels("digits.npy", i -> i % 10);
        refused("target 0 at row 0; tangent bound (hinge loss) needs targets -1/+1 (use --classes A,B", "bound", "--train", x,
                "--train-labels", digits, "--out", out("b"));
        refused("target 0 at row 0; --method svm-smo needs targets -1/+1 (use --classes A,B", "train", "--method", "svm-smo", "--train",
                x, "--train-labels", digits, "--depth", "1", "--out", out("m"));
        String m = trained("m");
        String zeroOne = labels("01.npy", i -> i % 2);
        refused("--test " + x + ", none: target 0 at row 0; tangent certify (a binary model) needs targets -1/+1", "certify",
                "--model", m, "--test", x, "--test-labels", zeroOne, "--out", out("c"));
    }

    @Test
    void zeroColumnAndOneDimensionalArraysAreRefusedWithTheirShape() throws IOException {
        Path zero = dir.resolve("zero.npy");
        String h = "{'descr': '<f8', 'fortran_order': False, 'shape': (200, 0), }";
        h = h + " ".repeat((64 - (10 + h.length() + 1) % 64) % 64) + "\n";
        ByteBuffer bb = ByteBuffer.allocate(10 + h.length()).order(ByteOrder.LITTLE_ENDIAN);
        bb.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) h.length()).put(h.getBytes(StandardCharsets.ISO_8859_1));
        Files.write(zero, bb.array());
        refused("--x " + zero + ": shape (200, 0), no features; expected at least one column", "gram", "--x", zero.toString(), "--depth",
                "1", "--out", out("K.npy"));
        refused("--x " + y + ": 1-D array of shape (60,), expected a 2-D array (samples x features)", "gram", "--x", y, "--depth", "1",
                "--out", out("K.npy"));
    }

    @Test
    void labelsFileOnASourceWithItsOwnTargetsIsRefused() throws IOException {
        Path libsvm = dir.resolve("data.libsvm");
        Files.writeString(libsvm, "+1 1:0.5 2:1\n-1 1:0.25 3:2\n");
        refused("--train-labels " + y + ": applies to a .npy --train only; " + libsvm + " carries its own targets", "train", "--method",
                "krr", "--train", libsvm.toString(), "--train-labels", y, "--depth", "1", "--out", out("m"));
    }

    @Test
    void limitsAndColumnsThatDoNothingAreRefused() {
        refused("--train-limit must be a positive number of samples, found 0", "train", "--method", "krr", "--train", x,
                "--train-labels", y, "--train-limit", "0", "--depth", "1", "--out", out("m"));
        refused("--limit has no effect: --train-limit and --test-limit are given too", "train", "--method", "krr", "--train", x,
                "--train-labels", y, "--test", x, "--test-labels", y, "--train-limit", "10", "--test-limit", "10", "--limit", "5",
                "--depth", "1", "--out", out("m"));
        refused("--label-column applies to CSV/TSV data only", "train", "--method", "krr", "--train", x, "--train-labels", y,
                "--label-column", "label", "--depth", "1", "--out", out("m"));
        refused("--test-limit needs --test", "train", "--method", "krr", "--train", x, "--train-labels", y, "--test-limit", "3",
                "--depth", "1", "--out", out("m"));
        refused("--test-labels needs --test", "bound", "--train", x, "--train-labels", y, "--test-labels", y, "--out", out("b"));
        refused("--x2-limit needs --x2", "gram", "--x", x, "--x2-limit", "3", "--depth", "1", "--out", out("K.npy"));
    }

    // ---- Options ----

    @Test
    void conflictingOptionsNameBoth() {
        refused("--size and --limit exclude each other", "bound", "--train", x, "--train-labels", y, "--size", "50", "--limit", "40",
                "--out", out("b"));
        refused("--size and --train-limit exclude each other", "bound", "--train", x, "--train-labels", y, "--size", "50",
                "--train-limit", "40", "--out", out("b"));
        refused("--c and --lambda exclude each other", "train", "--method", "svm-smo", "--train", x, "--train-labels", y, "--depth", "1",
                "--c", "1", "--lambda", "0.5", "--out", out("m"));
        refused("--resume and --overwrite exclude each other", "equivalence", "--train", x, "--train-labels", y, "--test", x,
                "--test-labels", y, "--resume", "--overwrite", "--out", out("e"));
        refused("--sample and --limit exclude each other", "certify", "--model", out("nowhere"), "--test", x, "--sample", "5", "--limit",
                "3", "--out", out("c"));
    }

    @Test
    void optionsThatDoNotApplyAreErrors() {
        for (String[] o : new String[][] {{"--c", "1"}, {"--epochs", "5"}, {"--lr", "0.5"}, {"--batch", "8"}, {"--tol", "0.1"},
                {"--epsilon", "0.2"}, {"--km-decay", "all"}}) {
            refused(o[0] + " does not apply to --method krr", "train", "--method", "krr", "--train", x, "--train-labels", y, "--depth",
                    "1", o[0], o[1], "--out", out("m"));
        }
        refused("--jitter does not apply to --method svm-sgd", "train", "--method", "svm-sgd", "--train", x, "--train-labels", y,
                "--depth", "1", "--jitter", "0.1", "--out", out("m"));
        refused("--epsilon does not apply to --loss hinge", "equivalence", "--train", x, "--train-labels", y, "--test", x,
                "--test-labels", y, "--epsilon", "0.2", "--out", out("e"));
        refused("--depth does not apply to --format npy", "data", "export", x, "--labels", y, "--depth", "2", "--out", out("x"));
        refused("--backend does not apply to --dataset synth", "data", "prep", "--dataset", "synth", "--noise-index", "1", "--backend",
                "java", "--out", out("p"));
        String m = trained("m");
        refused("--seed needs --sample", "certify", "--model", m, "--test", x, "--test-labels", y, "--seed", "3", "--out", out("c"));
        refused("--pgd-steps needs --attack or --method pgd", "certify", "--model", m, "--test", x, "--test-labels", y, "--pgd-steps",
                "5", "--out", out("c"));
        refused("--delta0 does not apply to --method pgd", "certify", "--model", m, "--test", x, "--test-labels", y, "--method", "pgd",
                "--delta0", "0.1", "--out", out("c"));
        refused("--ibp-center applies to networks (IBP); --model " + m + " holds a kernel machine", "certify", "--model", m, "--test", x,
                "--test-labels", y, "--ibp-center", "sound", "--out", out("c"));
    }

    @Test
    void unknownNamesGetTheNearestKnownOne() throws IOException {
        refused("unknown option '--depht'; did you mean --depth?", "gram", "--x", x, "--depht", "1", "--out", out("K.npy"));
        refused("unknown command 'gramm'; did you mean gram?", "gramm", "--x", x);
        Path cfg = dir.resolve("svm_sgd.yaml");
        Files.writeString(cfg, "model:\n  widht: 100\n");
        refused("--config " + cfg + ":2: unknown key 'model.widht'; did you mean 'model.width'?", "equivalence", "--config",
                cfg.toString(), "--train", x, "--train-labels", y, "--test", x, "--test-labels", y, "--out", out("e"));
        refused("--backend': expected one of auto, cuda, openblas, java, scalar, found 'cudnn'", "gram", "--x", x, "--depth", "1", "--backend",
                "cudnn", "--out", out("K.npy"));
        refused("--nn-dtype': expected one of f64, f32, found 'f16'", "equivalence", "--train", x, "--test", x, "--nn-dtype", "f16",
                "--out", out("e"));
        refused("--noise-index 10: the spiked-covariates data have levels 0..9", "data", "prep", "--dataset", "synth", "--noise-index",
                "10", "--out", out("p"));
    }

    @Test
    void resumeNeedsAnInterruptedRunWithTheSameOptions() {
        refused("--resume: --out " + out("none") + " does not exist; there is nothing to resume", "equivalence", "--train", x,
                "--train-labels", y, "--test", x, "--test-labels", y, "--resume", "--out", out("none"));
        Path cut = dir.resolve("cut");
        EquivalenceWorkflow.Request r = new EquivalenceWorkflow.Request(
                new Input(DataSource.parse(x, Path.of(y), "--train"), Selection.ALL, "--train"),
                new Input(DataSource.parse(x, Path.of(y), "--test"), Selection.ALL, "--test"), null,
                new EquivalenceWorkflow.Network(1, List.of(16), DType.F32, NetworkTrainer.Regularizer.REFERENCE),
                new EquivalenceWorkflow.Objective(new Loss.Hinge(), 0.001), new Schedule(1, 16, 4, 6, true, SubgradientSolver.Decay.BATCH),
                EquivalenceWorkflow.Tracking.DRAWN, new EquivalenceWorkflow.Checkpoints(1, 6), Output.of(cut));
        TangentException stop = assertThrows(TangentException.class,
                () -> EquivalenceWorkflow.run(r, Context.of(KernelProviders.select("java", 1).provider())));
        assertEquals(130, stop.exitCode());
        String[] same = {"equivalence", "--train", x, "--train-labels", y, "--test", x, "--test-labels", y, "--widths", "16",
                "--batch", "16", "--epochs", "4", "--out", cut.toString()};
        refused("--out " + cut + ": holds an interrupted run of tangent equivalence; continue it with --resume", same);
        List<String> changed = new ArrayList<>(List.of(same));
        changed.addAll(List.of("--resume", "--lr", "0.5"));
        refused("--resume: --lr is 0.5 here but 1.0 in the checkpoint " + cut.resolve("checkpoint_w16"), changed.toArray(String[]::new));
    }

    // ---- Workflows ----

    @Test
    void predictAndCertifyRefuseDataOptionsOtherThanTheModels() {
        String m = trained("m", "--normalize", "standard");
        refused("--normalize unit: the model in " + m + " was trained with --normalize standard", "predict", "--model", m, "--test", x,
                "--normalize", "unit", "--out", out("p"));
        refused("--normalize none: the model in " + m + " was trained with --normalize standard", "certify", "--model", m, "--test", x,
                "--test-labels", y, "--normalize", "none", "--out", out("c"));
    }

    @Test
    void aRunThatFailsHalfWayRemovesWhatItWrote() {
        // krr with lambda = 0 on duplicated rows: the Cholesky factorisation fails after the Grams were built
        Path[] dup = Fixtures.write(dir, "dup", 40, 3, 5, null);
        try (Matrix d = Npy.readMatrix(dup[0], DType.F64, "")) {
            for (int i = 1; i < 40; i += 2) {
                d.rows(i - 1, 1).copyInto(d.rows(i, 1));
            }
            Npy.write(dup[0], d);
        }
        refused("jitter", "train", "--method", "krr", "--lambda", "0", "--train", dup[0].toString(), "--train-labels", dup[1].toString(),
                "--depth", "1", "--out", out("m"));
    }

    @Test
    void specialFilesInsideARunDirectoryAreNeverReplaced() throws Exception {
        Path m = Files.createDirectories(dir.resolve("m"));
        Fixtures.fifo(m.resolve("alpha.npy"));
        refused("cannot write " + m.resolve("alpha.npy") + ": exists and is not a regular file", "train", "--method", "krr", "--train", x,
                "--train-labels", y, "--depth", "1", "--normalize", "none", "--out", m.toString());
    }

    @SuppressWarnings("unused")
    private static Normalization unused() {
        return Normalization.NONE;
    }
}
