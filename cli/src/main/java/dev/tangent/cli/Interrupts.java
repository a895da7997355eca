package dev.tangent.cli;

import dev.tangent.io.RunDirectory;
import dev.tangent.io.TempFiles;
import dev.tangent.memory.MemoryBudget;

import java.io.PrintStream;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * SIGINT, SIGTERM and SIGHUP: a shutdown hook removes every temp file of the process and what a run directory in
 * progress holds (checkpoints excepted), and prints one line saying so. A command that finished (or failed) normally
 * has nothing to clean: the hook does nothing then.
 *
 * <p>After an interrupted command the hook ends the process itself, with {@code _exit(128 + signal)}: worker threads
 * may still be inside OpenBLAS when the JVM exits, and the C library's exit runs OpenBLAS's destructor under them (a
 * SIGTERM 12 minutes into a {@code tangent noise} sweep crashed in {@code sgemm_kernel_HASWELL} after the hook's line,
 * leaving an hs_err file and exit code 134; a {@code tangent krr} interrupted in its factorization hung there).
 * {@code _exit} skips the C library's exit handlers; the hook has already removed the temp files and the run
 * directories' partial output, and kept checkpoints are whole files. The signal's number comes from our HUP, INT and
 * TERM handlers (the signals the JVM itself turns into an exit), which do what the JVM's own do
 * ({@code System.exit(128 + signal)}) and, like them, stay off a signal the process ignores.
 */
final class Interrupts {
    private static volatile String command;
    private static volatile ProgressBar bar;
    /** The HUP, INT or TERM that started the shutdown, 0 for none (an ordinary exit). */
    private static volatile int signal;

    private Interrupts() {
    }

    /** Installs the hook (the process's main only; in-process callers such as tests do not). */
    static void install(PrintStream err) {
        for (String name : new String[] {"HUP", "INT", "TERM"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), s -> {
                    signal = s.getNumber();
                    System.exit(128 + s.getNumber());
                });
            } catch (IllegalArgumentException e) {
                // the JVM keeps the signal (-Xrs) or cannot name it here: its own handling stays
            }
        }
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
            int sig = signal;
            if (sig != 0) {
                System.out.flush();
                exitNow(128 + sig);
            }
        }, "tangent-interrupt"));
    }

    /** {@code _exit(code)}: the process ends at once, without the C library's exit handlers (see the class comment). */
    private static void exitNow(int code) {
        try {
            Linker linker = Linker.nativeLinker();
            MethodHandle exit = linker.downcallHandle(linker.defaultLookup().find("_exit").orElseThrow(),
                    FunctionDescriptor.ofVoid(ValueLayout.JAVA_INT));
            exit.invokeExact(code);
        } catch (Throwable t) {
            // no _exit here: the JVM's own exit follows the hook
        }
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
