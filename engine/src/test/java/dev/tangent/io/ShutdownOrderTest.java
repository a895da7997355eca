package dev.tangent.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The order a SIGINT's shutdown can take (seen on a fast CI machine): the hook closes the temp files, the worker thread
 * fails at its next write and closes its run directory itself, and only then does the hook reach the open runs. The
 * hook's report must still name what that run removed and kept. In a child JVM: closing the temp files is for good.
 */
class ShutdownOrderTest {
    @TempDir
    Path tmp;

    /** The child: a run with one committed file and one kept checkpoint, then the shutdown in the order above. */
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        RunDirectory run = RunDirectory.check(out, RunDirectory.Mode.NEW, "--out", "probe", true).open(m -> {
        });
        AtomicFile.write(out.resolve("result.txt"), t -> Files.writeString(t, "a result"));
        Path ckpt = out.resolve("checkpoint");
        Path part = TempFiles.createDirectory(ckpt);
        Files.writeString(part.resolve("state.json"), "{}");
        TempFiles.rename(part, ckpt, () -> run.keep(ckpt));
        Path next = TempFiles.createDirectory(ckpt); // the next checkpoint, half written when the signal comes
        Files.writeString(next.resolve("theta.npy"), "x".repeat(1000));
        List<TempFiles.Discarded> closedFirst = TempFiles.discardAll(); // the hook's first step
        run.close(); // the worker's own close, before the hook reaches the runs
        List<RunDirectory.Aborted> report = RunDirectory.abortAll(); // the hook's second step
        for (RunDirectory.Aborted a : report) {
            System.out.println((a.dir() == null ? "temps" : "run") + " discarded=" + a.discarded().size() + " kept=" + a.kept().size());
        }
        System.out.println("closedFirst=" + closedFirst.size());
    }

    @Test
    void aRunTheWorkerAbortedAfterTheHookClosedTheTempFilesIsStillReported() throws Exception {
        Path out = tmp.resolve("run");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-modules") || arg.startsWith("--enable-native-access")) {
                cmd.add(arg);
            }
        }
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), ShutdownOrderTest.class.getName(), out.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String printed = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the child finished");
        assertEquals(0, p.exitValue(), printed);
        // the run: result.txt removed, the checkpoint kept; the half-written temp directory was discarded by the hook
        assertTrue(printed.contains("run discarded=1 kept=1"), printed);
        assertTrue(printed.contains("closedFirst=1"), printed);
        assertTrue(Files.isRegularFile(out.resolve("checkpoint/state.json")), "the checkpoint survives");
        assertFalse(Files.exists(out.resolve("result.txt")), "the result of the interrupted run is gone");
        assertTrue(Files.readString(out.resolve(RunDirectory.MANIFEST)).contains("status interrupted"));
    }
}
