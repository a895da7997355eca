package dev.tangent.cli;

import dev.tangent.io.RunDirectory;
import dev.tangent.io.TempFiles;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The progress line (items done, rate, time left), the quiet first two seconds, and the one interrupt line. */
class ProgressBarTest {
    @Test
    void lineShowsItemsRateAndTimeLeft() {
        assertEquals("tangent gram: gram [########............]  40% 12/30 blocks, 3.00 blocks/s, ETA 6 s",
                ProgressBar.line("tangent gram: gram", "blocks", 12, 30, 4.0));
        assertEquals("x [####################] 100% 500/500 steps, 125 steps/s", ProgressBar.line("x", "steps", 500, 500, 4.0));
        assertEquals("x [....................]   1% 1/168 blocks", ProgressBar.line("x", "blocks", 1, 168, 0.2),
                "no rate and no ETA in a phase's first second");
        assertEquals("2 min", ProgressBar.duration(100));
        assertEquals("1.5 h", ProgressBar.duration(5400));
    }

    @Test
    void aRunShorterThanTwoSecondsShowsNothingButKnowsWhereItIs() {
        StringWriter sw = new StringWriter();
        ProgressBar bar = new ProgressBar(new PrintWriter(sw), "tangent gram", true);
        bar.update("gram", "blocks", 3, 10);
        bar.close();
        assertEquals("", sw.toString());
        assertEquals("gram 3/10 blocks", bar.status());
    }

    @Test
    void theInterruptLineSaysWhatWasDiscardedAndKept() {
        ProgressBar bar = new ProgressBar(new PrintWriter(new StringWriter()), "tangent equivalence", false);
        bar.update("network width 1000", "steps", 40, 500);
        Path out = Path.of("/runs/eq");
        String m = Interrupts.message("tangent equivalence", bar, List.of(
                new RunDirectory.Aborted(out, List.of(new TempFiles.Discarded(out.resolve("km/alpha.npy"), 2048),
                        new TempFiles.Discarded(out.resolve("steps.npy"), 1024)), List.of(out.resolve("checkpoint_w1000"))),
                new RunDirectory.Aborted(null, List.of(new TempFiles.Discarded(out.resolve(".x.npy.tangent-1-2.part"), 10)), List.of())));
        assertTrue(m.matches("tangent equivalence: interrupted after [0-9.]+ s \\(network width 1000 40/500 steps\\); removed the 2 files "
                + "it had written to /runs/eq \\(3\\.00 KiB\\); discarded the temp file /runs/eq/\\.x\\.npy\\.tangent-1-2\\.part \\(10 B\\); "
                + "kept 1 checkpoint in /runs/eq \\(the same command with --resume continues\\)"), m);
        assertEquals("tangent gram: interrupted; no output had been written", Interrupts.message("tangent gram", null, List.of()));
    }
}
