package dev.tangent.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Runs the CLI in-process and checks the bad-input contract (exit 2, one line, no stack trace, no output file). */
final class Cli {
    private Cli() {
    }

    record Outcome(int code, String out, String err) {
        /** stderr without the JVM's unavoidable incubator warning. */
        List<String> errLines() {
            return err.lines().filter(l -> !l.isBlank() && !l.startsWith("WARNING: Using incubator")).toList();
        }
    }

    static Outcome run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Outcome(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Exit 2 with exactly one stderr line containing {@code fragment}; when {@code out} is given, nothing was written there. */
    static void assertBadInput(Path out, String fragment, String... args) {
        Outcome o = run(args);
        assertEquals(2, o.code(), "exit code; stderr: " + o.err());
        List<String> lines = o.errLines();
        assertEquals(1, lines.size(), "exactly one line on stderr, got: " + lines);
        assertTrue(lines.get(0).contains(fragment), "message '" + lines.get(0) + "' should mention " + fragment);
        assertFalse(lines.get(0).contains("Exception"), "no stack trace or exception name: " + lines.get(0));
        if (out != null) {
            assertFalse(Files.exists(out), "no output file may be left behind");
            try (Stream<Path> s = Files.list(out.toAbsolutePath().getParent())) {
                assertTrue(s.noneMatch(p -> p.getFileName().toString().endsWith(".part")), "no temp file may be left behind");
            } catch (IOException e) {
                throw new AssertionError(e);
            }
        }
    }
}
