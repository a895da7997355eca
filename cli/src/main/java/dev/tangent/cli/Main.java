package dev.tangent.cli;

import dev.tangent.TangentException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The {@code tangent} command. Thin: each subcommand parses its options, calls one engine entry point and reports.
 * Errors: a {@link TangentException} becomes one line on stderr and its exit code (2 for bad input); option errors
 * likewise exit 2, an unknown option named with the nearest known one; anything else is an internal error (exit 1).
 * Stack traces only with {@code --verbose}. Every command has --help and --version.
 */
@Command(name = "tangent", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        header = "Neural-tangent-kernel research engine: Gram matrices, kernel machines and the papers' workflows.",
        description = "Panama-native engine for neural-tangent-kernel research: analytic NTK/NNGP Gram matrices, the kernel "
                + "machines that wide ReLU networks are equivalent to, and the workflows of the two papers.",
        footer = {"", "Every command has --help and --version; 'tangent help data export' shows a subcommand's help. "
                + "Documentation: README.md and docs/ in the source tree."})
public final class Main implements Runnable {

    @Option(names = {"-v", "--verbose"}, scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces and backend diagnostics.")
    boolean verbose;

    /**
     * The subcommands, in the order help lists them. They are registered here rather than in the annotation so that a
     * process builds the model of the one command it runs: picocli's reflective model of every command costs a cold
     * JVM more than the rest of {@code tangent info} (see {@link #commandLine}).
     */
    static final Map<String, Class<?>> COMMANDS = commands();

    private static Map<String, Class<?>> commands() {
        Map<String, Class<?>> m = new LinkedHashMap<>();
        m.put("info", InfoCommand.class);
        m.put("data", DataCommand.class);
        m.put("gram", GramCommand.class);
        m.put("train", TrainCommand.class);
        m.put("krr", KrrCommand.class);
        m.put("predict", PredictCommand.class);
        m.put("equivalence", EquivalenceCommand.class);
        m.put("fit", FitCommand.class);
        m.put("rf-gram", RfGramCommand.class);
        m.put("noise", NoiseCommand.class);
        m.put("bound", BoundCommand.class);
        m.put("certify", CertifyCommand.class);
        m.put("bench", BenchCommand.class);
        m.put("spark", SparkCommand.class);
        m.put("help", HelpCommand.class);
        return Collections.unmodifiableMap(m);
    }

    /**
     * The command line for {@code args}: when they name a command other than help, only that command is registered
     * (its parse, help, errors and exit codes are what the full model gives it); otherwise — no command, an unknown
     * one, help — every command is, for listings and suggestions. {@code args == null}: every command.
     */
    static CommandLine commandLine(Main main, String[] args) {
        CommandLine cl = new CommandLine(main);
        String first = null;
        for (String a : args == null ? new String[0] : args) {
            if (!a.startsWith("-")) {
                first = a;
                break;
            }
        }
        boolean one = first != null && COMMANDS.containsKey(first) && !first.equals("help");
        for (Map.Entry<String, Class<?>> e : COMMANDS.entrySet()) {
            if (!one || e.getKey().equals(first)) {
                cl.addSubcommand(e.getKey(), e.getValue());
            }
        }
        return cl;
    }

    /** The command line as given, for run.json. */
    String[] args = new String[0];

    @picocli.CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required: " + String.join(", ",
                spec.subcommands().keySet()));
    }

    public static void main(String[] args) {
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            // the same line picocli's version option prints, without building the model of every command (~0.1 s)
            System.out.println(BuildInfo.CURRENT.line());
            return;
        }
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
        Interrupts.install(err);
        int code = run(args, out, err);
        System.exit(code);
    }

    /** Runs the CLI with the given streams and returns the exit code (used by tests). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Main main = new Main();
        main.args = args.clone();
        CommandLine cl = commandLine(main, args);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        PrintWriter o = new PrintWriter(out, true);
        PrintWriter e = new PrintWriter(err, true);
        cl.setOut(o);
        cl.setErr(e);
        versions(cl);
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            String name = c.getCommandSpec().qualifiedName(" ");
            String msg;
            String unknown;
            if (ex instanceof CommandLine.UnmatchedArgumentException u && !c.getSubcommands().isEmpty()
                    && !u.getUnmatched().isEmpty() && !u.getUnmatched().get(0).startsWith("-")) {
                String near = Suggest.nearest(u.getUnmatched().get(0), c.getSubcommands().keySet());
                msg = "unknown command '" + u.getUnmatched().get(0) + "'" + (near != null ? "; did you mean " + near + "?"
                        : "; expected one of " + String.join(", ", c.getSubcommands().keySet()));
            } else if ((unknown = unknownOption(c, a)) != null) {
                String near = Suggest.nearest(unknown, c.getCommandSpec().optionsMap().keySet().stream().filter(n -> n.startsWith("--")).toList());
                msg = "unknown option '" + unknown + "'" + (near != null ? "; did you mean " + near + "?" : "");
            } else {
                msg = ex.getMessage();
            }
            e.println(name + ": " + msg + " (see '" + name + " --help')");
            if (main.verbose) {
                ex.printStackTrace(e);
            }
            e.flush();
            return TangentException.BAD_INPUT;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            String name = c.getCommandSpec().qualifiedName(" ");
            if (ex instanceof TangentException te) {
                e.println(name + ": " + te.getMessage());
                if (main.verbose) {
                    ex.printStackTrace(e);
                }
                e.flush();
                return te.exitCode();
            }
            e.println(name + ": internal error: " + ex + (main.verbose ? "" : " (run with --verbose for the stack trace)"));
            if (main.verbose) {
                ex.printStackTrace(e);
            }
            e.flush();
            return 1;
        });
        int code = cl.execute(args);
        o.flush();
        e.flush();
        return code;
    }

    /** Every command prints the same version line. */
    private static void versions(CommandLine cl) {
        cl.getCommandSpec().versionProvider(new Version());
        for (CommandLine sub : cl.getSubcommands().values()) {
            versions(sub);
        }
    }

    /**
     * The first argument that looks like an option but is none of the command's (or its parents'), or null. Picocli
     * reports a missing required option before an unknown one ("--depht" for "--depth"); this names the typo instead.
     */
    static String unknownOption(CommandLine c, String[] args) {
        Set<String> known = new LinkedHashSet<>();
        List<String> commands = new ArrayList<>();
        for (CommandLine p = c; p != null; p = p.getParent()) {
            known.addAll(p.getCommandSpec().optionsMap().keySet());
            commands.add(p.getCommandName());
        }
        for (String a : args) {
            if (!a.startsWith("-") || a.equals("-") || a.equals("--") || a.matches("-[0-9.,eE+-]*")) {
                continue;
            }
            int eq = a.indexOf('=');
            String n = eq > 0 ? a.substring(0, eq) : a;
            if (!known.contains(n)) {
                return n;
            }
        }
        return null;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {BuildInfo.CURRENT.line()};
        }
    }
}
