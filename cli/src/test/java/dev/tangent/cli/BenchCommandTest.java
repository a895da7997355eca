package dev.tangent.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code tangent bench gram} runs, reports the machine and writes run.json (timings are not asserted: no timed tests). */
class BenchCommandTest {
    @TempDir
    Path dir;

    @Test
    void smallRunReportsMachineAndRatio() throws IOException {
        Cli.Outcome o = Cli.run("bench", "gram", "--n", "64", "--d", "9", "--reps", "3", "--warmup", "0", "--backend", "java",
                "--out", dir.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("JDK 25"), o.out());
        assertTrue(o.out().contains("ratio Gram / syrk"), o.out());
        String run = Files.readString(dir.resolve("run.json"));
        assertTrue(run.contains("\"gram_seconds\": [") && run.contains("\"backend\": \"java\""), run);
    }

    @Test
    void centredInputsAreRecorded() throws IOException {
        Cli.Outcome o = Cli.run("bench", "gram", "--n", "48", "--d", "7", "--reps", "1", "--warmup", "0", "--backend", "java",
                "--inputs", "centred", "--out", dir.toString());
        assertEquals(0, o.code(), o.err());
        assertTrue(o.out().contains("centred inputs"), o.out());
        assertTrue(Files.readString(dir.resolve("run.json")).contains("\"inputs\": \"centred\""));
    }

    @Test
    void badInputs() {
        Cli.assertBadInput(null, "--inputs", "bench", "gram", "--n", "10", "--inputs", "gaussian");
    }

    @Test
    void badSizes() {
        Cli.assertBadInput(null, "--n, --d and --reps must be >= 1", "bench", "gram", "--n", "10", "--reps", "0");
    }
}
