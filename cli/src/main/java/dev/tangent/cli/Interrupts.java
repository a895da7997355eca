package dev.tangent.cli;

import dev.tangent.io.RunDirectory;
import dev.tangent.io.TempFiles;
import dev.tangent.memory.MemoryBudget;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * SIGINT and SIGTERM: a shutdown hook removes every temp file of the process and what a run directory in progress
 * holds (checkpoints excepted), and prints one line saying so. A command that finished (or failed) normally has
 * nothing to clean: the hook does nothing then.
 */
final class Interrupts {
    private static volatile String command;
    private static volatile ProgressBar bar;

    private Interrupts() {
    }

    /** Installs the hook (the process's main only; in-process callers such as tests do not). */
    static void install(PrintStream err) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            String cmd = command;
            if (cmd == null) {
                return;
            }
            ProgressBar b = bar;
            if (b != null) {
                b.clear();
            }
            err.println(message(cmd, b, RunDirectory.abortAll()));
            err.flush();
        }, "tangent-interrupt"));
    }

    static void begin(String name, ProgressBar b) {
        command = name;
        bar = b;
    }

    static void end() {
        command = null;
        bar = null;
    }

    /** The one line: where the run stood, what was removed and what was kept. */
    static String message(String cmd, ProgressBar b, List<RunDirectory.Aborted> aborted) {
        StringBuilder sb = new StringBuilder(cmd).append(": interrupted");
        if (b != null) {
            sb.append(String.format(Locale.ROOT, " after %.1f s", b.seconds()));
            String st = b.status();
            if (st != null) {
                sb.append(" (").append(st).append(')');
            }
        }
        List<String> parts = new ArrayList<>();
        List<Path> kept = new ArrayList<>();
        for (RunDirectory.Aborted a : aborted) {
            long bytes = a.discarded().stream().mapToLong(TempFiles.Discarded::bytes).sum();
            int n = a.discarded().size();
            if (a.dir() == null) {
                parts.add("discarded " + (n == 1 ? "the temp file " + a.discarded().get(0).path() : n + " temp files") + " ("
                        + MemoryBudget.human(bytes) + ")");
            } else if (n > 0) {
                parts.add("removed the " + n + " file" + (n == 1 ? "" : "s") + " it had written to " + a.dir() + " ("
                        + MemoryBudget.human(bytes) + ")");
            }
            kept.addAll(a.kept());
        }
        if (!kept.isEmpty()) {
            parts.add("kept " + kept.size() + " checkpoint" + (kept.size() == 1 ? "" : "s") + " in " + kept.get(0).getParent()
                    + " (the same command with --resume continues)");
        }
        sb.append("; ").append(parts.isEmpty() ? "no output had been written" : String.join("; ", parts));
        return sb.toString();
    }
}
