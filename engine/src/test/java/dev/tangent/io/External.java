package dev.tangent.io;

import dev.tangent.TangentException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The external tools the format tests take their expected values from: Debian's python3 with numpy, scipy and
 * scikit-learn (always {@code /usr/bin/python3}), and LIBSVM's {@code svm-train} / {@code svm-predict}
 * (libsvm-tools); scripts/test.sh installs them.
 */
final class External {
    static final String PYTHON = "/usr/bin/python3";

    private External() {
    }

    /** What a finished command printed (stdout and stderr together) and its exit code. */
    record Result(int exit, String output) {
    }

    /** Runs {@code command} to completion (60 s at most). */
    static Result run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), command.getFirst() + " timed out");
        return new Result(p.exitValue(), out.strip());
    }

    /** Runs a python script that must succeed; returns what it printed. */
    static String python(String script) throws IOException, InterruptedException {
        assertTrue(Files.isExecutable(Path.of(PYTHON)), "this test needs " + PYTHON + " with numpy, scipy and scikit-learn");
        Result r = run(List.of(PYTHON, "-c", script));
        assertTrue(r.exit() == 0, "python failed: " + r.output());
        return r.output();
    }

    /** A LIBSVM tool that must succeed; returns what it printed. */
    static String libsvm(String... command) throws IOException, InterruptedException {
        Result r = run(List.of(command));
        assertTrue(r.exit() == 0, String.join(" ", command) + " failed: " + r.output());
        return r.output();
    }

    /** A user-facing error: one line, starting with {@code prefix} (option and file), saying what was expected. */
    static void assertOneLineError(TangentException e, String prefix) {
        assertTrue(e.getMessage().startsWith(prefix), e.getMessage());
        assertTrue(e.getMessage().contains("expected"), e.getMessage());
        assertEquals(-1, e.getMessage().indexOf('\n'), "one line: " + e.getMessage());
    }
}
