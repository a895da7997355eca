package dev.tangent.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 12, acceptance 4: every command's help reads to the end of its sentences. picocli wraps each description
 * element at the 80-column usage width as a paragraph, so a hand-broken line longer than that ends up cut mid-sentence
 * ("... Gram matrices, the" / "kernel machines ..."), and it lists a subcommand by its header. Hence: every header is
 * one complete sentence and the command lists show it whole; a description or footer element longer than 80 columns
 * is a whole paragraph (it ends a sentence), an indented one (a list item, an example) fits in 80 columns, and the
 * description ends with a sentence; every option's description is a complete sentence with a parameter label where
 * it takes a value; --help, --version and help work for every command. And picocli formats every text with
 * String.format, so a bare '%' ("10% of") makes it print "[picocli WARN] Could not format ..." above the help: every '%'
 * is written '%%' (or is '%n').
 */
class HelpTextTest {
    private static final int WIDTH = 80;

    private static List<CommandLine> all() {
        List<CommandLine> out = new ArrayList<>();
        walk(Main.commandLine(new Main(), null), out);
        return out;
    }

    private static void walk(CommandLine c, List<CommandLine> out) {
        out.add(c);
        for (CommandLine s : c.getSubcommands().values()) {
            walk(s, out);
        }
    }

    private static boolean endsSentence(String s) {
        String t = s.strip();
        return t.endsWith(".") || t.endsWith(".)") || t.endsWith(":");
    }

    @Test
    void everyHelpTextIsWholeSentencesWithinTheWidth() {
        List<String> problems = new ArrayList<>();
        for (CommandLine c : all()) {
            CommandSpec spec = c.getCommandSpec();
            String name = spec.qualifiedName(" ");
            String[] header = spec.usageMessage().header();
            checkLines(name + " header", header, problems);
            if (header.length != 1 || !header[0].strip().endsWith(".")) {
                problems.add(name + ": the header is not one sentence: " + String.join(" | ", header));
            }
            String[] description = spec.usageMessage().description();
            checkLines(name + " description", description, problems);
            if (description.length == 0 || !endsSentence(description[description.length - 1])) {
                problems.add(name + ": the description does not end with a sentence");
            }
            checkLines(name + " footer", spec.usageMessage().footer(), problems);
            for (OptionSpec o : spec.options()) {
                String d = String.join(" ", o.description());
                checkPercent(name + " " + o.longestName(), d, problems);
                if (!endsSentence(d)) {
                    problems.add(name + " " + o.longestName() + ": not a complete sentence: " + d);
                }
                if (o.arity().max() > 0 && o.paramLabel().startsWith("<")) {
                    problems.add(name + " " + o.longestName() + ": no parameter label (picocli's default " + o.paramLabel() + ")");
                }
            }
        }
        assertEquals(List.of(), problems);
    }

    /** A '%' that is neither "%%" nor "%n": String.format fails on it and picocli prints a warning with the raw text. */
    private static void checkPercent(String where, String text, List<String> problems) {
        if (java.util.regex.Pattern.compile("%(?![%n])").matcher(text.replace("%%", "")).find()) {
            problems.add(where + ": a bare '%' (write %%): " + text);
        }
    }

    /** An element over 80 columns must be a whole paragraph; an indented one (list item, example) must fit. */
    private static void checkLines(String where, String[] lines, List<String> problems) {
        for (String line : lines) {
            checkPercent(where, line, problems);
            boolean indented = !line.isEmpty() && Character.isWhitespace(line.charAt(0));
            if (line.length() > WIDTH && (indented || !endsSentence(line))) {
                problems.add(where + ": a line of " + line.length() + " columns that picocli would cut: " + line);
            }
        }
    }

    @Test
    void commandListsShowEachHeaderWhole() {
        for (CommandLine c : all()) {
            if (c.getSubcommands().isEmpty()) {
                continue;
            }
            Cli.Outcome o = Cli.run(helpArgs(c));
            assertEquals(0, o.code(), o.err());
            String flat = o.out().replaceAll("\\s+", " ");
            for (CommandLine s : c.getSubcommands().values()) {
                String header = s.getCommandSpec().usageMessage().header()[0];
                assertTrue(flat.contains(s.getCommandName() + " " + header), c.getCommandSpec().qualifiedName(" ") + " lists "
                        + s.getCommandName() + " without its whole header '" + header + "':\n" + o.out());
            }
        }
    }

    private static String[] helpArgs(CommandLine c) {
        List<String> path = new ArrayList<>();
        for (CommandLine p = c; p.getParent() != null; p = p.getParent()) {
            path.addFirst(p.getCommandName());
        }
        path.add("--help");
        return path.toArray(String[]::new);
    }

    @Test
    void helpAndVersionWorkForEveryCommandAndHelpWalksSubcommands() {
        for (CommandLine c : all()) {
            if (c.getCommandName().equals("help")) {
                continue;
            }
            String[] args = helpArgs(c);
            Cli.Outcome help = Cli.run(args);
            assertEquals(0, help.code(), String.join(" ", args) + ": " + help.err());
            assertTrue(help.out().contains("Usage: " + c.getCommandSpec().qualifiedName(" ")), help.out());
            for (String line : help.out().lines().toList()) {
                assertTrue(line.length() <= WIDTH, String.join(" ", args) + ": line of " + line.length() + " columns: " + line);
            }
            args[args.length - 1] = "--version";
            Cli.Outcome v = Cli.run(args);
            assertEquals(0, v.code(), v.err());
            assertTrue(v.out().startsWith("tangent " + BuildInfo.CURRENT.version() + " (commit "), String.join(" ", args) + ": " + v.out());
        }
        // the launcher's fast path for a bare --version (no command model built) prints picocli's line exactly
        java.io.PrintStream saved = System.out;
        java.io.ByteArrayOutputStream fast = new java.io.ByteArrayOutputStream();
        try {
            System.setOut(new java.io.PrintStream(fast, true, java.nio.charset.StandardCharsets.UTF_8));
            Main.main(new String[] {"--version"});
        } finally {
            System.setOut(saved);
        }
        assertEquals(Cli.run("--version").out(), fast.toString(java.nio.charset.StandardCharsets.UTF_8));
        Cli.Outcome h = Cli.run("help", "data", "export");
        assertEquals(0, h.code(), h.err());
        assertTrue(h.out().contains("Usage: tangent data export"), h.out());
        Cli.assertBadInput(null, "unknown command 'exprot'; did you mean export?", "help", "data", "exprot");
    }

    @Test
    void aProcessThatBuildsOnlyItsCommandSeesTheSameCommand() {
        // Main.run registers just the command its arguments name; that command's help must be the full model's
        CommandLine full = Main.commandLine(new Main(), null);
        assertEquals(List.copyOf(Main.COMMANDS.keySet()), List.copyOf(full.getSubcommands().keySet()));
        for (String name : Main.COMMANDS.keySet()) {
            CommandLine one = Main.commandLine(new Main(), new String[] {"-v", name, "--help"});
            assertEquals(name.equals("help") ? full.getSubcommands().keySet() : java.util.Set.of(name), one.getSubcommands().keySet());
            assertEquals(full.getSubcommands().get(name).getUsageMessage(), one.getSubcommands().get(name).getUsageMessage(), name);
            assertEquals(name, full.getSubcommands().get(name).getCommandSpec().name(), "the registered name is the command's own");
        }
        Cli.Outcome h = Cli.run("--help");
        for (String name : Main.COMMANDS.keySet()) {
            assertTrue(h.out().contains("  " + name + " "), "tangent --help lists " + name + ": " + h.out());
        }
    }

    @Test
    void dataListsAllItsSubcommands() {
        Cli.Outcome o = Cli.run("data");
        assertEquals(2, o.code());
        assertTrue(o.err().contains("info, export or prep"), o.err());
    }
}
