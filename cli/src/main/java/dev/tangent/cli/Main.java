package dev.tangent.cli;

import dev.tangent.TangentException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;

/**
 * The {@code tangent} command. Thin: each subcommand parses its options, calls one engine entry point and reports.
 * Errors: a {@link TangentException} becomes one line on stderr and its exit code (2 for bad input); option errors
 * likewise exit 2; anything else is an internal error (exit 1). Stack traces only with {@code --verbose}.
 */
@Command(name = "tangent", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = {"Panama-native engine for neural-tangent-kernel research: analytic NTK/NNGP Gram matrices,",
                "the kernel machines wide ReLU networks are equivalent to, and the workflows of the two papers."},
        subcommands = {InfoCommand.class, DataCommand.class, GramCommand.class, TrainCommand.class, PredictCommand.class, EquivalenceCommand.class, BoundCommand.class, CertifyCommand.class, BenchCommand.class, CommandLine.HelpCommand.class},
        footer = {"", "Every command has --help. Documentation: docs/ in the source tree."})
public final class Main implements Runnable {

    @Option(names = {"-v", "--verbose"}, scope = CommandLine.ScopeType.INHERIT,
            description = "Print stack traces and backend diagnostics.")
    boolean verbose;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "a command is required (info, gram, ...)");
    }

    public static void main(String[] args) {
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(System.err, true, StandardCharsets.UTF_8);
        System.exit(run(args, out, err));
    }

    /** Runs the CLI with the given streams and returns the exit code (used by tests). */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        Main main = new Main();
        CommandLine cl = new CommandLine(main);
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            err.println(c.getCommandSpec().qualifiedName() + ": " + ex.getMessage() + " (see '"
                    + c.getCommandSpec().qualifiedName() + " --help')");
            return TangentException.BAD_INPUT;
        });
        cl.setExecutionExceptionHandler((ex, c, parsed) -> {
            boolean verbose = main.verbose;
            if (ex instanceof TangentException te) {
                err.println(c.getCommandSpec().qualifiedName() + ": " + te.getMessage());
                if (verbose) {
                    ex.printStackTrace(err);
                }
                return te.exitCode();
            }
            err.println(c.getCommandSpec().qualifiedName() + ": internal error: " + ex
                    + (verbose ? "" : " (run with --verbose for the stack trace)"));
            if (verbose) {
                ex.printStackTrace(err);
            }
            return 1;
        });
        return cl.execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"tangent " + (v == null ? "0.1.0-SNAPSHOT" : v) + " (JDK " + Runtime.version() + ")"};
        }
    }
}
