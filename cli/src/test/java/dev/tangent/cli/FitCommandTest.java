package dev.tangent.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tangent fit} and {@code tangent rf-gram} keep the command-line contract (issue 12): each misuse is refused with
 * exit 2 and one line naming the option, before anything is created; a run records its provenance, the per-epoch
 * statistics and the final ones, and leaves no checkpoint once it has finished.
 */
class FitCommandTest {
    @TempDir
    Path dir;

    private String x;
    private String y;

    @BeforeEach
    void data() {
        Path[] xy = Fixtures.write(dir, "three", 60, 6, 1, i -> i % 3);
        x = xy[0].toString();
        y = xy[1].toString();
    }

    private String[] fit(String... extra) {
        List<String> a = new ArrayList<>(List.of("fit", "--train", x, "--train-labels", y, "--test", x, "--test-labels", y,
                "--epochs", "3", "--max-batch", "20", "--out", dir.resolve("f").toString()));
        a.addAll(List.of(extra));
        return a.toArray(String[]::new);
    }

    @Test
    void misuseIsRefusedBeforeAnythingIsCreated() {
        Fixtures.refused(dir, "--layers does not apply to --model rf", fit("--model", "rf", "--layers", "2"));
        Fixtures.refused(dir, "--feature-cache does not apply to --model nn", fit("--model", "nn", "--feature-cache", "on"));
        Fixtures.refused(dir, "--optimizer cg applies to --model rf and nt", fit("--model", "nn", "--optimizer", "cg"));
        Fixtures.refused(dir, "--reg and --reg-index exclude each other", fit("--model", "rf", "--reg", "1", "--reg-index", "2"));
        Fixtures.refused(dir, "--reg-index 20: the fmnist grid of --model rf has indices 0..19", fit("--model", "rf", "--reg-index", "20"));
        Fixtures.refused(dir, "--batch 5:x: expected a batch size B or B0:T,B1", fit("--model", "nn", "--batch", "5:x"));
        Fixtures.refused(dir, "--cg-tol does not apply to --optimizer adam", fit("--model", "nt", "--cg-tol", "1e-6"));
        Fixtures.refused(dir, "--lr does not apply to --optimizer cg", fit("--model", "rf", "--optimizer", "cg", "--lr", "0.1"));
        Fixtures.refused(dir, "--shuffle-buffer does not apply to --shuffle none", fit("--model", "rf", "--shuffle-buffer", "4"));
        Fixtures.refused(dir, "--batch 100 exceeds the 60 training samples", fit("--model", "nn", "--batch", "100"));
        String zero = Fixtures.write(dir, "zero", 60, 6, 1, i -> 0)[1].toString();
        Fixtures.refused(dir, "--targets one-hot: only class 0 occurs", "fit", "--model", "rf", "--targets", "one-hot", "--train", x,
                "--train-labels", zero, "--test", x, "--test-labels", zero, "--out", dir.resolve("f").toString());
        Fixtures.refused(dir, "--model': expected one of rf, nt, nn, found 'cnn'", fit("--model", "cnn"));
        Fixtures.refused(dir, "not enough memory for the data (60 + 60 x 6), a nt model of width 100000000", fit("--model", "nt", "--width",
                "100000000"));
        Fixtures.refused(dir, "--resume: --out " + dir.resolve("f") + " does not exist", fit("--model", "rf", "--resume"));
        Fixtures.refused(dir, "--width 10 is smaller than one --block of 50000 features", "rf-gram", "--train", x, "--width", "10", "--out",
                dir.resolve("g").toString());
    }

    @Test
    void aRunRecordsItsStatisticsAndKeepsNoCheckpoint() throws IOException {
        Cli.Outcome o = Cli.run(fit("--model", "nn", "--width", "8", "--batch", "10:2,20", "--dtype", "f64"));
        assertEquals(0, o.code(), o.err());
        Path f = dir.resolve("f");
        List<String> epochs = Files.readAllLines(f.resolve("epochs.csv"));
        assertEquals(4, epochs.size());
        assertTrue(epochs.get(1).startsWith("0,0.0,10,6,0,"), epochs.get(1));
        assertTrue(epochs.get(3).startsWith("2,"), epochs.get(3));
        String run = Files.readString(f.resolve("run.json"));
        for (String k : new String[] {"\"test_accuracy\"", "\"train_loss\"", "\"seconds_per_epoch\"", "\"command_line\"", "\"dropped_per_epoch\": 0"}) {
            assertTrue(run.contains(k), k + " in run.json");
        }
        assertEquals(3.0, Fixtures.number(run, "\"outputs\": "));
        assertFalse(Files.exists(f.resolve("checkpoint")), "a finished run keeps no checkpoint");
        assertTrue(Files.isRegularFile(f.resolve("model/init_W.npy")));
        Fixtures.refused(dir, "holds a finished run; there is nothing to resume", fit("--model", "nn", "--resume"));
    }
}
